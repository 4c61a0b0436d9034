// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

/// @title IGhostCore
/// @notice Types, events and the external surface of GhostCore, shared by TraceScan,
///         RewardsDistributor and ArcadeCore. Event declarations (and therefore topic0s)
///         are identical to GHOSTNET `IGhostCore` at commit 4454982.
interface IGhostCore {
    enum Level {
        NONE,
        VAULT,
        MAINFRAME,
        SUBNET,
        DARKNET,
        BLACK_ICE
    }

    enum BoostType {
        DEATH_REDUCTION,
        YIELD_MULTIPLIER
    }

    struct Position {
        uint256 amount;
        Level level;
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

    struct LevelState {
        uint256 totalStaked;
        uint256 aliveCount;
        uint256 accRewardsPerShare;
        uint64 nextScanTime;
    }

    struct Boost {
        BoostType boostType;
        uint16 valueBps;
        uint64 expiry;
    }

    struct SystemReset {
        uint64 deadline;
        address lastDepositor;
        uint64 lastDepositTime;
        uint256 epoch;
        uint16 penaltyBps;
    }

    error InvalidLevel();
    error InvalidAmount();
    error PositionAlreadyExists();
    error NoPositionExists();
    error PositionDead();
    error PositionLocked();
    error BelowMinimumStake();
    error InvalidSignature();
    error SignatureExpired();
    error NonceAlreadyUsed();
    error LevelAtCapacity();
    error SystemResetNotReady();

    event JackedIn(address indexed user, uint256 amount, Level indexed level, uint256 newTotal);
    event StakeAdded(address indexed user, uint256 amount, uint256 newTotal);
    event Extracted(address indexed user, uint256 amount, uint256 rewards);
    event DeathsProcessed(Level indexed level, uint256 count, uint256 totalDead, uint256 burned, uint256 distributed);
    event SurvivorsUpdated(Level indexed level, uint256 count);
    event CascadeDistributed(
        Level indexed sourceLevel,
        uint256 sameLevelAmount,
        uint256 upstreamAmount,
        uint256 burnAmount,
        uint256 protocolAmount
    );
    event EmissionsAdded(Level indexed level, uint256 amount);
    event BoostApplied(address indexed user, BoostType boostType, uint16 valueBps, uint64 expiry);
    event SystemResetTriggered(uint256 totalPenalty, address indexed jackpotWinner, uint256 jackpotAmount);
    event PositionCulled(
        address indexed victim, uint256 penaltyAmount, uint256 returnedAmount, address indexed newEntrant
    );

    function jackIn(uint256 amount, Level level) external;
    function addStake(uint256 amount) external;
    function extract() external returns (uint256 amount, uint256 rewards);
    function claimRewards() external returns (uint256 rewards);
    function processDeaths(Level level, address[] calldata deadUsers) external returns (uint256 totalDead);
    function distributeCascade(Level level, uint256 totalDead) external;
    function incrementGhostStreak(Level level) external;
    function addEmissionRewards(Level level, uint256 amount) external;
    function applyBoost(BoostType boostType, uint16 valueBps, uint64 expiry, bytes32 nonce, bytes calldata signature)
        external;
    function triggerSystemReset() external;

    function getPosition(address user) external view returns (Position memory);
    function getPendingRewards(address user) external view returns (uint256);
    function getEffectiveDeathRate(address user) external view returns (uint16);
    function getLevelConfig(Level level) external view returns (LevelConfig memory);
    function getLevelState(Level level) external view returns (LevelState memory);
    function getSystemReset() external view returns (SystemReset memory);
    function isInLockPeriod(address user) external view returns (bool);
    function isAlive(address user) external view returns (bool);
    function getTotalValueLocked() external view returns (uint256);
    function getActiveBoosts(address user) external view returns (Boost[] memory);
    function getCullingRisk(address user) external view returns (uint16 riskBps, bool isEligible, uint16 capacityPct);
}
