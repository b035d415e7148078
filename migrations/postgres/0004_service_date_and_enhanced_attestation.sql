-- The service date (the emulator answers as Partner Center did on it), stored beside the clock so
-- that every replica reads the same: NULL = the configured default, 'clock' = the emulator clock's
-- day, or a pinned ISO date.
ALTER TABLE emulator_clock ADD COLUMN service_date TEXT;

-- Enhanced attestations. The status is derived: pending until accepted_at is set (expired when
-- still pending at expires_at), accepted, then completed once agreement_id is set.
CREATE TABLE enhanced_attestations (
    seq                    BIGINT NOT NULL, -- insertion order
    id                     TEXT PRIMARY KEY,
    partner_tenant_id      TEXT NOT NULL REFERENCES partners (tenant_id) ON DELETE CASCADE,
    country                TEXT NOT NULL,
    language               TEXT NOT NULL,
    company_name           TEXT NOT NULL,
    signatory_first_name   TEXT NOT NULL,
    signatory_last_name    TEXT NOT NULL,
    signatory_email        TEXT NOT NULL,
    signatory_phone_number TEXT,
    created_at             TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    accepted_at            TIMESTAMPTZ,
    customer_id            TEXT,
    agreement_id           TEXT
);
CREATE INDEX enhanced_attestations_seq ON enhanced_attestations (seq);
CREATE INDEX enhanced_attestations_partner ON enhanced_attestations (partner_tenant_id);

-- The attestation an agreement was confirmed with (NULL for a 2023 confirmation or a direct acceptance).
ALTER TABLE agreements ADD COLUMN attestation_id TEXT;

-- An acceptance dated before the agreement's 2023-04-01 refresh is another acceptance than a later
-- one: its duplicate key carries a mark (domain::agreements::Agreement::duplicate_key).
UPDATE agreements SET duplicate_key = duplicate_key || chr(31) || 'before-2023-04-01'
WHERE date_agreed < TIMESTAMPTZ '2023-04-01T00:00:00Z';
