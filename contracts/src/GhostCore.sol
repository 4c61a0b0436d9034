// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { UUPSUpgradeable } from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import { AccessControlUpgradeable } from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import { PausableUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import { ReentrancyGuardUpgradeable } from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import { IGhostCore } from "./IGhostCore.sol";

/// @title GhostCore (wraith test double of GHOSTNET `GhostCore`)
/// @notice Survival staking core: positions per address at one of five levels, a MasterChef
///         reward index per level (1e18), culling of full levels, death processing and cascade
///         distribution on behalf of TraceScan, emissions, EIP-712 boosts and the system reset.
///         Deploy behind an OpenZeppelin `ERC1967Proxy` (UUPS) and call
///         `initialize(dataToken, treasury, boostSigner, admin)`.
/// @dev Reproduces upstream behaviour including its quirks, because the indexer must model them:
///      * culling victim = first element of the level's swap-and-pop array (bottom-% unused);
///      * `DeathsProcessed.burned/distributed` always 0, `count` = length of the list passed in;
///      * `SystemResetTriggered.jackpotWinner` always 0x0 (cleared before the emit);
///      * upstream share of a cascade is burned (but still reported) when no safer level has stake;
///      * `addStake` forfeits pending rewards; reset haircut settled lazily without an event;
///      * `emergencyWithdraw` pays dead positions their pre-death amount and corrupts level totals
///        and the level array exactly as upstream does (it may even revert on underflow).
///      Deliberate simplifications that change no event: storage uses plain state variables
///      instead of an ERC-7201 namespace; the burn sink is the constant 0xdEaD instead of a call to
///      `dataToken.DEAD_ADDRESS()` (so any ERC-20 works as DATA); the upgrade timelock is just
///      DEFAULT_ADMIN_ROLE. Extra views not in upstream: `getBoosts`, `getLevelPositions`,
///      `getLastSettledEpoch`, `DOMAIN_SEPARATOR`, `dataToken`, `treasury`, `boostSigner`.
contract GhostCore is
    IGhostCore,
    UUPSUpgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardUpgradeable
{
    using SafeERC20 for IERC20;

    bytes32 public constant SCANNER_ROLE = keccak256("SCANNER_ROLE");
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant BOOST_TYPEHASH =
        keccak256("Boost(address user,uint8 boostType,uint16 valueBps,uint64 expiry,bytes32 nonce)");

    address internal constant DEAD = 0x000000000000000000000000000000000000dEaD;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant PRECISION = 1e18;
    uint256 internal constant LOCK_PERIOD = 60;
    uint256 internal constant CASCADE_SHARE_BPS = 3000; // same level, upstream and burn each
    uint256 internal constant CULL_BURN_BPS = 3000; // of the culling penalty; the rest to same level
    uint256 internal constant RESET_WINDOW = 24 hours; // default deadline and cap
    uint16 internal constant RESET_PENALTY_BPS = 2500;
    uint256 internal constant JACKPOT_BPS = 5000;
    uint256 internal constant RESET_BURN_BPS = 3000;

    IERC20 public dataToken;
    address public treasury;
    address public boostSigner;
    bytes32 public DOMAIN_SEPARATOR;

    mapping(address => Position) internal _positions;
    mapping(address => Boost[]) internal _boosts;
    mapping(address => uint256) internal _lastSettledEpoch;
    mapping(Level => LevelConfig) internal _configs;
    mapping(Level => LevelState) internal _states;
    SystemReset internal _reset;
    mapping(bytes32 => bool) public usedNonces;
    /// @dev Alive positions per level, maintained by swap-and-pop (culling takes index 0).
    mapping(Level => address[]) internal _levelPositions;
    mapping(Level => mapping(address => uint256)) internal _positionIndex;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address dataToken_, address treasury_, address boostSigner_, address admin)
        external
        initializer
    {
        __UUPSUpgradeable_init();
        __AccessControl_init();
        __Pausable_init();
        __ReentrancyGuard_init();

        dataToken = IERC20(dataToken_);
        treasury = treasury_;
        boostSigner = boostSigner_;
        _reset = SystemReset({
            deadline: uint64(block.timestamp + RESET_WINDOW),
            lastDepositor: address(0),
            lastDepositTime: uint64(block.timestamp),
            epoch: 1,
            penaltyBps: 0
        });
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);

        DOMAIN_SEPARATOR = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("GHOSTNET"),
                keccak256("1"),
                block.chainid,
                address(this)
            )
        );

        // Level defaults (CONTRACTS.md §4.1): rate, interval, min stake, max positions.
        _initLevel(Level.VAULT, 500, 4 hours, 10 ether, 5000);
        _initLevel(Level.MAINFRAME, 1500, 3 hours, 25 ether, 3000);
        _initLevel(Level.SUBNET, 2500, 2 hours, 50 ether, 1500);
        _initLevel(Level.DARKNET, 3500, 1 hours, 100 ether, 500);
        _initLevel(Level.BLACK_ICE, 4500, 30 minutes, 250 ether, 100);
    }

    function _initLevel(Level level, uint16 rate, uint32 interval, uint256 minStake, uint32 maxPositions) private {
        _configs[level] = LevelConfig(rate, interval, minStake, maxPositions, 5000, 8000);
        _states[level].nextScanTime = uint64(block.timestamp) + interval;
    }

    // ─── Player actions ──────────────────────────────────────────────────────────────────

    function jackIn(uint256 amount, Level level) external nonReentrant whenNotPaused {
        if (level == Level.NONE || level > Level.BLACK_ICE) revert InvalidLevel();
        if (amount == 0) revert InvalidAmount();
        _settleResetPenalty(msg.sender);

        Position storage pos = _positions[msg.sender];
        if (pos.level != Level.NONE) revert PositionAlreadyExists();

        LevelConfig storage cfg = _configs[level];
        LevelState storage st = _states[level];
        if (amount < cfg.minStake) revert BelowMinimumStake();
        if (cfg.maxPositions > 0 && st.aliveCount >= cfg.maxPositions) _cull(level, msg.sender);

        pos.amount = amount;
        pos.level = level;
        pos.entryTimestamp = uint64(block.timestamp);
        pos.lastAddTimestamp = uint64(block.timestamp);
        pos.rewardDebt = (amount * st.accRewardsPerShare) / PRECISION;
        pos.alive = true;
        pos.ghostStreak = 0;
        st.totalStaked += amount;
        st.aliveCount += 1;
        _levelPositions[level].push(msg.sender);
        _positionIndex[level][msg.sender] = _levelPositions[level].length - 1;

        emit JackedIn(msg.sender, amount, level, amount);

        dataToken.safeTransferFrom(msg.sender, address(this), amount);
        _extendResetTimer(amount);
    }

    /// @notice Tops up an alive position. Pending rewards are forfeited (debt reset).
    function addStake(uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert InvalidAmount();
        Position storage pos = _positions[msg.sender];
        if (pos.level == Level.NONE) revert NoPositionExists();
        if (!pos.alive) revert PositionDead();
        _settleResetPenalty(msg.sender);

        LevelState storage st = _states[pos.level];
        pos.amount += amount;
        pos.lastAddTimestamp = uint64(block.timestamp);
        pos.rewardDebt = (pos.amount * st.accRewardsPerShare) / PRECISION;
        st.totalStaked += amount;

        dataToken.safeTransferFrom(msg.sender, address(this), amount);
        _extendResetTimer(amount);
        emit StakeAdded(msg.sender, amount, pos.amount);
    }

    function extract() external nonReentrant whenNotPaused returns (uint256 amount, uint256 rewards) {
        Position storage pos = _positions[msg.sender];
        if (pos.level == Level.NONE) revert NoPositionExists();
        if (!pos.alive) revert PositionDead();
        if (_isInLockPeriod(msg.sender)) revert PositionLocked();
        _settleResetPenalty(msg.sender);

        Level level = pos.level;
        rewards = _pending(msg.sender);
        amount = pos.amount;
        _states[level].totalStaked -= amount;
        _states[level].aliveCount -= 1;
        _removeFromLevel(level, msg.sender);
        delete _positions[msg.sender];
        delete _boosts[msg.sender];

        dataToken.safeTransfer(msg.sender, amount + rewards);
        emit Extracted(msg.sender, amount, rewards);
    }

    /// @notice Pays pending rewards. Emits no GhostCore event (only the DATA Transfer).
    function claimRewards() external nonReentrant whenNotPaused returns (uint256 rewards) {
        Position storage pos = _positions[msg.sender];
        if (pos.level == Level.NONE) revert NoPositionExists();
        if (!pos.alive) revert PositionDead();
        _settleResetPenalty(msg.sender);

        rewards = _pending(msg.sender);
        if (rewards == 0) return 0;
        pos.rewardDebt = (pos.amount * _states[pos.level].accRewardsPerShare) / PRECISION;
        dataToken.safeTransfer(msg.sender, rewards);
    }

    /// @notice Only while paused: principal back (also for dead positions), no rewards.
    function emergencyWithdraw() external nonReentrant whenPaused {
        Position storage pos = _positions[msg.sender];
        if (pos.level == Level.NONE) revert NoPositionExists();
        uint256 amount = pos.amount;
        Level level = pos.level;

        // Upstream quirk kept on purpose: a dead position's amount was already removed from
        // the level total, and its array index was cleared (so index 0 is dropped here).
        _states[level].totalStaked -= amount;
        if (pos.alive) _states[level].aliveCount -= 1;
        _removeFromLevel(level, msg.sender);
        delete _positions[msg.sender];
        delete _boosts[msg.sender];

        dataToken.safeTransfer(msg.sender, amount);
        emit Extracted(msg.sender, amount, 0);
    }

    function applyBoost(BoostType boostType, uint16 valueBps, uint64 expiry, bytes32 nonce, bytes calldata signature)
        external
        nonReentrant
        whenNotPaused
    {
        if (_positions[msg.sender].level == Level.NONE) revert NoPositionExists();
        if (expiry <= block.timestamp) revert SignatureExpired();
        if (usedNonces[nonce]) revert NonceAlreadyUsed();
        bytes32 structHash = keccak256(abi.encode(BOOST_TYPEHASH, msg.sender, uint8(boostType), valueBps, expiry, nonce));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR, structHash));
        if (ECDSA.recover(digest, signature) != boostSigner) revert InvalidSignature();
        usedNonces[nonce] = true;
        _boosts[msg.sender].push(Boost(boostType, valueBps, expiry));
        emit BoostApplied(msg.sender, boostType, valueBps, expiry);
    }

    /// @notice Anyone, once the deadline passed (not blocked by pause).
    function triggerSystemReset() external nonReentrant {
        SystemReset storage r = _reset;
        if (block.timestamp < r.deadline) revert SystemResetNotReady();

        uint256 tvl = _tvl();
        uint256 pool = (tvl * RESET_PENALTY_BPS) / BPS;
        uint256 jackpot = (pool * JACKPOT_BPS) / BPS;
        uint256 burnAmount = (pool * RESET_BURN_BPS) / BPS;
        uint256 protocol = pool - jackpot - burnAmount;

        r.epoch += 1;
        r.penaltyBps = RESET_PENALTY_BPS;
        if (r.lastDepositor != address(0) && jackpot > 0) dataToken.safeTransfer(r.lastDepositor, jackpot);
        dataToken.safeTransfer(DEAD, burnAmount);
        dataToken.safeTransfer(treasury, protocol);

        r.deadline = uint64(block.timestamp + RESET_WINDOW);
        r.lastDepositor = address(0);
        r.lastDepositTime = uint64(block.timestamp);
        emit SystemResetTriggered(pool, r.lastDepositor, jackpot); // winner already cleared: 0x0
    }

    // ─── TraceScan (SCANNER_ROLE) ────────────────────────────────────────────────────────

    function processDeaths(Level level, address[] calldata deadUsers)
        external
        onlyRole(SCANNER_ROLE)
        returns (uint256 totalDead)
    {
        LevelState storage st = _states[level];
        for (uint256 i; i < deadUsers.length; ++i) {
            Position storage pos = _positions[deadUsers[i]];
            if (pos.level != level || !pos.alive) continue;
            totalDead += pos.amount;
            pos.alive = false;
            pos.ghostStreak = 0;
            st.totalStaked -= pos.amount;
            st.aliveCount -= 1;
            _removeFromLevel(level, deadUsers[i]);
        }
        emit DeathsProcessed(level, deadUsers.length, totalDead, 0, 0);
    }

    /// @notice 30 % same level, 30 % upstream, 30 % burn, rest treasury.
    function distributeCascade(Level level, uint256 totalDead) external onlyRole(SCANNER_ROLE) {
        if (totalDead == 0) return;
        uint256 same = (totalDead * CASCADE_SHARE_BPS) / BPS;
        uint256 upstream = (totalDead * CASCADE_SHARE_BPS) / BPS;
        uint256 burnAmount = (totalDead * CASCADE_SHARE_BPS) / BPS;
        uint256 protocol = totalDead - same - upstream - burnAmount;

        LevelState storage src = _states[level];
        if (src.totalStaked > 0) {
            src.accRewardsPerShare += (same * PRECISION) / src.totalStaked;
        } else {
            upstream += same;
            same = 0;
        }
        _distributeUpstream(level, upstream);
        dataToken.safeTransfer(DEAD, burnAmount);
        dataToken.safeTransfer(treasury, protocol);
        emit CascadeDistributed(level, same, upstream, burnAmount, protocol);
    }

    /// @notice Streak +1 for every alive position of the level; next scan = now + interval.
    function incrementGhostStreak(Level level) external onlyRole(SCANNER_ROLE) {
        address[] storage users = _levelPositions[level];
        uint256 survivors;
        for (uint256 i; i < users.length; ++i) {
            Position storage pos = _positions[users[i]];
            if (pos.alive && pos.level == level) {
                pos.ghostStreak += 1;
                survivors++;
            }
        }
        _states[level].nextScanTime = uint64(block.timestamp) + _configs[level].scanInterval;
        emit SurvivorsUpdated(level, survivors);
    }

    // ─── RewardsDistributor (DISTRIBUTOR_ROLE) ───────────────────────────────────────────

    /// @notice Credits the level index (tokens must already have been sent). Reported even if
    ///         the level has no stake, in which case nobody is credited.
    function addEmissionRewards(Level level, uint256 amount) external onlyRole(DISTRIBUTOR_ROLE) {
        LevelState storage st = _states[level];
        if (st.totalStaked > 0) st.accRewardsPerShare += (amount * PRECISION) / st.totalStaked;
        emit EmissionsAdded(level, amount);
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice No event (upstream behaviour). Does not move the level's nextScanTime.
    function updateLevelConfig(Level level, LevelConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _configs[level] = config;
    }

    function setBoostSigner(address newSigner) external onlyRole(DEFAULT_ADMIN_ROLE) {
        boostSigner = newSigner;
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function getPosition(address user) external view returns (Position memory) {
        return _positions[user];
    }

    function getPendingRewards(address user) external view returns (uint256) {
        return _pending(user);
    }

    function getEffectiveDeathRate(address user) public view returns (uint16) {
        Position storage pos = _positions[user];
        if (pos.level == Level.NONE) return 0;
        uint256 base = _configs[pos.level].baseDeathRateBps;
        uint256 reduction;
        Boost[] storage boosts = _boosts[user];
        for (uint256 i; i < boosts.length; ++i) {
            if (boosts[i].boostType == BoostType.DEATH_REDUCTION && boosts[i].expiry > block.timestamp) {
                reduction += boosts[i].valueBps;
            }
        }
        return reduction >= base ? 0 : uint16(base - reduction);
    }

    function getLevelConfig(Level level) external view returns (LevelConfig memory) {
        return _configs[level];
    }

    function getLevelState(Level level) external view returns (LevelState memory) {
        return _states[level];
    }

    function getSystemReset() external view returns (SystemReset memory) {
        return _reset;
    }

    function isInLockPeriod(address user) external view returns (bool) {
        return _isInLockPeriod(user);
    }

    function isAlive(address user) external view returns (bool) {
        return _positions[user].level != Level.NONE && _positions[user].alive;
    }

    function getTotalValueLocked() external view returns (uint256) {
        return _tvl();
    }

    function getActiveBoosts(address user) external view returns (Boost[] memory active) {
        Boost[] storage all = _boosts[user];
        uint256 n;
        for (uint256 i; i < all.length; ++i) {
            if (all[i].expiry > block.timestamp) n++;
        }
        active = new Boost[](n);
        n = 0;
        for (uint256 i; i < all.length; ++i) {
            if (all[i].expiry > block.timestamp) active[n++] = all[i];
        }
    }

    /// @notice Upstream placeholder: only the level's capacity usage is computed.
    function getCullingRisk(address user) external view returns (uint16 riskBps, bool isEligible, uint16 capacityPct) {
        Position storage pos = _positions[user];
        if (pos.level == Level.NONE || !pos.alive) return (0, false, 0);
        uint256 maxPositions = _configs[pos.level].maxPositions;
        if (maxPositions == 0) return (0, false, 0);
        capacityPct = uint16((_states[pos.level].aliveCount * BPS) / maxPositions);
        return (0, false, capacityPct);
    }

    /// @notice Extra (not upstream): every boost ever applied to the current position, expired included.
    function getBoosts(address user) external view returns (Boost[] memory) {
        return _boosts[user];
    }

    /// @notice Extra (not upstream): the level's swap-and-pop array; index 0 is the next cull victim.
    function getLevelPositions(Level level) external view returns (address[] memory) {
        return _levelPositions[level];
    }

    /// @notice Extra (not upstream): reset epoch up to which the user's haircut is settled.
    function getLastSettledEpoch(address user) external view returns (uint256) {
        return _lastSettledEpoch[user];
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _pending(address user) internal view returns (uint256) {
        Position storage pos = _positions[user];
        if (pos.level == Level.NONE || !pos.alive) return 0;
        uint256 acc = (pos.amount * _states[pos.level].accRewardsPerShare) / PRECISION;
        return acc <= pos.rewardDebt ? 0 : acc - pos.rewardDebt;
    }

    function _tvl() internal view returns (uint256 total) {
        for (uint8 i = 1; i <= 5; ++i) {
            total += _states[Level(i)].totalStaked;
        }
    }

    function _isInLockPeriod(address user) internal view returns (bool) {
        Level level = _positions[user].level;
        if (level == Level.NONE) return false;
        uint256 next = _states[level].nextScanTime;
        return block.timestamp >= next - LOCK_PERIOD && block.timestamp < next;
    }

    /// @dev Culls index 0 of the level array: 20 % back to the victim, 80 % penalty of which
    ///      30 % goes to 0xdEaD and 70 % to the remaining stakers of the level.
    function _cull(Level level, address newEntrant) internal {
        address[] storage list = _levelPositions[level];
        if (list.length == 0) revert LevelAtCapacity();
        address victim = list[0];
        Position storage v = _positions[victim];
        LevelState storage st = _states[level];

        uint256 penalty = (v.amount * _configs[level].cullingPenaltyBps) / BPS;
        uint256 returned = v.amount - penalty;
        v.alive = false;
        st.totalStaked -= v.amount;
        st.aliveCount -= 1;
        _removeFromLevel(level, victim);

        if (returned > 0) dataToken.safeTransfer(victim, returned);
        if (penalty > 0) {
            uint256 burnAmount = (penalty * CULL_BURN_BPS) / BPS;
            dataToken.safeTransfer(DEAD, burnAmount);
            if (st.totalStaked > 0) st.accRewardsPerShare += ((penalty - burnAmount) * PRECISION) / st.totalStaked;
        }
        emit PositionCulled(victim, penalty, returned, newEntrant);
    }

    /// @dev Upstream share, pro rata to safer levels' stake; burned if none has stake.
    function _distributeUpstream(Level source, uint256 amount) internal {
        if (amount == 0) return;
        uint256 upstreamTvl;
        for (uint8 i = 1; i < uint8(source); ++i) {
            upstreamTvl += _states[Level(i)].totalStaked;
        }
        if (upstreamTvl == 0) {
            dataToken.safeTransfer(DEAD, amount);
            return;
        }
        for (uint8 i = 1; i < uint8(source); ++i) {
            LevelState storage st = _states[Level(i)];
            if (st.totalStaked > 0) {
                uint256 share = (amount * st.totalStaked) / upstreamTvl;
                st.accRewardsPerShare += (share * PRECISION) / st.totalStaked;
            }
        }
    }

    function _extendResetTimer(uint256 amount) internal {
        SystemReset storage r = _reset;
        if (amount >= 1000 ether) {
            r.deadline = uint64(block.timestamp + RESET_WINDOW);
        } else {
            uint256 ext = amount < 50 ether ? 1 hours : amount < 200 ether ? 4 hours : amount < 500 ether ? 8 hours : 16 hours;
            uint64 candidate = uint64(block.timestamp + ext);
            if (candidate > r.deadline) r.deadline = candidate;
            if (r.deadline > block.timestamp + RESET_WINDOW) r.deadline = uint64(block.timestamp + RESET_WINDOW);
        }
        r.lastDepositor = msg.sender;
        r.lastDepositTime = uint64(block.timestamp);
    }

    /// @dev Lazy reset haircut: once per missed epoch range, no event, level total shrinks now.
    function _settleResetPenalty(address user) internal {
        uint256 current = _reset.epoch;
        uint256 last = _lastSettledEpoch[user];
        if (last >= current) return;
        Position storage pos = _positions[user];
        if (pos.level != Level.NONE && pos.amount != 0 && _reset.penaltyBps > 0) {
            uint256 cut = (pos.amount * _reset.penaltyBps) / BPS;
            pos.amount -= cut;
            _states[pos.level].totalStaked -= cut;
        }
        _lastSettledEpoch[user] = current;
    }

    /// @dev Swap-and-pop using the stored index (0 when unknown — upstream behaviour).
    function _removeFromLevel(Level level, address user) internal {
        address[] storage list = _levelPositions[level];
        uint256 index = _positionIndex[level][user];
        if (list.length > 0 && index < list.length) {
            address last = list[list.length - 1];
            list[index] = last;
            _positionIndex[level][last] = index;
            list.pop();
        }
        delete _positionIndex[level][user];
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) { }
}
