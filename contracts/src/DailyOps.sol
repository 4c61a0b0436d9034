// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { MessageHashUtils } from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import { AccessControlDefaultAdminRules } from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title DailyOps (wraith test double of GHOSTNET `DailyOps`)
/// @notice Daily missions paid from the contract's DATA balance on a mission-signer signature
///         (EIP-191 personal-sign of keccak256(abi.encodePacked(player, uint64 day, missionId,
///         reward, nonce, chainid, this))). Days are `timestamp / 86400`. Streaks, streak shields
///         (1 day / 50 DATA, 7 days / 200 DATA, sent to 0xdEaD), milestones 7/21/30/90 days
///         (+500/+1000/+5000/+15000 DATA; badges WEEK_WARRIOR, DEDICATED_OPERATOR, LEGEND).
///         Constructor `(dataToken, admin, missionSigner)`; default-admin transfer delay 3 days.
/// @dev Same behaviour and log order as upstream: [`ShieldUsed` | `StreakBroken`] → [`BadgeEarned`]
///      → DATA Transfer → `DailyRewardClaimed(reward excl. bonus)` → [`MilestoneReached`].
///      No simplification.
contract DailyOps is AccessControlDefaultAdminRules, ReentrancyGuard {
    using SafeERC20 for IERC20;

    struct PlayerStreak {
        uint32 currentStreak;
        uint32 longestStreak;
        uint64 lastClaimDay;
        uint64 shieldExpiryDay;
        uint256 totalClaimed;
        uint64 totalMissionsCompleted;
    }

    struct Badge {
        bytes32 badgeId;
        uint64 earnedAt;
    }

    bytes32 public constant MISSION_SIGNER_ROLE = keccak256("MISSION_SIGNER_ROLE");
    bytes32 public constant TREASURY_ROLE = keccak256("TREASURY_ROLE");
    uint256 public constant DAY_DURATION = 1 days;
    uint256 public constant SHIELD_COST_1_DAY = 50 ether;
    uint256 public constant SHIELD_COST_7_DAY = 200 ether;
    uint256 public constant MAX_SHIELD_DAYS = 7;
    uint256 public constant MAX_REWARD_PER_CLAIM = 10_000 ether;
    uint32 public constant MILESTONE_3_DAYS = 3;
    uint32 public constant MILESTONE_7_DAYS = 7;
    uint32 public constant MILESTONE_14_DAYS = 14;
    uint32 public constant MILESTONE_21_DAYS = 21;
    uint32 public constant MILESTONE_30_DAYS = 30;
    uint32 public constant MILESTONE_60_DAYS = 60;
    uint32 public constant MILESTONE_90_DAYS = 90;
    uint32 public constant MILESTONE_180_DAYS = 180;
    uint256 public constant MILESTONE_7_BONUS = 500 ether;
    uint256 public constant MILESTONE_21_BONUS = 1000 ether;
    uint256 public constant MILESTONE_30_BONUS = 5000 ether;
    uint256 public constant MILESTONE_90_BONUS = 15_000 ether;

    IERC20 public immutable dataToken;
    mapping(address => PlayerStreak) public streaks;
    mapping(bytes32 => bool) public usedNonces;
    mapping(address => Badge[]) internal _badges;
    mapping(address => mapping(uint32 => bool)) public milestonesClaimed;
    uint256 public totalDistributed;
    uint256 public totalBurned;

    event DailyRewardClaimed(
        address indexed player, uint64 indexed day, bytes32 indexed missionId, uint256 reward, uint32 newStreak
    );
    event MilestoneReached(address indexed player, uint32 streak, uint256 bonusReward);
    event BadgeEarned(address indexed player, bytes32 indexed badgeId);
    event StreakBroken(address indexed player, uint32 previousStreak);
    event ShieldPurchased(address indexed player, uint8 days_, uint64 expiryDay, uint256 cost);
    event ShieldUsed(address indexed player, uint64 day);
    event TreasuryFunded(address indexed funder, uint256 amount);

    error InvalidSignature();
    error NonceAlreadyUsed();
    error InvalidClaimDay();
    error RewardTooLarge();
    error ShieldAlreadyActive();
    error InvalidShieldDuration();
    error InsufficientTreasuryBalance();
    error ZeroAddress();

    constructor(address dataToken_, address admin, address missionSigner)
        AccessControlDefaultAdminRules(3 days, admin)
    {
        if (dataToken_ == address(0) || missionSigner == address(0)) revert ZeroAddress();
        dataToken = IERC20(dataToken_);
        _grantRole(MISSION_SIGNER_ROLE, missionSigner);
        _grantRole(TREASURY_ROLE, admin);
    }

    function claimDailyReward(uint64 day, bytes32 missionId, uint256 rewardAmount, bytes32 nonce, bytes calldata signature)
        external
        nonReentrant
    {
        if (usedNonces[nonce]) revert NonceAlreadyUsed();
        if (rewardAmount > MAX_REWARD_PER_CLAIM) revert RewardTooLarge();
        PlayerStreak storage s = streaks[msg.sender];
        if (day > _today() || s.lastClaimDay == day) revert InvalidClaimDay();
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(
            keccak256(abi.encodePacked(msg.sender, day, missionId, rewardAmount, nonce, block.chainid, address(this)))
        );
        if (!hasRole(MISSION_SIGNER_ROLE, ECDSA.recover(digest, signature))) revert InvalidSignature();
        usedNonces[nonce] = true;

        _updateStreak(msg.sender, s, day);
        s.lastClaimDay = day;
        s.totalMissionsCompleted++;
        uint256 bonus = _checkMilestones(msg.sender, s.currentStreak);
        uint256 total = rewardAmount + bonus;
        s.totalClaimed += total;
        totalDistributed += total;
        if (dataToken.balanceOf(address(this)) < total) revert InsufficientTreasuryBalance();
        dataToken.safeTransfer(msg.sender, total);
        emit DailyRewardClaimed(msg.sender, day, missionId, rewardAmount, s.currentStreak);
        if (bonus > 0) emit MilestoneReached(msg.sender, s.currentStreak, bonus);
    }

    /// @notice 1 day for 50 DATA or 7 days for 200 DATA, paid in and sent to 0xdEaD.
    function purchaseShield(uint8 days_) external nonReentrant {
        if (days_ != 1 && days_ != 7) revert InvalidShieldDuration();
        PlayerStreak storage s = streaks[msg.sender];
        uint64 today = _today();
        if (s.shieldExpiryDay > today) revert ShieldAlreadyActive();
        uint256 cost = days_ == 1 ? SHIELD_COST_1_DAY : SHIELD_COST_7_DAY;
        dataToken.safeTransferFrom(msg.sender, address(this), cost);
        dataToken.safeTransfer(address(0xdead), cost);
        totalBurned += cost;
        s.shieldExpiryDay = today + days_;
        emit ShieldPurchased(msg.sender, days_, s.shieldExpiryDay, cost);
    }

    function fundTreasury(uint256 amount) external {
        dataToken.safeTransferFrom(msg.sender, address(this), amount);
        emit TreasuryFunded(msg.sender, amount);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function getStreak(address player) external view returns (PlayerStreak memory) {
        return streaks[player];
    }

    function getBadges(address player) external view returns (Badge[] memory) {
        return _badges[player];
    }

    function getCurrentDay() external view returns (uint64) {
        return _today();
    }

    function hasClaimedDay(address player, uint64 day) external view returns (bool) {
        return streaks[player].lastClaimDay == day;
    }

    function isShieldActive(address player) external view returns (bool) {
        return streaks[player].shieldExpiryDay > _today();
    }

    /// @notice View only; GhostCore does not use it.
    function getDeathRateReduction(address player) external view returns (uint16) {
        uint32 streak = streaks[player].currentStreak;
        if (streak >= MILESTONE_180_DAYS) return 1000;
        if (streak >= MILESTONE_60_DAYS) return 800;
        if (streak >= MILESTONE_14_DAYS) return 500;
        if (streak >= MILESTONE_3_DAYS) return 300;
        return 0;
    }

    function getTreasuryBalance() external view returns (uint256) {
        return dataToken.balanceOf(address(this));
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _today() internal view returns (uint64) {
        return uint64(block.timestamp / DAY_DURATION);
    }

    function _updateStreak(address player, PlayerStreak storage s, uint64 claimDay) internal {
        uint64 last = s.lastClaimDay;
        if (last == 0) {
            s.currentStreak = 1;
            if (s.longestStreak < 1) s.longestStreak = 1;
            return;
        }
        bool consecutive = claimDay == last + 1;
        bool shielded;
        if (!consecutive && s.shieldExpiryDay > 0) {
            uint64 gap = claimDay - last - 1; // reverts for a day before the last claim (upstream)
            if (gap > 0 && last + gap <= s.shieldExpiryDay) {
                shielded = true;
                emit ShieldUsed(player, claimDay);
            }
        }
        if (consecutive || shielded) {
            s.currentStreak++;
            if (s.currentStreak > s.longestStreak) s.longestStreak = s.currentStreak;
        } else {
            if (s.currentStreak > 0) emit StreakBroken(player, s.currentStreak);
            s.currentStreak = 1;
        }
    }

    function _checkMilestones(address player, uint32 streak) internal returns (uint256 bonus) {
        bonus += _milestone(player, streak, MILESTONE_7_DAYS, MILESTONE_7_BONUS, keccak256("WEEK_WARRIOR"));
        bonus += _milestone(player, streak, MILESTONE_21_DAYS, MILESTONE_21_BONUS, bytes32(0));
        bonus += _milestone(player, streak, MILESTONE_30_DAYS, MILESTONE_30_BONUS, keccak256("DEDICATED_OPERATOR"));
        bonus += _milestone(player, streak, MILESTONE_90_DAYS, MILESTONE_90_BONUS, keccak256("LEGEND"));
    }

    function _milestone(address player, uint32 streak, uint32 days_, uint256 amount, bytes32 badge)
        internal
        returns (uint256)
    {
        if (streak < days_ || milestonesClaimed[player][days_]) return 0;
        milestonesClaimed[player][days_] = true;
        if (badge != bytes32(0)) {
            _badges[player].push(Badge(badge, uint64(block.timestamp)));
            emit BadgeEarned(player, badge);
        }
        return amount;
    }
}
