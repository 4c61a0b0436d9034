// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { MessageHashUtils } from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import { IArcadeCore } from "./IArcadeCore.sol";
import { IArcadeGame } from "./IArcadeGame.sol";

/// @title DuelEscrow (wraith test double of GHOSTNET `DuelEscrow`)
/// @notice 1v1 duels on ArcadeCore resolved by a signing oracle (EIP-191 personal-sign of
///         keccak256(abi.encodePacked("CREATE_MATCH", p1, p2, uint8 tier, nonce, chainid, this)) and
///         keccak256(abi.encodePacked("SUBMIT_RESULT", matchId, winner, uint8 outcome, nonce,
///         chainid, this))). `MatchCreated.stakeTier` carries the stake in wei. WIN/FORFEIT: whole
///         pool to the winner; TIE: 10 % burned (half per player), rest split (player 2 gets the odd
///         wei), `MatchResolved(0x0, payout1, TIE)`; TIMEOUT = cancellation. Every cancellation
///         emits `MatchCancelled` and `RoundCancelled`. Constructor `(arcadeCore, oracle, owner)`.
/// @dev Same behaviour and log order as upstream; no simplification. `setActive` emits nothing.
contract DuelEscrow is IArcadeGame, Ownable2Step, Pausable, ReentrancyGuard {
    enum MatchState {
        NONE,
        CREATED,
        WAITING,
        ACTIVE,
        RESOLVED,
        CANCELLED
    }

    enum MatchOutcome {
        NONE,
        WIN,
        TIE,
        FORFEIT,
        TIMEOUT
    }

    enum StakeTier {
        BRONZE,
        SILVER,
        GOLD,
        DIAMOND
    }

    struct Match {
        address player1;
        address player2;
        uint128 stake;
        uint128 prizePool;
        uint128 player1Net;
        uint128 player2Net;
        MatchState state;
        StakeTier tier;
        uint64 createdAt;
        uint64 expiresAt;
        uint64 timeoutAt;
        address winner;
        MatchOutcome outcome;
    }

    uint256 public constant BRONZE_STAKE = 50 ether;
    uint256 public constant SILVER_STAKE = 150 ether;
    uint256 public constant GOLD_STAKE = 300 ether;
    uint256 public constant DIAMOND_STAKE = 500 ether;
    uint256 public constant MATCH_EXPIRY = 5 minutes;
    uint256 public constant MATCH_TIMEOUT = 3 minutes;

    IArcadeCore public immutable arcadeCore;
    address public oracle;
    GameInfo internal _gameInfo;
    uint256 internal _matchCounter;
    mapping(uint256 => Match) internal _matches;
    mapping(bytes32 => bool) internal _usedNonces;

    event MatchCreated(
        uint256 indexed matchId, address indexed player1, address indexed player2, uint256 stakeTier, uint64 expiresAt
    );
    event PlayerJoined(uint256 indexed matchId, address indexed player, uint256 netAmount);
    event MatchStarted(uint256 indexed matchId, uint256 prizePool, uint64 timeoutAt);
    event MatchResolved(uint256 indexed matchId, address indexed winner, uint256 winnerPayout, MatchOutcome outcome);
    event MatchCancelled(uint256 indexed matchId, string reason);
    event OracleUpdated(address indexed oldOracle, address indexed newOracle);

    error MatchNotFound();
    error InvalidMatchState();
    error Unauthorized();
    error NotInvited();
    error AlreadyJoined();
    error InvalidStakeTier();
    error MatchNotExpired();
    error InvalidSignature();
    error InvalidWinner();
    error InvalidAddress();
    error NonceAlreadyUsed();

    constructor(address arcadeCore_, address oracle_, address owner_) Ownable(owner_) {
        if (arcadeCore_ == address(0) || oracle_ == address(0)) revert InvalidAddress();
        arcadeCore = IArcadeCore(arcadeCore_);
        oracle = oracle_;
        _gameInfo = GameInfo({
            gameId: keccak256("CODE_DUEL"),
            name: "Code Duel",
            description: "1v1 typing battles - race to type code faster than your opponent",
            category: GameCategory.COMPETITIVE,
            minPlayers: 2,
            maxPlayers: 2,
            isActive: true,
            launchedAt: uint64(block.timestamp)
        });
    }

    // ─── Match lifecycle ─────────────────────────────────────────────────────────────────

    function createMatch(address player1, address player2, StakeTier tier, bytes calldata signature, bytes32 nonce)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 matchId)
    {
        if (player1 == address(0) || player2 == address(0) || player1 == player2) revert InvalidAddress();
        _useNonce(nonce);
        _verify(
            keccak256(abi.encodePacked("CREATE_MATCH", player1, player2, uint8(tier), nonce, block.chainid, address(this))),
            signature
        );
        uint256 stake = getStakeAmount(tier);
        matchId = ++_matchCounter;
        uint64 expiresAt = uint64(block.timestamp + MATCH_EXPIRY);
        Match storage m = _matches[matchId];
        m.player1 = player1;
        m.player2 = player2;
        m.stake = uint128(stake);
        m.state = MatchState.CREATED;
        m.tier = tier;
        m.createdAt = uint64(block.timestamp);
        m.expiresAt = expiresAt;
        emit MatchCreated(matchId, player1, player2, stake, expiresAt);
        emit RoundStarted(matchId, 0, uint64(block.timestamp));
    }

    function joinMatch(uint256 matchId) external nonReentrant whenNotPaused {
        Match storage m = _matches[matchId];
        if (m.state == MatchState.NONE) revert MatchNotFound();
        if (m.state != MatchState.CREATED && m.state != MatchState.WAITING) revert InvalidMatchState();
        if (block.timestamp >= m.expiresAt) revert MatchNotExpired(); // (sic) upstream error choice
        bool isP1 = msg.sender == m.player1;
        bool isP2 = msg.sender == m.player2;
        if (!isP1 && !isP2) revert NotInvited();
        if ((isP1 && m.player1Net > 0) || (isP2 && m.player2Net > 0)) revert AlreadyJoined();

        uint256 net = arcadeCore.processEntry(msg.sender, m.stake, matchId);
        if (isP1) m.player1Net = uint128(net);
        else m.player2Net = uint128(net);
        m.prizePool += uint128(net);
        emit PlayerJoined(matchId, msg.sender, net);
        emit BetPlaced(matchId, msg.sender, m.stake, net);
        if (m.state == MatchState.CREATED) {
            m.state = MatchState.WAITING;
        } else {
            m.state = MatchState.ACTIVE;
            m.timeoutAt = uint64(block.timestamp + MATCH_TIMEOUT);
            emit MatchStarted(matchId, m.prizePool, m.timeoutAt);
        }
    }

    function submitResult(
        uint256 matchId,
        address winner,
        MatchOutcome outcome,
        bytes calldata signature,
        bytes32 nonce
    ) external nonReentrant {
        Match storage m = _matches[matchId];
        if (m.state != MatchState.ACTIVE) revert InvalidMatchState();
        _useNonce(nonce);
        _verify(
            keccak256(abi.encodePacked("SUBMIT_RESULT", matchId, winner, uint8(outcome), nonce, block.chainid, address(this))),
            signature
        );
        if (outcome == MatchOutcome.WIN || outcome == MatchOutcome.FORFEIT) {
            if (winner != m.player1 && winner != m.player2) revert InvalidWinner();
        } else if (outcome == MatchOutcome.TIE || outcome == MatchOutcome.TIMEOUT) {
            if (winner != address(0)) revert InvalidWinner();
        }
        _resolve(matchId, m, winner, outcome);
    }

    /// @notice Cancels an expired (join) or timed-out (result) match if needed, then refunds the
    ///         caller's net stake: ArcadeCore `ExpiredRefundClaimed` then `PlayerPaidOut(net, false)`.
    function claimRefund(uint256 matchId) external nonReentrant {
        Match storage m = _matches[matchId];
        if (m.state == MatchState.NONE) revert MatchNotFound();
        bool canRefund = m.state == MatchState.CANCELLED;
        if ((m.state == MatchState.CREATED || m.state == MatchState.WAITING) && block.timestamp >= m.expiresAt) {
            canRefund = true;
            _cancel(matchId, m, "Match expired");
        } else if (m.state == MatchState.ACTIVE && block.timestamp >= m.timeoutAt) {
            canRefund = true;
            _cancel(matchId, m, "Match timed out");
        }
        if (!canRefund) revert MatchNotExpired();

        uint256 refund;
        if (msg.sender == m.player1 && m.player1Net > 0) {
            refund = m.player1Net;
            m.player1Net = 0;
        } else if (msg.sender == m.player2 && m.player2Net > 0) {
            refund = m.player2Net;
            m.player2Net = 0;
        } else {
            revert Unauthorized();
        }
        arcadeCore.claimExpiredRefund(matchId, msg.sender);
        emit PlayerPaidOut(matchId, msg.sender, refund, false);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function getGameInfo() external view returns (GameInfo memory) {
        return _gameInfo;
    }

    function gameId() external view returns (bytes32) {
        return _gameInfo.gameId;
    }

    function currentSessionId() external view returns (uint256) {
        return _matchCounter;
    }

    function getSessionState(uint256 sessionId) external view returns (SessionState) {
        MatchState s = _matches[sessionId].state;
        if (s == MatchState.CREATED || s == MatchState.WAITING) return SessionState.BETTING;
        if (s == MatchState.ACTIVE) return SessionState.ACTIVE;
        if (s == MatchState.RESOLVED) return SessionState.SETTLED;
        if (s == MatchState.CANCELLED) return SessionState.CANCELLED;
        return SessionState.NONE;
    }

    function isPlayerInSession(uint256 sessionId, address player) external view returns (bool) {
        Match storage m = _matches[sessionId];
        return (player == m.player1 && m.player1Net > 0) || (player == m.player2 && m.player2Net > 0);
    }

    function getSessionPrizePool(uint256 sessionId) external view returns (uint256) {
        return _matches[sessionId].prizePool;
    }

    function isPaused() external view returns (bool) {
        return paused();
    }

    function getMatch(uint256 matchId) external view returns (Match memory) {
        return _matches[matchId];
    }

    function getStakeAmount(StakeTier tier) public pure returns (uint256) {
        if (tier == StakeTier.BRONZE) return BRONZE_STAKE;
        if (tier == StakeTier.SILVER) return SILVER_STAKE;
        if (tier == StakeTier.GOLD) return GOLD_STAKE;
        return DIAMOND_STAKE;
    }

    function isNonceUsed(bytes32 nonce) external view returns (bool) {
        return _usedNonces[nonce];
    }

    function matchCount() external view returns (uint256) {
        return _matchCounter;
    }

    // ─── Owner ───────────────────────────────────────────────────────────────────────────

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function setOracle(address newOracle) external onlyOwner {
        if (newOracle == address(0)) revert InvalidAddress();
        emit OracleUpdated(oracle, newOracle);
        oracle = newOracle;
    }

    /// @notice No event (unlike HashCrash).
    function setActive(bool active) external onlyOwner {
        _gameInfo.isActive = active;
    }

    function emergencyCancel(uint256 sessionId, string calldata reason) external onlyOwner {
        Match storage m = _matches[sessionId];
        if (m.state == MatchState.NONE) revert MatchNotFound();
        if (m.state == MatchState.RESOLVED || m.state == MatchState.CANCELLED) revert InvalidMatchState();
        _cancel(sessionId, m, reason);
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _useNonce(bytes32 nonce) internal {
        if (_usedNonces[nonce]) revert NonceAlreadyUsed();
        _usedNonces[nonce] = true;
    }

    function _verify(bytes32 messageHash, bytes calldata signature) internal view {
        if (ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(messageHash), signature) != oracle) {
            revert InvalidSignature();
        }
    }

    /// @dev ArcadeCore `SessionCancelled` → `MatchCancelled` → `RoundCancelled`.
    function _cancel(uint256 matchId, Match storage m, string memory reason) internal {
        m.state = MatchState.CANCELLED;
        arcadeCore.cancelSession(matchId);
        emit MatchCancelled(matchId, reason);
        emit RoundCancelled(matchId, reason);
    }

    function _resolve(uint256 matchId, Match storage m, address winner, MatchOutcome outcome) internal {
        m.state = MatchState.RESOLVED;
        m.winner = winner;
        m.outcome = outcome;
        uint256 pool = m.prizePool;
        if (outcome == MatchOutcome.TIE) {
            uint256 burnAmount = pool / 10;
            uint256 payout1 = (pool - burnAmount) / 2;
            uint256 payout2 = pool - burnAmount - payout1;
            uint256 burn1 = burnAmount / 2;
            arcadeCore.creditPayout(matchId, m.player1, payout1, burn1, false);
            arcadeCore.creditPayout(matchId, m.player2, payout2, burnAmount - burn1, false);
            emit PlayerPaidOut(matchId, m.player1, payout1, false);
            emit PlayerPaidOut(matchId, m.player2, payout2, false);
            emit MatchResolved(matchId, address(0), payout1, outcome);
        } else if (outcome == MatchOutcome.WIN || outcome == MatchOutcome.FORFEIT) {
            address loser = winner == m.player1 ? m.player2 : m.player1;
            arcadeCore.creditPayout(matchId, winner, pool, 0, true);
            arcadeCore.creditPayout(matchId, loser, 0, 0, false);
            emit PlayerPaidOut(matchId, winner, pool, true);
            emit PlayerPaidOut(matchId, loser, 0, false);
            emit MatchResolved(matchId, winner, pool, outcome);
        } else if (outcome == MatchOutcome.TIMEOUT) {
            _cancel(matchId, m, "Result timeout");
        }
        if (m.state == MatchState.RESOLVED) {
            arcadeCore.settleSession(matchId);
            emit RoundResolved(matchId, uint256(uint160(winner)), uint256(outcome));
        }
    }
}
