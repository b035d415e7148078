-- Responses to POSTs, kept by the caller's MS-RequestId so that a retry (same method, path and
-- body) gets the first answer.
CREATE TABLE idempotent_responses (
    partner_tenant_id TEXT NOT NULL,
    request_id        TEXT NOT NULL,
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    request_hash      TEXT NOT NULL,
    status            INTEGER NOT NULL,
    body              TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (partner_tenant_id, request_id)
);
