-- GHOSTNET arcade: DailyOps (handler daily-ops). CONTRACTS.md §3.13.
-- Days are UTC day numbers (block timestamp / 86400).
-- BIGINT defaults are written 0::bigint: the host evaluates a column's
-- default as the column's type, and a bare 0 is an integer.

-- One row per DailyOps: treasury flows (total_distributed and
-- total_burned mirror the contract's totalDistributed / totalBurned), the
-- default admin (the latest RoleGranted of DEFAULT_ADMIN_ROLE) and the
-- pending AccessControlDefaultAdminRules changes (an accepted transfer
-- emits no DefaultAdmin* event: the new admin's RoleGranted clears it).
CREATE TABLE daily_ops_contracts (
    daily_ops                  BYTEA         PRIMARY KEY,
    total_funded               NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_distributed          NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_rewards              NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_bonus                NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_burned               NUMERIC(78,0) NOT NULL DEFAULT 0,
    claims                     BIGINT        NOT NULL DEFAULT 0::bigint,
    default_admin              BYTEA,
    pending_default_admin      BYTEA,
    pending_admin_schedule     TIMESTAMPTZ,
    pending_admin_delay        BIGINT,
    pending_admin_delay_effect TIMESTAMPTZ,
    updated_at_block           BIGINT        NOT NULL
);

-- Streaks per player (getStreak): current/longest, last claimed day,
-- shield expiry day, total claimed (rewards plus milestone bonuses),
-- missions completed; plus counters and the milestones already paid (each
-- is paid once per player). last_streak_event(_tx): a ShieldUsed or
-- StreakBroken of the claim being processed (they precede
-- DailyRewardClaimed in the same transaction).
CREATE TABLE daily_ops_streaks (
    daily_ops            BYTEA         NOT NULL,
    player               BYTEA         NOT NULL,
    current_streak       INTEGER       NOT NULL DEFAULT 0,
    longest_streak       INTEGER       NOT NULL DEFAULT 0,
    last_claim_day       BIGINT        NOT NULL DEFAULT 0::bigint,
    shield_expiry_day    BIGINT        NOT NULL DEFAULT 0::bigint,
    total_claimed        NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_rewards        NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_bonus          NUMERIC(78,0) NOT NULL DEFAULT 0,
    missions_completed   BIGINT        NOT NULL DEFAULT 0::bigint,
    shields_purchased    INTEGER       NOT NULL DEFAULT 0,
    shields_used         INTEGER       NOT NULL DEFAULT 0,
    streaks_broken       INTEGER       NOT NULL DEFAULT 0,
    milestone_7          BOOLEAN       NOT NULL DEFAULT false,
    milestone_21         BOOLEAN       NOT NULL DEFAULT false,
    milestone_30         BOOLEAN       NOT NULL DEFAULT false,
    milestone_90         BOOLEAN       NOT NULL DEFAULT false,
    last_streak_event    TEXT CHECK (last_streak_event IN ('shield_used', 'broken')),
    last_streak_event_tx BYTEA,
    updated_at_block     BIGINT        NOT NULL,
    PRIMARY KEY (daily_ops, player)
);

-- Claims. `reward` excludes the milestone bonus paid in the same transfer
-- (see daily_ops_milestones). streak_change: first (first claim),
-- consecutive, shielded (a shield bridged the gap) or broken (restarted at
-- 1); previous_streak is the streak before the claim.
CREATE TABLE daily_ops_claims (
    block_number    BIGINT        NOT NULL,
    log_index       INTEGER       NOT NULL,
    block_time      TIMESTAMPTZ   NOT NULL,
    tx_hash         BYTEA         NOT NULL,
    daily_ops       BYTEA         NOT NULL,
    player          BYTEA         NOT NULL,
    day             BIGINT        NOT NULL,
    mission_id      BYTEA         NOT NULL,
    reward          NUMERIC(78,0) NOT NULL,
    new_streak      INTEGER       NOT NULL,
    previous_streak INTEGER       NOT NULL,
    streak_change   TEXT          NOT NULL CHECK (streak_change IN ('first', 'consecutive', 'shielded', 'broken')),
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX daily_ops_claims_player ON daily_ops_claims (daily_ops, player, block_number);

-- Milestones: one MilestoneReached carries the summed bonus of every
-- milestone reached at that streak; the handler splits it into one row per
-- milestone (7 +500, 21 +1000, 30 +5000, 90 +15000 DATA), total_bonus
-- being the event's value.
CREATE TABLE daily_ops_milestones (
    block_number   BIGINT        NOT NULL,
    log_index      INTEGER       NOT NULL,
    block_time     TIMESTAMPTZ   NOT NULL,
    tx_hash        BYTEA         NOT NULL,
    daily_ops      BYTEA         NOT NULL,
    player         BYTEA         NOT NULL,
    milestone_days INTEGER       NOT NULL,
    streak         INTEGER       NOT NULL,
    bonus          NUMERIC(78,0) NOT NULL,
    total_bonus    NUMERIC(78,0) NOT NULL,
    badge_id       BYTEA,
    PRIMARY KEY (block_number, log_index, block_time, milestone_days)
);

-- Badges (getBadges): each at most once per player.
CREATE TABLE daily_ops_badges (
    daily_ops    BYTEA       NOT NULL,
    player       BYTEA       NOT NULL,
    badge_id     BYTEA       NOT NULL,
    badge_name   TEXT,
    earned_at    TIMESTAMPTZ NOT NULL,
    earned_block BIGINT      NOT NULL,
    tx_hash      BYTEA       NOT NULL,
    PRIMARY KEY (daily_ops, player, badge_id)
);

-- Shield purchases (cost sent to 0xdEaD).
CREATE TABLE daily_ops_shield_purchases (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    daily_ops    BYTEA         NOT NULL,
    player       BYTEA         NOT NULL,
    days         INTEGER       NOT NULL,
    expiry_day   BIGINT        NOT NULL,
    cost         NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- Streak events: a shield used (`day` = the claim day it bridged to) or a
-- streak broken (`previous_streak`).
CREATE TABLE daily_ops_streak_events (
    block_number    BIGINT      NOT NULL,
    log_index       INTEGER     NOT NULL,
    block_time      TIMESTAMPTZ NOT NULL,
    tx_hash         BYTEA       NOT NULL,
    daily_ops       BYTEA       NOT NULL,
    player          BYTEA       NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('shield_used', 'broken')),
    day             BIGINT,
    previous_streak INTEGER,
    PRIMARY KEY (block_number, log_index, block_time)
);

-- Treasury funding (TreasuryFunded).
CREATE TABLE daily_ops_fundings (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    daily_ops    BYTEA         NOT NULL,
    funder       BYTEA         NOT NULL,
    amount       NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
