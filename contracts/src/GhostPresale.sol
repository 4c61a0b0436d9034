// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import { Pausable } from "@openzeppelin/contracts/utils/Pausable.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title GhostPresale (wraith test double of GHOSTNET `GhostPresale`)
/// @notice ETH in, DATA allocation out (claimed later through PresaleClaim). Pricing fixed at
///         deployment: TRANCHE (ascending fixed-price tranches; `TrancheCompleted(index,
///         nextPrice)` is emitted before the `Contributed` that crossed it) or BONDING_CURVE
///         (linear price from startPrice to endPrice over totalSupply). `Contributed.ethAmount` is
///         what was spent; excess ETH is refunded in the same tx without an event. States PENDING →
///         OPEN → FINALIZED, or REFUNDING (owner `enableRefunds`, or anyone after openedAt +
///         emergencyDeadline: `EmergencyRefundsTriggered` then `RefundsEnabled`).
///         Constructor `(uint8 pricingMode, owner)`.
/// @dev Same arithmetic and events as upstream. Simplification without event impact: the
///      UD60x18 (PRBMath) fixed-point operations of the curve are re-expressed with OpenZeppelin
///      `Math.mulDiv`/`Math.sqrt`, which round the same way (toward zero).
contract GhostPresale is Ownable2Step, ReentrancyGuard, Pausable {
    enum PricingMode {
        TRANCHE,
        BONDING_CURVE
    }

    enum PresaleState {
        PENDING,
        OPEN,
        FINALIZED,
        REFUNDING
    }

    struct TrancheConfig {
        uint256 supply;
        uint256 pricePerToken; // ETH wei per 1e18 DATA
    }

    struct CurveConfig {
        uint256 startPrice;
        uint256 endPrice;
        uint256 totalSupply;
    }

    struct PresaleConfig {
        uint256 minContribution;
        uint256 maxContribution;
        uint256 maxPerWallet;
        bool allowMultipleContributions;
        uint256 startTime;
        uint256 endTime;
        uint256 emergencyDeadline; // seconds after opening
    }

    uint256 internal constant UNIT = 1e18;

    PricingMode public immutable pricingMode;
    PresaleState public state;
    uint256 public openedAt;
    PresaleConfig public config;
    TrancheConfig[] public tranches;
    CurveConfig public curve;
    mapping(address => uint256) public contributions;
    mapping(address => uint256) public allocations;
    uint256 public totalRaised;
    uint256 public totalSold;
    uint256 public contributorCount;
    uint256 internal _supply;

    event Contributed(
        address indexed contributor, uint256 ethAmount, uint256 dataAllocation, uint256 avgPrice, uint256 spotPrice
    );
    event PresaleOpened(uint256 timestamp);
    event PresaleFinalized(uint256 totalRaised, uint256 totalSold, uint256 contributors);
    event ConfigUpdated(PresaleConfig config);
    event TrancheCompleted(uint256 indexed trancheIndex, uint256 nextPrice);
    event RefundsEnabled();
    event Refunded(address indexed contributor, uint256 ethAmount);
    event TranchesCleared();
    event ETHWithdrawn(address indexed to, uint256 amount);
    event EndTimeExtended(uint256 oldEndTime, uint256 newEndTime);
    event EmergencyRefundsTriggered(address indexed triggeredBy, uint256 timestamp);

    error PresaleNotOpen();
    error PresaleNotPending();
    error PresaleNotFinalized();
    error PresaleNotRefunding();
    error InvalidState(PresaleState current, PresaleState required);
    error BelowMinContribution(uint256 sent, uint256 minimum);
    error AboveMaxContribution(uint256 sent, uint256 maximum);
    error WalletCapExceeded(uint256 total, uint256 cap);
    error MultipleContributionsNotAllowed();
    error PresaleSoldOut();
    error AllocationBelowMinimum(uint256 allocation, uint256 minAllocation);
    error ZeroTrancheSupply();
    error InvalidTranchePrice();
    error InvalidCurveParams();
    error EndPriceMustExceedStartPrice();
    error NoContribution();
    error InvalidAddress();
    error NoEndTimeSet();
    error InvalidEndTime(uint256 newEndTime, uint256 currentEndTime);
    error EmergencyDeadlineNotReached(uint256 current, uint256 deadline);
    error PricingNotConfigured();
    error EmergencyDeadlineNotSet();
    error ETHRefundFailed();
    error NoETHToWithdraw();
    error WrongPricingMode();

    constructor(PricingMode pricingMode_, address initialOwner) Ownable(initialOwner) {
        pricingMode = pricingMode_;
    }

    // ─── Contribution ────────────────────────────────────────────────────────────────────

    function contribute(uint256 minAllocation) external payable nonReentrant whenNotPaused returns (uint256 allocation) {
        if (state != PresaleState.OPEN) revert PresaleNotOpen();
        if (config.startTime != 0 && block.timestamp < config.startTime) revert PresaleNotOpen();
        if (config.endTime != 0 && block.timestamp > config.endTime) revert PresaleNotOpen();
        uint256 ethAmount = msg.value;
        if (totalSold >= _supply) revert PresaleSoldOut();
        if (config.minContribution != 0 && ethAmount < config.minContribution) {
            revert BelowMinContribution(ethAmount, config.minContribution);
        }
        if (config.maxContribution != 0 && ethAmount > config.maxContribution) {
            revert AboveMaxContribution(ethAmount, config.maxContribution);
        }
        if (!config.allowMultipleContributions && allocations[msg.sender] > 0) revert MultipleContributionsNotAllowed();
        uint256 walletTotal = contributions[msg.sender] + ethAmount;
        if (config.maxPerWallet != 0 && walletTotal > config.maxPerWallet) {
            revert WalletCapExceeded(walletTotal, config.maxPerWallet);
        }

        uint256 spent;
        if (pricingMode == PricingMode.TRANCHE) (allocation, spent) = _trancheAllocation(ethAmount, totalSold, true);
        else (allocation, spent) = _curveAllocation(ethAmount);
        if (allocation < minAllocation) revert AllocationBelowMinimum(allocation, minAllocation);

        if (allocations[msg.sender] == 0) contributorCount++;
        contributions[msg.sender] += spent;
        allocations[msg.sender] += allocation;
        totalRaised += spent;
        totalSold += allocation;

        if (ethAmount > spent) {
            (bool ok,) = payable(msg.sender).call{ value: ethAmount - spent }("");
            if (!ok) revert ETHRefundFailed();
        }
        uint256 avgPrice = allocation > 0 ? (spent * UNIT) / allocation : 0;
        emit Contributed(msg.sender, spent, allocation, avgPrice, currentPrice());
    }

    function refund() external nonReentrant {
        if (state != PresaleState.REFUNDING) revert PresaleNotRefunding();
        uint256 amount = contributions[msg.sender];
        if (amount == 0) revert NoContribution();
        contributions[msg.sender] = 0; // the DATA allocation stays recorded
        (bool ok,) = payable(msg.sender).call{ value: amount }("");
        if (!ok) revert ETHRefundFailed();
        emit Refunded(msg.sender, amount);
    }

    /// @notice Anyone, once openedAt + emergencyDeadline has passed while still OPEN.
    function emergencyRefunds() external {
        if (state != PresaleState.OPEN) revert PresaleNotOpen();
        uint256 deadline = openedAt + config.emergencyDeadline;
        if (block.timestamp <= deadline) revert EmergencyDeadlineNotReached(block.timestamp, deadline);
        state = PresaleState.REFUNDING;
        emit EmergencyRefundsTriggered(msg.sender, block.timestamp);
        emit RefundsEnabled();
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────

    function preview(uint256 ethAmount) external view returns (uint256 dataAmount, uint256 priceImpact) {
        if (pricingMode == PricingMode.TRANCHE) {
            (dataAmount,) = _previewTranche(ethAmount);
        } else {
            uint256 before = _spot(totalSold);
            dataAmount = _curveTokensForETH(ethAmount, totalSold);
            uint256 remaining = curve.totalSupply - totalSold;
            if (dataAmount > remaining) dataAmount = remaining;
            uint256 afterPrice = _spot(totalSold + dataAmount);
            priceImpact = before > 0 ? ((afterPrice - before) * UNIT) / before : 0;
        }
    }

    function currentPrice() public view returns (uint256) {
        if (pricingMode == PricingMode.BONDING_CURVE) return _spot(totalSold);
        uint256 len = tranches.length;
        if (len == 0) return 0;
        uint256 cumulative;
        for (uint256 i; i < len; ++i) {
            cumulative += tranches[i].supply;
            if (cumulative > totalSold) return tranches[i].pricePerToken;
        }
        return tranches[len - 1].pricePerToken;
    }

    function progress()
        external
        view
        returns (uint256 raised, uint256 sold, uint256 supply, uint256 price, uint256 contributors)
    {
        return (totalRaised, totalSold, _supply, currentPrice(), contributorCount);
    }

    function totalPresaleSupply() external view returns (uint256) {
        return _supply;
    }

    function trancheCount() external view returns (uint256) {
        return tranches.length;
    }

    // ─── Owner ───────────────────────────────────────────────────────────────────────────

    function setConfig(PresaleConfig calldata config_) external onlyOwner {
        if (state != PresaleState.PENDING) revert PresaleNotPending();
        config = config_;
        emit ConfigUpdated(config_);
    }

    function extendEndTime(uint256 newEndTime) external onlyOwner {
        if (state != PresaleState.OPEN) revert PresaleNotOpen();
        if (config.endTime == 0) revert NoEndTimeSet();
        if (newEndTime <= config.endTime) revert InvalidEndTime(newEndTime, config.endTime);
        emit EndTimeExtended(config.endTime, newEndTime);
        config.endTime = newEndTime;
    }

    /// @notice No event (upstream). Prices must be strictly ascending.
    function addTranche(uint256 supply, uint256 pricePerToken) external onlyOwner {
        if (state != PresaleState.PENDING) revert PresaleNotPending();
        if (pricingMode != PricingMode.TRANCHE) revert WrongPricingMode();
        if (supply == 0) revert ZeroTrancheSupply();
        uint256 len = tranches.length;
        if (pricePerToken == 0 || (len > 0 && pricePerToken <= tranches[len - 1].pricePerToken)) {
            revert InvalidTranchePrice();
        }
        tranches.push(TrancheConfig(supply, pricePerToken));
        _supply += supply;
    }

    function clearTranches() external onlyOwner {
        if (state != PresaleState.PENDING) revert PresaleNotPending();
        if (pricingMode != PricingMode.TRANCHE) revert WrongPricingMode();
        _supply = 0;
        delete tranches;
        emit TranchesCleared();
    }

    /// @notice No event (upstream).
    function setCurve(uint256 startPrice, uint256 endPrice, uint256 totalSupply_) external onlyOwner {
        if (state != PresaleState.PENDING) revert PresaleNotPending();
        if (pricingMode != PricingMode.BONDING_CURVE) revert WrongPricingMode();
        if (totalSupply_ == 0 || startPrice == 0) revert InvalidCurveParams();
        if (endPrice <= startPrice) revert EndPriceMustExceedStartPrice();
        curve = CurveConfig(startPrice, endPrice, totalSupply_);
        _supply = totalSupply_;
    }

    function open() external onlyOwner {
        if (state != PresaleState.PENDING) revert PresaleNotPending();
        if (config.emergencyDeadline == 0) revert EmergencyDeadlineNotSet();
        if (pricingMode == PricingMode.TRANCHE) {
            if (tranches.length == 0) revert PricingNotConfigured();
        } else if (curve.totalSupply == 0 || curve.startPrice == 0 || curve.endPrice <= curve.startPrice) {
            revert PricingNotConfigured();
        }
        state = PresaleState.OPEN;
        openedAt = block.timestamp;
        emit PresaleOpened(block.timestamp);
    }

    function finalize() external onlyOwner {
        if (state != PresaleState.OPEN) revert InvalidState(state, PresaleState.OPEN);
        state = PresaleState.FINALIZED;
        emit PresaleFinalized(totalRaised, totalSold, contributorCount);
    }

    function withdrawETH(address to) external onlyOwner {
        if (state != PresaleState.FINALIZED) revert PresaleNotFinalized();
        if (to == address(0)) revert InvalidAddress();
        uint256 amount = address(this).balance;
        if (amount == 0) revert NoETHToWithdraw();
        (bool ok,) = payable(to).call{ value: amount }("");
        if (!ok) revert ETHRefundFailed();
        emit ETHWithdrawn(to, amount);
    }

    function enableRefunds() external onlyOwner {
        if (state != PresaleState.OPEN) revert InvalidState(state, PresaleState.OPEN);
        state = PresaleState.REFUNDING;
        emit RefundsEnabled();
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    // ─── Tranche pricing ─────────────────────────────────────────────────────────────────

    /// @dev Walks tranches from the one holding `sold`; emits `TrancheCompleted` when `emitEvents`.
    function _trancheAllocation(uint256 ethAmount, uint256 sold, bool emitEvents)
        internal
        returns (uint256 allocation, uint256 spent)
    {
        uint256 len = tranches.length;
        uint256 cumulative;
        uint256 i;
        for (; i < len; ++i) {
            cumulative += tranches[i].supply;
            if (cumulative > sold) break;
        }
        uint256 remainingETH = ethAmount;
        for (; i < len && remainingETH > 0; ++i) {
            uint256 left = cumulative - sold;
            uint256 price = tranches[i].pricePerToken;
            uint256 tokens = (remainingETH * UNIT) / price;
            if (tokens <= left) {
                allocation += tokens;
                spent += (tokens * price) / UNIT;
                remainingETH = 0;
                sold += tokens;
            } else {
                allocation += left;
                uint256 cost = (left * price) / UNIT;
                spent += cost;
                remainingETH -= cost;
                sold += left;
                if (emitEvents) emit TrancheCompleted(i, i + 1 < len ? tranches[i + 1].pricePerToken : 0);
            }
            if (i + 1 < len) cumulative += tranches[i + 1].supply;
        }
    }

    function _previewTranche(uint256 ethAmount) internal view returns (uint256 allocation, uint256 spent) {
        // Same walk without events (a view cannot call the emitting variant).
        uint256 len = tranches.length;
        uint256 sold = totalSold;
        uint256 cumulative;
        uint256 i;
        for (; i < len; ++i) {
            cumulative += tranches[i].supply;
            if (cumulative > sold) break;
        }
        uint256 remainingETH = ethAmount;
        for (; i < len && remainingETH > 0; ++i) {
            uint256 left = cumulative - sold;
            uint256 price = tranches[i].pricePerToken;
            uint256 tokens = (remainingETH * UNIT) / price;
            uint256 take = tokens <= left ? tokens : left;
            uint256 cost = (take * price) / UNIT;
            allocation += take;
            spent += cost;
            remainingETH = tokens <= left ? 0 : remainingETH - cost;
            sold += take;
            if (i + 1 < len) cumulative += tranches[i + 1].supply;
        }
    }

    // ─── Bonding curve (UD60x18 arithmetic, rounding toward zero) ───────────────────────

    function _mul(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, UNIT);
    }

    function _div(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, UNIT, y);
    }

    function _curveAllocation(uint256 ethAmount) internal view returns (uint256 allocation, uint256 spent) {
        uint256 remaining = curve.totalSupply - totalSold;
        allocation = _curveTokensForETH(ethAmount, totalSold);
        if (allocation > remaining) allocation = remaining;
        spent = _curveCostForTokens(allocation, totalSold);
        if (spent > ethAmount) spent = ethAmount;
    }

    /// @dev Solves a·Z² + b·Z = c for Z with a = slope/(2S), b = P0 + slope·sold/S, c = eth.
    function _curveTokensForETH(uint256 ethAmount, uint256 sold) internal view returns (uint256 tokens) {
        uint256 slope = curve.endPrice - curve.startPrice;
        uint256 supply = curve.totalSupply;
        uint256 a = _div(slope, _mul(supply, 2e18));
        uint256 b = curve.startPrice + _div(_mul(slope, sold), supply);
        uint256 disc = _mul(b, b) + _mul(_mul(4e18, a), ethAmount);
        require(disc <= type(uint256).max / UNIT, "sqrt overflow"); // PRBMath UD60x18.sqrt bound
        uint256 sqrtDisc = Math.sqrt(disc * UNIT);
        tokens = _div(sqrtDisc - b, _mul(a, 2e18));
        if (tokens > supply - sold) tokens = supply - sold;
    }

    function _curveCostForTokens(uint256 tokens, uint256 sold) internal view returns (uint256) {
        uint256 slope = curve.endPrice - curve.startPrice;
        uint256 term1 = _mul(curve.startPrice, tokens);
        uint256 term2 = _div(_mul(_mul(slope, tokens), _mul(sold, 2e18) + tokens), _mul(curve.totalSupply, 2e18));
        return term1 + term2;
    }

    function _spot(uint256 sold) internal view returns (uint256) {
        if (curve.totalSupply == 0) return 0;
        return curve.startPrice + ((curve.endPrice - curve.startPrice) * sold) / curve.totalSupply;
    }
}
