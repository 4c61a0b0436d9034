// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title TeamVesting (wraith test double of GHOSTNET `TeamVesting`)
/// @notice Linear vesting over 730 days from deployment with a 30-day cliff (at the cliff
///         30/730 becomes claimable at once). Schedules are set in the constructor
///         `(token, beneficiaries[], amounts[])` without events; `claim()` emits DATA `Transfer`
///         then `TokensClaimed`. Fund it with the total allocation after deployment.
/// @dev Identical behaviour to upstream, no simplification.
contract TeamVesting is ReentrancyGuard {
    using SafeERC20 for IERC20;

    struct VestingSchedule {
        uint256 totalAmount;
        uint256 claimed;
    }

    uint256 public constant CLIFF_DURATION = 30 days;
    uint256 public constant VESTING_DURATION = 730 days;

    IERC20 public immutable token;
    uint256 public immutable vestingStart;
    uint256 public immutable cliffEnd;
    uint256 public immutable vestingEnd;
    mapping(address => VestingSchedule) public vestingSchedules;
    uint256 public totalAllocated;

    event TokensClaimed(address indexed beneficiary, uint256 amount);

    error InvalidAddress();
    error ArrayLengthMismatch();
    error NoVestingSchedule();
    error NothingToClaim();

    constructor(IERC20 token_, address[] memory beneficiaries, uint256[] memory amounts) {
        if (address(token_) == address(0)) revert InvalidAddress();
        if (beneficiaries.length != amounts.length) revert ArrayLengthMismatch();
        token = token_;
        vestingStart = block.timestamp;
        cliffEnd = block.timestamp + CLIFF_DURATION;
        vestingEnd = block.timestamp + VESTING_DURATION;
        for (uint256 i; i < beneficiaries.length; ++i) {
            if (beneficiaries[i] == address(0)) revert InvalidAddress();
            vestingSchedules[beneficiaries[i]] = VestingSchedule(amounts[i], 0);
            totalAllocated += amounts[i];
        }
    }

    function vestedAmount(address beneficiary) public view returns (uint256) {
        uint256 total = vestingSchedules[beneficiary].totalAmount;
        if (total == 0 || block.timestamp < cliffEnd) return 0;
        if (block.timestamp >= vestingEnd) return total;
        return (total * (block.timestamp - vestingStart)) / VESTING_DURATION;
    }

    function claimableAmount(address beneficiary) public view returns (uint256) {
        uint256 vested = vestedAmount(beneficiary);
        uint256 claimed = vestingSchedules[beneficiary].claimed;
        return vested <= claimed ? 0 : vested - claimed;
    }

    function getVestingInfo(address beneficiary)
        external
        view
        returns (uint256 total, uint256 vested, uint256 claimed, uint256 claimable)
    {
        VestingSchedule storage s = vestingSchedules[beneficiary];
        return (s.totalAmount, vestedAmount(beneficiary), s.claimed, claimableAmount(beneficiary));
    }

    function timeUntilCliff() external view returns (uint256) {
        return block.timestamp >= cliffEnd ? 0 : cliffEnd - block.timestamp;
    }

    function timeUntilFullyVested() external view returns (uint256) {
        return block.timestamp >= vestingEnd ? 0 : vestingEnd - block.timestamp;
    }

    function claim() external nonReentrant returns (uint256 amount) {
        VestingSchedule storage s = vestingSchedules[msg.sender];
        if (s.totalAmount == 0) revert NoVestingSchedule();
        amount = claimableAmount(msg.sender);
        if (amount == 0) revert NothingToClaim();
        s.claimed += amount;
        token.safeTransfer(msg.sender, amount);
        emit TokensClaimed(msg.sender, amount);
    }
}
