-- TraceScan scans (handler trace-scan; see handlers/trace-scan/src/lib.rs).
-- Amounts are exact DATA wei: NUMERIC(78,0). BIGINT defaults carry an
-- explicit ::bigint (see 0011).

-- One row per scan (scan ids are one global counter across levels).
-- death_count / total_dead accumulate DeathsSubmitted batches and are
-- checked against ScanFinalized; the survivor count and the cascade split
-- come from GhostCore's SurvivorsUpdated / CascadeDistributed emitted in
-- the finalizeScan transaction before ScanFinalized (the cascade columns
-- are 0 when the scan killed nobody: nothing was distributed).
CREATE TABLE scans (
    scan_id            NUMERIC(78,0) PRIMARY KEY,
    level              SMALLINT      NOT NULL CHECK (level BETWEEN 1 AND 5),
    seed               NUMERIC(78,0) NOT NULL,
    executed_at        TIMESTAMPTZ   NOT NULL,
    executed_block     BIGINT        NOT NULL,
    executed_tx        BYTEA         NOT NULL,
    death_count        NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_dead         NUMERIC(78,0) NOT NULL DEFAULT 0,
    submissions        INTEGER       NOT NULL DEFAULT 0,
    is_finalized       BOOLEAN       NOT NULL DEFAULT false,
    finalized_at       TIMESTAMPTZ,
    finalized_block    BIGINT,
    survivor_count     NUMERIC(78,0),
    cascade_same_level NUMERIC(78,0),
    cascade_upstream   NUMERIC(78,0),
    cascade_burn       NUMERIC(78,0),
    cascade_protocol   NUMERIC(78,0),
    updated_at_block   BIGINT        NOT NULL
);
CREATE INDEX scans_level ON scans (level, scan_id DESC);

-- Per level: the GhostCore figures of the finalizeScan transaction in
-- progress (SurvivorsUpdated / CascadeDistributed precede ScanFinalized).
CREATE TABLE scan_levels (
    level              SMALLINT PRIMARY KEY CHECK (level BETWEEN 1 AND 5),
    cascade_tx         BYTEA,
    cascade_same_level NUMERIC(78,0),
    cascade_upstream   NUMERIC(78,0),
    cascade_burn       NUMERIC(78,0),
    cascade_protocol   NUMERIC(78,0),
    survivors_tx       BYTEA,
    survivor_count     NUMERIC(78,0),
    updated_at_block   BIGINT NOT NULL
);

-- Every DeathsSubmitted batch.
CREATE TABLE death_submissions (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    level        SMALLINT      NOT NULL,
    scan_id      NUMERIC(78,0) NOT NULL,
    death_count  NUMERIC(78,0) NOT NULL,
    total_dead   NUMERIC(78,0) NOT NULL,
    submitter    BYTEA         NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX death_submissions_scan ON death_submissions (scan_id);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('death_submissions', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
