-- GHOSTNET positions (handler ghost-core). Amounts are exact integers in
-- DATA wei: NUMERIC(78,0). Addresses are 20 raw bytes.

-- One row per address: its current or last position. A dead or culled
-- position stays (is_alive = false, exit_reason) with its pre-death amount;
-- an extracted one stays (is_extracted = true) until the address jacks in
-- again, which starts a new position in the same row. The history of every
-- position is in position_events.
CREATE TABLE positions (
    user_address       BYTEA PRIMARY KEY,
    level              SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    amount             NUMERIC(78,0) NOT NULL,
    entry_block        BIGINT NOT NULL,
    entry_log_index    INTEGER NOT NULL,
    entry_timestamp    TIMESTAMPTZ NOT NULL,
    last_add_timestamp TIMESTAMPTZ NOT NULL,
    ghost_streak       INTEGER NOT NULL DEFAULT 0,
    is_alive           BOOLEAN NOT NULL DEFAULT true,
    is_extracted       BOOLEAN NOT NULL DEFAULT false,
    exit_reason        TEXT CHECK (exit_reason IN ('extracted', 'emergency_withdraw', 'culled', 'died')),
    exit_timestamp     TIMESTAMPTZ,
    extracted_amount   NUMERIC(78,0),
    extracted_rewards  NUMERIC(78,0),
    culled_penalty     NUMERIC(78,0),
    culled_returned    NUMERIC(78,0),
    created_at_block   BIGINT NOT NULL,
    updated_at_block   BIGINT NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_level ON positions (level, is_alive, amount DESC);

-- Append-only history of position events.
CREATE TABLE position_events (
    block_number BIGINT NOT NULL,
    log_index    INTEGER NOT NULL,
    block_time   TIMESTAMPTZ NOT NULL,
    tx_hash      BYTEA NOT NULL,
    user_address BYTEA NOT NULL,
    kind         TEXT NOT NULL,
    level        SMALLINT,
    amount       NUMERIC(78,0),
    new_total    NUMERIC(78,0),
    rewards      NUMERIC(78,0),
    counterparty BYTEA,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX position_events_user ON position_events (user_address, block_number DESC, log_index DESC);

-- Boost vouchers applied (never pruned on-chain; deleted with the position
-- on extract).
CREATE TABLE boosts (
    block_number BIGINT NOT NULL,
    log_index    INTEGER NOT NULL,
    block_time   TIMESTAMPTZ NOT NULL,
    tx_hash      BYTEA NOT NULL,
    user_address BYTEA NOT NULL,
    boost_type   TEXT NOT NULL CHECK (boost_type IN ('death_reduction', 'yield_multiplier')),
    value_bps    INTEGER NOT NULL,
    expiry       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX boosts_user ON boosts (user_address);

-- Per-contract flags the handlers need (GhostCore pause state decides
-- whether an Extracted with zero rewards is an emergency withdrawal).
CREATE TABLE ghost_core_state (
    contract_address BYTEA PRIMARY KEY,
    paused           BOOLEAN NOT NULL DEFAULT false,
    updated_at_block BIGINT NOT NULL
);
