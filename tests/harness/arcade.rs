//! The GHOSTNET arcade on anvil: DATA and GhostCore (for `requiresPosition`
//! checks), ArcadeCore with a GameRegistry and HashCrash, DuelEscrow on its
//! own ArcadeCore (both games number sessions from 1, so they would collide
//! on one ArcadeCore), and DailyOps — deployed and wired as
//! `contracts/README.md` describes, with typed call interfaces, the oracle
//! and mission signatures, and the handler bindings for the host.
//!
//! Contract quirks the helpers account for (see `contracts/check.mjs`):
//! ArcadeCore accepts one entry per player per second (advance time between
//! a player's entries: [`Arcade::next_second`]); HashCrash cannot
//! `settleAll` a round that has a winner (settle winners one by one, then
//! `emergencyCancel`); expiring a HashCrash seed needs the EIP-2935 history
//! contract hidden ([`hide_block_history`]) so the window is 256 blocks.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol;
use alloy::sol_types::{SolCall, SolValue};
use anyhow::Context;

use crate::chain::{Anvil, signer};
use crate::ghostnet::{self, Core, IData, data};
use crate::host::HandlerSpec;
use crate::paths;

sol! {
    /// ArcadeCore (behind an ERC-1967 proxy).
    interface IArcadeCore {
        struct GameConfig {
            uint256 minEntry;
            uint256 maxEntry;
            uint16 rakeBps;
            uint16 burnBps;
            bool requiresPosition;
            bool paused;
        }
        struct SessionRecord {
            address game;
            uint256 prizePool;
            uint256 totalPaid;
            uint8 state;
            uint64 createdAt;
            uint64 settledAt;
        }
        struct PlayerStats {
            uint64 totalGamesPlayed;
            uint128 totalWagered;
            uint128 totalWon;
            uint64 totalWins;
            uint64 totalLosses;
            uint64 lastPlayTime;
        }
        function initialize(address dataToken_, address ghostCore_, address treasury_, address admin) external;
        function grantRole(bytes32 role, address account) external;
        function registerGame(address game, GameConfig config) external;
        function updateGameConfig(address game, GameConfig config) external;
        function unregisterGame(address game) external;
        function processEntry(address player, uint256 amount, uint256 sessionId) external returns (uint256 netAmount);
        function creditPayout(uint256 sessionId, address player, uint256 amount, uint256 burnAmount, bool won) external;
        function batchCreditPayouts(uint256[] sessionIds, address[] players, uint256[] amounts, uint256[] burnAmounts, bool[] results) external;
        function settleSession(uint256 sessionId) external;
        function cancelSession(uint256 sessionId) external;
        function emergencyRefund(uint256 sessionId, address player, uint256 amount) external;
        function batchEmergencyRefund(uint256 sessionId, address[] players) external;
        function claimExpiredRefund(uint256 sessionId, address player) external;
        function withdrawPayout() external returns (uint256 amount);
        function emergencyQuarantineGame(address game) external;
        function pause() external;
        function unpause() external;
        function getSession(uint256 sessionId) external view returns (SessionRecord memory);
        function getGameConfig(address game) external view returns (GameConfig memory);
        function isGameRegistered(address game) external view returns (bool);
        function getSessionDeposit(uint256 sessionId, address player) external view returns (uint256);
        function getSessionGrossDeposit(uint256 sessionId, address player) external view returns (uint256);
        function isRefunded(uint256 sessionId, address player) external view returns (bool);
        function getPendingPayout(address player) external view returns (uint256);
        function getPlayerStats(address player) external view returns (PlayerStats memory);
        function getTotalPendingPayouts() external view returns (uint256);
        function getGlobalStats() external view returns (uint256 totalGamesPlayed_, uint256 totalVolume_, uint256 totalRakeCollected_, uint256 totalBurned_);
    }

    /// GameRegistry.
    interface IGameRegistry {
        struct EntryConfig {
            uint128 minEntry;
            uint128 maxEntry;
            uint16 rakeBps;
            uint16 burnBps;
            bool requiresPosition;
            bool boostEligible;
        }
        struct GameInfo {
            bytes32 gameId;
            string name;
            string description;
            uint8 category;
            uint8 minPlayers;
            uint8 maxPlayers;
            bool isActive;
            uint64 launchedAt;
        }
        function registerGame(address game, EntryConfig config) external;
        function updateEntryConfig(address game, EntryConfig config) external;
        function pauseGame(address game) external;
        function unpauseGame(address game) external;
        function markGameForRemoval(address game) external;
        function cancelGameRemoval(address game) external;
        function removeGame(address game) external;
        function setArcadeCore(address newArcadeCore) external;
        function transferOwnership(address newOwner) external;
        function acceptOwnership() external;
        function isGameRegistered(address game) external view returns (bool);
        function isGamePaused(address game) external view returns (bool);
        function getEntryConfig(address game) external view returns (EntryConfig memory);
        function getGameInfo(address game) external view returns (GameInfo memory);
        function getPendingRemoval(address game) external view returns (uint256);
        function getGameCount() external view returns (uint256);
        function arcadeCore() external view returns (address);
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
    }

    /// HashCrash.
    interface IHashCrash {
        struct Round {
            uint8 state;
            uint64 bettingEndTime;
            uint256 prizePool;
            uint256 crashMultiplier;
            uint256 totalPaidOut;
            uint256 playerCount;
        }
        struct PlayerBet {
            uint128 amount;
            uint128 grossAmount;
            uint128 targetMultiplier;
            bool settled;
        }
        struct RoundSeed {
            uint64 seedBlock;
            uint64 commitBlock;
            bool committed;
            bool revealed;
            bool usedExtendedHistory;
            bytes32 blockHash;
            uint256 seed;
        }
        function startRound() external;
        function placeBet(uint256 amount, uint256 targetMultiplier) external;
        function lockRound() external;
        function revealCrash() external;
        function settle(address player) external;
        function settleAll() external;
        function handleExpiredRound() external;
        function claimExpiredRefund(uint256 roundId, address player) external;
        function emergencyCancel(uint256 sessionId, string reason) external;
        function setActive(bool active) external;
        function pause() external;
        function unpause() external;
        function getRound(uint256 roundId) external view returns (Round memory);
        function getPlayerBet(uint256 roundId, address player) external view returns (PlayerBet memory);
        function getSeedInfo(uint256 roundId) external view returns (RoundSeed memory);
        function crashPointFromSeed(uint256 seed) external pure returns (uint256);
        function currentSessionId() external view returns (uint256);
    }

    /// DuelEscrow.
    interface IDuelEscrow {
        struct Match {
            address player1;
            address player2;
            uint128 stake;
            uint128 prizePool;
            uint128 player1Net;
            uint128 player2Net;
            uint8 state;
            uint8 tier;
            uint64 createdAt;
            uint64 expiresAt;
            uint64 timeoutAt;
            address winner;
            uint8 outcome;
        }
        function createMatch(address player1, address player2, uint8 tier, bytes signature, bytes32 nonce) external returns (uint256);
        function joinMatch(uint256 matchId) external;
        function submitResult(uint256 matchId, address winner, uint8 outcome, bytes signature, bytes32 nonce) external;
        function claimRefund(uint256 matchId) external;
        function setOracle(address newOracle) external;
        function emergencyCancel(uint256 sessionId, string reason) external;
        function pause() external;
        function unpause() external;
        function getMatch(uint256 matchId) external view returns (Match memory);
        function matchCount() external view returns (uint256);
        function oracle() external view returns (address);
    }

    /// DailyOps.
    interface IDailyOps {
        struct PlayerStreak {
            uint32 currentStreak;
            uint32 longestStreak;
            uint64 lastClaimDay;
            uint64 shieldExpiryDay;
            uint256 totalClaimed;
            uint64 totalMissionsCompleted;
        }
        struct Badge {
            bytes32 badgeId;
            uint64 earnedAt;
        }
        function claimDailyReward(uint64 day, bytes32 missionId, uint256 rewardAmount, bytes32 nonce, bytes signature) external;
        function purchaseShield(uint8 days_) external;
        function fundTreasury(uint256 amount) external;
        function getStreak(address player) external view returns (PlayerStreak memory);
        function getBadges(address player) external view returns (Badge[] memory);
        function totalDistributed() external view returns (uint256);
        function totalBurned() external view returns (uint256);
        function getTreasuryBalance() external view returns (uint256);
        function grantRole(bytes32 role, address account) external;
        function revokeRole(bytes32 role, address account) external;
        function beginDefaultAdminTransfer(address newAdmin) external;
        function cancelDefaultAdminTransfer() external;
        function acceptDefaultAdminTransfer() external;
        function changeDefaultAdminDelay(uint48 newDelay) external;
        function rollbackDefaultAdminDelay() external;
        function defaultAdmin() external view returns (address);
        function pendingDefaultAdmin() external view returns (address newAdmin, uint48 schedule);
    }
}

/// The dead address protocol burns go to.
pub const DEAD: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
]);

/// The EIP-2935 block-hash history contract.
pub const BLOCK_HISTORY: Address = Address::new([
    0x00, 0x00, 0xF9, 0x08, 0x27, 0xF1, 0xC5, 0x3a, 0x10, 0xcb, 0x7A, 0x02, 0x33, 0x5B, 0x17, 0x53,
    0x20, 0x00, 0x29, 0x35,
]);

/// keccak256 of a role name (OpenZeppelin role ids).
pub fn role(name: &str) -> B256 {
    keccak256(name.as_bytes())
}

/// HashCrash's entry config in the registry (and, forwarded, ArcadeCore):
/// 1..1000 DATA, 2.5 % rake of which 40 % is burned.
pub fn hash_crash_entry() -> IGameRegistry::EntryConfig {
    IGameRegistry::EntryConfig {
        minEntry: 10u128.pow(18),
        maxEntry: 1000 * 10u128.pow(18),
        rakeBps: 250,
        burnBps: 4000,
        requiresPosition: false,
        boostEligible: true,
    }
}

/// DuelEscrow's config on its ArcadeCore: no limits, 3.33 % rake, all of it
/// burned.
pub fn duel_config() -> IArcadeCore::GameConfig {
    IArcadeCore::GameConfig {
        minEntry: U256::ZERO,
        maxEntry: U256::ZERO,
        rakeBps: 333,
        burnBps: 10_000,
        requiresPosition: false,
        paused: false,
    }
}

/// The deployed arcade.
#[derive(Debug, Clone)]
pub struct Arcade {
    /// DATA, GhostCore, admin, treasury, players.
    pub core: Core,
    /// ArcadeCore proxy of HashCrash (and the registry).
    pub arcade_core: Address,
    /// Its implementation.
    pub arcade_core_impl: Address,
    /// GameRegistry over `arcade_core`.
    pub registry: Address,
    /// HashCrash, registered through the registry.
    pub hash_crash: Address,
    /// ArcadeCore proxy of DuelEscrow.
    pub duel_core: Address,
    /// Its implementation.
    pub duel_core_impl: Address,
    /// DuelEscrow, registered directly on `duel_core`.
    pub duel: Address,
    /// DailyOps.
    pub daily_ops: Address,
    /// DuelEscrow's oracle key.
    pub oracle: PrivateKeySigner,
    /// DailyOps' mission signer key.
    pub mission_signer: PrivateKeySigner,
}

async fn deploy(
    anvil: &Anvil,
    from: Address,
    name: &str,
    args: Vec<u8>,
) -> anyhow::Result<Address> {
    let (_, code) = paths::contract(name)?;
    anvil.deploy(from, [code, args].concat()).await
}

/// Deploy an ArcadeCore proxy; returns (proxy, implementation).
pub async fn deploy_arcade_core(anvil: &Anvil, core: &Core) -> anyhow::Result<(Address, Address)> {
    let implementation = deploy(anvil, core.admin, "ArcadeCore", Vec::new()).await?;
    let init = IArcadeCore::initializeCall {
        dataToken_: core.data,
        ghostCore_: core.ghost_core,
        treasury_: core.treasury,
        admin: core.admin,
    };
    let args = (implementation, Bytes::from(init.abi_encode())).abi_encode_params();
    let proxy = deploy(anvil, core.admin, "ERC1967Proxy", args).await?;
    anvil
        .send(
            core.admin,
            core.data,
            IData::setTaxExclusionCall {
                account: proxy,
                excluded: true,
            },
        )
        .await?;
    Ok((proxy, implementation))
}

/// Deploy the whole arcade on `anvil` (accounts: 0 admin, 1 treasury, the
/// rest players; each player approves both ArcadeCores and DailyOps).
/// HashCrash is registered through the registry with [`hash_crash_entry`],
/// DuelEscrow directly on its ArcadeCore with [`duel_config`]; DailyOps is
/// funded with 100 000 DATA.
pub async fn deploy_arcade(anvil: &Anvil) -> anyhow::Result<Arcade> {
    let core = ghostnet::deploy_core(anvil).await?;
    let admin = core.admin;
    let (arcade_core, arcade_core_impl) = deploy_arcade_core(anvil, &core).await?;
    let registry = deploy(
        anvil,
        admin,
        "GameRegistry",
        (admin, arcade_core).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            admin,
            arcade_core,
            IArcadeCore::grantRoleCall {
                role: role("GAME_ADMIN_ROLE"),
                account: registry,
            },
        )
        .await?;
    let hash_crash = deploy(
        anvil,
        admin,
        "HashCrash",
        (arcade_core, admin).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            admin,
            registry,
            IGameRegistry::registerGameCall {
                game: hash_crash,
                config: hash_crash_entry(),
            },
        )
        .await?;

    let (duel_core, duel_core_impl) = deploy_arcade_core(anvil, &core).await?;
    let oracle = signer(1_000)?;
    let duel = deploy(
        anvil,
        admin,
        "DuelEscrow",
        (duel_core, oracle.address(), admin).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            admin,
            duel_core,
            IArcadeCore::registerGameCall {
                game: duel,
                config: duel_config(),
            },
        )
        .await?;

    let mission_signer = signer(1_001)?;
    let daily_ops = deploy(
        anvil,
        admin,
        "DailyOps",
        (core.data, admin, mission_signer.address()).abi_encode_params(),
    )
    .await?;
    anvil
        .send(
            admin,
            core.data,
            IData::setTaxExclusionCall {
                account: daily_ops,
                excluded: true,
            },
        )
        .await?;
    anvil
        .send(
            admin,
            core.data,
            IData::approveCall {
                spender: daily_ops,
                amount: U256::MAX,
            },
        )
        .await?;
    anvil
        .send(
            admin,
            daily_ops,
            IDailyOps::fundTreasuryCall {
                amount: data(100_000),
            },
        )
        .await?;
    for p in &core.players {
        for spender in [arcade_core, duel_core, daily_ops] {
            anvil
                .send(
                    *p,
                    core.data,
                    IData::approveCall {
                        spender,
                        amount: U256::MAX,
                    },
                )
                .await?;
        }
    }
    Ok(Arcade {
        core,
        arcade_core,
        arcade_core_impl,
        registry,
        hash_crash,
        duel_core,
        duel_core_impl,
        duel,
        daily_ops,
        oracle,
        mission_signer,
    })
}

impl Arcade {
    /// The five arcade handlers, bound to this deployment.
    pub fn handlers(&self) -> anyhow::Result<Vec<HandlerSpec>> {
        let spec = |name: &str,
                    file: &str,
                    contracts: Vec<(&str, Vec<Address>)>|
         -> anyhow::Result<HandlerSpec> {
            Ok(HandlerSpec {
                name: name.to_owned(),
                component: paths::handler(file)?,
                contracts: contracts
                    .into_iter()
                    .map(|(c, a)| (c.to_owned(), a))
                    .collect(),
                start_block: 0,
            })
        };
        let cores = vec![self.arcade_core, self.duel_core];
        Ok(vec![
            spec(
                "arcade-core",
                "arcade_core_handler.wasm",
                vec![("ArcadeCore", cores.clone())],
            )?,
            spec(
                "game-registry",
                "game_registry_handler.wasm",
                vec![("GameRegistry", vec![self.registry]), ("ArcadeCore", cores)],
            )?,
            spec(
                "hash-crash",
                "hash_crash_handler.wasm",
                vec![
                    ("HashCrash", vec![self.hash_crash]),
                    ("ArcadeCore", vec![self.arcade_core]),
                ],
            )?,
            spec(
                "duel-escrow",
                "duel_escrow_handler.wasm",
                vec![("DuelEscrow", vec![self.duel])],
            )?,
            spec(
                "daily-ops",
                "daily_ops_handler.wasm",
                vec![("DailyOps", vec![self.daily_ops])],
            )?,
        ])
    }

    /// The oracle's EIP-191 signature for `createMatch(p1, p2, tier, …, nonce)`:
    /// personal-sign of keccak256(abi.encodePacked("CREATE_MATCH", p1, p2,
    /// uint8 tier, nonce, chainid, duelEscrow)).
    pub fn create_match_signature(
        &self,
        player1: Address,
        player2: Address,
        tier: u8,
        nonce: B256,
    ) -> anyhow::Result<Bytes> {
        let mut packed = b"CREATE_MATCH".to_vec();
        packed.extend_from_slice(player1.as_slice());
        packed.extend_from_slice(player2.as_slice());
        packed.push(tier);
        packed.extend_from_slice(nonce.as_slice());
        packed.extend_from_slice(&U256::from(31_337u64).to_be_bytes::<32>());
        packed.extend_from_slice(self.duel.as_slice());
        personal_sign(&self.oracle, &packed)
    }

    /// The oracle's EIP-191 signature for `submitResult(id, winner, outcome,
    /// …, nonce)`: personal-sign of keccak256(abi.encodePacked(
    /// "SUBMIT_RESULT", id, winner, uint8 outcome, nonce, chainid, duelEscrow)).
    pub fn result_signature(
        &self,
        match_id: U256,
        winner: Address,
        outcome: u8,
        nonce: B256,
    ) -> anyhow::Result<Bytes> {
        let mut packed = b"SUBMIT_RESULT".to_vec();
        packed.extend_from_slice(&match_id.to_be_bytes::<32>());
        packed.extend_from_slice(winner.as_slice());
        packed.push(outcome);
        packed.extend_from_slice(nonce.as_slice());
        packed.extend_from_slice(&U256::from(31_337u64).to_be_bytes::<32>());
        packed.extend_from_slice(self.duel.as_slice());
        personal_sign(&self.oracle, &packed)
    }

    /// The mission signer's EIP-191 signature for a DailyOps claim:
    /// personal-sign of keccak256(abi.encodePacked(player, uint64 day,
    /// missionId, reward, nonce, chainid, dailyOps)).
    pub fn mission_signature(
        &self,
        player: Address,
        day: u64,
        mission: B256,
        reward: U256,
        nonce: B256,
    ) -> anyhow::Result<Bytes> {
        let mut packed = player.to_vec();
        packed.extend_from_slice(&day.to_be_bytes());
        packed.extend_from_slice(mission.as_slice());
        packed.extend_from_slice(&reward.to_be_bytes::<32>());
        packed.extend_from_slice(nonce.as_slice());
        packed.extend_from_slice(&U256::from(31_337u64).to_be_bytes::<32>());
        packed.extend_from_slice(self.daily_ops.as_slice());
        personal_sign(&self.mission_signer, &packed)
    }

    /// Claim DailyOps' reward for `day` as `player` (mission and nonce
    /// derived from `tag`); returns the mission id.
    pub async fn claim_daily(
        &self,
        anvil: &Anvil,
        player: Address,
        day: u64,
        reward: U256,
        tag: &str,
    ) -> anyhow::Result<B256> {
        let mission = keccak256(format!("mission-{tag}"));
        let nonce = keccak256(format!("nonce-{tag}"));
        let signature = self.mission_signature(player, day, mission, reward, nonce)?;
        anvil
            .send(
                player,
                self.daily_ops,
                IDailyOps::claimDailyRewardCall {
                    day,
                    missionId: mission,
                    rewardAmount: reward,
                    nonce,
                    signature,
                },
            )
            .await
            .with_context(|| format!("claiming day {day} for {player}"))?;
        Ok(mission)
    }

    /// Make the next block one second (or more) later than the latest, so
    /// ArcadeCore's one-entry-per-second limit lets a player enter again.
    pub async fn next_second(&self, anvil: &Anvil) -> anyhow::Result<()> {
        let now = latest_timestamp(anvil).await?;
        set_next_timestamp(anvil, now + 2).await
    }
}

/// EIP-191 personal-sign of keccak256(`packed`), as `toEthSignedMessageHash`
/// expects; 65 bytes r ‖ s ‖ v (27/28).
pub fn personal_sign(key: &PrivateKeySigner, packed: &[u8]) -> anyhow::Result<Bytes> {
    let hash = keccak256(packed);
    let sig = key.sign_message_sync(hash.as_slice())?;
    Ok(Bytes::from(sig.as_bytes().to_vec()))
}

/// `eth_call` of `call` as `from` (nothing is sent). Use it to check that a
/// call reverts: a transaction that fails gas estimation through
/// [`Anvil::send`] may still take a nonce from the wallet's nonce cache,
/// leaving the sender's later transactions stuck behind a gap.
pub async fn simulate<C: SolCall>(
    anvil: &Anvil,
    from: Address,
    to: Address,
    call: C,
) -> anyhow::Result<C::Return> {
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(call.abi_encode());
    let out = anvil.provider.call(tx).await?;
    Ok(C::abi_decode_returns(&out)?)
}

/// The latest block's timestamp.
pub async fn latest_timestamp(anvil: &Anvil) -> anyhow::Result<u64> {
    block_timestamp(anvil, anvil.block_number().await?).await
}

/// The timestamp of block `n`.
pub async fn block_timestamp(anvil: &Anvil, n: u64) -> anyhow::Result<u64> {
    let b = anvil
        .provider
        .get_block_by_number(n.into())
        .await?
        .context("no such block")?;
    Ok(b.header.timestamp)
}

/// Give the next mined block timestamp `ts`.
pub async fn set_next_timestamp(anvil: &Anvil, ts: u64) -> anyhow::Result<()> {
    let _: serde_json::Value = anvil
        .provider
        .raw_request("evm_setNextBlockTimestamp".into(), (ts,))
        .await?;
    Ok(())
}

/// Remove the EIP-2935 history contract's code so that block hashes are
/// only available for 256 blocks (expiring a HashCrash seed then takes 257
/// blocks instead of 8192); returns the code to restore.
pub async fn hide_block_history(anvil: &Anvil) -> anyhow::Result<Bytes> {
    let code = anvil.provider.get_code_at(BLOCK_HISTORY).await?;
    let _: serde_json::Value = anvil
        .provider
        .raw_request("anvil_setCode".into(), (BLOCK_HISTORY, Bytes::new()))
        .await?;
    Ok(code)
}

/// Put the EIP-2935 history contract's code back.
pub async fn restore_block_history(anvil: &Anvil, code: Bytes) -> anyhow::Result<()> {
    let _: serde_json::Value = anvil
        .provider
        .raw_request("anvil_setCode".into(), (BLOCK_HISTORY, code))
        .await?;
    Ok(())
}
