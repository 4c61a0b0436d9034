// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

/// @title IArcadeCore
/// @notice Types, events, errors and the game-facing surface of ArcadeCore. Event declarations
///         (topic0s) are identical to GHOSTNET `IArcadeCore` at commit 4454982.
interface IArcadeCore {
    enum SessionState {
        NONE,
        ACTIVE,
        SETTLED,
        CANCELLED
    }

    struct SessionRecord {
        address game;
        uint256 prizePool;
        uint256 totalPaid;
        SessionState state;
        uint64 createdAt;
        uint64 settledAt;
    }

    struct GameConfig {
        uint256 minEntry;
        uint256 maxEntry; // 0 = no limit
        uint16 rakeBps;
        uint16 burnBps; // share of the rake sent to 0xdEaD
        bool requiresPosition;
        bool paused;
    }

    struct PlayerStats {
        uint64 totalGamesPlayed;
        uint128 totalWagered; // divided by 1e6 (analytics only)
        uint128 totalWon; // divided by 1e6 (analytics only)
        uint64 totalWins;
        uint64 totalLosses;
        uint64 lastPlayTime;
    }

    error GameNotRegistered();
    error GameAlreadyRegistered();
    error GamePaused();
    error SessionNotFound();
    error SessionGameMismatch();
    error SessionNotActive();
    error PayoutExceedsPrizePool();
    error RefundExceedsDeposit();
    error InvalidRefundAmount();
    error AlreadyRefunded();
    error SessionNotRefundable();
    error RefundsBlockedAfterPayouts();
    error NoDepositFound();
    error InvalidEntryAmount();
    error PositionRequired();
    error RateLimited();
    error ArrayLengthMismatch(
        uint256 sessionIdsLen, uint256 playersLen, uint256 amountsLen, uint256 burnAmountsLen, uint256 resultsLen
    );
    error BatchTooLarge(uint256 size, uint256 maxSize);
    error EmptyBatch();
    error InvalidAddress();

    event GameRegistered(address indexed game, GameConfig config);
    event GameUnregistered(address indexed game);
    event GameConfigUpdated(address indexed game, GameConfig config);
    event SessionCreated(address indexed game, uint256 indexed sessionId, uint64 timestamp);
    event SessionSettled(address indexed game, uint256 indexed sessionId, uint256 totalPaid, uint256 remaining);
    event SessionCancelled(address indexed game, uint256 indexed sessionId, uint256 prizePool);
    event EntryProcessed(
        address indexed game,
        address indexed player,
        uint256 indexed sessionId,
        uint256 amount,
        uint256 netAmount,
        uint256 rakeAmount
    );
    event PayoutCredited(address indexed player, uint256 amount, uint256 totalPending);
    event GameSettled(
        address indexed game, address indexed player, uint256 indexed sessionId, uint256 payout, uint256 burned, bool won
    );
    event BatchPayoutProcessed(address indexed game, uint256 batchSize, uint256 totalPaid, uint256 totalBurned);
    event EmergencyRefund(address indexed game, address indexed player, uint256 indexed sessionId, uint256 amount);
    event BatchEmergencyRefund(
        address indexed game, uint256 indexed sessionId, uint256 playersRefunded, uint256 totalRefunded
    );
    event ExpiredRefundClaimed(address indexed player, uint256 indexed sessionId, uint256 amount);
    event GameQuarantined(address indexed game, uint256 sessionsAffected);
    event PayoutWithdrawn(address indexed player, uint256 amount);

    function registerGame(address game, GameConfig calldata config) external;
    function unregisterGame(address game) external;
    function updateGameConfig(address game, GameConfig calldata config) external;
    function pauseGame(address game) external;
    function unpauseGame(address game) external;
    function processEntry(address player, uint256 amount, uint256 sessionId) external returns (uint256 netAmount);
    function creditPayout(uint256 sessionId, address player, uint256 amount, uint256 burnAmount, bool won) external;
    function settleSession(uint256 sessionId) external;
    function cancelSession(uint256 sessionId) external;
    function emergencyRefund(uint256 sessionId, address player, uint256 amount) external;
    function claimExpiredRefund(uint256 sessionId, address player) external;
}
