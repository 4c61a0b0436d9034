// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { UUPSUpgradeable } from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import { AccessControlUpgradeable } from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import { PausableUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import { ReentrancyGuardUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import { IGhostCore } from "./IGhostCore.sol";

/// @title DeadPool (wraith test double of GHOSTNET `DeadPool`)
/// @notice Over/under prediction rounds resolved by an operator. One accumulated bet per
///         (round, user), same side only; 5 % rake of the pot sent to 0xdEaD at resolution;
///         winners claim bet × (pot − rake) ÷ winning pool. Losers emit nothing, there is no
///         refund path, `line` is never interpreted. Deploy behind an `ERC1967Proxy` and call
///         `initialize(dataToken, admin)` (admin gets DEFAULT_ADMIN, ROUND_CREATOR, RESOLVER, PAUSER).
/// @dev Same behaviour and log order as upstream (DATA Transfer before `BetPlaced`,
///      `RoundResolved`, `WinningsClaimed`). Simplification: plain storage, constant 0xdEaD.
contract DeadPool is UUPSUpgradeable, AccessControlUpgradeable, PausableUpgradeable, ReentrancyGuardUpgradeable {
    using SafeERC20 for IERC20;

    enum RoundType {
        DEATH_COUNT,
        WHALE_DEATH,
        STREAK_RECORD,
        SYSTEM_RESET
    }

    struct Round {
        RoundType roundType;
        IGhostCore.Level targetLevel;
        uint256 line;
        uint256 overPool;
        uint256 underPool;
        uint64 deadline;
        uint64 resolveTime;
        bool resolved;
        bool outcome; // true = OVER won
    }

    struct Bet {
        uint256 amount;
        bool isOver;
        bool claimed;
    }

    bytes32 public constant ROUND_CREATOR_ROLE = keccak256("ROUND_CREATOR_ROLE");
    bytes32 public constant RESOLVER_ROLE = keccak256("RESOLVER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    uint16 public constant RAKE_BPS = 500;
    address public constant DEAD_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 public dataToken;
    uint256 public roundCount;
    mapping(uint256 => Round) internal _rounds;
    mapping(uint256 => mapping(address => Bet)) internal _bets;

    event RoundCreated(
        uint256 indexed roundId, RoundType roundType, IGhostCore.Level indexed targetLevel, uint256 line, uint64 deadline
    );
    event BetPlaced(uint256 indexed roundId, address indexed user, bool isOver, uint256 amount);
    event RoundResolved(uint256 indexed roundId, bool outcome, uint256 totalPot, uint256 burned);
    event WinningsClaimed(uint256 indexed roundId, address indexed user, uint256 amount);

    error RoundNotFound();
    error RoundEnded();
    error RoundNotEnded();
    error RoundNotResolved();
    error RoundAlreadyResolved();
    error InvalidAmount();
    error NoBetExists();
    error AlreadyClaimed();
    error NotWinner();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address dataToken_, address admin) external initializer {
        __UUPSUpgradeable_init();
        __AccessControl_init();
        __Pausable_init();
        __ReentrancyGuard_init();
        dataToken = IERC20(dataToken_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ROUND_CREATOR_ROLE, admin);
        _grantRole(RESOLVER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @notice No validation of `line` or `deadline` (as upstream). Ids start at 1.
    function createRound(RoundType roundType, IGhostCore.Level targetLevel, uint256 line, uint64 deadline)
        external
        onlyRole(ROUND_CREATOR_ROLE)
        returns (uint256 roundId)
    {
        roundId = ++roundCount;
        _rounds[roundId] = Round(roundType, targetLevel, line, 0, 0, deadline, 0, false, false);
        emit RoundCreated(roundId, roundType, targetLevel, line, deadline);
    }

    /// @notice Operator decision after the deadline; rake (5 % of the pot) to 0xdEaD.
    function resolveRound(uint256 roundId, bool outcome) external onlyRole(RESOLVER_ROLE) {
        Round storage r = _rounds[roundId];
        if (r.deadline == 0) revert RoundNotFound();
        if (r.resolved) revert RoundAlreadyResolved();
        if (block.timestamp < r.deadline) revert RoundNotEnded();
        r.resolved = true;
        r.outcome = outcome;
        r.resolveTime = uint64(block.timestamp);
        uint256 pot = r.overPool + r.underPool;
        uint256 rake = (pot * RAKE_BPS) / 10_000;
        if (rake > 0) dataToken.safeTransfer(DEAD_ADDRESS, rake);
        emit RoundResolved(roundId, outcome, pot, rake);
    }

    /// @notice Pools are credited with the nominal amount (DeadPool must be tax-excluded).
    function placeBet(uint256 roundId, bool isOver, uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert InvalidAmount();
        Round storage r = _rounds[roundId];
        if (r.deadline == 0) revert RoundNotFound();
        if (block.timestamp >= r.deadline) revert RoundEnded();
        Bet storage b = _bets[roundId][msg.sender];
        if (b.amount > 0 && b.isOver != isOver) revert InvalidAmount();
        b.amount += amount;
        b.isOver = isOver;
        if (isOver) r.overPool += amount;
        else r.underPool += amount;
        dataToken.safeTransferFrom(msg.sender, address(this), amount);
        emit BetPlaced(roundId, msg.sender, isOver, amount);
    }

    function claimWinnings(uint256 roundId) external nonReentrant whenNotPaused returns (uint256 winnings) {
        Round storage r = _rounds[roundId];
        if (!r.resolved) revert RoundNotResolved();
        Bet storage b = _bets[roundId][msg.sender];
        if (b.amount == 0) revert NoBetExists();
        if (b.claimed) revert AlreadyClaimed();
        if (b.isOver != r.outcome) revert NotWinner();
        b.claimed = true;
        winnings = _winnings(r, b);
        if (winnings > 0) dataToken.safeTransfer(msg.sender, winnings);
        emit WinningsClaimed(roundId, msg.sender, winnings);
    }

    function getRound(uint256 roundId) external view returns (Round memory) {
        return _rounds[roundId];
    }

    function getBet(uint256 roundId, address user) external view returns (Bet memory) {
        return _bets[roundId][user];
    }

    function calculateWinnings(uint256 roundId, address user) external view returns (uint256) {
        Round storage r = _rounds[roundId];
        Bet storage b = _bets[roundId][user];
        if (!r.resolved || b.amount == 0 || b.isOver != r.outcome) return 0;
        return _winnings(r, b);
    }

    /// @notice Odds in bps; wraps above 6.5535x because of the uint16 cast (upstream behaviour).
    function getOverOdds(uint256 roundId) external view returns (uint16) {
        return _odds(_rounds[roundId], _rounds[roundId].overPool);
    }

    function getUnderOdds(uint256 roundId) external view returns (uint16) {
        return _odds(_rounds[roundId], _rounds[roundId].underPool);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _netPool(Round storage r) internal view returns (uint256) {
        uint256 pot = r.overPool + r.underPool;
        return pot - (pot * RAKE_BPS) / 10_000;
    }

    function _odds(Round storage r, uint256 side) internal view returns (uint16) {
        if (side == 0) return 0;
        return uint16((_netPool(r) * 10_000) / side);
    }

    function _winnings(Round storage r, Bet storage b) internal view returns (uint256) {
        uint256 winningPool = r.outcome ? r.overPool : r.underPool;
        if (winningPool == 0) return 0;
        return (b.amount * _netPool(r)) / winningPool;
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) { }
}
