-- RewardsDistributor (handler rewards-distributor) and TeamVesting (handler
-- team-vesting). DATA wei, NUMERIC(78,0). BIGINT defaults carry ::bigint.

-- One row per distribute(): EmissionsDistributed(total, timestamp) with the
-- per-level shares of the GhostCore EmissionsAdded emitted before it in the
-- same transaction (NULL for a level whose share was 0: no event), their
-- sum, and the rounding dust the summary includes but nobody received.
CREATE TABLE emission_distributions (
    block_number    BIGINT        NOT NULL,
    log_index       INTEGER       NOT NULL,
    block_time      TIMESTAMPTZ   NOT NULL,
    tx_hash         BYTEA         NOT NULL,
    distributor     BYTEA         NOT NULL,
    ghost_core      BYTEA,
    total_amount    NUMERIC(78,0) NOT NULL,
    event_timestamp TIMESTAMPTZ   NOT NULL,
    level_1         NUMERIC(78,0),
    level_2         NUMERIC(78,0),
    level_3         NUMERIC(78,0),
    level_4         NUMERIC(78,0),
    level_5         NUMERIC(78,0),
    shares_total    NUMERIC(78,0) NOT NULL,
    dust            NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- EmissionsAdded shares of a transaction waiting for its
-- EmissionsDistributed (deleted then). A row that stays belongs to a direct
-- addEmissionRewards call by another DISTRIBUTOR_ROLE holder.
CREATE TABLE emission_pending (
    tx_hash          BYTEA PRIMARY KEY,
    ghost_core       BYTEA         NOT NULL,
    level_1          NUMERIC(78,0),
    level_2          NUMERIC(78,0),
    level_3          NUMERIC(78,0),
    level_4          NUMERIC(78,0),
    level_5          NUMERIC(78,0),
    shares_total     NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block BIGINT        NOT NULL
);

-- Per distributor: the level weights (the constructor's
-- [500, 1000, 2000, 3000, 3500] until WeightsUpdated), the GhostCore it
-- feeds and totals.
CREATE TABLE rewards_distributor_state (
    distributor        BYTEA PRIMARY KEY,
    weight_1           INTEGER       NOT NULL,
    weight_2           INTEGER       NOT NULL,
    weight_3           INTEGER       NOT NULL,
    weight_4           INTEGER       NOT NULL,
    weight_5           INTEGER       NOT NULL,
    ghost_core         BYTEA,
    total_distributed  NUMERIC(78,0) NOT NULL DEFAULT 0,
    distribution_count BIGINT        NOT NULL DEFAULT 0::bigint,
    last_distribution  TIMESTAMPTZ,
    updated_at_block   BIGINT        NOT NULL
);

-- TeamVesting claims (gross: the DATA transfer to the beneficiary is taxed
-- unless TeamVesting is tax-excluded). Schedules are set in the
-- constructor without events (read getVestingInfo by eth_call).
CREATE TABLE vesting_claims (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    vesting      BYTEA         NOT NULL,
    beneficiary  BYTEA         NOT NULL,
    amount       NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

CREATE TABLE vesting_beneficiaries (
    vesting          BYTEA         NOT NULL,
    beneficiary      BYTEA         NOT NULL,
    total_claimed    NUMERIC(78,0) NOT NULL DEFAULT 0,
    claim_count      BIGINT        NOT NULL DEFAULT 0::bigint,
    first_claim_at   TIMESTAMPTZ   NOT NULL,
    last_claim_at    TIMESTAMPTZ   NOT NULL,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (vesting, beneficiary)
);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('emission_distributions', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('vesting_claims', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
