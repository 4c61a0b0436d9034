//! GHOSTNET on anvil: the project's own contracts (from `contracts/out`),
//! deployed and wired, with typed call interfaces.

use alloy::primitives::{Address, U256};
use alloy::sol;
use alloy::sol_types::SolValue;

use crate::chain::Anvil;
use crate::paths;

sol! {
    /// DATA (ERC-20 with the transfer tax).
    interface IData {
        function transfer(address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function setTaxExclusion(address account, bool excluded) external;
    }

    /// GhostCore (behind an ERC-1967 proxy).
    interface IGhostCore {
        struct Position {
            uint256 amount;
            uint8 level;
            uint64 entryTimestamp;
            uint64 lastAddTimestamp;
            uint256 rewardDebt;
            bool alive;
            uint16 ghostStreak;
        }
        struct LevelConfig {
            uint16 baseDeathRateBps;
            uint32 scanInterval;
            uint256 minStake;
            uint32 maxPositions;
            uint16 cullingBottomPct;
            uint16 cullingPenaltyBps;
        }
        function initialize(address dataToken_, address treasury_, address boostSigner_, address admin) external;
        function jackIn(uint256 amount, uint8 level) external;
        function addStake(uint256 amount) external;
        function extract() external returns (uint256 amount, uint256 rewards);
        function emergencyWithdraw() external;
        function pause() external;
        function unpause() external;
        function updateLevelConfig(uint8 level, LevelConfig config) external;
        function getPosition(address user) external view returns (Position memory);
        function getLevelConfig(uint8 level) external view returns (LevelConfig memory);
        function grantRole(bytes32 role, address account) external;
    }
}

/// One DATA token in wei.
pub fn data(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

/// The core deployment: DATA and GhostCore.
#[derive(Debug, Clone)]
pub struct Core {
    /// DATA token.
    pub data: Address,
    /// GhostCore proxy.
    pub ghost_core: Address,
    /// Admin (deployer, pauser, DATA owner).
    pub admin: Address,
    /// Treasury.
    pub treasury: Address,
    /// Funded players with DATA approved to GhostCore.
    pub players: Vec<Address>,
}

/// Deploy DATA and GhostCore with `anvil.accounts[0]` as admin,
/// `accounts[1]` as treasury and the rest as players (each gets 1 M DATA
/// and approves GhostCore).
pub async fn deploy_core(anvil: &Anvil) -> anyhow::Result<Core> {
    let admin = anvil.accounts[0];
    let treasury = anvil.accounts[1];
    let players: Vec<Address> = anvil.accounts[2..].to_vec();
    let (_, token_code) = paths::contract("DataToken")?;
    let args = (treasury, admin, vec![admin], vec![data(100_000_000)]).abi_encode_params();
    let data_addr = anvil.deploy(admin, [token_code, args].concat()).await?;
    let (_, core_code) = paths::contract("GhostCore")?;
    let implementation = anvil.deploy(admin, core_code).await?;
    let init = IGhostCore::initializeCall {
        dataToken_: data_addr,
        treasury_: treasury,
        boostSigner_: admin,
        admin,
    };
    let (_, proxy_code) = paths::contract("ERC1967Proxy")?;
    let proxy_args = (
        implementation,
        alloy::primitives::Bytes::from(alloy::sol_types::SolCall::abi_encode(&init)),
    )
        .abi_encode_params();
    let ghost_core = anvil
        .deploy(admin, [proxy_code, proxy_args].concat())
        .await?;
    anvil
        .send(
            admin,
            data_addr,
            IData::setTaxExclusionCall {
                account: ghost_core,
                excluded: true,
            },
        )
        .await?;
    anvil
        .send(
            admin,
            data_addr,
            IData::setTaxExclusionCall {
                account: admin,
                excluded: true,
            },
        )
        .await?;
    for p in &players {
        anvil
            .send(
                admin,
                data_addr,
                IData::transferCall {
                    to: *p,
                    amount: data(1_000_000),
                },
            )
            .await?;
        anvil
            .send(
                *p,
                data_addr,
                IData::approveCall {
                    spender: ghost_core,
                    amount: U256::MAX,
                },
            )
            .await?;
    }
    Ok(Core {
        data: data_addr,
        ghost_core,
        admin,
        treasury,
        players,
    })
}

/// A deterministic pseudo-random source for traffic (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Minimum stake per level (CONTRACTS.md §4.1).
const MIN_STAKE: [u64; 6] = [0, 10, 25, 50, 100, 250];

/// Play `steps` valid GhostCore actions chosen by `rng` from the players'
/// on-chain state (jack in, add stake, extract); one transaction (and, on
/// anvil, one block) each.
pub async fn play(anvil: &Anvil, core: &Core, rng: &mut Rng, steps: usize) -> anyhow::Result<()> {
    for _ in 0..steps {
        let p = core.players[rng.below(core.players.len() as u64) as usize];
        let pos = anvil
            .call(core.ghost_core, IGhostCore::getPositionCall { user: p })
            .await?;
        if pos.level == 0 {
            let level = 1 + rng.below(5) as u8;
            let amount =
                data(MIN_STAKE[level as usize] + rng.below(300)) + U256::from(rng.below(1_000_000));
            anvil
                .send(p, core.ghost_core, IGhostCore::jackInCall { amount, level })
                .await?;
        } else if pos.alive && rng.below(4) == 0 {
            anvil
                .send(p, core.ghost_core, IGhostCore::extractCall {})
                .await?;
        } else if pos.alive {
            let amount = data(1 + rng.below(50)) + U256::from(rng.below(1_000));
            anvil
                .send(p, core.ghost_core, IGhostCore::addStakeCall { amount })
                .await?;
        } else {
            anvil.mine(1).await?;
        }
    }
    Ok(())
}
