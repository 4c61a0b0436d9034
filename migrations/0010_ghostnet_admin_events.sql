-- Audit trail of administrative events of every GHOSTNET contract
-- (handlers/lib/ghostnet-common): the inherited OpenZeppelin events
-- (Initialized, Upgraded, Paused/Unpaused, RoleGranted/RoleRevoked/
-- RoleAdminChanged, OwnershipTransferred/OwnershipTransferStarted) and each
-- contract's own configuration events (FeeRouter SwapRouterUpdated, ...).
-- Append-only and shared: every handler appends the events of the contracts
-- it indexes (each contract is indexed by one handler, so a log is appended
-- once). `args` holds the event arguments as JSON: amounts as decimal
-- strings, addresses and hashes as lowercase hex, role ids with their name.
CREATE TABLE admin_events (
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
CREATE INDEX admin_events_contract ON admin_events (contract_address, block_number DESC, log_index DESC);
CREATE INDEX admin_events_name ON admin_events (event_name, block_number DESC);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('admin_events', 'block_time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
