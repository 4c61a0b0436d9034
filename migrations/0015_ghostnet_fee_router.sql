-- FeeRouter (handler fee-router; see handlers/fee-router/src/lib.rs).
-- Units are in the column names: eth_* are native ETH wei, data_* are DATA
-- wei; all NUMERIC(78,0). BIGINT defaults carry an explicit ::bigint.

-- TollCollected. `collector` is the event's `from`: the authorised contract
-- that called collectToll (or the sender of plain ETH), not necessarily the
-- paying user; `tx_sender` is the transaction's sender.
CREATE TABLE fee_router_tolls (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    router       BYTEA         NOT NULL,
    collector    BYTEA         NOT NULL,
    tx_sender    BYTEA,
    eth_amount   NUMERIC(78,0) NOT NULL,
    reason       BYTEA         NOT NULL,
    reason_text  TEXT,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX fee_router_tolls_collector ON fee_router_tolls (router, collector, block_number DESC);

-- BuybackExecuted: ETH spent, DATA bought and sent to 0xdEaD.
CREATE TABLE fee_router_buybacks (
    block_number  BIGINT        NOT NULL,
    log_index     INTEGER       NOT NULL,
    block_time    TIMESTAMPTZ   NOT NULL,
    tx_hash       BYTEA         NOT NULL,
    router        BYTEA         NOT NULL,
    eth_spent     NUMERIC(78,0) NOT NULL,
    data_received NUMERIC(78,0) NOT NULL,
    data_burned   NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- OperationsWithdrawn (executeBuyback only: executeBuybackWithData pays the
-- operations share without an event).
CREATE TABLE fee_router_operations (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    router       BYTEA         NOT NULL,
    to_address   BYTEA         NOT NULL,
    eth_amount   NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- Per router: configuration from its update events (the constructor sets
-- them without an event: NULL until the first update) and totals.
CREATE TABLE fee_router_state (
    router               BYTEA PRIMARY KEY,
    swap_router          BYTEA,
    toll_amount_eth      NUMERIC(78,0),
    operations_wallet    BYTEA,
    total_tolls_eth      NUMERIC(78,0) NOT NULL DEFAULT 0,
    toll_count           BIGINT        NOT NULL DEFAULT 0::bigint,
    total_buyback_eth    NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_data_burned    NUMERIC(78,0) NOT NULL DEFAULT 0,
    buyback_count        BIGINT        NOT NULL DEFAULT 0::bigint,
    total_operations_eth NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block     BIGINT        NOT NULL
);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('fee_router_tolls', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('fee_router_buybacks', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('fee_router_operations', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
