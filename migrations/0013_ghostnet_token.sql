-- DATA token (handler data-token; see handlers/data-token/src/lib.rs).
-- Amounts are exact token wei: NUMERIC(78,0). Keyed by token address so
-- that the handler can index DataToken and a plain mock ("mDATA") alike.

-- Balances from Transfer logs (0x0 is not a holder; 0xdEaD is).
CREATE TABLE token_balances (
    token_address    BYTEA         NOT NULL,
    holder           BYTEA         NOT NULL,
    balance          NUMERIC(78,0) NOT NULL DEFAULT 0,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (token_address, holder)
);
CREATE INDEX token_balances_rich ON token_balances (token_address, balance DESC);

-- One row per logical transfer, keyed by the block and log index of its
-- (first) Transfer log. A taxed transfer is three Transfer logs (net to the
-- recipient, burn part to 0xdEaD, treasury part) plus TaxBurned and
-- TaxCollected: it is one row with gross = net + tax_burned + tax_collected
-- and taxed = true (the two tax legs do not get rows of their own).
--   kind: 'transfer'; 'mint' (from 0x0); 'supply_burn' (to 0x0: burn() /
--   burnFrom(), supply decreases); 'dead_burn' (untaxed transfer to
--   0xdEaD: a protocol burn, supply unchanged).
CREATE TABLE token_transfers (
    block_number  BIGINT        NOT NULL,
    log_index     INTEGER       NOT NULL,
    block_time    TIMESTAMPTZ   NOT NULL,
    tx_hash       BYTEA         NOT NULL,
    token_address BYTEA         NOT NULL,
    from_address  BYTEA         NOT NULL,
    to_address    BYTEA         NOT NULL,
    kind          TEXT          NOT NULL CHECK (kind IN ('transfer', 'mint', 'supply_burn', 'dead_burn')),
    gross         NUMERIC(78,0) NOT NULL,
    net           NUMERIC(78,0) NOT NULL,
    tax_burned    NUMERIC(78,0) NOT NULL DEFAULT 0,
    tax_collected NUMERIC(78,0) NOT NULL DEFAULT 0,
    taxed         BOOLEAN       NOT NULL DEFAULT false,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX token_transfers_from ON token_transfers (token_address, from_address, block_number DESC);
CREATE INDEX token_transfers_to ON token_transfers (token_address, to_address, block_number DESC);
CREATE INDEX token_transfers_kind ON token_transfers (token_address, kind, block_number DESC);

-- TaxExclusionSet: the only record of who is excluded from the tax.
CREATE TABLE tax_exclusions (
    token_address    BYTEA   NOT NULL,
    account          BYTEA   NOT NULL,
    excluded         BOOLEAN NOT NULL,
    updated_at_block BIGINT  NOT NULL,
    PRIMARY KEY (token_address, account)
);

-- The value of the last Approval per (owner, spender). OpenZeppelin 5
-- emits no Approval when transferFrom spends an allowance, so this is the
-- approved value, not the remaining allowance.
CREATE TABLE token_approvals (
    token_address    BYTEA         NOT NULL,
    owner_address    BYTEA         NOT NULL,
    spender          BYTEA         NOT NULL,
    approved_value   NUMERIC(78,0) NOT NULL,
    updated_at_block BIGINT        NOT NULL,
    PRIMARY KEY (token_address, owner_address, spender)
);

-- Totals per token: supply, burns by sink and by source, tax, volume.
--   transfer_volume / transfer_count: 'transfer' rows, gross, a taxed
--   transfer counted once; burns to 0xdEaD (tax vs protocol) and to 0x0
--   are kept apart.
CREATE TABLE token_stats (
    token_address        BYTEA PRIMARY KEY,
    total_supply         NUMERIC(78,0) NOT NULL DEFAULT 0,
    minted               NUMERIC(78,0) NOT NULL DEFAULT 0,
    supply_burned        NUMERIC(78,0) NOT NULL DEFAULT 0,
    dead_burned          NUMERIC(78,0) NOT NULL DEFAULT 0,
    tax_burned           NUMERIC(78,0) NOT NULL DEFAULT 0,
    tax_collected        NUMERIC(78,0) NOT NULL DEFAULT 0,
    transfer_volume      NUMERIC(78,0) NOT NULL DEFAULT 0,
    transfer_count       BIGINT        NOT NULL DEFAULT 0::bigint,
    taxed_transfer_count BIGINT        NOT NULL DEFAULT 0::bigint,
    updated_at_block     BIGINT        NOT NULL
);
