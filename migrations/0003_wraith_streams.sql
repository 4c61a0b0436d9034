-- Webhook deliveries that failed every attempt: kept with the envelope so
-- an operator can inspect and replay them.
CREATE TABLE wraith_dead_letters (
    id         BIGSERIAL PRIMARY KEY,
    sink       TEXT   NOT NULL,
    outbox_id  BIGINT NOT NULL,
    url        TEXT   NOT NULL,
    attempts   INTEGER NOT NULL,
    last_error TEXT   NOT NULL,
    envelope   JSONB  NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX wraith_dead_letters_sink ON wraith_dead_letters (sink, outbox_id);
