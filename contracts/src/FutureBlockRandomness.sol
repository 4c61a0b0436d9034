// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

/// @title FutureBlockRandomness (wraith test double of the GHOSTNET abstract base)
/// @notice Commit to a future block (`block.number + delay`, delay ≥ 1, default 2), reveal once the
///         chain is past it: seed = keccak256(abi.encode(blockhash(seedBlock), roundId,
///         address(this), block.chainid)). The hash comes from BLOCKHASH (last 256 blocks) or, as a
///         fallback, the EIP-2935 history contract (8191 blocks) when it has code.
///         `SeedCommitted.deadline` = seedBlock + the window available at commit time.
/// @dev Same logic as upstream (including `SeedExpiredEvent` emitted right before the revert, so
///      it never reaches a receipt); the `BlockhashHistory` library is inlined.
abstract contract FutureBlockRandomness {
    struct RoundSeed {
        uint64 seedBlock;
        uint64 commitBlock;
        bool committed;
        bool revealed;
        bool usedExtendedHistory;
        bytes32 blockHash;
        uint256 seed;
    }

    uint256 public constant DEFAULT_SEED_BLOCK_DELAY = 2;
    uint256 public constant MIN_SEED_BLOCK_DELAY = 1;
    uint256 public constant MAX_BLOCK_AGE = 256;
    uint256 public constant EXTENDED_HISTORY_WINDOW = 8191;
    address internal constant HISTORY_CONTRACT = 0x0000F90827F1C53a10cb7A02335B175320002935;

    mapping(uint256 => RoundSeed) internal _roundSeeds;

    event SeedCommitted(uint256 indexed roundId, uint256 seedBlock, uint256 deadline);
    event SeedRevealed(uint256 indexed roundId, bytes32 blockHash, uint256 seed, bool usedExtendedHistory);
    event SeedExpiredEvent(uint256 indexed roundId, uint256 seedBlock, uint256 expiredAtBlock);

    error SeedNotCommitted();
    error SeedNotReady();
    error SeedExpired();
    error SeedAlreadyCommitted();
    error InvalidRoundId();

    function _seedBlockDelay() internal view virtual returns (uint256) {
        return DEFAULT_SEED_BLOCK_DELAY;
    }

    function _commitSeed(uint256 roundId) internal {
        if (roundId == 0) revert InvalidRoundId();
        RoundSeed storage rs = _roundSeeds[roundId];
        if (rs.committed) revert SeedAlreadyCommitted();
        uint256 delay = _seedBlockDelay();
        if (delay < MIN_SEED_BLOCK_DELAY) delay = MIN_SEED_BLOCK_DELAY;
        rs.seedBlock = uint64(block.number + delay);
        rs.commitBlock = uint64(block.number);
        rs.committed = true;
        emit SeedCommitted(roundId, rs.seedBlock, rs.seedBlock + _effectiveWindow());
    }

    function _revealSeed(uint256 roundId) internal returns (uint256 seed) {
        RoundSeed storage rs = _roundSeeds[roundId];
        if (!rs.committed) revert SeedNotCommitted();
        if (rs.revealed) return rs.seed;
        if (block.number <= rs.seedBlock) revert SeedNotReady();
        (bytes32 hash, bool extended) = _blockhashWithFallback(rs.seedBlock);
        if (hash == bytes32(0)) {
            emit SeedExpiredEvent(roundId, rs.seedBlock, block.number);
            revert SeedExpired();
        }
        seed = uint256(keccak256(abi.encode(hash, roundId, address(this), block.chainid)));
        rs.blockHash = hash;
        rs.seed = seed;
        rs.revealed = true;
        rs.usedExtendedHistory = extended;
        emit SeedRevealed(roundId, hash, seed, extended);
    }

    function _isSeedReady(uint256 roundId) internal view returns (bool) {
        RoundSeed storage rs = _roundSeeds[roundId];
        if (!rs.committed || rs.revealed || block.number <= rs.seedBlock) return false;
        return block.number - rs.seedBlock <= _effectiveWindow();
    }

    function _isSeedExpired(uint256 roundId) internal view returns (bool) {
        RoundSeed storage rs = _roundSeeds[roundId];
        if (!rs.committed || rs.revealed || block.number <= rs.seedBlock) return false;
        return block.number - rs.seedBlock > _effectiveWindow();
    }

    function _remainingRevealWindow(uint256 roundId) internal view returns (uint256) {
        RoundSeed storage rs = _roundSeeds[roundId];
        if (!rs.committed || rs.revealed) return 0;
        uint256 window = _effectiveWindow();
        if (block.number <= rs.seedBlock) return window + (rs.seedBlock - block.number);
        uint256 age = block.number - rs.seedBlock;
        return age >= window ? 0 : window - age;
    }

    function _historyAvailable() internal view returns (bool) {
        return HISTORY_CONTRACT.code.length > 0;
    }

    function _effectiveWindow() internal view returns (uint256) {
        return _historyAvailable() ? EXTENDED_HISTORY_WINDOW : MAX_BLOCK_AGE;
    }

    function _blockhashWithFallback(uint256 blockNumber) internal view returns (bytes32 hash, bool extended) {
        if (blockNumber >= block.number) return (bytes32(0), false);
        uint256 age = block.number - blockNumber;
        if (age <= MAX_BLOCK_AGE) {
            hash = blockhash(blockNumber);
            if (hash != bytes32(0)) return (hash, false);
        }
        if (age <= EXTENDED_HISTORY_WINDOW && _historyAvailable()) {
            (bool ok, bytes memory ret) = HISTORY_CONTRACT.staticcall(abi.encode(blockNumber));
            if (ok && ret.length == 32) hash = abi.decode(ret, (bytes32));
            if (hash != bytes32(0)) return (hash, true);
        }
        return (bytes32(0), false);
    }
}
