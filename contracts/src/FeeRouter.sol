// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ReentrancyGuard } from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title FeeRouter (wraith test double of GHOSTNET `FeeRouter`)
/// @notice Collects ETH tolls from authorised collector contracts (`TollCollected.from` is the
///         collector, not the payer) or plain ETH (`reason` = "direct"). `executeBuyback` splits
///         the whole ETH balance 10 % operations (`OperationsWithdrawn`) / 90 % swapped for DATA
///         and sent to 0xdEaD (`BuybackExecuted`, received == burned); with no router the 90 %
///         is kept and no `BuybackExecuted` is emitted. `executeBuybackWithData` pays operations
///         WITHOUT `OperationsWithdrawn`. `setCollector` and emergency withdrawals emit nothing.
/// @dev Same constructor and behaviour as upstream: `(dataToken, weth, swapRouter,
///      operationsWallet, tollAmount, owner)`; `weth` only has to be non-zero (it is the first
///      element of the swap path). Use `MockSwapRouter` as the router in tests.
contract FeeRouter is Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint16 public constant BUYBACK_SHARE_BPS = 9000;
    uint16 public constant OPERATIONS_SHARE_BPS = 1000;
    address public constant DEAD_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 public immutable dataToken;
    address public immutable weth;
    address public swapRouter;
    address public operationsWallet;
    uint256 public tollAmount;
    uint256 public totalCollectedForBuyback;
    uint256 public totalSentToOperations;
    uint256 public totalBurned;
    mapping(address => bool) public authorizedCollectors;

    event TollCollected(address indexed from, uint256 amount, bytes32 indexed reason);
    event BuybackExecuted(uint256 ethSpent, uint256 dataReceived, uint256 dataBurned);
    event OperationsWithdrawn(address indexed to, uint256 amount);
    event SwapRouterUpdated(address indexed newRouter);
    event TollAmountUpdated(uint256 newAmount);
    event OperationsWalletUpdated(address indexed newWallet);

    error InvalidAddress();
    error InsufficientBalance();
    error SwapFailed();
    error TransferFailed();
    error TollRequired();
    error Unauthorized();

    constructor(
        address dataToken_,
        address weth_,
        address swapRouter_,
        address operationsWallet_,
        uint256 tollAmount_,
        address owner_
    ) Ownable(owner_) {
        if (dataToken_ == address(0) || weth_ == address(0) || operationsWallet_ == address(0)) {
            revert InvalidAddress();
        }
        dataToken = IERC20(dataToken_);
        weth = weth_;
        swapRouter = swapRouter_;
        operationsWallet = operationsWallet_;
        tollAmount = tollAmount_;
    }

    /// @notice Called by an authorised collector contract with at least `tollAmount` wei.
    function collectToll(bytes32 reason) external payable {
        if (!authorizedCollectors[msg.sender]) revert Unauthorized();
        if (msg.value < tollAmount) revert TollRequired();
        emit TollCollected(msg.sender, msg.value, reason);
    }

    receive() external payable {
        emit TollCollected(msg.sender, msg.value, bytes32("direct"));
    }

    function executeBuyback(uint256 minDataOut) external nonReentrant {
        (uint256 buyback, uint256 ops) = _split();
        if (ops > 0) {
            _payOperations(ops);
            emit OperationsWithdrawn(operationsWallet, ops);
        }
        if (buyback > 0 && swapRouter != address(0)) {
            totalCollectedForBuyback += buyback;
            address[] memory path = new address[](2);
            path[0] = weth;
            path[1] = address(dataToken);
            bytes memory data = abi.encodeWithSignature(
                "swapExactETHForTokens(uint256,address[],address,uint256)",
                minDataOut,
                path,
                address(this),
                block.timestamp + 300
            );
            _swapAndBurn(buyback, data, minDataOut);
        } else if (buyback > 0) {
            totalCollectedForBuyback += buyback; // held until a router is configured
        }
    }

    /// @notice Custom swap calldata; the operations share is sent without an event.
    function executeBuybackWithData(bytes calldata swapData, uint256 minDataOut) external nonReentrant {
        if (address(this).balance == 0) revert InsufficientBalance();
        if (swapRouter == address(0)) revert InvalidAddress();
        (uint256 buyback, uint256 ops) = _split();
        if (ops > 0) _payOperations(ops);
        if (buyback > 0) {
            totalCollectedForBuyback += buyback;
            _swapAndBurn(buyback, swapData, minDataOut);
        }
    }

    function pendingBuyback() external view returns (uint256) {
        return address(this).balance;
    }

    function previewSplit() external view returns (uint256 buybackAmount, uint256 operationsAmount) {
        buybackAmount = (address(this).balance * BUYBACK_SHARE_BPS) / 10_000;
        operationsAmount = address(this).balance - buybackAmount;
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────

    function setCollector(address collector, bool authorized) external onlyOwner {
        if (collector == address(0)) revert InvalidAddress();
        authorizedCollectors[collector] = authorized;
    }

    function setSwapRouter(address newRouter) external onlyOwner {
        swapRouter = newRouter;
        emit SwapRouterUpdated(newRouter);
    }

    function setTollAmount(uint256 newAmount) external onlyOwner {
        tollAmount = newAmount;
        emit TollAmountUpdated(newAmount);
    }

    function setOperationsWallet(address newWallet) external onlyOwner {
        if (newWallet == address(0)) revert InvalidAddress();
        operationsWallet = newWallet;
        emit OperationsWalletUpdated(newWallet);
    }

    function emergencyWithdrawETH(address recipient) external onlyOwner {
        if (recipient == address(0)) revert InvalidAddress();
        (bool success,) = recipient.call{ value: address(this).balance }("");
        if (!success) revert TransferFailed();
    }

    function emergencyWithdrawTokens(address token, address recipient) external onlyOwner {
        if (recipient == address(0)) revert InvalidAddress();
        IERC20(token).safeTransfer(recipient, IERC20(token).balanceOf(address(this)));
    }

    // ─── Internals ───────────────────────────────────────────────────────────────────────

    function _split() internal view returns (uint256 buyback, uint256 ops) {
        uint256 balance = address(this).balance;
        if (balance == 0) revert InsufficientBalance();
        buyback = (balance * BUYBACK_SHARE_BPS) / 10_000;
        ops = balance - buyback;
    }

    function _payOperations(uint256 amount) internal {
        totalSentToOperations += amount;
        (bool success,) = operationsWallet.call{ value: amount }("");
        if (!success) revert TransferFailed();
    }

    function _swapAndBurn(uint256 ethAmount, bytes memory data, uint256 minDataOut) internal {
        uint256 before = dataToken.balanceOf(address(this));
        (bool success,) = swapRouter.call{ value: ethAmount }(data);
        if (!success) revert SwapFailed();
        uint256 received = dataToken.balanceOf(address(this)) - before;
        if (received < minDataOut) revert SwapFailed();
        if (received > 0) {
            totalBurned += received;
            dataToken.safeTransfer(DEAD_ADDRESS, received);
        }
        emit BuybackExecuted(ethAmount, received, received);
    }
}
