// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { UUPSUpgradeable } from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import { AccessControlUpgradeable } from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import { PausableUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import { IGhostCore } from "./IGhostCore.sol";

/// @title TraceScan (wraith test double of GHOSTNET `TraceScan`)
/// @notice Three permissionless phases per level: `executeScan` (seed drawn, `ScanExecuted`),
///         `submitDeaths` within the submission window (verified against the death rule, GhostCore
///         `DeathsProcessed` then `DeathsSubmitted`), `finalizeScan` after the window (GhostCore
///         `CascadeDistributed` if anything died, `SurvivorsUpdated`, then `ScanFinalized`).
///         Deploy behind an `ERC1967Proxy`, call `initialize(ghostCore, admin)` and grant this
///         proxy GhostCore's SCANNER_ROLE.
/// @dev Same filter, death rule, seed derivation and global scan counter (first id 1) as upstream.
///      Simplification without event impact: plain state variables instead of ERC-7201 storage.
///      Extra (not upstream): `getScanNonce`, `maxBatchSize`, `isProcessed`.
contract TraceScan is UUPSUpgradeable, AccessControlUpgradeable, PausableUpgradeable {
    struct Scan {
        uint256 scanId;
        uint256 seed;
        uint64 executedAt;
        uint64 finalizedAt;
        IGhostCore.Level level;
        uint256 totalDead;
        uint256 deathCount;
        bool finalized;
    }

    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE"); // granted, never checked (as upstream)
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    uint256 internal constant BPS = 10_000;

    IGhostCore public ghostCore;
    mapping(IGhostCore.Level => Scan) internal _scans;
    uint256 internal _scanNonce;
    uint256 public submissionWindow;
    uint256 public maxBatchSize;
    /// @dev level => scanId => user => already processed in that scan.
    mapping(IGhostCore.Level => mapping(uint256 => mapping(address => bool))) internal _processed;

    event ScanExecuted(IGhostCore.Level indexed level, uint256 indexed scanId, uint256 seed, uint64 executedAt);
    event DeathsSubmitted(
        IGhostCore.Level indexed level,
        uint256 indexed scanId,
        uint256 count,
        uint256 totalDead,
        address indexed submitter
    );
    event ScanFinalized(
        IGhostCore.Level indexed level, uint256 indexed scanId, uint256 deathCount, uint256 totalDead, uint64 finalizedAt
    );

    error ScanNotReady();
    error ScanAlreadyActive();
    error ScanNotActive();
    error ScanAlreadyFinalized();
    error SubmissionWindowClosed();
    error SubmissionWindowNotClosed();
    error UserNotDead();
    error BatchTooLarge();
    error InvalidLevel();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address ghostCore_, address admin) external initializer {
        __UUPSUpgradeable_init();
        __AccessControl_init();
        __Pausable_init();
        ghostCore = IGhostCore(ghostCore_);
        submissionWindow = 120;
        maxBatchSize = 100;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(KEEPER_ROLE, admin);
    }

    // ─── Phase 1 ─────────────────────────────────────────────────────────────────────────

    function executeScan(IGhostCore.Level level) external whenNotPaused {
        if (level == IGhostCore.Level.NONE || level > IGhostCore.Level.BLACK_ICE) revert InvalidLevel();
        if (block.timestamp < ghostCore.getLevelState(level).nextScanTime) revert ScanNotReady();
        Scan storage scan = _scans[level];
        if (scan.executedAt > 0 && !scan.finalized) revert ScanAlreadyActive();

        // Seed uses the counter before the increment; the scan id is the value after it.
        uint256 seed = uint256(
            keccak256(abi.encode(block.prevrandao, block.timestamp, block.number, level, _scanNonce++))
        );
        uint256 scanId = _scanNonce;
        _scans[level] = Scan(scanId, seed, uint64(block.timestamp), 0, level, 0, 0, false);
        emit ScanExecuted(level, scanId, seed, uint64(block.timestamp));
    }

    // ─── Phase 2 ─────────────────────────────────────────────────────────────────────────

    /// @notice Skips (silently) addresses already processed in this scan, without an alive
    ///         position, or at another level; every other address must satisfy the death rule
    ///         or the whole call reverts. Nothing left → returns without any event.
    function submitDeaths(IGhostCore.Level level, address[] calldata deadUsers) external whenNotPaused {
        Scan storage scan = _scans[level];
        if (scan.executedAt == 0) revert ScanNotActive();
        if (scan.finalized) revert ScanAlreadyFinalized();
        if (block.timestamp > scan.executedAt + submissionWindow) revert SubmissionWindowClosed();
        if (deadUsers.length > maxBatchSize) revert BatchTooLarge();

        address[] memory verified = new address[](deadUsers.length);
        uint256 count;
        uint256 batchTotal;
        for (uint256 i; i < deadUsers.length; ++i) {
            address user = deadUsers[i];
            if (_processed[level][scan.scanId][user]) continue;
            if (!ghostCore.isAlive(user)) continue;
            IGhostCore.Position memory pos = ghostCore.getPosition(user);
            if (pos.level != level) continue;
            if (!_isDead(scan.seed, user, ghostCore.getEffectiveDeathRate(user))) revert UserNotDead();
            _processed[level][scan.scanId][user] = true;
            verified[count++] = user;
            batchTotal += pos.amount;
        }
        if (count == 0) return;
        assembly {
            mstore(verified, count)
        }
        scan.deathCount += count;
        scan.totalDead += batchTotal;
        ghostCore.processDeaths(level, verified);
        emit DeathsSubmitted(level, scan.scanId, count, batchTotal, msg.sender);
    }

    // ─── Phase 3 ─────────────────────────────────────────────────────────────────────────

    function finalizeScan(IGhostCore.Level level) external whenNotPaused {
        Scan storage scan = _scans[level];
        if (scan.executedAt == 0) revert ScanNotActive();
        if (scan.finalized) revert ScanAlreadyFinalized();
        if (block.timestamp < scan.executedAt + submissionWindow) revert SubmissionWindowNotClosed();
        scan.finalized = true;
        scan.finalizedAt = uint64(block.timestamp);
        if (scan.totalDead > 0) ghostCore.distributeCascade(level, scan.totalDead);
        ghostCore.incrementGhostStreak(level);
        emit ScanFinalized(level, scan.scanId, scan.deathCount, scan.totalDead, scan.finalizedAt);
    }

    // ─── Death rule ──────────────────────────────────────────────────────────────────────

    /// @notice keccak256(abi.encode(seed, user)) % 10000 < deathRateBps.
    function isDead(uint256 seed, address user, uint16 deathRateBps) external pure returns (bool) {
        return _isDead(seed, user, deathRateBps);
    }

    function wouldDie(IGhostCore.Level level, address user) external view returns (bool) {
        Scan storage scan = _scans[level];
        if (scan.executedAt == 0 || scan.finalized) return false;
        if (!ghostCore.isAlive(user)) return false;
        if (ghostCore.getPosition(user).level != level) return false;
        return _isDead(scan.seed, user, ghostCore.getEffectiveDeathRate(user));
    }

    function _isDead(uint256 seed, address user, uint16 rateBps) internal pure returns (bool) {
        return uint256(keccak256(abi.encode(seed, user))) % BPS < rateBps;
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function canExecuteScan(IGhostCore.Level level) public view returns (bool) {
        if (block.timestamp < ghostCore.getLevelState(level).nextScanTime) return false;
        Scan storage scan = _scans[level];
        return !(scan.executedAt > 0 && !scan.finalized);
    }

    function canFinalizeScan(IGhostCore.Level level) public view returns (bool) {
        Scan storage scan = _scans[level];
        return scan.executedAt != 0 && !scan.finalized && block.timestamp >= scan.executedAt + submissionWindow;
    }

    function getCurrentScan(IGhostCore.Level level) external view returns (Scan memory) {
        return _scans[level];
    }

    /// @notice Gelato-style checker: first executable or finalisable level.
    function checker() external view returns (bool canExec, bytes memory execPayload) {
        for (uint8 i = 1; i <= 5; ++i) {
            IGhostCore.Level level = IGhostCore.Level(i);
            if (canExecuteScan(level)) return (true, abi.encodeCall(this.executeScan, (level)));
            if (canFinalizeScan(level)) return (true, abi.encodeCall(this.finalizeScan, (level)));
        }
        return (false, bytes(""));
    }

    /// @notice Extra (not upstream): last scan id handed out (0 before the first scan).
    function getScanNonce() external view returns (uint256) {
        return _scanNonce;
    }

    /// @notice Extra (not upstream): whether `user` was already processed in `scanId`.
    function isProcessed(IGhostCore.Level level, uint256 scanId, address user) external view returns (bool) {
        return _processed[level][scanId][user];
    }

    // ─── Admin (no events, as upstream) ──────────────────────────────────────────────────

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function setSubmissionWindow(uint256 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        submissionWindow = newWindow;
    }

    function setMaxBatchSize(uint256 newSize) external onlyRole(DEFAULT_ADMIN_ROLE) {
        maxBatchSize = newSize;
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) { }
}
