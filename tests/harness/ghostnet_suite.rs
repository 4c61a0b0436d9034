//! The whole GHOSTNET core/economy suite on anvil, deployed and wired as in
//! `contracts/README.md` (DataToken, GhostCore, TraceScan, DeadPool,
//! FeeRouter with MockSwapRouter, RewardsDistributor, TeamVesting,
//! GhostPresale, PresaleClaim), the typed interfaces the tests call, and
//! the host bindings of the GHOSTNET handlers.

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::Provider;
use alloy::sol;
use alloy::sol_types::{SolCall, SolValue};
use anyhow::Context;

use crate::chain::Anvil;
use crate::ghostnet::{self, Core, IData, IGhostCore, data};
use crate::host::HandlerSpec;
use crate::paths;

sol! {
    /// GhostCore views and functions beyond [`IGhostCore`].
    interface ICore {
        struct LevelState {
            uint256 totalStaked;
            uint256 aliveCount;
            uint256 accRewardsPerShare;
            uint64 nextScanTime;
        }
        struct SystemReset {
            uint64 deadline;
            address lastDepositor;
            uint64 lastDepositTime;
            uint256 epoch;
            uint16 penaltyBps;
        }
        function getLevelState(uint8 level) external view returns (LevelState memory);
        function getSystemReset() external view returns (SystemReset memory);
        function getPendingRewards(address user) external view returns (uint256);
        function getLevelPositions(uint8 level) external view returns (address[] memory);
        function getTotalValueLocked() external view returns (uint256);
        function triggerSystemReset() external;
        function claimRewards() external returns (uint256 rewards);
        function processDeaths(uint8 level, address[] deadUsers) external returns (uint256 totalDead);
        function addEmissionRewards(uint8 level, uint256 amount) external;
        function grantRole(bytes32 role, address account) external;
    }

    /// TraceScan (behind an ERC-1967 proxy).
    interface ITraceScan {
        struct Scan {
            uint256 scanId;
            uint256 seed;
            uint64 executedAt;
            uint64 finalizedAt;
            uint8 level;
            uint256 totalDead;
            uint256 deathCount;
            bool finalized;
        }
        function initialize(address ghostCore, address admin) external;
        function executeScan(uint8 level) external;
        function submitDeaths(uint8 level, address[] deadUsers) external;
        function finalizeScan(uint8 level) external;
        function isDead(uint256 seed, address user, uint16 rateBps) external pure returns (bool);
        function getCurrentScan(uint8 level) external view returns (Scan memory);
    }

    /// DeadPool (behind an ERC-1967 proxy).
    interface IDeadPool {
        struct Round {
            uint8 roundType;
            uint8 targetLevel;
            uint256 line;
            uint256 overPool;
            uint256 underPool;
            uint64 deadline;
            uint64 resolveTime;
            bool resolved;
            bool outcome;
        }
        struct Bet {
            uint256 amount;
            bool isOver;
            bool claimed;
        }
        function initialize(address dataToken, address admin) external;
        function createRound(uint8 roundType, uint8 targetLevel, uint256 line, uint64 deadline) external returns (uint256);
        function placeBet(uint256 roundId, bool isOver, uint256 amount) external;
        function resolveRound(uint256 roundId, bool outcome) external;
        function claimWinnings(uint256 roundId) external returns (uint256);
        function getRound(uint256 roundId) external view returns (Round memory);
        function getBet(uint256 roundId, address user) external view returns (Bet memory);
        function calculateWinnings(uint256 roundId, address user) external view returns (uint256);
    }

    /// FeeRouter.
    interface IFeeRouter {
        function collectToll(bytes32 reason) external payable;
        function executeBuyback(uint256 minDataOut) external;
        function executeBuybackWithData(bytes swapData, uint256 minDataOut) external;
        function setCollector(address collector, bool authorized) external;
        function setTollAmount(uint256 newAmount) external;
        function setOperationsWallet(address newWallet) external;
        function totalBurned() external view returns (uint256);
        function totalSentToOperations() external view returns (uint256);
    }

    /// MockSwapRouter (test helper).
    interface IMockSwapRouter {
        function swapTo(address to) external payable returns (uint256 out);
    }

    /// RewardsDistributor.
    interface IRewardsDistributor {
        function distribute() external;
        function setLevelWeights(uint16[5] newWeights) external;
        function pendingEmissions() external view returns (uint256);
        function totalDistributed() external view returns (uint256);
    }

    /// TeamVesting.
    interface ITeamVesting {
        function claim() external returns (uint256);
        function getVestingInfo(address beneficiary) external view returns (uint256 total, uint256 vested, uint256 claimed, uint256 claimable);
    }

    /// GhostPresale.
    interface IGhostPresale {
        struct PresaleConfig {
            uint256 minContribution;
            uint256 maxContribution;
            uint256 maxPerWallet;
            bool allowMultipleContributions;
            uint256 startTime;
            uint256 endTime;
            uint256 emergencyDeadline;
        }
        function setConfig(PresaleConfig config) external;
        function addTranche(uint256 supply, uint256 pricePerToken) external;
        function open() external;
        function contribute(uint256 minAllocation) external payable returns (uint256);
        function finalize() external;
        function withdrawETH(address to) external;
        function enableRefunds() external;
        function refund() external;
        function contributions(address account) external view returns (uint256);
        function allocations(address account) external view returns (uint256);
        function totalRaised() external view returns (uint256);
        function totalSold() external view returns (uint256);
        function contributorCount() external view returns (uint256);
    }

    /// PresaleClaim.
    interface IPresaleClaim {
        function claim() external returns (uint256);
        function enableClaiming() external;
        function totalClaimed() external view returns (uint256);
    }

    /// DataToken functions beyond [`IData`].
    interface IToken {
        function burn(uint256 amount) external;
        function totalSupply() external view returns (uint256);
        function totalBurned() external view returns (uint256);
        function isExcludedFromTax(address account) external view returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
    }
}

/// `keccak256(name)`: an AccessControl role id.
pub fn role(name: &str) -> B256 {
    keccak256(name.as_bytes())
}

/// One ETH in wei.
pub fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

/// DATA wei per 1e18 ETH wei paid by the mock swap router.
pub const DATA_PER_ETH: u64 = 50_000;
/// The FeeRouter's configured toll (ETH wei).
pub fn toll_amount() -> U256 {
    eth(1) / U256::from(100u64)
}
/// TeamVesting allocation of the beneficiary: 1000 DATA per day.
pub fn vesting_total() -> U256 {
    data(730_000)
}
/// GhostPresale tranches: (supply, ETH wei per 1e18 DATA).
pub fn presale_tranches() -> [(U256, U256); 2] {
    let milli = U256::from(10u64).pow(U256::from(15u64));
    [(data(1000), milli), (data(5000), milli * U256::from(2u64))]
}

/// The deployed suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// DATA, GhostCore, admin, treasury, players (from [`ghostnet::deploy_core`]).
    pub core: Core,
    /// TraceScan proxy.
    pub trace_scan: Address,
    /// DeadPool proxy.
    pub dead_pool: Address,
    /// FeeRouter.
    pub fee_router: Address,
    /// MockSwapRouter used by the FeeRouter.
    pub swap_router: Address,
    /// FeeRouter operations wallet (a keyless address).
    pub operations: Address,
    /// RewardsDistributor.
    pub rewards_distributor: Address,
    /// TeamVesting.
    pub team_vesting: Address,
    /// TeamVesting beneficiary (the last player).
    pub beneficiary: Address,
    /// GhostPresale (TRANCHE pricing, configured and open).
    pub presale: Address,
    /// PresaleClaim of `presale`.
    pub presale_claim: Address,
}

/// Deploy `name` behind an ERC-1967 proxy initialised with `init`.
pub async fn deploy_proxy<C: SolCall>(
    anvil: &Anvil,
    from: Address,
    name: &str,
    init: &C,
) -> anyhow::Result<Address> {
    let (_, code) = paths::contract(name)?;
    let implementation = anvil.deploy(from, code).await?;
    let (_, proxy_code) = paths::contract("ERC1967Proxy")?;
    let args = (implementation, Bytes::from(init.abi_encode())).abi_encode_params();
    anvil.deploy(from, [proxy_code, args].concat()).await
}

/// Deploy a contract with ABI-encoded constructor arguments.
pub async fn deploy_with(
    anvil: &Anvil,
    from: Address,
    name: &str,
    args: Vec<u8>,
) -> anyhow::Result<Address> {
    let (_, code) = paths::contract(name)?;
    anvil.deploy(from, [code, args].concat()).await
}

/// Exclude `account` from the DATA tax (admin is the DATA owner).
pub async fn exclude(anvil: &Anvil, core: &Core, account: Address) -> anyhow::Result<()> {
    anvil
        .send(
            core.admin,
            core.data,
            IData::setTaxExclusionCall {
                account,
                excluded: true,
            },
        )
        .await?;
    Ok(())
}

/// Send `amount` DATA from the (tax-excluded) admin.
pub async fn fund(anvil: &Anvil, core: &Core, to: Address, amount: U256) -> anyhow::Result<()> {
    anvil
        .send(core.admin, core.data, IData::transferCall { to, amount })
        .await?;
    Ok(())
}

/// The default GhostPresale configuration of the suite: no limits,
/// multiple contributions, emergency refunds possible after 7 days.
pub fn presale_config() -> IGhostPresale::PresaleConfig {
    IGhostPresale::PresaleConfig {
        minContribution: U256::ZERO,
        maxContribution: U256::ZERO,
        maxPerWallet: U256::ZERO,
        allowMultipleContributions: true,
        startTime: U256::ZERO,
        endTime: U256::ZERO,
        emergencyDeadline: U256::from(7u64 * 24 * 3600),
    }
}

/// Deploy a TRANCHE GhostPresale with [`presale_config`] and
/// [`presale_tranches`], open.
pub async fn deploy_presale(anvil: &Anvil, owner: Address) -> anyhow::Result<Address> {
    let presale = deploy_with(
        anvil,
        owner,
        "GhostPresale",
        (U256::ZERO, owner).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            owner,
            presale,
            IGhostPresale::setConfigCall {
                config: presale_config(),
            },
        )
        .await?;
    for (supply, price) in presale_tranches() {
        anvil
            .send(
                owner,
                presale,
                IGhostPresale::addTrancheCall {
                    supply,
                    pricePerToken: price,
                },
            )
            .await?;
    }
    anvil
        .send(owner, presale, IGhostPresale::openCall {})
        .await?;
    Ok(presale)
}

/// Deploy and wire the whole suite with `anvil.accounts[0]` as admin,
/// `accounts[1]` as treasury and the rest as players (1 M DATA each,
/// GhostCore and DeadPool approved).
pub async fn deploy_suite(anvil: &Anvil) -> anyhow::Result<Suite> {
    let core = ghostnet::deploy_core(anvil).await?;
    let admin = core.admin;
    let gc = core.ghost_core;

    let trace_scan = deploy_proxy(
        anvil,
        admin,
        "TraceScan",
        &ITraceScan::initializeCall {
            ghostCore: gc,
            admin,
        },
    )
    .await?;
    anvil
        .send(
            admin,
            gc,
            IGhostCore::grantRoleCall {
                role: role("SCANNER_ROLE"),
                account: trace_scan,
            },
        )
        .await?;

    let rewards_distributor = deploy_with(
        anvil,
        admin,
        "RewardsDistributor",
        (core.data, gc, admin).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            admin,
            gc,
            IGhostCore::grantRoleCall {
                role: role("DISTRIBUTOR_ROLE"),
                account: rewards_distributor,
            },
        )
        .await?;
    exclude(anvil, &core, rewards_distributor).await?;
    fund(anvil, &core, rewards_distributor, data(1_000_000)).await?;

    let dead_pool = deploy_proxy(
        anvil,
        admin,
        "DeadPool",
        &IDeadPool::initializeCall {
            dataToken: core.data,
            admin,
        },
    )
    .await?;
    exclude(anvil, &core, dead_pool).await?;
    for p in &core.players {
        anvil
            .send(
                *p,
                core.data,
                IData::approveCall {
                    spender: dead_pool,
                    amount: U256::MAX,
                },
            )
            .await?;
    }

    let swap_router = deploy_with(
        anvil,
        admin,
        "MockSwapRouter",
        (core.data, U256::from(DATA_PER_ETH) * data(1)).abi_encode_params(),
    )
    .await?;
    exclude(anvil, &core, swap_router).await?;
    fund(anvil, &core, swap_router, data(1_000_000)).await?;
    let operations = Address::repeat_byte(0x0b);
    let weth = Address::repeat_byte(0xee);
    let fee_router = deploy_with(
        anvil,
        admin,
        "FeeRouter",
        (
            core.data,
            weth,
            swap_router,
            operations,
            toll_amount(),
            admin,
        )
            .abi_encode_params(),
    )
    .await?;

    let beneficiary = *core
        .players
        .last()
        .ok_or_else(|| anyhow::anyhow!("the suite needs at least one player"))?;
    let team_vesting = deploy_with(
        anvil,
        admin,
        "TeamVesting",
        (core.data, vec![beneficiary], vec![vesting_total()]).abi_encode_params(),
    )
    .await?;
    fund(anvil, &core, team_vesting, vesting_total()).await?;

    let presale = deploy_presale(anvil, admin).await?;
    let now = now(anvil).await?;
    let presale_claim = deploy_with(
        anvil,
        admin,
        "PresaleClaim",
        (core.data, presale, U256::from(now + 30 * 24 * 3600), admin).abi_encode_params(),
    )
    .await?;
    exclude(anvil, &core, presale_claim).await?;

    Ok(Suite {
        core,
        trace_scan,
        dead_pool,
        fee_router,
        swap_router,
        operations,
        rewards_distributor,
        team_vesting,
        beneficiary,
        presale,
        presale_claim,
    })
}

fn spec(name: &str, contracts: Vec<(&str, Vec<Address>)>) -> anyhow::Result<HandlerSpec> {
    Ok(HandlerSpec {
        name: name.to_owned(),
        component: paths::handler(&format!("{}_handler.wasm", name.replace('-', "_")))?,
        contracts: contracts
            .into_iter()
            .map(|(c, a)| (c.to_owned(), a))
            .collect(),
        start_block: 0,
    })
}

/// Every GHOSTNET core handler bound to the suite (extra presales are
/// indexed by the same ghost-presale handler).
pub fn suite_handlers(s: &Suite, extra_presales: &[Address]) -> anyhow::Result<Vec<HandlerSpec>> {
    let gc = s.core.ghost_core;
    let mut presales = vec![s.presale];
    presales.extend_from_slice(extra_presales);
    Ok(vec![
        spec(
            "ghost-core",
            vec![("GhostCore", vec![gc]), ("TraceScan", vec![s.trace_scan])],
        )?,
        spec(
            "trace-scan",
            vec![("TraceScan", vec![s.trace_scan]), ("GhostCore", vec![gc])],
        )?,
        spec("data-token", vec![("DataToken", vec![s.core.data])])?,
        spec("dead-pool", vec![("DeadPool", vec![s.dead_pool])])?,
        spec("fee-router", vec![("FeeRouter", vec![s.fee_router])])?,
        spec(
            "rewards-distributor",
            vec![
                ("RewardsDistributor", vec![s.rewards_distributor]),
                ("GhostCore", vec![gc]),
            ],
        )?,
        spec("team-vesting", vec![("TeamVesting", vec![s.team_vesting])])?,
        spec("ghost-presale", vec![("GhostPresale", presales)])?,
        spec(
            "presale-claim",
            vec![("PresaleClaim", vec![s.presale_claim])],
        )?,
    ])
}

/// The latest block's timestamp.
pub async fn now(anvil: &Anvil) -> anyhow::Result<u64> {
    Ok(anvil
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no latest block"))?
        .header
        .timestamp)
}

/// Make the next block's timestamp exactly `ts` (or one second after the
/// latest block if `ts` is not later).
pub async fn warp_to(anvil: &Anvil, ts: u64) -> anyhow::Result<u64> {
    let at = ts.max(now(anvil).await? + 1);
    let _: serde_json::Value = anvil
        .provider
        .raw_request("evm_setNextBlockTimestamp".into(), (at,))
        .await?;
    Ok(at)
}

/// Send a call with ETH `value` (through [`Anvil::send_value`], which sets
/// the nonce from the latest block and a fixed gas limit: `jackIn` and
/// `addStake` store `block.timestamp`, so an estimate made in one second can
/// be short in the next) and wait for a successful receipt.
pub async fn send<C: SolCall>(
    anvil: &Anvil,
    from: Address,
    to: Address,
    call: C,
    value: U256,
) -> anyhow::Result<alloy::rpc::types::TransactionReceipt> {
    anvil
        .send_value(from, to, call, value)
        .await
        .with_context(|| format!("{} from {from:#x} to {to:#x}", C::SIGNATURE))
}

/// Send plain ETH (no calldata) and wait for a successful receipt.
pub async fn send_raw_value(
    anvil: &Anvil,
    from: Address,
    to: Address,
    value: U256,
) -> anyhow::Result<alloy::rpc::types::TransactionReceipt> {
    anvil
        .send_raw(from, Some(to), Default::default(), value)
        .await
        .with_context(|| format!("ETH from {from:#x} to {to:#x}"))
}
