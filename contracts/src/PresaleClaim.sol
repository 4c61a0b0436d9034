// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";

/// @notice The two GhostPresale views PresaleClaim reads.
interface IGhostPresale {
    function allocations(address account) external view returns (uint256);
    function totalSold() external view returns (uint256);
}

/// @title PresaleClaim (wraith test double of GHOSTNET `PresaleClaim`)
/// @notice Pays each address its presale DATA allocation once (read live from the presale, or from
///         an owner snapshot if the live value is 0): DATA Transfer then `Claimed`. The owner enables
///         claiming once the contract holds at least `presale.totalSold()` (`ClaimingEnabled` reports
///         the balance held) and, after `claimDeadline`, recovers the rest (`UnclaimedRecovered`),
///         which ends all claiming. Constructor `(dataToken, presale, claimDeadline, owner)`;
///         `claimDeadline` must be in the future. Exclude it from the DATA tax.
/// @dev Identical behaviour to upstream, no simplification.
contract PresaleClaim is Ownable2Step, ReentrancyGuard, Pausable {
    using SafeERC20 for IERC20;

    IERC20 public immutable dataToken;
    IGhostPresale public immutable presale;
    uint256 public immutable claimDeadline;
    bool public claimingEnabled;
    bool public recovered;
    mapping(address => bool) public claimed;
    mapping(address => uint256) public snapshotted;
    uint256 public totalClaimed;

    event Claimed(address indexed claimer, uint256 amount);
    event ClaimingEnabled(uint256 totalSupplyAvailable);
    event AllocationsSnapshotted(uint256 count);
    event UnclaimedRecovered(address indexed to, uint256 amount);

    error ClaimingNotEnabled();
    error AlreadyEnabled();
    error ClaimingClosed();
    error AlreadyClaimed();
    error NoAllocation();
    error InsufficientBalance(uint256 available, uint256 required);
    error ClaimDeadlineNotReached(uint256 current, uint256 deadline);
    error InvalidAddress();

    constructor(IERC20 dataToken_, IGhostPresale presale_, uint256 claimDeadline_, address initialOwner)
        Ownable(initialOwner)
    {
        if (address(dataToken_) == address(0) || address(presale_) == address(0)) revert InvalidAddress();
        if (claimDeadline_ <= block.timestamp) revert ClaimDeadlineNotReached(block.timestamp, claimDeadline_);
        dataToken = dataToken_;
        presale = presale_;
        claimDeadline = claimDeadline_;
    }

    function claimable(address account) external view returns (uint256) {
        if (!claimingEnabled || recovered || claimed[account]) return 0;
        return _allocation(account);
    }

    function claim() external nonReentrant whenNotPaused returns (uint256 amount) {
        if (!claimingEnabled) revert ClaimingNotEnabled();
        if (recovered) revert ClaimingClosed();
        if (claimed[msg.sender]) revert AlreadyClaimed();
        amount = _allocation(msg.sender);
        if (amount == 0) revert NoAllocation();
        claimed[msg.sender] = true;
        totalClaimed += amount;
        dataToken.safeTransfer(msg.sender, amount);
        emit Claimed(msg.sender, amount);
    }

    function enableClaiming() external onlyOwner {
        if (claimingEnabled) revert AlreadyEnabled();
        uint256 required = presale.totalSold();
        uint256 available = dataToken.balanceOf(address(this));
        if (available < required) revert InsufficientBalance(available, required);
        claimingEnabled = true;
        emit ClaimingEnabled(available);
    }

    function snapshotAllocations(address[] calldata accounts) external onlyOwner {
        if (claimingEnabled) revert AlreadyEnabled();
        for (uint256 i; i < accounts.length; ++i) {
            snapshotted[accounts[i]] = presale.allocations(accounts[i]);
        }
        emit AllocationsSnapshotted(accounts.length);
    }

    function recoverUnclaimed(address to) external onlyOwner nonReentrant {
        if (to == address(0)) revert InvalidAddress();
        if (block.timestamp <= claimDeadline) revert ClaimDeadlineNotReached(block.timestamp, claimDeadline);
        uint256 amount = dataToken.balanceOf(address(this));
        recovered = true;
        dataToken.safeTransfer(to, amount);
        emit UnclaimedRecovered(to, amount);
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function _allocation(address account) internal view returns (uint256 amount) {
        amount = presale.allocations(account);
        if (amount == 0) amount = snapshotted[account];
    }
}
