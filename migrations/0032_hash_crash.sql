-- GHOSTNET arcade: HashCrash (handler hash-crash). CONTRACTS.md §3.10-3.11.
-- Multipliers are x100 (250 = 2.50x). Round ids are uint256
-- (NUMERIC(78,0)); the ArcadeCore session of a round has the round id as
-- session id.

-- One row per HashCrash contract: Ownable2Step owner, Pausable state, the
-- informational isActive flag (GameActiveStatusChanged; true at
-- construction), the latest round and the ArcadeCore its rounds use
-- (learnt from ArcadeCore's SessionCreated for one of its rounds).
CREATE TABLE hash_crash_games (
    hash_crash       BYTEA   PRIMARY KEY,
    arcade_core      BYTEA,
    owner            BYTEA,
    pending_owner    BYTEA,
    paused           BOOLEAN NOT NULL DEFAULT false,
    is_active        BOOLEAN NOT NULL DEFAULT true,
    current_round_id NUMERIC(78,0),
    updated_at_block BIGINT  NOT NULL
);

-- Rounds. `state` follows the games' SessionState as HashCrash stores it:
-- betting -> locked -> active (crash revealed, settling) -> settled, or
-- cancelled / expired. betting_ends_at = start + 60 s (BETTING_DURATION).
-- prize_pool (sum of net bets) and total_paid_out (winners' payouts)
-- mirror getRound(); total_burned sums the losers' burned net bets.
-- seed_verified: the seed equals keccak256(abi.encode(blockHash, roundId,
-- HashCrash, chainId)); crash_verified: the crash point equals the one
-- recomputed from the seed (CONTRACTS.md §3.11).
-- session_*: ArcadeCore's view of the round (SessionSettled is the only
-- "round over" signal; SessionCancelled also comes from a quarantine,
-- which leaves HashCrash's own state untouched).
CREATE TABLE hash_crash_rounds (
    hash_crash                   BYTEA         NOT NULL,
    round_id                     NUMERIC(78,0) NOT NULL,
    state                        TEXT          NOT NULL CHECK (state IN ('betting', 'locked', 'active', 'settled', 'cancelled', 'expired')),
    started_at                   TIMESTAMPTZ   NOT NULL,
    started_block                BIGINT        NOT NULL,
    betting_ends_at              TIMESTAMPTZ   NOT NULL,
    arcade_core                  BYTEA,
    player_count                 INTEGER       NOT NULL DEFAULT 0,
    total_amount                 NUMERIC(78,0) NOT NULL DEFAULT 0,
    prize_pool                   NUMERIC(78,0) NOT NULL DEFAULT 0,
    seed_block                   BIGINT,
    seed_deadline                BIGINT,
    locked_at                    TIMESTAMPTZ,
    locked_block                 BIGINT,
    seed_block_hash              BYTEA,
    seed                         NUMERIC(78,0),
    used_extended_history        BOOLEAN,
    seed_verified                BOOLEAN,
    crash_multiplier             INTEGER,
    crash_verified               BOOLEAN,
    revealed_block               BIGINT,
    winners                      INTEGER       NOT NULL DEFAULT 0,
    losers                       INTEGER       NOT NULL DEFAULT 0,
    refunds                      INTEGER       NOT NULL DEFAULT 0,
    total_paid_out               NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_burned                 NUMERIC(78,0) NOT NULL DEFAULT 0,
    total_refunded               NUMERIC(78,0) NOT NULL DEFAULT 0,
    cancel_reason                TEXT,
    session_total_paid           NUMERIC(78,0),
    session_remaining            NUMERIC(78,0),
    session_cancelled_prize_pool NUMERIC(78,0),
    ended_block                  BIGINT,
    ended_at                     TIMESTAMPTZ,
    updated_at_block             BIGINT        NOT NULL,
    PRIMARY KEY (hash_crash, round_id)
);

-- Bets: one per player per round. amount = gross pulled by ArcadeCore,
-- net_amount = what joined the pool. result: pending -> won (target <
-- crash; payout = net * target / 100) | lost (net burned) | refunded (net
-- returned after expiry or cancellation). settle_tx / refund_tx are the
-- transactions of PlayerWon/PlayerLost and of ArcadeCore's
-- ExpiredRefundClaimed: a PlayerPaidOut(won = false) in the same
-- transaction is a loss or a refund accordingly.
CREATE TABLE hash_crash_bets (
    hash_crash        BYTEA         NOT NULL,
    round_id          NUMERIC(78,0) NOT NULL,
    player            BYTEA         NOT NULL,
    amount            NUMERIC(78,0) NOT NULL,
    net_amount        NUMERIC(78,0) NOT NULL,
    target_multiplier INTEGER       NOT NULL,
    placed_block      BIGINT        NOT NULL,
    placed_at         TIMESTAMPTZ   NOT NULL,
    result            TEXT          NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'won', 'lost', 'refunded')),
    payout            NUMERIC(78,0),
    burned            NUMERIC(78,0),
    refund_amount     NUMERIC(78,0),
    settled_block     BIGINT,
    settle_tx         BYTEA,
    refund_tx         BYTEA,
    paid_out          BOOLEAN       NOT NULL DEFAULT false,
    updated_at_block  BIGINT        NOT NULL,
    PRIMARY KEY (hash_crash, round_id, player)
);
CREATE INDEX hash_crash_bets_player ON hash_crash_bets (player);

-- Which ArcadeCore sessions are HashCrash rounds (ExpiredRefundClaimed
-- names only the session).
CREATE TABLE hash_crash_sessions (
    arcade_core   BYTEA         NOT NULL,
    session_id    NUMERIC(78,0) NOT NULL,
    hash_crash    BYTEA         NOT NULL,
    created_block BIGINT        NOT NULL,
    PRIMARY KEY (arcade_core, session_id)
);

-- Round lifecycle history. kind 'started' is the first RoundStarted
-- (seedBlock 0), 'locked' the second (the real seed block).
CREATE TABLE hash_crash_round_events (
    block_number     BIGINT        NOT NULL,
    log_index        INTEGER       NOT NULL,
    block_time       TIMESTAMPTZ   NOT NULL,
    tx_hash          BYTEA         NOT NULL,
    hash_crash       BYTEA         NOT NULL,
    round_id         NUMERIC(78,0) NOT NULL,
    kind             TEXT          NOT NULL CHECK (kind IN ('started', 'seed_committed', 'locked', 'seed_revealed',
                                                            'crash_revealed', 'resolved', 'cancelled', 'expired',
                                                            'session_created', 'session_settled', 'session_cancelled',
                                                            'seed_expired_event')),
    event_timestamp  TIMESTAMPTZ,
    seed_block       BIGINT,
    deadline         BIGINT,
    block_hash       BYTEA,
    seed             NUMERIC(78,0),
    used_extended    BOOLEAN,
    crash_multiplier INTEGER,
    outcome          NUMERIC(78,0),
    reason           TEXT,
    arcade_core      BYTEA,
    total_paid       NUMERIC(78,0),
    remaining        NUMERIC(78,0),
    prize_pool       NUMERIC(78,0),
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX hash_crash_round_events_round ON hash_crash_round_events (hash_crash, round_id);

-- Bet history. PlayerPaidOut is recorded as paid_out_win, paid_out_loss or
-- paid_out_refund after disambiguation.
CREATE TABLE hash_crash_bet_events (
    block_number      BIGINT        NOT NULL,
    log_index         INTEGER       NOT NULL,
    block_time        TIMESTAMPTZ   NOT NULL,
    tx_hash           BYTEA         NOT NULL,
    hash_crash        BYTEA         NOT NULL,
    round_id          NUMERIC(78,0) NOT NULL,
    player            BYTEA         NOT NULL,
    kind              TEXT          NOT NULL CHECK (kind IN ('bet_placed', 'won', 'lost', 'refund_claimed',
                                                             'paid_out_win', 'paid_out_loss', 'paid_out_refund')),
    amount            NUMERIC(78,0),
    net_amount        NUMERIC(78,0),
    target_multiplier INTEGER,
    crash_multiplier  INTEGER,
    payout            NUMERIC(78,0),
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX hash_crash_bet_events_round ON hash_crash_bet_events (hash_crash, round_id, player);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('hash_crash_bet_events', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
