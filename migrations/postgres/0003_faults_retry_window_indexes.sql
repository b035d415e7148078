-- Fault rules (`/_emulator/faults`): shared by every replica, with a hit count each.
CREATE TABLE fault_rules (
    seq                 BIGINT NOT NULL,
    id                  TEXT PRIMARY KEY,
    method              TEXT,
    route               TEXT,
    path_pattern        TEXT,
    partner_tenant_id   TEXT,
    effect              TEXT NOT NULL,
    delay_ms            BIGINT NOT NULL,
    retry_after_seconds BIGINT NOT NULL,
    probability         DOUBLE PRECISION NOT NULL,
    max_hits            BIGINT,
    hits                BIGINT NOT NULL DEFAULT 0,
    created_at          TIMESTAMPTZ NOT NULL
);

-- Kept answers are forgotten after 24 hours of emulator time (created_at); an abandoned claim is
-- recognised by real time (claimed_at_ms), which runs on even when the emulator clock is frozen.
ALTER TABLE idempotent_responses ADD COLUMN claimed_at_ms BIGINT NOT NULL DEFAULT 0;

-- New rows take MAX(seq) + 1: an index keeps that a lookup, not a scan, as tables grow.
CREATE INDEX agreements_seq ON agreements (seq);
CREATE INDEX agreements_customer_seq ON agreements (customer_id, seq);
CREATE INDEX outbox_seq ON outbox (seq);
CREATE INDEX customers_seq ON customers (seq);
CREATE INDEX customer_relationships_seq ON customer_relationships (seq);
CREATE INDEX orders_seq ON orders (seq);
-- Kept answers older than 24 hours of emulator time are purged by created_at.
CREATE INDEX idempotent_responses_created_at ON idempotent_responses (created_at);
