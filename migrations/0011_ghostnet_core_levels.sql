-- GhostCore level state, deaths, streaks, cascades, emissions and system
-- resets (handler ghost-core; see handlers/ghost-core/src/lib.rs for how
-- each value is derived). Amounts are exact DATA wei: NUMERIC(78,0).
-- BIGINT defaults are written `n::bigint`: the host evaluates a default with
-- `SELECT <expr>` and reads a bigint column without a cast, so a bare `0`
-- (an integer) would not load.

-- Positions: the level-array membership that drives streaks and culling,
-- and the reset epoch up to which the amount is known to be settled.
--   in_level_array / level_slot: the contract's swap-and-pop array of the
--     level (`_levelPositions`) and index (`_positionIndex`, 0 when not a
--     member, as on-chain); culling takes slot 0, SurvivorsUpdated counts
--     the members.
--   ghost_streak / streak_mark: streaks are kept lazily. For a member the
--     contract's ghostStreak is ghost_streak + (levels.survivor_rounds -
--     streak_mark); for any other position it is ghost_streak. The view
--     positions_current computes it.
--   settled_epoch: the system-reset epoch the amount is settled for
--     (`_lastSettledEpoch`); below the current epoch a 25 % haircut is due.
ALTER TABLE positions
    ADD COLUMN in_level_array BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN level_slot     BIGINT  NOT NULL DEFAULT 0::bigint,
    ADD COLUMN streak_mark    BIGINT  NOT NULL DEFAULT 0::bigint,
    ADD COLUMN settled_epoch  BIGINT  NOT NULL DEFAULT 1::bigint,
    ADD COLUMN death_scan_id  NUMERIC(78,0);

-- The reset haircut a StakeAdded / Extracted revealed (newTotal or the paid
-- amount is 25 % lower than the stored amount plus the deposit).
ALTER TABLE position_events ADD COLUMN haircut NUMERIC(78,0);

-- System-reset state of the GhostCore contract.
ALTER TABLE ghost_core_state
    ADD COLUMN epoch             BIGINT NOT NULL DEFAULT 1::bigint,
    ADD COLUMN last_depositor    BYTEA,
    ADD COLUMN last_deposit_time TIMESTAMPTZ,
    ADD COLUMN reset_deadline    TIMESTAMPTZ,
    ADD COLUMN initialized_at    TIMESTAMPTZ,
    ADD COLUMN initialized_block BIGINT;

-- One row per level: the contract's LevelState plus derived figures.
CREATE TABLE levels (
    level                 SMALLINT PRIMARY KEY CHECK (level BETWEEN 1 AND 5),
    total_staked          NUMERIC(78,0) NOT NULL DEFAULT 0,
    alive_count           BIGINT        NOT NULL DEFAULT 0::bigint,
    acc_rewards_per_share NUMERIC(78,0) NOT NULL DEFAULT 0,
    scan_interval         BIGINT        NOT NULL,
    next_scan_time        TIMESTAMPTZ,
    current_scan_id       NUMERIC(78,0),
    current_scan_block    BIGINT,
    survivor_rounds       BIGINT        NOT NULL DEFAULT 0::bigint,
    array_length          BIGINT        NOT NULL DEFAULT 0::bigint,
    death_count           BIGINT        NOT NULL DEFAULT 0::bigint,
    dead_amount           NUMERIC(78,0) NOT NULL DEFAULT 0,
    emissions_reported    NUMERIC(78,0) NOT NULL DEFAULT 0,
    emissions_uncredited  NUMERIC(78,0) NOT NULL DEFAULT 0,
    pending_deaths_tx     BYTEA,
    pending_deaths_count  NUMERIC(78,0),
    pending_deaths_total  NUMERIC(78,0),
    updated_at_block      BIGINT        NOT NULL
);

-- The level arrays: slot -> member.
CREATE TABLE level_slots (
    level        SMALLINT NOT NULL,
    slot         BIGINT   NOT NULL,
    user_address BYTEA    NOT NULL,
    PRIMARY KEY (level, slot)
);

-- Who was processed in which scan (TraceScan `_processed`): read only for a
-- candidate that jacked in after the scan started.
CREATE TABLE scan_victims (
    scan_id      NUMERIC(78,0) NOT NULL,
    user_address BYTEA         NOT NULL,
    level        SMALLINT      NOT NULL,
    block_number BIGINT        NOT NULL,
    PRIMARY KEY (scan_id, user_address)
);

-- One row per death (derived from the submitDeaths calldata).
CREATE TABLE deaths (
    block_number          BIGINT        NOT NULL,
    log_index             INTEGER       NOT NULL,
    block_time            TIMESTAMPTZ   NOT NULL,
    tx_hash               BYTEA         NOT NULL,
    user_address          BYTEA         NOT NULL,
    scan_id               NUMERIC(78,0),
    level                 SMALLINT      NOT NULL,
    amount_lost           NUMERIC(78,0) NOT NULL,
    ghost_streak_at_death INTEGER       NOT NULL,
    haircut_settled       NUMERIC(78,0) NOT NULL DEFAULT 0,
    position_entry_block  BIGINT        NOT NULL,
    batch_index           INTEGER       NOT NULL,
    submitter             BYTEA,
    PRIMARY KEY (block_number, log_index, user_address, block_time)
);
CREATE INDEX deaths_user ON deaths (user_address, block_number DESC);
CREATE INDEX deaths_scan ON deaths (scan_id, batch_index);
CREATE INDEX deaths_level ON deaths (level, block_number DESC);

-- One row per DeathsProcessed (a verified batch).
CREATE TABLE death_batches (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    level        SMALLINT      NOT NULL,
    scan_id      NUMERIC(78,0),
    source       TEXT          NOT NULL CHECK (source IN ('submit_deaths', 'process_deaths')),
    candidates   INTEGER       NOT NULL,
    death_count  NUMERIC(78,0) NOT NULL,
    total_dead   NUMERIC(78,0) NOT NULL,
    submitter    BYTEA,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- SurvivorsUpdated: the streak round of a level.
CREATE TABLE survivor_updates (
    block_number   BIGINT        NOT NULL,
    log_index      INTEGER       NOT NULL,
    block_time     TIMESTAMPTZ   NOT NULL,
    tx_hash        BYTEA         NOT NULL,
    level          SMALLINT      NOT NULL,
    scan_id        NUMERIC(78,0),
    survivor_count NUMERIC(78,0) NOT NULL,
    round          BIGINT        NOT NULL,
    next_scan_time TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- CascadeDistributed, with what the event does not say: whether the
-- upstream share was burned (no safer level had stake) and how it was
-- credited to the safer levels (level -> amount, pro rata to their stake).
CREATE TABLE cascades (
    block_number      BIGINT        NOT NULL,
    log_index         INTEGER       NOT NULL,
    block_time        TIMESTAMPTZ   NOT NULL,
    tx_hash           BYTEA         NOT NULL,
    level             SMALLINT      NOT NULL,
    scan_id           NUMERIC(78,0),
    same_level_amount NUMERIC(78,0) NOT NULL,
    upstream_amount   NUMERIC(78,0) NOT NULL,
    burn_amount       NUMERIC(78,0) NOT NULL,
    protocol_amount   NUMERIC(78,0) NOT NULL,
    upstream_burned   BOOLEAN       NOT NULL,
    upstream_credits  JSONB         NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- EmissionsAdded; credited = false when the level had no stake (reported,
-- credited to nobody).
CREATE TABLE emissions (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    level        SMALLINT      NOT NULL,
    amount       NUMERIC(78,0) NOT NULL,
    credited     BOOLEAN       NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- SystemResetTriggered with the derived jackpot winner (the event always
-- says 0x0) and the split (50 % jackpot if paid, 30 % 0xdEaD, 20 % treasury).
CREATE TABLE system_resets (
    block_number         BIGINT        NOT NULL,
    log_index            INTEGER       NOT NULL,
    block_time           TIMESTAMPTZ   NOT NULL,
    tx_hash              BYTEA         NOT NULL,
    epoch                BIGINT        NOT NULL,
    total_penalty        NUMERIC(78,0) NOT NULL,
    jackpot_amount       NUMERIC(78,0) NOT NULL,
    jackpot_winner       BYTEA,
    jackpot_paid         BOOLEAN       NOT NULL,
    burn_amount          NUMERIC(78,0) NOT NULL,
    protocol_amount      NUMERIC(78,0) NOT NULL,
    event_jackpot_winner BYTEA         NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- Positions with the contract's current ghost streak (see above).
CREATE VIEW positions_current AS
SELECT p.*,
       CASE WHEN p.in_level_array
            THEN p.ghost_streak + (l.survivor_rounds - p.streak_mark)::integer
            ELSE p.ghost_streak
       END AS current_ghost_streak
FROM positions p
LEFT JOIN levels l ON l.level = p.level;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('deaths', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('death_batches', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('survivor_updates', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('cascades', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('emissions', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('system_resets', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
