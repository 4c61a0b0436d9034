-- GHOSTNET arcade: DuelEscrow (handler duel-escrow). CONTRACTS.md §3.10,
-- §3.12. Match ids are uint256 (NUMERIC(78,0)); a match's ArcadeCore
-- session has the match id as session id.

-- One row per DuelEscrow: Ownable2Step owner, Pausable state, the oracle
-- (the constructor's oracle is in no event: NULL until OracleUpdated), the
-- highest match id. `setActive` emits nothing and is not here.
CREATE TABLE duel_escrows (
    duel_escrow      BYTEA   PRIMARY KEY,
    oracle           BYTEA,
    owner            BYTEA,
    pending_owner    BYTEA,
    paused           BOOLEAN NOT NULL DEFAULT false,
    match_count      NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block BIGINT  NOT NULL
);

-- Matches. `stake` is MatchCreated.stakeTier, which carries the stake
-- amount in wei; stake_tier is the enum name the amount corresponds to
-- (BRONZE 50 / SILVER 150 / GOLD 300 / DIAMOND 500 DATA; NULL if none).
-- state: created -> waiting (one join) -> active (both joined) ->
-- resolved | cancelled. outcome: win, tie, forfeit, or timeout (an oracle
-- TIMEOUT result is a cancellation). On a TIE MatchResolved reports only
-- player 1's share; player 2's is derived exactly as the contract computes
-- it (pool - pool/10 - share1; the 10 % burn is split burn/2 to player 1,
-- the rest to player 2). player*_net is what each join put in the pool
-- (the contract zeroes its copy on refund; refunds are in player*_refund).
CREATE TABLE duel_matches (
    duel_escrow      BYTEA         NOT NULL,
    match_id         NUMERIC(78,0) NOT NULL,
    player1          BYTEA         NOT NULL,
    player2          BYTEA         NOT NULL,
    stake            NUMERIC(78,0) NOT NULL,
    stake_tier       TEXT CHECK (stake_tier IN ('bronze', 'silver', 'gold', 'diamond')),
    state            TEXT          NOT NULL CHECK (state IN ('created', 'waiting', 'active', 'resolved', 'cancelled')),
    created_at       TIMESTAMPTZ   NOT NULL,
    created_block    BIGINT        NOT NULL,
    expires_at       TIMESTAMPTZ   NOT NULL,
    player1_net      NUMERIC(78,0),
    player2_net      NUMERIC(78,0),
    prize_pool       NUMERIC(78,0) NOT NULL DEFAULT 0,
    timeout_at       TIMESTAMPTZ,
    started_block    BIGINT,
    outcome          TEXT CHECK (outcome IN ('win', 'tie', 'forfeit', 'timeout')),
    winner           BYTEA,
    player1_result   TEXT CHECK (player1_result IN ('won', 'lost', 'tie', 'refunded')),
    player2_result   TEXT CHECK (player2_result IN ('won', 'lost', 'tie', 'refunded')),
    player1_payout   NUMERIC(78,0),
    player2_payout   NUMERIC(78,0),
    player1_burned   NUMERIC(78,0),
    player2_burned   NUMERIC(78,0),
    burned           NUMERIC(78,0),
    reported_payout  NUMERIC(78,0),
    player1_refund   NUMERIC(78,0),
    player2_refund   NUMERIC(78,0),
    cancel_reason    TEXT,
    resolved_block   BIGINT,
    cancelled_block  BIGINT,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (duel_escrow, match_id)
);
CREATE INDEX duel_matches_player1 ON duel_matches (player1);
CREATE INDEX duel_matches_player2 ON duel_matches (player2);

-- Match history, one row per event. PlayerPaidOut is recorded as
-- payout_win, payout_loss, payout_tie or payout_refund.
CREATE TABLE duel_events (
    block_number    BIGINT        NOT NULL,
    log_index       INTEGER       NOT NULL,
    block_time      TIMESTAMPTZ   NOT NULL,
    tx_hash         BYTEA         NOT NULL,
    duel_escrow     BYTEA         NOT NULL,
    match_id        NUMERIC(78,0) NOT NULL,
    kind            TEXT          NOT NULL CHECK (kind IN ('created', 'round_started', 'joined', 'bet_placed', 'started',
                                                           'payout_win', 'payout_loss', 'payout_tie', 'payout_refund',
                                                           'resolved', 'round_resolved', 'cancelled', 'round_cancelled')),
    player          BYTEA,
    amount          NUMERIC(78,0),
    net_amount      NUMERIC(78,0),
    payout          NUMERIC(78,0),
    outcome         TEXT,
    reason          TEXT,
    seed            NUMERIC(78,0),
    event_timestamp TIMESTAMPTZ,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX duel_events_match ON duel_events (duel_escrow, match_id);
