-- GHOSTNET arcade: GameRegistry (handler game-registry). CONTRACTS.md §3.9.
-- The game configuration itself belongs to arcade-core (`arcade_games`,
-- from ArcadeCore's events, which carry the full tuple); these tables hold
-- the registry's own facts. Each registry call emits its ArcadeCore event
-- first, then the registry event, in one transaction: the handler pairs
-- them to learn which ArcadeCore a registry forwards to and which config a
-- payload-less registry GameConfigUpdated set.

-- One row per registry. `arcade_core` is the ArcadeCore it forwards to: set
-- by ArcadeCoreUpdated, or learnt from the ArcadeCore event paired with a
-- registry event (the constructor argument is in no event; NULL until
-- then). Owner fields from Ownable2Step.
CREATE TABLE game_registries (
    registry         BYTEA   PRIMARY KEY,
    arcade_core      BYTEA,
    owner            BYTEA,
    pending_owner    BYTEA,
    game_count       INTEGER NOT NULL DEFAULT 0,
    updated_at_block BIGINT  NOT NULL
);

-- Games registered through a registry (deleted by GameRemoved, as the
-- registry deletes them). game_id / name come from the game's
-- getGameInfo() (fallback: keccak256 of the packed address and ""),
-- launched_at is the registration block time (the registry overwrites
-- launchedAt with block.timestamp). The entry config is the one the
-- registry forwarded, read from the paired ArcadeCore event (NULL if no
-- ArcadeCore event was paired); `boostEligible` is stored by the registry
-- but is in no event, so it is not here.
CREATE TABLE registry_games (
    registry           BYTEA       NOT NULL,
    game               BYTEA       NOT NULL,
    arcade_core        BYTEA,
    game_id            BYTEA       NOT NULL,
    name               TEXT        NOT NULL,
    launched_at        TIMESTAMPTZ NOT NULL,
    registered_block   BIGINT      NOT NULL,
    min_entry          NUMERIC(78,0),
    max_entry          NUMERIC(78,0),
    rake_bps           INTEGER,
    burn_bps           INTEGER,
    requires_position  BOOLEAN,
    paused             BOOLEAN     NOT NULL DEFAULT false,
    pending_removal_at TIMESTAMPTZ,
    config_updates     INTEGER     NOT NULL DEFAULT 0,
    updated_at_block   BIGINT      NOT NULL,
    PRIMARY KEY (registry, game)
);

-- History of registry events, each with the ArcadeCore event it was paired
-- with (arcade_core, core_log_index and the config tuple it carried).
CREATE TABLE registry_events (
    block_number      BIGINT      NOT NULL,
    log_index         INTEGER     NOT NULL,
    block_time        TIMESTAMPTZ NOT NULL,
    tx_hash           BYTEA       NOT NULL,
    registry          BYTEA       NOT NULL,
    kind              TEXT        NOT NULL CHECK (kind IN ('registered', 'paused', 'unpaused', 'config_updated',
                                                           'marked_for_removal', 'removal_cancelled', 'removed',
                                                           'arcade_core_updated')),
    game              BYTEA,
    game_id           BYTEA,
    name              TEXT,
    removal_time      TIMESTAMPTZ,
    old_arcade_core   BYTEA,
    new_arcade_core   BYTEA,
    arcade_core       BYTEA,
    core_log_index    INTEGER,
    min_entry         NUMERIC(78,0),
    max_entry         NUMERIC(78,0),
    rake_bps          INTEGER,
    burn_bps          INTEGER,
    requires_position BOOLEAN,
    paused            BOOLEAN,
    PRIMARY KEY (block_number, log_index, block_time)
);
CREATE INDEX registry_events_game ON registry_events (registry, game, block_number);

-- The handler's pairing memory: the latest ArcadeCore registration/config
-- event per game (any ArcadeCore the handler is bound to). A registry event
-- in the same transaction consumes it.
CREATE TABLE registry_core_siblings (
    game              BYTEA   PRIMARY KEY,
    arcade_core       BYTEA   NOT NULL,
    tx_hash           BYTEA   NOT NULL,
    log_index         INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('registered', 'config_updated', 'unregistered')),
    min_entry         NUMERIC(78,0),
    max_entry         NUMERIC(78,0),
    rake_bps          INTEGER,
    burn_bps          INTEGER,
    requires_position BOOLEAN,
    paused            BOOLEAN,
    seen_block        BIGINT  NOT NULL
);
