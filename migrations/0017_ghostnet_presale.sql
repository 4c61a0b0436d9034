-- GhostPresale (handler ghost-presale) and PresaleClaim (handler
-- presale-claim). eth_* columns are native ETH wei, data_* / amounts DATA
-- wei, prices ETH wei per 1e18 DATA; all NUMERIC(78,0). BIGINT defaults
-- carry an explicit ::bigint.

-- Per presale: lifecycle (pending -> open -> finalized | refunding), the
-- last ConfigUpdated (uint256 fields raw), totals from the events.
CREATE TABLE presale_state (
    presale                BYTEA PRIMARY KEY,
    state                  TEXT          NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'open', 'finalized', 'refunding')),
    paused                 BOOLEAN       NOT NULL DEFAULT false,
    opened_at              TIMESTAMPTZ,
    finalized_at           TIMESTAMPTZ,
    refunds_enabled_at     TIMESTAMPTZ,
    emergency_triggered_by BYTEA,
    min_contribution_eth   NUMERIC(78,0),
    max_contribution_eth   NUMERIC(78,0),
    max_per_wallet_eth     NUMERIC(78,0),
    allow_multiple         BOOLEAN,
    start_time             NUMERIC(78,0),
    end_time               NUMERIC(78,0),
    emergency_deadline     NUMERIC(78,0),
    total_raised_eth       NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_sold_data        NUMERIC(78,0) NOT NULL DEFAULT 0,
    contributor_count      BIGINT        NOT NULL DEFAULT 0::bigint,
    contribution_count     BIGINT        NOT NULL DEFAULT 0::bigint,
    tranches_completed     BIGINT        NOT NULL DEFAULT 0::bigint,
    spot_price             NUMERIC(78,0),
    final_raised_eth       NUMERIC(78,0),
    final_sold_data        NUMERIC(78,0),
    final_contributors     NUMERIC(78,0),
    total_refunded_eth     NUMERIC(78,0) NOT NULL DEFAULT 0,
    eth_withdrawn          NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block       BIGINT        NOT NULL
);

-- Per contributor: eth_contributed is the contract's contributions[]
-- (zeroed by a refund), data_allocation its allocations[] (kept by a
-- refund).
CREATE TABLE presale_contributors (
    presale            BYTEA         NOT NULL,
    contributor        BYTEA         NOT NULL,
    eth_contributed    NUMERIC(78,0) NOT NULL DEFAULT 0,
    eth_spent_total    NUMERIC(78,0) NOT NULL DEFAULT 0,
    data_allocation    NUMERIC(78,0) NOT NULL DEFAULT 0,
    contribution_count BIGINT        NOT NULL DEFAULT 0::bigint,
    eth_refunded       NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block   BIGINT        NOT NULL,
    PRIMARY KEY (presale, contributor)
);

-- Contributed: eth_amount is what was spent (an excess is refunded in the
-- same transaction without an event).
CREATE TABLE presale_contributions (
    block_number    BIGINT        NOT NULL,
    log_index       INTEGER       NOT NULL,
    block_time      TIMESTAMPTZ   NOT NULL,
    tx_hash         BYTEA         NOT NULL,
    presale         BYTEA         NOT NULL,
    contributor     BYTEA         NOT NULL,
    eth_amount      NUMERIC(78,0) NOT NULL,
    data_allocation NUMERIC(78,0) NOT NULL,
    avg_price       NUMERIC(78,0) NOT NULL,
    spot_price      NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX presale_contributions_contributor ON presale_contributions (presale, contributor);

-- TrancheCompleted (emitted before the Contributed that crossed it).
CREATE TABLE presale_tranches_completed (
    block_number  BIGINT        NOT NULL,
    log_index     INTEGER       NOT NULL,
    block_time    TIMESTAMPTZ   NOT NULL,
    tx_hash       BYTEA         NOT NULL,
    presale       BYTEA         NOT NULL,
    tranche_index NUMERIC(78,0) NOT NULL,
    next_price    NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- Refunded (ETH).
CREATE TABLE presale_refunds (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    presale      BYTEA         NOT NULL,
    contributor  BYTEA         NOT NULL,
    eth_amount   NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- PresaleClaim: claims of presale allocations (DATA).
CREATE TABLE presale_claims (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    claim_contract BYTEA      NOT NULL,
    claimer      BYTEA         NOT NULL,
    amount       NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX presale_claims_claimer ON presale_claims (claim_contract, claimer);

CREATE TABLE presale_claim_state (
    claim_contract        BYTEA PRIMARY KEY,
    claiming_enabled      BOOLEAN       NOT NULL DEFAULT false,
    supply_available      NUMERIC(78,0),
    snapshot_batches      BIGINT        NOT NULL DEFAULT 0::bigint,
    snapshot_accounts     NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_claimed         NUMERIC(78,0) NOT NULL DEFAULT 0,
    claim_count           BIGINT        NOT NULL DEFAULT 0::bigint,
    paused                BOOLEAN       NOT NULL DEFAULT false,
    recovered             BOOLEAN       NOT NULL DEFAULT false,
    recovered_to          BYTEA,
    recovered_amount      NUMERIC(78,0),
    updated_at_block      BIGINT        NOT NULL
);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('presale_contributions', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('presale_tranches_completed', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('presale_refunds', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('presale_claims', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
