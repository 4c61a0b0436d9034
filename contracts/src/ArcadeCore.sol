// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { UUPSUpgradeable } from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import { AccessControlUpgradeable } from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import { PausableUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import { ReentrancyGuardUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import { IArcadeCore } from "./IArcadeCore.sol";
import { IGhostCore } from "./IGhostCore.sol";

/// @title ArcadeCore (wraith test double of GHOSTNET `ArcadeCore`)
/// @notice Escrow and accounting hub for arcade games: registered games pull entries (rake split
///         burn/treasury, net into the session prize pool), credit payouts and burns against the
///         pool (pull payments), settle (remainder to treasury) or cancel sessions, and refund net
///         deposits. Sessions are keyed globally by the id the game chooses; the first game to use
///         an id owns it. Deploy behind an `ERC1967Proxy` and call
///         `initialize(dataToken, ghostCore, treasury, admin)` (ghostCore may be 0x0).
/// @dev Same behaviour and log order as upstream (`SessionCreated` precedes the entry's token
///      transfers and `EntryProcessed`; burn Transfer → `PayoutCredited` (only if non-zero) →
///      `GameSettled`; quarantine emits `SessionCancelled` per active session then
///      `GameQuarantined` and pauses the game without a config event). Simplification: plain
///      storage instead of ERC-7201; no extra behaviour.
contract ArcadeCore is
    IArcadeCore,
    UUPSUpgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardUpgradeable
{
    using SafeERC20 for IERC20;

    bytes32 public constant GAME_ADMIN_ROLE = keccak256("GAME_ADMIN_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    address internal constant DEAD = 0x000000000000000000000000000000000000dEaD;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MIN_PLAY_INTERVAL = 1;
    uint256 internal constant MAX_BATCH = 100;
    uint256 internal constant AMOUNT_SCALE = 1e6;

    IERC20 internal _dataToken;
    IGhostCore internal _ghostCore;
    address internal _treasury;
    mapping(address => GameConfig) internal _configs;
    mapping(address => bool) internal _registered;
    mapping(uint256 => SessionRecord) internal _sessions;
    mapping(address => uint256[]) internal _activeSessions;
    mapping(uint256 => uint256) internal _sessionIndex;
    mapping(bytes32 => uint256) internal _deposits; // net, per (session, player)
    mapping(bytes32 => uint256) internal _grossDeposits;
    mapping(bytes32 => bool) internal _refunded;
    mapping(address => uint256) internal _pending;
    uint256 internal _totalPending;
    mapping(address => PlayerStats) internal _stats;
    uint256 internal _totalGamesPlayed;
    uint256 internal _totalVolume;
    uint256 internal _totalRake;
    uint256 internal _totalBurned;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address dataToken_, address ghostCore_, address treasury_, address admin)
        external
        initializer
    {
        if (dataToken_ == address(0) || treasury_ == address(0) || admin == address(0)) revert InvalidAddress();
        __UUPSUpgradeable_init();
        __AccessControl_init();
        __Pausable_init();
        __ReentrancyGuard_init();
        _dataToken = IERC20(dataToken_);
        _ghostCore = IGhostCore(ghostCore_);
        _treasury = treasury_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GAME_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    // ─── Game management (GAME_ADMIN_ROLE, normally held by GameRegistry) ────────────────

    function registerGame(address game, GameConfig calldata config) external onlyRole(GAME_ADMIN_ROLE) {
        if (game == address(0)) revert InvalidAddress();
        if (_registered[game]) revert GameAlreadyRegistered();
        _registered[game] = true;
        _configs[game] = config;
        emit GameRegistered(game, config);
    }

    function unregisterGame(address game) external onlyRole(GAME_ADMIN_ROLE) {
        _requireRegistered(game);
        _registered[game] = false;
        delete _configs[game];
        emit GameUnregistered(game);
    }

    function updateGameConfig(address game, GameConfig calldata config) external onlyRole(GAME_ADMIN_ROLE) {
        _requireRegistered(game);
        _configs[game] = config;
        emit GameConfigUpdated(game, config);
    }

    function pauseGame(address game) external onlyRole(GAME_ADMIN_ROLE) {
        _setGamePaused(game, true);
    }

    function unpauseGame(address game) external onlyRole(GAME_ADMIN_ROLE) {
        _setGamePaused(game, false);
    }

    // ─── Game-facing session API ─────────────────────────────────────────────────────────

    /// @notice Pulls `amount` from `player`; rake = amount × rakeBps, of which burnBps to 0xdEaD
    ///         and the rest to the treasury; the net joins the session prize pool.
    function processEntry(address player, uint256 amount, uint256 sessionId)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 netAmount)
    {
        _requireRegistered(msg.sender);
        GameConfig storage cfg = _configs[msg.sender];
        if (cfg.paused) revert GamePaused();

        SessionRecord storage s = _sessions[sessionId];
        if (s.state == SessionState.NONE) {
            s.game = msg.sender;
            s.state = SessionState.ACTIVE;
            s.createdAt = uint64(block.timestamp);
            _sessionIndex[sessionId] = _activeSessions[msg.sender].length;
            _activeSessions[msg.sender].push(sessionId);
            emit SessionCreated(msg.sender, sessionId, uint64(block.timestamp));
        } else {
            if (s.game != msg.sender) revert SessionGameMismatch();
            if (s.state != SessionState.ACTIVE) revert SessionNotActive();
        }

        if (amount < cfg.minEntry || (cfg.maxEntry > 0 && amount > cfg.maxEntry)) revert InvalidEntryAmount();
        if (cfg.requiresPosition && address(_ghostCore) != address(0) && !_ghostCore.isAlive(player)) {
            revert PositionRequired();
        }
        PlayerStats storage st = _stats[player];
        if (block.timestamp < st.lastPlayTime + MIN_PLAY_INTERVAL) revert RateLimited();

        _dataToken.safeTransferFrom(player, address(this), amount);
        uint256 rake = (amount * cfg.rakeBps) / BPS;
        netAmount = amount - rake;
        if (rake > 0) {
            uint256 burnAmount = (rake * cfg.burnBps) / BPS;
            if (burnAmount > 0) {
                _dataToken.safeTransfer(DEAD, burnAmount);
                _totalBurned += burnAmount;
            }
            if (rake - burnAmount > 0) _dataToken.safeTransfer(_treasury, rake - burnAmount);
            _totalRake += rake;
        }

        bytes32 key = _key(sessionId, player);
        _deposits[key] += netAmount;
        _grossDeposits[key] += amount;
        s.prizePool += netAmount;
        st.totalGamesPlayed++;
        st.totalWagered += uint128(amount / AMOUNT_SCALE);
        st.lastPlayTime = uint64(block.timestamp);
        _totalGamesPlayed++;
        _totalVolume += amount;
        emit EntryProcessed(msg.sender, player, sessionId, amount, netAmount, rake);
    }

    function creditPayout(uint256 sessionId, address player, uint256 amount, uint256 burnAmount, bool won)
        external
        nonReentrant
    {
        _credit(sessionId, player, amount, burnAmount, won);
    }

    function batchCreditPayouts(
        uint256[] calldata sessionIds,
        address[] calldata players,
        uint256[] calldata amounts,
        uint256[] calldata burnAmounts,
        bool[] calldata results
    ) external nonReentrant {
        uint256 n = sessionIds.length;
        if (players.length != n || amounts.length != n || burnAmounts.length != n || results.length != n) {
            revert ArrayLengthMismatch(n, players.length, amounts.length, burnAmounts.length, results.length);
        }
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        uint256 totalPaid;
        uint256 totalBurned;
        for (uint256 i; i < n; ++i) {
            _credit(sessionIds[i], players[i], amounts[i], burnAmounts[i], results[i]);
            totalPaid += amounts[i];
            totalBurned += burnAmounts[i];
        }
        emit BatchPayoutProcessed(msg.sender, n, totalPaid, totalBurned);
    }

    /// @notice Ends the session; prizePool − totalPaid goes to the treasury.
    function settleSession(uint256 sessionId) external nonReentrant {
        SessionRecord storage s = _ownActiveSession(sessionId);
        s.state = SessionState.SETTLED;
        s.settledAt = uint64(block.timestamp);
        uint256 remaining = s.prizePool - s.totalPaid;
        if (remaining > 0) _dataToken.safeTransfer(_treasury, remaining);
        _removeActiveSession(msg.sender, sessionId);
        emit SessionSettled(msg.sender, sessionId, s.totalPaid, remaining);
    }

    function cancelSession(uint256 sessionId) external nonReentrant {
        SessionRecord storage s = _ownActiveSession(sessionId);
        s.state = SessionState.CANCELLED;
        s.settledAt = uint64(block.timestamp);
        _removeActiveSession(msg.sender, sessionId);
        emit SessionCancelled(msg.sender, sessionId, s.prizePool);
    }

    /// @notice Game-initiated refund of (part of) a player's net deposit, once per (session, player).
    function emergencyRefund(uint256 sessionId, address player, uint256 amount) external nonReentrant {
        SessionRecord storage s = _ownRefundableSession(sessionId);
        bytes32 key = _key(sessionId, player);
        if (_refunded[key]) revert AlreadyRefunded();
        if (_grossDeposits[key] == 0) revert NoDepositFound();
        uint256 net = _deposits[key];
        if (amount == 0) revert InvalidRefundAmount();
        if (amount > net) revert RefundExceedsDeposit();
        _refunded[key] = true;
        _deposits[key] = net - amount;
        s.prizePool -= amount;
        _pending[player] += amount;
        _totalPending += amount;
        emit EmergencyRefund(msg.sender, player, sessionId, amount);
    }

    /// @notice Refunds each listed depositor's full net deposit (skips unknown / already refunded).
    function batchEmergencyRefund(uint256 sessionId, address[] calldata players) external nonReentrant {
        uint256 n = players.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        SessionRecord storage s = _ownRefundableSession(sessionId);
        uint256 total;
        uint256 count;
        for (uint256 i; i < n; ++i) {
            bytes32 key = _key(sessionId, players[i]);
            if (_grossDeposits[key] == 0 || _refunded[key]) continue;
            _refunded[key] = true;
            uint256 net = _deposits[key];
            if (net > 0) {
                _deposits[key] = 0;
                s.prizePool -= net;
                _pending[players[i]] += net;
                total += net;
            }
            count++;
            emit EmergencyRefund(msg.sender, players[i], sessionId, net);
        }
        _totalPending += total;
        emit BatchEmergencyRefund(msg.sender, sessionId, count, total);
    }

    /// @notice Anyone, for a player of a CANCELLED session without payouts: net deposit credited.
    function claimExpiredRefund(uint256 sessionId, address player) external nonReentrant {
        SessionRecord storage s = _sessions[sessionId];
        if (s.state == SessionState.NONE) revert SessionNotFound();
        if (s.state != SessionState.CANCELLED) revert SessionNotRefundable();
        if (s.totalPaid > 0) revert RefundsBlockedAfterPayouts();
        bytes32 key = _key(sessionId, player);
        if (_refunded[key]) revert AlreadyRefunded();
        if (_grossDeposits[key] == 0) revert NoDepositFound();
        _refunded[key] = true;
        uint256 net = _deposits[key];
        if (net > 0) {
            _deposits[key] = 0;
            s.prizePool -= net;
        }
        _pending[player] += net;
        _totalPending += net;
        emit ExpiredRefundClaimed(player, sessionId, net);
    }

    function withdrawPayout() external nonReentrant returns (uint256 amount) {
        amount = _pending[msg.sender];
        if (amount == 0) return 0;
        _pending[msg.sender] = 0;
        _totalPending -= amount;
        _dataToken.safeTransfer(msg.sender, amount);
        emit PayoutWithdrawn(msg.sender, amount);
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Pauses the game (no config event), cancels its active sessions.
    function emergencyQuarantineGame(address game) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireRegistered(game);
        _configs[game].paused = true;
        uint256[] storage active = _activeSessions[game];
        uint256 affected = active.length;
        for (uint256 i; i < affected; ++i) {
            SessionRecord storage s = _sessions[active[i]];
            if (s.state == SessionState.ACTIVE) {
                s.state = SessionState.CANCELLED;
                s.settledAt = uint64(block.timestamp);
                emit SessionCancelled(game, active[i], s.prizePool);
            }
        }
        delete _activeSessions[game];
        emit GameQuarantined(game, affected);
    }

    /// @notice No event (upstream behaviour).
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert InvalidAddress();
        _treasury = newTreasury;
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function getSession(uint256 sessionId) external view returns (SessionRecord memory) {
        return _sessions[sessionId];
    }

    function getGameConfig(address game) external view returns (GameConfig memory) {
        return _configs[game];
    }

    function isGameRegistered(address game) external view returns (bool) {
        return _registered[game];
    }

    function getSessionDeposit(uint256 sessionId, address player) external view returns (uint256) {
        return _deposits[_key(sessionId, player)];
    }

    function getSessionGrossDeposit(uint256 sessionId, address player) external view returns (uint256) {
        return _grossDeposits[_key(sessionId, player)];
    }

    function isRefunded(uint256 sessionId, address player) external view returns (bool) {
        return _refunded[_key(sessionId, player)];
    }

    function getPendingPayout(address player) external view returns (uint256) {
        return _pending[player];
    }

    function getPlayerStats(address player) external view returns (PlayerStats memory) {
        return _stats[player];
    }

    function getTotalPendingPayouts() external view returns (uint256) {
        return _totalPending;
    }

    function getGlobalStats()
        external
        view
        returns (uint256 totalGamesPlayed_, uint256 totalVolume_, uint256 totalRakeCollected_, uint256 totalBurned_)
    {
        return (_totalGamesPlayed, _totalVolume, _totalRake, _totalBurned);
    }

    function getSessionRemainingCapacity(uint256 sessionId) external view returns (uint256) {
        SessionRecord storage s = _sessions[sessionId];
        return s.prizePool > s.totalPaid ? s.prizePool - s.totalPaid : 0;
    }

    function MAX_BATCH_SIZE() external pure returns (uint256) {
        return MAX_BATCH;
    }

    function dataToken() external view returns (address) {
        return address(_dataToken);
    }

    function ghostCore() external view returns (address) {
        return address(_ghostCore);
    }

    function treasury() external view returns (address) {
        return _treasury;
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _credit(uint256 sessionId, address player, uint256 amount, uint256 burnAmount, bool won) internal {
        SessionRecord storage s = _ownActiveSession(sessionId);
        if (s.totalPaid + amount + burnAmount > s.prizePool) revert PayoutExceedsPrizePool();
        s.totalPaid += amount + burnAmount;
        if (burnAmount > 0) {
            _dataToken.safeTransfer(DEAD, burnAmount);
            _totalBurned += burnAmount;
        }
        if (amount > 0) {
            _pending[player] += amount;
            _totalPending += amount;
            emit PayoutCredited(player, amount, _pending[player]);
        }
        PlayerStats storage st = _stats[player];
        if (won) {
            st.totalWins++;
            st.totalWon += uint128(amount / AMOUNT_SCALE);
        } else {
            st.totalLosses++;
        }
        emit GameSettled(msg.sender, player, sessionId, amount, burnAmount, won);
    }

    function _requireRegistered(address game) internal view {
        if (!_registered[game]) revert GameNotRegistered();
    }

    function _ownSession(uint256 sessionId) internal view returns (SessionRecord storage s) {
        _requireRegistered(msg.sender);
        s = _sessions[sessionId];
        if (s.state == SessionState.NONE) revert SessionNotFound();
        if (s.game != msg.sender) revert SessionGameMismatch();
    }

    function _ownActiveSession(uint256 sessionId) internal view returns (SessionRecord storage s) {
        s = _ownSession(sessionId);
        if (s.state != SessionState.ACTIVE) revert SessionNotActive();
    }

    function _ownRefundableSession(uint256 sessionId) internal view returns (SessionRecord storage s) {
        s = _ownSession(sessionId);
        if (s.state == SessionState.SETTLED) revert SessionNotRefundable();
        if (s.totalPaid > 0) revert RefundsBlockedAfterPayouts();
    }

    function _setGamePaused(address game, bool paused_) internal {
        _requireRegistered(game);
        _configs[game].paused = paused_;
        emit GameConfigUpdated(game, _configs[game]);
    }

    function _removeActiveSession(address game, uint256 sessionId) internal {
        uint256[] storage active = _activeSessions[game];
        uint256 index = _sessionIndex[sessionId];
        if (active.length > 0 && index < active.length) {
            uint256 last = active[active.length - 1];
            active[index] = last;
            _sessionIndex[last] = index;
            active.pop();
        }
        delete _sessionIndex[sessionId];
    }

    function _key(uint256 sessionId, address player) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(sessionId, player));
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) { }
}
