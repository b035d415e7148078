-- The sign-in lockout counts an attempt before its password is checked: `pending` attempts are in
-- flight (each holds one of the threshold's places until it ends; a success gives its place back,
-- a failure keeps it as a failure), `pending_expires_ms` (real clock, Unix milliseconds) frees the
-- places of attempts whose process died, and `window_ends` (emulator clock) ends the window the
-- failures count in.
ALTER TABLE sign_in_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sign_in_failures ADD COLUMN pending_expires_ms BIGINT;
ALTER TABLE sign_in_failures ADD COLUMN window_ends TIMESTAMPTZ;
