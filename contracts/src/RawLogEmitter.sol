// SPDX-License-Identifier: MIT
pragma solidity ^0.8.33;

/// @title RawLogEmitter (wraith test helper, not GHOSTNET)
/// @notice Emits an arbitrary log: any topics (0-4) and any data. Tests use it to
///         produce logs that carry a GHOSTNET topic0 but do not decode against
///         its declaration, to check that the indexer records and skips them.
contract RawLogEmitter {
    error TooManyTopics();

    function emitLog(bytes32[] calldata topics, bytes calldata data) external {
        uint256 n = topics.length;
        if (n > 4) revert TooManyTopics();
        bytes memory d = data;
        bytes32 t0 = n > 0 ? topics[0] : bytes32(0);
        bytes32 t1 = n > 1 ? topics[1] : bytes32(0);
        bytes32 t2 = n > 2 ? topics[2] : bytes32(0);
        bytes32 t3 = n > 3 ? topics[3] : bytes32(0);
        assembly {
            let p := add(d, 32)
            let len := mload(d)
            switch n
            case 0 { log0(p, len) }
            case 1 { log1(p, len, t0) }
            case 2 { log2(p, len, t0, t1) }
            case 3 { log3(p, len, t0, t1, t2) }
            default { log4(p, len, t0, t1, t2, t3) }
        }
    }
}
