CREATE TABLE emulator_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE emulator_clock (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    frozen_at_ms INTEGER,
    offset_ms    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE partners (
    tenant_id            TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    partner_type         TEXT NOT NULL CHECK (partner_type IN ('DirectBill', 'IndirectProvider', 'IndirectReseller')),
    indirect_provider_id TEXT REFERENCES partners (tenant_id),
    created_at           TEXT NOT NULL
);

CREATE TABLE agreement_templates (
    template_id           TEXT PRIMARY KEY,
    agreement_type        TEXT NOT NULL,
    agreement_link        TEXT NOT NULL,
    version_rank          INTEGER NOT NULL,
    accepts_confirmations BOOLEAN NOT NULL,
    has_document          BOOLEAN NOT NULL
);

INSERT INTO agreement_templates VALUES
    ('117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', 'https://aka.ms/customeragreement', 0, 1, 1),
    ('998b88de-aa99-4388-a42c-1b3517d49490', 'MicrosoftCloudAgreement', 'https://docs.microsoft.com/partner-center/agreements', 0, 0, 0);

CREATE TABLE document_links (
    id          TEXT PRIMARY KEY,
    template_id TEXT NOT NULL REFERENCES agreement_templates (template_id),
    country     TEXT NOT NULL,
    language    TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE customers (
    seq               INTEGER NOT NULL, -- insertion order: lists keep it even when the clock is frozen
    id                               TEXT PRIMARY KEY,
    commerce_id                      TEXT NOT NULL,
    domain                           TEXT NOT NULL UNIQUE,
    company_name                     TEXT NOT NULL,
    organization_registration_number TEXT,
    billing_profile                  TEXT NOT NULL,
    created_by                       TEXT NOT NULL REFERENCES partners (tenant_id) ON DELETE CASCADE,
    associated_partner_id            TEXT,
    admin_user_name                  TEXT NOT NULL UNIQUE,
    admin_password_hash              TEXT NOT NULL,
    created_at                       TEXT NOT NULL
);
CREATE INDEX customers_created_by ON customers (created_by);

CREATE TABLE customer_relationships (
    seq               INTEGER NOT NULL, -- insertion order: lists keep it even when the clock is frozen
    customer_id       TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    partner_tenant_id TEXT NOT NULL REFERENCES partners (tenant_id) ON DELETE CASCADE,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (customer_id, partner_tenant_id)
);
CREATE INDEX customer_relationships_partner ON customer_relationships (partner_tenant_id);

-- duplicate_key is the normalised (first name, last name, email, phone) of a partner
-- confirmation, or a constant for a direct acceptance: the unique index is the duplicate rule.
CREATE TABLE agreements (
    seq               INTEGER NOT NULL, -- insertion order: lists keep it even when the clock is frozen
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    partner_tenant_id TEXT,
    user_id           TEXT,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    email             TEXT NOT NULL,
    phone_number      TEXT,
    template_id       TEXT NOT NULL,
    agreement_type    TEXT NOT NULL,
    date_agreed       TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('PartnerConfirmation', 'DirectAcceptance')),
    duplicate_key     TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (customer_id, agreement_type, source, duplicate_key)
);

CREATE TABLE outbox (
    seq               INTEGER NOT NULL, -- insertion order: lists keep it even when the clock is frozen
    id                TEXT PRIMARY KEY,
    recipient         TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    partner_tenant_id TEXT NOT NULL,
    customer_id       TEXT NOT NULL,
    agreement_id      TEXT NOT NULL,
    queued_at         TEXT NOT NULL,
    deliver_at        TEXT NOT NULL
);

CREATE TABLE orders (
    seq               INTEGER NOT NULL, -- insertion order: lists keep it even when the clock is frozen
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    partner_tenant_id TEXT NOT NULL,
    line_items        TEXT NOT NULL,
    creation_date     TEXT NOT NULL,
    status            TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE admin_sessions (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
