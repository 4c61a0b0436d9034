// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

import { ERC20 } from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title DataToken (wraith test double of GHOSTNET `DataToken`)
/// @notice Fixed-supply ERC-20 "GHOSTNET Data" / DATA (18 decimals, 100 M) with a 10 % transfer
///         tax: 90 % of the tax goes to 0xdEaD, 10 % to the treasury, unless either side is
///         tax-excluded. Mints, `burn` and `burnFrom` (transfers to 0x0) are never taxed.
/// @dev Reproduces upstream exactly, including the constructor signature
///      `(treasury, initialOwner, recipients[], amounts[])` (amounts must sum to 100 M DATA),
///      the constructor log order (one `Transfer` from 0x0 per recipient, then
///      `TaxExclusionSet(treasury,true)`, `TaxExclusionSet(0xdEaD,true)`) and the taxed-transfer
///      log order `Transfer(net)`, `Transfer(0xdEaD)`, `Transfer(treasury)`, `TaxBurned`,
///      `TaxCollected`. No simplification.
contract DataToken is ERC20, Ownable2Step {
    uint256 public constant TOTAL_SUPPLY = 100_000_000 ether;
    uint16 public constant TAX_RATE_BPS = 1000;
    uint16 public constant BURN_SHARE_BPS = 9000;
    uint16 public constant TREASURY_SHARE_BPS = 1000;
    address public constant DEAD_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    address public immutable treasury;
    /// @notice Tax burns plus `burn`/`burnFrom` (not protocol transfers to 0xdEaD).
    uint256 public totalBurned;
    mapping(address => bool) private _excluded;

    event TaxExclusionSet(address indexed account, bool excluded);
    event TaxBurned(address indexed from, uint256 amount);
    event TaxCollected(address indexed from, uint256 amount);

    error InvalidTreasury();
    error DistributionLengthMismatch();
    error DistributionSumMismatch();

    constructor(address treasury_, address initialOwner, address[] memory recipients, uint256[] memory amounts)
        ERC20("GHOSTNET Data", "DATA")
        Ownable(initialOwner)
    {
        if (treasury_ == address(0)) revert InvalidTreasury();
        if (recipients.length != amounts.length) revert DistributionLengthMismatch();
        treasury = treasury_;
        uint256 sum;
        for (uint256 i; i < recipients.length; ++i) {
            sum += amounts[i];
            _mint(recipients[i], amounts[i]);
        }
        if (sum != TOTAL_SUPPLY) revert DistributionSumMismatch();
        _setExclusion(treasury_, true);
        _setExclusion(DEAD_ADDRESS, true);
    }

    function isExcludedFromTax(address account) external view returns (bool) {
        return _excluded[account];
    }

    function setTaxExclusion(address account, bool excluded) external onlyOwner {
        _setExclusion(account, excluded);
    }

    /// @notice True burn (Transfer to 0x0, supply decreases).
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
        totalBurned += amount;
    }

    function burnFrom(address from, uint256 amount) external {
        _spendAllowance(from, msg.sender, amount);
        _burn(from, amount);
        totalBurned += amount;
    }

    function _setExclusion(address account, bool excluded) private {
        _excluded[account] = excluded;
        emit TaxExclusionSet(account, excluded);
    }

    function _update(address from, address to, uint256 amount) internal override {
        if (from == address(0) || to == address(0) || _excluded[from] || _excluded[to]) {
            super._update(from, to, amount);
            return;
        }
        uint256 tax = (amount * TAX_RATE_BPS) / 10_000;
        uint256 burnPart = (tax * BURN_SHARE_BPS) / 10_000;
        uint256 treasuryPart = tax - burnPart;
        super._update(from, to, amount - tax);
        super._update(from, DEAD_ADDRESS, burnPart);
        super._update(from, treasury, treasuryPart);
        totalBurned += burnPart;
        emit TaxBurned(from, burnPart);
        emit TaxCollected(from, treasuryPart);
    }
}
