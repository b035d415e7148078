-- The operation a kept answer's request was permitted to perform (`domain::permissions`), so that
-- a retry with the same MS-RequestId is replayed only to a caller permitted to perform it: another
-- user of the partner without the role, or an App-only token where the operation needs a user, is
-- refused as the request itself would be. Answers kept before name none and are replayed as they
-- were.
ALTER TABLE idempotent_responses ADD COLUMN operation TEXT;
