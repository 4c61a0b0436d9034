// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import { IGhostCore } from "./IGhostCore.sol";

/// @title RewardsDistributor (wraith test double of GHOSTNET `RewardsDistributor`)
/// @notice Streams 60 M DATA linearly over 730 days from deployment into GhostCore's five levels.
///         `distribute()` (permissionless) releases everything accrued since the last call: per
///         level with a non-zero share, DATA `Transfer` to GhostCore then GhostCore
///         `EmissionsAdded(level, share)`; then one `EmissionsDistributed(total, timestamp)`.
///         Constructor `(dataToken, ghostCore, owner)`; needs GhostCore's DISTRIBUTOR_ROLE and a
///         DATA balance (fund it with 60 M, tax-free). `emergencyWithdraw` emits nothing.
/// @dev Identical behaviour to upstream, no simplification.
contract RewardsDistributor is Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 public constant TOTAL_EMISSIONS = 60_000_000 ether;
    uint256 public constant EMISSION_DURATION = 730 days;

    IERC20 public immutable dataToken;
    uint256 public immutable emissionStart;
    uint256 public immutable emissionEnd;
    IGhostCore public ghostCore;
    uint256 public totalDistributed;
    uint256 public lastDistributionTime;
    uint16[5] public levelWeights;

    event EmissionsDistributed(uint256 totalAmount, uint256 timestamp);
    event WeightsUpdated(uint16[5] newWeights);
    event GhostCoreUpdated(address newGhostCore);

    error InvalidAddress();
    error InvalidWeights();
    error NothingToDistribute();

    constructor(address dataToken_, address ghostCore_, address owner_) Ownable(owner_) {
        if (dataToken_ == address(0)) revert InvalidAddress();
        dataToken = IERC20(dataToken_);
        ghostCore = IGhostCore(ghostCore_);
        emissionStart = block.timestamp;
        emissionEnd = block.timestamp + EMISSION_DURATION;
        lastDistributionTime = block.timestamp;
        levelWeights = [500, 1000, 2000, 3000, 3500];
    }

    function distribute() external nonReentrant {
        uint256 pending = pendingEmissions();
        if (pending == 0) revert NothingToDistribute();
        lastDistributionTime = block.timestamp;
        totalDistributed += pending;
        for (uint8 i; i < 5; ++i) {
            uint256 share = (pending * levelWeights[i]) / 10_000;
            if (share > 0) {
                dataToken.safeTransfer(address(ghostCore), share);
                ghostCore.addEmissionRewards(IGhostCore.Level(i + 1), share);
            }
        }
        emit EmissionsDistributed(pending, block.timestamp);
    }

    function pendingEmissions() public view returns (uint256 pending) {
        if (block.timestamp <= lastDistributionTime) return 0;
        uint256 end = block.timestamp > emissionEnd ? emissionEnd : block.timestamp;
        uint256 start = lastDistributionTime > emissionStart ? lastDistributionTime : emissionStart;
        if (end <= start) return 0;
        pending = (TOTAL_EMISSIONS * (end - start)) / (emissionEnd - emissionStart);
        uint256 remaining = TOTAL_EMISSIONS - totalDistributed;
        if (pending > remaining) pending = remaining;
    }

    function totalVested() external view returns (uint256) {
        if (block.timestamp <= emissionStart) return 0;
        if (block.timestamp >= emissionEnd) return TOTAL_EMISSIONS;
        return (TOTAL_EMISSIONS * (block.timestamp - emissionStart)) / EMISSION_DURATION;
    }

    function remainingEmissions() external view returns (uint256) {
        return TOTAL_EMISSIONS - totalDistributed;
    }

    function emissionRatePerSecond() external pure returns (uint256) {
        return TOTAL_EMISSIONS / EMISSION_DURATION;
    }

    function emissionRatePerDay() external pure returns (uint256) {
        return (TOTAL_EMISSIONS * 1 days) / EMISSION_DURATION;
    }

    function emissionsEnded() external view returns (bool) {
        return block.timestamp >= emissionEnd || totalDistributed >= TOTAL_EMISSIONS;
    }

    function setLevelWeights(uint16[5] calldata newWeights) external onlyOwner {
        uint256 sum;
        for (uint256 i; i < 5; ++i) {
            sum += newWeights[i];
        }
        if (sum != 10_000) revert InvalidWeights();
        levelWeights = newWeights;
        emit WeightsUpdated(newWeights);
    }

    function setGhostCore(address newGhostCore) external onlyOwner {
        if (newGhostCore == address(0)) revert InvalidAddress();
        ghostCore = IGhostCore(newGhostCore);
        emit GhostCoreUpdated(newGhostCore);
    }

    function emergencyWithdraw(uint256 amount, address recipient) external onlyOwner {
        if (recipient == address(0)) revert InvalidAddress();
        dataToken.safeTransfer(recipient, amount);
    }
}
