-- Host-owned tables (prefix wraith_). Application tables come in later
-- migrations; handlers may only write tables they declare.

-- The block window: the last `chain.reorg_window` canonical blocks, used to
-- detect reorgs (parent-hash check) and to find the fork point, also after
-- a restart.
CREATE TABLE wraith_blocks (
    number      BIGINT PRIMARY KEY,
    hash        BYTEA  NOT NULL,
    parent_hash BYTEA  NOT NULL,
    block_time  TIMESTAMPTZ NOT NULL
);

-- Per-handler progress: the last block whose outputs are committed, and
-- the component version (content hash) that produced them.
CREATE TABLE wraith_checkpoints (
    handler      TEXT PRIMARY KEY,
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    block_hash   BYTEA  NOT NULL,
    version_hash TEXT   NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Undo journal: the prior image of every entity row a block changed (NULL
-- = the row did not exist), for blocks above the finalized point. A revert
-- to block F restores, per row, the prior image of its earliest entry
-- above F.
CREATE TABLE wraith_undo (
    id           BIGSERIAL PRIMARY KEY,
    handler      TEXT   NOT NULL,
    block_number BIGINT NOT NULL,
    table_name   TEXT   NOT NULL,
    row_key      JSONB  NOT NULL,
    prior        JSONB
);
CREATE INDEX wraith_undo_block ON wraith_undo (block_number);

-- Transactional outbox: every stream message, in commit order. `id` is the
-- global sequence (gapless, assigned by the single writer) used as the
-- message id by brokers and as the WebSocket sequence id. A reorg appends
-- `revert` messages naming the retracted ids.
CREATE TABLE wraith_outbox (
    id              BIGINT PRIMARY KEY,
    kind            TEXT   NOT NULL CHECK (kind IN ('data', 'revert')),
    block_number    BIGINT NOT NULL,
    block_hash      BYTEA  NOT NULL,
    tx_hash         BYTEA,
    log_index       INTEGER,
    handler         TEXT   NOT NULL,
    handler_version TEXT   NOT NULL,
    stream_name     TEXT   NOT NULL,
    msg_key         TEXT   NOT NULL,
    payload         JSONB  NOT NULL,
    retracted_by    BIGINT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX wraith_outbox_block ON wraith_outbox (block_number) WHERE kind = 'data' AND retracted_by IS NULL;

-- Per-sink publishing cursors (last published outbox id).
CREATE TABLE wraith_sink_cursors (
    sink       TEXT PRIMARY KEY,
    last_id    BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Raw log archive of every watched contract (reverted rows are deleted):
-- reindexing replays from here with zero RPC calls.
CREATE TABLE wraith_raw_logs (
    block_number BIGINT  NOT NULL,
    log_index    INTEGER NOT NULL,
    block_hash   BYTEA   NOT NULL,
    block_time   TIMESTAMPTZ NOT NULL,
    tx_hash      BYTEA   NOT NULL,
    tx_index     INTEGER NOT NULL,
    address      BYTEA   NOT NULL,
    topic0       BYTEA,
    topic1       BYTEA,
    topic2       BYTEA,
    topic3       BYTEA,
    data         BYTEA   NOT NULL,
    PRIMARY KEY (block_number, log_index)
);

-- Sender and calldata of transactions a handler declared it needs.
CREATE TABLE wraith_raw_txs (
    tx_hash      BYTEA  PRIMARY KEY,
    block_number BIGINT NOT NULL,
    sender       BYTEA  NOT NULL,
    input        BYTEA  NOT NULL
);
CREATE INDEX wraith_raw_txs_block ON wraith_raw_txs (block_number);

-- Every handler version the host has loaded.
CREATE TABLE wraith_handler_versions (
    handler      TEXT NOT NULL,
    version_hash TEXT NOT NULL,
    version      TEXT NOT NULL,
    manifest     JSONB NOT NULL,
    first_loaded TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (handler, version_hash)
);

-- Failures: logs that do not decode, handler traps and errors, invalid
-- outputs. Kept as an audit trail (dead letters).
CREATE TABLE wraith_failures (
    id           BIGSERIAL PRIMARY KEY,
    handler      TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    block_number BIGINT NOT NULL,
    block_hash   BYTEA  NOT NULL,
    tx_hash      BYTEA,
    log_index    INTEGER,
    error        TEXT   NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX wraith_failures_handler ON wraith_failures (handler, id DESC);

-- Per block and handler: keccak-256 of the handler's ordered outputs for
-- the block, and the component version that produced them. Two runs over
-- the same chain with the same versions have identical digests.
CREATE TABLE wraith_digests (
    block_number BIGINT NOT NULL,
    handler      TEXT   NOT NULL,
    block_hash   BYTEA  NOT NULL,
    digest       BYTEA  NOT NULL,
    outputs      INTEGER NOT NULL,
    version_hash TEXT   NOT NULL,
    PRIMARY KEY (block_number, handler)
);
