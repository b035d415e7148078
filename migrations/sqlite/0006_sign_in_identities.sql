-- What the emulated sign-in service (the token endpoint) signs in: app registrations (client id
-- and secret; App-only tokens) and partner users (user name and password; App+User tokens).
CREATE TABLE app_registrations (
    client_id         TEXT PRIMARY KEY,
    partner_tenant_id TEXT NOT NULL REFERENCES partners (tenant_id) ON DELETE CASCADE,
    display_name      TEXT NOT NULL,
    secret_hash       TEXT NOT NULL, -- SHA-256 of the client secret, hex
    created_at        TEXT NOT NULL
);
CREATE INDEX app_registrations_partner ON app_registrations (partner_tenant_id);

CREATE TABLE partner_users (
    id                TEXT PRIMARY KEY, -- the object id: the userId of what the user does
    partner_tenant_id TEXT NOT NULL REFERENCES partners (tenant_id) ON DELETE CASCADE,
    user_name         TEXT NOT NULL UNIQUE, -- trimmed, lower case
    display_name      TEXT NOT NULL,
    password_hash     TEXT NOT NULL, -- argon2id
    roles             TEXT NOT NULL, -- comma separated, as the token's roles claim
    mfa               BOOLEAN NOT NULL, -- whether the user's sign-in satisfies MFA
    created_at        TEXT NOT NULL
);
CREATE INDEX partner_users_partner ON partner_users (partner_tenant_id);
