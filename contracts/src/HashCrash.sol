// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import { IArcadeCore } from "./IArcadeCore.sol";
import { IArcadeGame } from "./IArcadeGame.sol";
import { FutureBlockRandomness } from "./FutureBlockRandomness.sol";

/// @title HashCrash (wraith test double of GHOSTNET `HashCrash`)
/// @notice Crash game on ArcadeCore. `startRound` → `RoundStarted(id, 0, ts)`; bets for 60 s or
///         until 50 players (one per player; the 50th locks in the same tx); `lockRound` →
///         `SeedCommitted` + a second `RoundStarted(id, seedBlock, ts)` (seedBlock = lock block + 3),
///         or `RoundCancelled("No bets placed")`; `revealCrash` → `SeedRevealed`,
///         `CrashPointRevealed`, `RoundResolved(id, seed, crash)`; `settle`/`settleAll` pay
///         winners (target < crash) net × target ÷ 100 and burn losers' net bets; `settleAll` ends
///         with ArcadeCore `SessionSettled`. Expired seeds → `handleExpiredRound`, refunds via
///         `claimExpiredRefund`. Multipliers ×100. Constructor `(arcadeCore, owner)`.
/// @dev Same behaviour and log order as upstream; no simplification. Its ABI lists the 4-argument
///      `BetPlaced` from IArcadeGame, which it never emits (as upstream).
contract HashCrash is IArcadeGame, FutureBlockRandomness, Ownable2Step, Pausable, ReentrancyGuard {
    struct Round {
        SessionState state;
        uint64 bettingEndTime;
        uint256 prizePool;
        uint256 crashMultiplier;
        uint256 totalPaidOut;
        uint256 playerCount;
    }

    struct PlayerBet {
        uint128 amount; // net
        uint128 grossAmount;
        uint128 targetMultiplier;
        bool settled;
    }

    uint256 public constant MULTIPLIER_PRECISION = 100;
    uint256 public constant MIN_CRASH_MULTIPLIER = 100;
    uint256 public constant MAX_CRASH_MULTIPLIER = 10_000;
    uint256 public constant MIN_TARGET_MULTIPLIER = 101;
    uint256 public constant MAX_TARGET_MULTIPLIER = 10_000;
    uint256 public constant BETTING_DURATION = 60 seconds;
    uint256 public constant MAX_PLAYERS_PER_ROUND = 50;
    uint256 public constant HASH_CRASH_SEED_DELAY = 3;
    uint256 public constant HOUSE_EDGE_BPS = 400;

    IArcadeCore public immutable arcadeCore;
    GameInfo internal _gameInfo;
    uint256 internal _currentRoundId;
    mapping(uint256 => Round) internal _rounds;
    mapping(uint256 => mapping(address => PlayerBet)) internal _bets;
    mapping(uint256 => address[]) internal _players;

    event BetPlaced(
        uint256 indexed roundId, address indexed player, uint256 amount, uint256 netAmount, uint256 targetMultiplier
    );
    event CrashPointRevealed(uint256 indexed roundId, uint256 crashMultiplier, uint256 seed);
    event PlayerWon(uint256 indexed roundId, address indexed player, uint256 targetMultiplier, uint256 payout);
    event PlayerLost(uint256 indexed roundId, address indexed player, uint256 targetMultiplier, uint256 crashMultiplier);
    event GameActiveStatusChanged(bool isActive);

    error BettingClosed();
    error NoBetPlaced();
    error AlreadySettled();
    error NotRevealed();
    error InvalidTargetMultiplier();
    error RoundFull();
    error RoundNotReady();
    error RoundInProgress();
    error BettingNotEnded();
    error InvalidArcadeCore();
    error InvalidAddress();
    error ZeroBetAmount();

    constructor(address arcadeCore_, address owner_) Ownable(owner_) {
        if (arcadeCore_ == address(0)) revert InvalidArcadeCore();
        arcadeCore = IArcadeCore(arcadeCore_);
        _gameInfo = GameInfo({
            gameId: keccak256("HASH_CRASH"),
            name: "Hash Crash",
            description: "Multiplier crash game - cash out before the crash!",
            category: GameCategory.CASINO,
            minPlayers: 1,
            maxPlayers: uint8(MAX_PLAYERS_PER_ROUND),
            isActive: true,
            launchedAt: uint64(block.timestamp)
        });
    }

    // ─── Round lifecycle ─────────────────────────────────────────────────────────────────

    function startRound() external nonReentrant whenNotPaused {
        SessionState st = _rounds[_currentRoundId].state;
        if (st != SessionState.NONE && st != SessionState.SETTLED && st != SessionState.CANCELLED && st != SessionState.EXPIRED) {
            revert RoundInProgress();
        }
        uint256 roundId = ++_currentRoundId;
        _rounds[roundId] = Round(SessionState.BETTING, uint64(block.timestamp + BETTING_DURATION), 0, 0, 0, 0);
        emit RoundStarted(roundId, 0, uint64(block.timestamp));
    }

    /// @param amount gross DATA pulled by ArcadeCore; @param targetMultiplier 101…10000 (×100).
    function placeBet(uint256 amount, uint256 targetMultiplier) external nonReentrant whenNotPaused {
        if (amount == 0) revert ZeroBetAmount();
        if (targetMultiplier < MIN_TARGET_MULTIPLIER || targetMultiplier > MAX_TARGET_MULTIPLIER) {
            revert InvalidTargetMultiplier();
        }
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.BETTING || block.timestamp >= round.bettingEndTime) revert BettingClosed();
        if (round.playerCount >= MAX_PLAYERS_PER_ROUND) revert RoundFull();
        if (_bets[roundId][msg.sender].amount > 0) revert PlayerAlreadyInSession();

        uint256 net = arcadeCore.processEntry(msg.sender, amount, roundId);
        _bets[roundId][msg.sender] = PlayerBet(uint128(net), uint128(amount), uint128(targetMultiplier), false);
        _players[roundId].push(msg.sender);
        round.prizePool += net;
        round.playerCount++;
        emit BetPlaced(roundId, msg.sender, amount, net, targetMultiplier);
        if (round.playerCount >= MAX_PLAYERS_PER_ROUND) _lockRound(roundId);
    }

    function lockRound() external nonReentrant whenNotPaused {
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.BETTING) revert InvalidSessionState();
        if (block.timestamp < round.bettingEndTime && round.playerCount < MAX_PLAYERS_PER_ROUND) {
            revert BettingNotEnded();
        }
        _lockRound(roundId);
    }

    function revealCrash() external nonReentrant whenNotPaused {
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.LOCKED) revert InvalidSessionState();
        uint256 seed = _revealSeed(roundId);
        uint256 crash = crashPointFromSeed(seed);
        round.crashMultiplier = crash;
        round.state = SessionState.ACTIVE;
        emit CrashPointRevealed(roundId, crash, seed);
        emit RoundResolved(roundId, seed, crash);
    }

    function settle(address player) external nonReentrant {
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.ACTIVE) revert NotRevealed();
        PlayerBet storage bet = _bets[roundId][player];
        if (bet.amount == 0) revert NoBetPlaced();
        if (bet.settled) revert AlreadySettled();
        _settleBet(roundId, round, player, bet);
    }

    function settleAll() external nonReentrant {
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.ACTIVE) revert NotRevealed();
        address[] storage players = _players[roundId];
        for (uint256 i; i < players.length; ++i) {
            PlayerBet storage bet = _bets[roundId][players[i]];
            if (!bet.settled && bet.amount > 0) _settleBet(roundId, round, players[i], bet);
        }
        round.state = SessionState.SETTLED;
        arcadeCore.settleSession(roundId);
    }

    function handleExpiredRound() external nonReentrant {
        uint256 roundId = _currentRoundId;
        Round storage round = _rounds[roundId];
        if (round.state != SessionState.LOCKED) revert InvalidSessionState();
        if (!_isSeedExpired(roundId)) revert RoundNotReady();
        round.state = SessionState.EXPIRED;
        arcadeCore.cancelSession(roundId);
        emit RoundCancelled(roundId, "Seed expired");
    }

    /// @notice Anyone, for a player of an expired/cancelled round: ArcadeCore
    ///         `ExpiredRefundClaimed` then `PlayerPaidOut(net, false)`.
    function claimExpiredRefund(uint256 roundId, address player) external nonReentrant {
        SessionState st = _rounds[roundId].state;
        if (st != SessionState.EXPIRED && st != SessionState.CANCELLED) revert InvalidSessionState();
        PlayerBet storage bet = _bets[roundId][player];
        if (bet.grossAmount == 0) revert NoBetPlaced();
        if (bet.settled) revert AlreadySettled();
        bet.settled = true;
        arcadeCore.claimExpiredRefund(roundId, player);
        emit PlayerPaidOut(roundId, player, bet.amount, false);
    }

    // ─── Crash point ─────────────────────────────────────────────────────────────────────

    /// @notice Low 52 bits h; lowest 4 % → 100; else ⌊(2^52 − thr) × 100 ÷ (2^52 − h)⌋ in [100, 10000].
    function crashPointFromSeed(uint256 seed) public pure returns (uint256 crash) {
        uint256 maxH = 1 << 52;
        uint256 h = seed & (maxH - 1);
        uint256 threshold = (maxH * HOUSE_EDGE_BPS) / 10_000;
        if (h < threshold) return MIN_CRASH_MULTIPLIER;
        crash = ((maxH - threshold) * MULTIPLIER_PRECISION) / (maxH - h);
        if (crash < MIN_CRASH_MULTIPLIER) crash = MIN_CRASH_MULTIPLIER;
        else if (crash > MAX_CRASH_MULTIPLIER) crash = MAX_CRASH_MULTIPLIER;
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function getGameInfo() external view returns (GameInfo memory) {
        return _gameInfo;
    }

    function gameId() external view returns (bytes32) {
        return _gameInfo.gameId;
    }

    function currentSessionId() external view returns (uint256) {
        return _currentRoundId;
    }

    function getSessionState(uint256 sessionId) external view returns (SessionState) {
        return _rounds[sessionId].state;
    }

    function isPlayerInSession(uint256 sessionId, address player) external view returns (bool) {
        return _bets[sessionId][player].amount > 0;
    }

    function getSessionPrizePool(uint256 sessionId) external view returns (uint256) {
        return _rounds[sessionId].prizePool;
    }

    function isPaused() external view returns (bool) {
        return paused();
    }

    function getRound(uint256 roundId) external view returns (Round memory) {
        return _rounds[roundId];
    }

    function getPlayerBet(uint256 roundId, address player) external view returns (PlayerBet memory) {
        return _bets[roundId][player];
    }

    function getRoundPlayers(uint256 roundId) external view returns (address[] memory) {
        return _players[roundId];
    }

    function getSeedInfo(uint256 roundId) external view returns (RoundSeed memory) {
        return _roundSeeds[roundId];
    }

    function isSeedReady(uint256 roundId) external view returns (bool) {
        return _isSeedReady(roundId);
    }

    function isSeedExpired(uint256 roundId) external view returns (bool) {
        return _isSeedExpired(roundId);
    }

    function getRemainingRevealWindow(uint256 roundId) external view returns (uint256) {
        return _remainingRevealWindow(roundId);
    }

    // ─── Owner ───────────────────────────────────────────────────────────────────────────

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice ArcadeCore `SessionCancelled` then `RoundCancelled(reason)`; refunds as for expiry.
    function emergencyCancel(uint256 sessionId, string calldata reason) external onlyOwner {
        SessionState st = _rounds[sessionId].state;
        if (st == SessionState.NONE) revert SessionDoesNotExist();
        if (st == SessionState.SETTLED || st == SessionState.CANCELLED || st == SessionState.EXPIRED) {
            revert InvalidSessionState();
        }
        _rounds[sessionId].state = SessionState.CANCELLED;
        arcadeCore.cancelSession(sessionId);
        emit RoundCancelled(sessionId, reason);
    }

    /// @notice Informational flag only (does not block play).
    function setActive(bool active) external onlyOwner {
        _gameInfo.isActive = active;
        emit GameActiveStatusChanged(active);
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _seedBlockDelay() internal pure override returns (uint256) {
        return HASH_CRASH_SEED_DELAY;
    }

    function _lockRound(uint256 roundId) internal {
        Round storage round = _rounds[roundId];
        if (round.playerCount == 0) {
            round.state = SessionState.CANCELLED;
            emit RoundCancelled(roundId, "No bets placed");
            return;
        }
        round.state = SessionState.LOCKED;
        _commitSeed(roundId);
        emit RoundStarted(roundId, _roundSeeds[roundId].seedBlock, uint64(block.timestamp));
    }

    function _settleBet(uint256 roundId, Round storage round, address player, PlayerBet storage bet) internal {
        bet.settled = true;
        if (bet.targetMultiplier < round.crashMultiplier) {
            uint256 payout = (uint256(bet.amount) * bet.targetMultiplier) / MULTIPLIER_PRECISION;
            round.totalPaidOut += payout;
            arcadeCore.creditPayout(roundId, player, payout, 0, true);
            emit PlayerWon(roundId, player, bet.targetMultiplier, payout);
            emit PlayerPaidOut(roundId, player, payout, true);
        } else {
            arcadeCore.creditPayout(roundId, player, 0, bet.amount, false);
            emit PlayerLost(roundId, player, bet.targetMultiplier, round.crashMultiplier);
            emit PlayerPaidOut(roundId, player, 0, false);
        }
    }
}
