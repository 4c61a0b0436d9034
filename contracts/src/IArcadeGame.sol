// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

/// @title IArcadeTypes
/// @notice Shared game types (GHOSTNET `IArcadeTypes`). Note the games' 8-value `SessionState`
///         differs from ArcadeCore's 4-value one.
interface IArcadeTypes {
    enum GameCategory {
        CASINO,
        COMPETITIVE,
        SKILL,
        PROGRESSION,
        SOCIAL
    }

    enum SessionState {
        NONE,
        BETTING,
        LOCKED,
        ACTIVE,
        RESOLVING,
        SETTLED,
        CANCELLED,
        EXPIRED
    }

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
        GameCategory category;
        uint8 minPlayers;
        uint8 maxPlayers;
        bool isActive;
        uint64 launchedAt;
    }
}

/// @title IArcadeGame
/// @notice Events and views shared by HashCrash and DuelEscrow (GHOSTNET `IArcadeGame`).
interface IArcadeGame is IArcadeTypes {
    error InvalidSessionState();
    error SessionDoesNotExist();
    error PlayerAlreadyInSession();

    event RoundStarted(uint256 indexed roundId, uint256 seedBlock, uint64 timestamp);
    event BetPlaced(uint256 indexed roundId, address indexed player, uint256 amount, uint256 netAmount);
    event RoundResolved(uint256 indexed roundId, uint256 seed, uint256 outcome);
    event PlayerPaidOut(uint256 indexed roundId, address indexed player, uint256 payout, bool won);
    event RoundCancelled(uint256 indexed roundId, string reason);

    function getGameInfo() external view returns (GameInfo memory info);
    function gameId() external view returns (bytes32 id);
    function currentSessionId() external view returns (uint256 id);
    function getSessionState(uint256 sessionId) external view returns (SessionState state);
    function isPlayerInSession(uint256 sessionId, address player) external view returns (bool inSession);
    function getSessionPrizePool(uint256 sessionId) external view returns (uint256 prizePool);
    function pause() external;
    function unpause() external;
    function isPaused() external view returns (bool paused);
    function emergencyCancel(uint256 sessionId, string calldata reason) external;
}
