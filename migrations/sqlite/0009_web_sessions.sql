-- One sessions table for the sites people sign in to: the admin center (a customer's admin) and
-- the dashboard (a partner user). A session belongs to exactly one signer, by a foreign key per
-- kind of signer, so that deleting a customer or a user still ends its sessions. Sessions stay
-- stored under the SHA-256 of their cookie, and the ones open today are kept.
CREATE TABLE web_sessions (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT REFERENCES customers (id) ON DELETE CASCADE,
    partner_user_id TEXT REFERENCES partner_users (id) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    CHECK ((customer_id IS NULL) <> (partner_user_id IS NULL))
);
CREATE INDEX web_sessions_customer ON web_sessions (customer_id);
CREATE INDEX web_sessions_partner_user ON web_sessions (partner_user_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

INSERT INTO web_sessions (id, customer_id, csrf_token, expires_at)
SELECT id, customer_id, csrf_token, expires_at FROM admin_sessions;
INSERT INTO web_sessions (id, partner_user_id, csrf_token, expires_at)
SELECT id, user_id, csrf_token, expires_at FROM partner_sessions;

DROP TABLE admin_sessions;
DROP TABLE partner_sessions;
