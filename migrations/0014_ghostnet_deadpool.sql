-- DeadPool prediction rounds and bets (handler dead-pool; see
-- handlers/dead-pool/src/lib.rs). Amounts are exact DATA wei: NUMERIC(78,0).
-- BIGINT defaults carry an explicit ::bigint (see 0011).

-- One row per round. `line` is the raw uint256 of RoundCreated, never
-- scaled: its unit is a convention of the round type (a death count for
-- DEATH_COUNT, ...). Pools are credited with the nominal bet amounts.
CREATE TABLE deadpool_rounds (
    round_id         NUMERIC(78,0) PRIMARY KEY,
    round_type       SMALLINT      NOT NULL CHECK (round_type BETWEEN 0 AND 3),
    round_type_name  TEXT          NOT NULL,
    target_level     SMALLINT      NOT NULL,
    line             NUMERIC(78,0) NOT NULL,
    deadline         TIMESTAMPTZ   NOT NULL,
    over_pool        NUMERIC(78,0) NOT NULL DEFAULT 0,
    under_pool       NUMERIC(78,0) NOT NULL DEFAULT 0,
    bettor_count     BIGINT        NOT NULL DEFAULT 0::bigint,
    is_resolved      BOOLEAN       NOT NULL DEFAULT false,
    outcome          BOOLEAN,
    resolve_time     TIMESTAMPTZ,
    total_pot        NUMERIC(78,0),
    burned           NUMERIC(78,0),
    winning_pool     NUMERIC(78,0),
    total_claimed    NUMERIC(78,0) NOT NULL DEFAULT 0,
    created_block    BIGINT        NOT NULL,
    updated_at_block BIGINT        NOT NULL
);

-- One bet per (round, user), accumulated: BetPlaced carries the increment
-- (same side only).
CREATE TABLE deadpool_bets (
    round_id         NUMERIC(78,0) NOT NULL,
    user_address     BYTEA         NOT NULL,
    amount           NUMERIC(78,0) NOT NULL,
    is_over          BOOLEAN       NOT NULL,
    bet_count        BIGINT        NOT NULL DEFAULT 0::bigint,
    is_claimed       BOOLEAN       NOT NULL DEFAULT false,
    winnings         NUMERIC(78,0),
    claimed_at       TIMESTAMPTZ,
    first_bet_block  BIGINT        NOT NULL,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (round_id, user_address)
);
CREATE INDEX deadpool_bets_user ON deadpool_bets (user_address, round_id DESC);

-- History: every BetPlaced increment and WinningsClaimed.
CREATE TABLE deadpool_bet_events (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    round_id     NUMERIC(78,0) NOT NULL,
    user_address BYTEA         NOT NULL,
    kind         TEXT          NOT NULL CHECK (kind IN ('bet', 'claim')),
    is_over      BOOLEAN,
    amount       NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX deadpool_bet_events_round ON deadpool_bet_events (round_id, block_number);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('deadpool_bet_events', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
