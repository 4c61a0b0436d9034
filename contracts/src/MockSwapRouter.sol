// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title MockSwapRouter (wraith test helper, not a GHOSTNET contract)
/// @notice Stand-in for the Uniswap-V2-style router FeeRouter calls: "swaps" ETH for DATA at a
///         fixed rate out of its own pre-funded DATA balance. Emits no event of its own; the only
///         log is the DATA `Transfer(router -> to)`. Exclude it from the DATA tax (or exclude the
///         FeeRouter) so the swap is a single untaxed Transfer.
contract MockSwapRouter {
    using SafeERC20 for IERC20;

    IERC20 public immutable dataToken;
    /// @notice DATA wei paid per 1e18 ETH wei.
    uint256 public dataPerEth;

    constructor(address dataToken_, uint256 dataPerEth_) {
        dataToken = IERC20(dataToken_);
        dataPerEth = dataPerEth_;
    }

    function setRate(uint256 dataPerEth_) external {
        dataPerEth = dataPerEth_;
    }

    /// @notice Uniswap V2 signature used by FeeRouter.executeBuyback. `path`/`deadline` ignored.
    function swapExactETHForTokens(uint256 amountOutMin, address[] calldata, address to, uint256)
        external
        payable
        returns (uint256[] memory amounts)
    {
        uint256 out = swapTo(to);
        require(out >= amountOutMin, "MockSwapRouter: slippage");
        amounts = new uint256[](2);
        amounts[0] = msg.value;
        amounts[1] = out;
    }

    /// @notice Generic entry point for FeeRouter.executeBuybackWithData (swapData = swapTo(feeRouter)).
    function swapTo(address to) public payable returns (uint256 out) {
        out = (msg.value * dataPerEth) / 1e18;
        if (out > 0) dataToken.safeTransfer(to, out);
    }
}
