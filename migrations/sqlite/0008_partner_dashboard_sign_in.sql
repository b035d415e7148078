-- The emulated Partner Center dashboard signs partner users in: its sessions (stored under the
-- SHA-256 of the cookie, as the admin center's are) and the one-time sign-in links the control
-- plane hands out for browser tests (stored under the SHA-256 of the link's token). Both run on
-- real time.
CREATE TABLE partner_sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES partner_users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX partner_sessions_user ON partner_sessions (user_id);

CREATE TABLE partner_sign_in_links (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES partner_users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
CREATE INDEX partner_sign_in_links_user ON partner_sign_in_links (user_id);
