// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { EnumerableSet } from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import { IArcadeCore } from "./IArcadeCore.sol";
import { IArcadeGame, IArcadeTypes } from "./IArcadeGame.sol";

/// @title GameRegistry (wraith test double of GHOSTNET `GameRegistry`)
/// @notice Owner-only admin layer over ArcadeCore (needs ArcadeCore's GAME_ADMIN_ROLE). Every call
///         forwards to ArcadeCore first, so the ArcadeCore event precedes the registry event in the
///         same transaction. `gameId`/`name` come from the game's `getGameInfo()` (fallback:
///         keccak256(abi.encodePacked(game)) and ""). `markGameForRemoval` pauses first if needed;
///         `cancelGameRemoval` does not unpause; `removeGame` only after 7 days.
///         Constructor `(owner, arcadeCore)`.
/// @dev Identical behaviour to upstream, no simplification.
contract GameRegistry is Ownable2Step, IArcadeTypes {
    using EnumerableSet for EnumerableSet.AddressSet;

    uint256 public constant REMOVAL_GRACE_PERIOD = 7 days;
    uint16 public constant MAX_RAKE_BPS = 1000;
    uint16 public constant MAX_BURN_BPS = 10_000;

    IArcadeCore public arcadeCore;
    EnumerableSet.AddressSet internal _games;
    mapping(address => GameInfo) internal _info;
    mapping(address => EntryConfig) internal _entryConfigs;
    mapping(address => bool) internal _paused;
    mapping(address => uint256) internal _pendingRemovals;

    event GameRegistered(address indexed game, bytes32 indexed gameId, string name);
    event GamePaused(address indexed game);
    event GameUnpaused(address indexed game);
    event GameConfigUpdated(address indexed game);
    event GameMarkedForRemoval(address indexed game, uint256 removalTime);
    event GameRemovalCancelled(address indexed game);
    event GameRemoved(address indexed game);
    event ArcadeCoreUpdated(address indexed oldArcadeCore, address indexed newArcadeCore);

    error GameAlreadyRegistered();
    error GameNotRegistered();
    error InvalidConfig();
    error ZeroAddress();
    error GameAlreadyMarkedForRemoval();
    error GracePeriodNotElapsed(uint256 currentTime, uint256 removalTime);

    constructor(address owner_, address arcadeCore_) Ownable(owner_) {
        if (arcadeCore_ == address(0)) revert ZeroAddress();
        arcadeCore = IArcadeCore(arcadeCore_);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function isGameRegistered(address game) external view returns (bool) {
        return _games.contains(game);
    }

    function isGamePaused(address game) external view returns (bool) {
        return _paused[game];
    }

    function getEntryConfig(address game) external view returns (EntryConfig memory) {
        _requireRegistered(game);
        return _entryConfigs[game];
    }

    function getGameInfo(address game) external view returns (GameInfo memory) {
        _requireRegistered(game);
        return _info[game];
    }

    function getAllGames() external view returns (address[] memory) {
        return _games.values();
    }

    function getGameCount() external view returns (uint256) {
        return _games.length();
    }

    function getPendingRemoval(address game) external view returns (uint256) {
        return _pendingRemovals[game];
    }

    function canRemoveGame(address game) external view returns (bool) {
        return _pendingRemovals[game] > 0 && block.timestamp >= _pendingRemovals[game];
    }

    function isGamePendingRemoval(address game) external view returns (bool) {
        return _pendingRemovals[game] > 0;
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────

    function registerGame(address game, EntryConfig calldata config) external onlyOwner {
        if (game == address(0)) revert ZeroAddress();
        if (_games.contains(game)) revert GameAlreadyRegistered();
        _validate(config);
        GameInfo memory info = _fetchInfo(game);
        _games.add(game);
        _info[game] = info;
        _entryConfigs[game] = config;
        _paused[game] = false;
        arcadeCore.registerGame(game, _toCore(config));
        emit GameRegistered(game, info.gameId, info.name);
    }

    function pauseGame(address game) external onlyOwner {
        _requireRegistered(game);
        _paused[game] = true;
        arcadeCore.pauseGame(game);
        emit GamePaused(game);
    }

    function unpauseGame(address game) external onlyOwner {
        _requireRegistered(game);
        _paused[game] = false;
        arcadeCore.unpauseGame(game);
        emit GameUnpaused(game);
    }

    /// @notice `boostEligible` is stored but not forwarded; the pause state is preserved.
    function updateEntryConfig(address game, EntryConfig calldata config) external onlyOwner {
        _requireRegistered(game);
        _validate(config);
        _entryConfigs[game] = config;
        IArcadeCore.GameConfig memory core = _toCore(config);
        core.paused = _paused[game];
        arcadeCore.updateGameConfig(game, core);
        emit GameConfigUpdated(game);
    }

    function markGameForRemoval(address game) external onlyOwner {
        _requireRegistered(game);
        if (_pendingRemovals[game] > 0) revert GameAlreadyMarkedForRemoval();
        uint256 removalTime = block.timestamp + REMOVAL_GRACE_PERIOD;
        _pendingRemovals[game] = removalTime;
        if (!_paused[game]) {
            _paused[game] = true;
            arcadeCore.pauseGame(game);
            emit GamePaused(game);
        }
        emit GameMarkedForRemoval(game, removalTime);
    }

    function cancelGameRemoval(address game) external onlyOwner {
        if (_pendingRemovals[game] == 0) revert GameNotRegistered();
        delete _pendingRemovals[game];
        emit GameRemovalCancelled(game);
    }

    function removeGame(address game) external onlyOwner {
        uint256 removalTime = _pendingRemovals[game];
        if (removalTime == 0) revert GameNotRegistered();
        if (block.timestamp < removalTime) revert GracePeriodNotElapsed(block.timestamp, removalTime);
        _games.remove(game);
        delete _info[game];
        delete _entryConfigs[game];
        delete _paused[game];
        delete _pendingRemovals[game];
        arcadeCore.unregisterGame(game);
        emit GameRemoved(game);
    }

    function setArcadeCore(address newArcadeCore) external onlyOwner {
        if (newArcadeCore == address(0)) revert ZeroAddress();
        emit ArcadeCoreUpdated(address(arcadeCore), newArcadeCore);
        arcadeCore = IArcadeCore(newArcadeCore);
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _requireRegistered(address game) internal view {
        if (!_games.contains(game)) revert GameNotRegistered();
    }

    function _validate(EntryConfig calldata c) internal pure {
        if (c.rakeBps > MAX_RAKE_BPS || c.burnBps > MAX_BURN_BPS) revert InvalidConfig();
        if (c.minEntry > c.maxEntry && c.maxEntry != 0) revert InvalidConfig();
    }

    function _fetchInfo(address game) internal view returns (GameInfo memory info) {
        try IArcadeGame(game).getGameInfo() returns (GameInfo memory g) {
            info = g;
        } catch {
            info = GameInfo(keccak256(abi.encodePacked(game)), "", "", GameCategory.CASINO, 1, 0, true, 0);
        }
        info.launchedAt = uint64(block.timestamp);
    }

    function _toCore(EntryConfig calldata c) internal pure returns (IArcadeCore.GameConfig memory) {
        return IArcadeCore.GameConfig(c.minEntry, c.maxEntry, c.rakeBps, c.burnBps, c.requiresPosition, false);
    }
}
