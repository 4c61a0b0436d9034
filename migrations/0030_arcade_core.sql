-- GHOSTNET arcade: ArcadeCore (handler arcade-core) and the arcade audit
-- trail. CONTRACTS.md §3.8. Amounts are exact integers in DATA wei
-- (NUMERIC(78,0)); ids chosen by games (session ids) are uint256 and stored
-- as NUMERIC(78,0); addresses are 20 raw bytes. Event tables have a primary
-- key that includes block_time so they can become TimescaleDB hypertables.
-- BIGINT defaults are written 0::bigint: the host evaluates a column's
-- default as the column's type, and a bare 0 is an integer.

-- Audit trail of the arcade contracts' administrative events (OpenZeppelin
-- ownership, roles, pause, upgrades, initialisation, DefaultAdmin* rules,
-- and the games' own admin events such as OracleUpdated or
-- GameActiveStatusChanged). Append-only and shared by every arcade handler
-- (arcade-core, game-registry, hash-crash, duel-escrow, daily-ops); `args`
-- holds the decoded parameters (addresses and bytes32 as 0x-hex, integers
-- as decimal strings).
CREATE TABLE arcade_admin_events (
    block_number     BIGINT      NOT NULL,
    log_index        INTEGER     NOT NULL,
    block_time       TIMESTAMPTZ NOT NULL,
    tx_hash          BYTEA       NOT NULL,
    contract_address BYTEA       NOT NULL,
    contract_name    TEXT        NOT NULL,
    event_name       TEXT        NOT NULL,
    args             JSONB       NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_admin_events_contract ON arcade_admin_events (contract_address, block_number, log_index);

-- One row per ArcadeCore proxy: pause state and the proxy's lifecycle
-- (Initialized / Upgraded). `setTreasury` emits nothing, so the treasury is
-- not here.
CREATE TABLE arcade_cores (
    arcade_core         BYTEA   PRIMARY KEY,
    paused              BOOLEAN NOT NULL DEFAULT false,
    initialized_version BIGINT,
    implementation      BYTEA,
    upgrades            INTEGER NOT NULL DEFAULT 0,
    updated_at_block    BIGINT  NOT NULL
);

-- Registered games and their full ArcadeCore config (GameRegistered /
-- GameConfigUpdated carry the whole tuple; GameUnregistered deletes the
-- row). `emergencyQuarantineGame` pauses without a config event: the
-- handler models it (paused = true, quarantined_at_block).
-- cancel_run_tx / cancel_run_sessions: the SessionCancelled events of the
-- game's latest cancelling transaction, so that a GameQuarantined later in
-- the same transaction can attribute them (bookkeeping of the handler).
CREATE TABLE arcade_games (
    arcade_core          BYTEA         NOT NULL,
    game                 BYTEA         NOT NULL,
    min_entry            NUMERIC(78,0) NOT NULL,
    max_entry            NUMERIC(78,0) NOT NULL,
    rake_bps             INTEGER       NOT NULL,
    burn_bps             INTEGER       NOT NULL,
    requires_position    BOOLEAN       NOT NULL,
    paused               BOOLEAN       NOT NULL,
    registered_block     BIGINT,
    registered_at        TIMESTAMPTZ,
    quarantined_at_block BIGINT,
    cancel_run_tx        BYTEA,
    cancel_run_sessions  JSONB,
    updated_at_block     BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, game)
);

-- History of game registration and configuration.
CREATE TABLE arcade_game_events (
    block_number       BIGINT      NOT NULL,
    log_index          INTEGER     NOT NULL,
    block_time         TIMESTAMPTZ NOT NULL,
    tx_hash            BYTEA       NOT NULL,
    arcade_core        BYTEA       NOT NULL,
    game               BYTEA       NOT NULL,
    kind               TEXT        NOT NULL CHECK (kind IN ('registered', 'config_updated', 'unregistered', 'quarantined')),
    min_entry          NUMERIC(78,0),
    max_entry          NUMERIC(78,0),
    rake_bps           INTEGER,
    burn_bps           INTEGER,
    requires_position  BOOLEAN,
    paused             BOOLEAN,
    sessions_affected  NUMERIC(78,0),
    cancelled_sessions JSONB,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_game_events_game ON arcade_game_events (arcade_core, game, block_number);

-- Sessions, keyed by (ArcadeCore, sessionId): session ids are one
-- namespace per ArcadeCore, chosen by the game (HashCrash round id,
-- DuelEscrow match id). `game` is the owner from SessionCreated.
-- prize_pool mirrors the contract's prizePool (net entries minus refunds);
-- total_paid mirrors totalPaid (payouts plus burns credited).
CREATE TABLE arcade_sessions (
    arcade_core          BYTEA         NOT NULL,
    session_id           NUMERIC(78,0) NOT NULL,
    game                 BYTEA         NOT NULL,
    state                TEXT          NOT NULL CHECK (state IN ('active', 'settled', 'cancelled')),
    created_at           TIMESTAMPTZ   NOT NULL,
    created_block        BIGINT        NOT NULL,
    player_count         INTEGER       NOT NULL DEFAULT 0,
    entry_count          INTEGER       NOT NULL DEFAULT 0,
    gross_total          NUMERIC(78,0) NOT NULL DEFAULT 0,
    net_total            NUMERIC(78,0) NOT NULL DEFAULT 0,
    rake_total           NUMERIC(78,0) NOT NULL DEFAULT 0,
    rake_burned          NUMERIC(78,0) NOT NULL DEFAULT 0,
    rake_treasury        NUMERIC(78,0) NOT NULL DEFAULT 0,
    prize_pool           NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_paid           NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_payout         NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_burned         NUMERIC(78,0) NOT NULL DEFAULT 0,
    refund_total         NUMERIC(78,0) NOT NULL DEFAULT 0,
    settled_remaining    NUMERIC(78,0),
    cancelled_prize_pool NUMERIC(78,0),
    cancel_cause         TEXT CHECK (cancel_cause IN ('game', 'quarantine')),
    ended_block          BIGINT,
    ended_at             TIMESTAMPTZ,
    updated_at_block     BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, session_id)
);
CREATE INDEX arcade_sessions_game ON arcade_sessions (arcade_core, game, state);

-- History of session lifecycle events.
CREATE TABLE arcade_session_events (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    arcade_core  BYTEA         NOT NULL,
    session_id   NUMERIC(78,0) NOT NULL,
    game         BYTEA         NOT NULL,
    kind         TEXT          NOT NULL CHECK (kind IN ('created', 'settled', 'cancelled')),
    total_paid   NUMERIC(78,0),
    remaining    NUMERIC(78,0),
    prize_pool   NUMERIC(78,0),
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_session_events_session ON arcade_session_events (arcade_core, session_id);

-- Entries (EntryProcessed): `amount` is the gross pulled from the player;
-- rake = floor(amount * rake_bps / 10000); of the rake,
-- floor(rake * burn_bps / 10000) went to 0xdEaD and the rest to the
-- treasury (bps as configured at the entry); net = amount - rake joined
-- the prize pool.
CREATE TABLE arcade_entries (
    block_number  BIGINT        NOT NULL,
    log_index     INTEGER       NOT NULL,
    block_time    TIMESTAMPTZ   NOT NULL,
    tx_hash       BYTEA         NOT NULL,
    arcade_core   BYTEA         NOT NULL,
    game          BYTEA         NOT NULL,
    player        BYTEA         NOT NULL,
    session_id    NUMERIC(78,0) NOT NULL,
    amount        NUMERIC(78,0) NOT NULL,
    net_amount    NUMERIC(78,0) NOT NULL,
    rake_amount   NUMERIC(78,0) NOT NULL,
    rake_burned   NUMERIC(78,0) NOT NULL,
    rake_treasury NUMERIC(78,0) NOT NULL,
    rake_bps      INTEGER       NOT NULL,
    burn_bps      INTEGER       NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_entries_session ON arcade_entries (arcade_core, session_id);
CREATE INDEX arcade_entries_player ON arcade_entries (player, block_number DESC);

-- Per (session, player): what the player put in and got out. `deposit`
-- mirrors getSessionDeposit (net minus refunds), `refunded` isRefunded.
CREATE TABLE arcade_session_players (
    arcade_core      BYTEA         NOT NULL,
    session_id       NUMERIC(78,0) NOT NULL,
    player           BYTEA         NOT NULL,
    game             BYTEA         NOT NULL,
    entry_count      INTEGER       NOT NULL DEFAULT 0,
    gross_amount     NUMERIC(78,0) NOT NULL DEFAULT 0,
    net_amount       NUMERIC(78,0) NOT NULL DEFAULT 0,
    rake_amount      NUMERIC(78,0) NOT NULL DEFAULT 0,
    deposit          NUMERIC(78,0) NOT NULL DEFAULT 0,
    payout           NUMERIC(78,0) NOT NULL DEFAULT 0,
    burned           NUMERIC(78,0) NOT NULL DEFAULT 0,
    results          INTEGER       NOT NULL DEFAULT 0,
    won              BOOLEAN,
    refunded         BOOLEAN       NOT NULL DEFAULT false,
    refund_amount    NUMERIC(78,0) NOT NULL DEFAULT 0,
    refund_kind      TEXT CHECK (refund_kind IN ('emergency', 'expired')),
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, session_id, player)
);
CREATE INDEX arcade_session_players_player ON arcade_session_players (player);

-- Results credited (GameSettled): a payout to the pull balance and/or a
-- burn of part of the pool.
CREATE TABLE arcade_payouts (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    arcade_core  BYTEA         NOT NULL,
    game         BYTEA         NOT NULL,
    player       BYTEA         NOT NULL,
    session_id   NUMERIC(78,0) NOT NULL,
    payout       NUMERIC(78,0) NOT NULL,
    burned       NUMERIC(78,0) NOT NULL,
    won          BOOLEAN       NOT NULL,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_payouts_session ON arcade_payouts (arcade_core, session_id);
CREATE INDEX arcade_payouts_player ON arcade_payouts (player, block_number DESC);

-- Pull-payment balances (getPendingPayout).
CREATE TABLE arcade_balances (
    arcade_core      BYTEA         NOT NULL,
    player           BYTEA         NOT NULL,
    pending          NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_credited   NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_refunded   NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_withdrawn  NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, player)
);

-- Ledger of the pull balances. PayoutCredited carries the new total
-- (reported_total_pending): `reconciled` says whether the handler's own
-- running balance plus the credit equals it; PayoutWithdrawn must empty
-- the balance (`reconciled` = the amount equals the running balance).
-- Refunds report no total (reconciled NULL).
CREATE TABLE arcade_balance_events (
    block_number           BIGINT        NOT NULL,
    log_index              INTEGER       NOT NULL,
    block_time             TIMESTAMPTZ   NOT NULL,
    tx_hash                BYTEA         NOT NULL,
    arcade_core            BYTEA         NOT NULL,
    player                 BYTEA         NOT NULL,
    kind                   TEXT          NOT NULL CHECK (kind IN ('payout_credited', 'emergency_refund', 'expired_refund', 'withdrawn')),
    game                   BYTEA,
    session_id             NUMERIC(78,0),
    amount                 NUMERIC(78,0) NOT NULL,
    pending_after          NUMERIC(78,0) NOT NULL,
    reported_total_pending NUMERIC(78,0),
    reconciled             BOOLEAN,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX arcade_balance_events_player ON arcade_balance_events (arcade_core, player, block_number);

-- Player totals from EntryProcessed and GameSettled (exact wei; the
-- contract's getPlayerStats stores totals divided by 1e6). games_played
-- counts entries, as the contract's totalGamesPlayed does; wins/losses
-- count GameSettled by `won`; total_won sums payouts with won = true (the
-- contract's totalWon), total_payout all payouts (tie shares included).
CREATE TABLE arcade_player_stats (
    arcade_core      BYTEA         NOT NULL,
    player           BYTEA         NOT NULL,
    games_played     BIGINT        NOT NULL DEFAULT 0::bigint,
    total_wagered    NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_net        NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_rake       NUMERIC(78,0) NOT NULL DEFAULT 0,
    wins             BIGINT        NOT NULL DEFAULT 0::bigint,
    losses           BIGINT        NOT NULL DEFAULT 0::bigint,
    total_won        NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_payout     NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_burned     NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_refunded   NUMERIC(78,0) NOT NULL DEFAULT 0,
    last_play_time   TIMESTAMPTZ,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, player)
);

-- Batch summaries: BatchPayoutProcessed (kind 'payout': item_count =
-- batchSize, total_amount = totalPaid, total_burned = totalBurned) and
-- BatchEmergencyRefund (kind 'emergency_refund': item_count =
-- playersRefunded, total_amount = totalRefunded). The items are the
-- GameSettled / EmergencyRefund events just before, in the same
-- transaction.
CREATE TABLE arcade_batches (
    block_number BIGINT        NOT NULL,
    log_index    INTEGER       NOT NULL,
    block_time   TIMESTAMPTZ   NOT NULL,
    tx_hash      BYTEA         NOT NULL,
    arcade_core  BYTEA         NOT NULL,
    game         BYTEA         NOT NULL,
    kind         TEXT          NOT NULL CHECK (kind IN ('payout', 'emergency_refund')),
    session_id   NUMERIC(78,0),
    item_count   NUMERIC(78,0) NOT NULL,
    total_amount NUMERIC(78,0) NOT NULL,
    total_burned NUMERIC(78,0),
    PRIMARY KEY (block_number, log_index, block_time)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('arcade_entries', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('arcade_payouts', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('arcade_balance_events', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
