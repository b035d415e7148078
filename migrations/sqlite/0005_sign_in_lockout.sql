-- Failed sign-ins per user name (trimmed, lower case, as typed: names without an account count
-- too), for the sign-in lockout. Replicas share the counts.
CREATE TABLE sign_in_failures (
    user_name    TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT
);
