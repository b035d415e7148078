//! The sign-in lockout's counts, by user name: the failures of the current window, the lock, and
//! the attempts in flight (counted before their password is checked, so that a burst of
//! concurrent guesses gets no more checks than the threshold allows).

use chrono::{DateTime, Utc};

use super::{Store, StoreResult};
use crate::domain::sign_in::{AttemptClocks, SignInFailures};

const SIGN_IN_FAILURES: &str = "SELECT failures, locked_until FROM sign_in_failures WHERE user_name = $1";

// The state of a row as it counts at emulator time `$3` and real time `$4` (Unix milliseconds):
// failures only inside their window, attempts in flight only until they are presumed dead.
macro_rules! live_failures {
    () => {
        "(CASE WHEN sign_in_failures.window_ends IS NOT NULL AND sign_in_failures.window_ends > $3 \
         THEN sign_in_failures.failures ELSE 0 END)"
    };
}
macro_rules! live_pending {
    ($real_now:literal) => {
        concat!(
            "(CASE WHEN sign_in_failures.pending_expires_ms IS NOT NULL AND sign_in_failures.pending_expires_ms > ",
            $real_now,
            " THEN sign_in_failures.pending ELSE 0 END)"
        )
    };
}

/// Take one of the threshold's (`$2`) places for an attempt at user name `$1`, at emulator time
/// `$3` and real time `$4`; `$5` (real time) is when the attempts in flight are presumed dead. One
/// statement: a row comes back only when the attempt may check its password, that is when the name
/// is not locked and its failures plus the attempts in flight are below the threshold.
const TAKE_ATTEMPT: &str = concat!(
    "INSERT INTO sign_in_failures (user_name, failures, locked_until, pending, pending_expires_ms, window_ends) \
     VALUES ($1, 0, NULL, 1, $5, NULL) \
     ON CONFLICT (user_name) DO UPDATE SET \
     failures = ",
    live_failures!(),
    ", pending = ",
    live_pending!("$4"),
    " + 1, pending_expires_ms = $5 \
     WHERE (sign_in_failures.locked_until IS NULL OR sign_in_failures.locked_until <= $3) AND ",
    live_failures!(),
    " + ",
    live_pending!("$4"),
    " < $2 RETURNING failures"
);

/// An attempt at `$1` failed: its place becomes a failure. The first failure opens the window
/// (until `$5`, emulator time), the `$2`-th locks the name until `$5` and the count starts again.
const ATTEMPT_FAILED: &str = concat!(
    "UPDATE sign_in_failures SET pending = CASE WHEN ",
    live_pending!("$4"),
    " > 0 THEN ",
    live_pending!("$4"),
    " - 1 ELSE 0 END, failures = CASE WHEN ",
    live_failures!(),
    " + 1 >= $2 THEN 0 ELSE ",
    live_failures!(),
    " + 1 END, locked_until = CASE WHEN ",
    live_failures!(),
    " + 1 >= $2 THEN $5 ELSE sign_in_failures.locked_until END, window_ends = CASE WHEN ",
    live_failures!(),
    " = 0 THEN $5 ELSE sign_in_failures.window_ends END \
     WHERE user_name = $1 RETURNING failures, locked_until"
);

/// An attempt at `$1` succeeded (or was abandoned before its answer), at real time `$2`: its place
/// is given back. Failures recorded by other attempts stay until their window ends: a success does
/// not reopen the places a concurrent burst of guesses has used.
const GIVE_ATTEMPT_BACK: &str = concat!(
    "UPDATE sign_in_failures SET pending = CASE WHEN ",
    live_pending!("$2"),
    " > 0 THEN ",
    live_pending!("$2"),
    " - 1 ELSE 0 END WHERE user_name = $1"
);

const CLEAR_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures WHERE user_name = $1";

const CLEAR_ALL_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures";

/// Every user name with failures in their window (at emulator time `$1`) or a lock in force.
const ALL_SIGN_IN_FAILURES: &str = "SELECT user_name, \
     CASE WHEN window_ends IS NOT NULL AND window_ends > $1 THEN failures ELSE 0 END AS failures, locked_until \
     FROM sign_in_failures \
     WHERE (failures > 0 AND window_ends IS NOT NULL AND window_ends > $1) \
     OR (locked_until IS NOT NULL AND locked_until > $1) ORDER BY user_name";

/// A row that counts nothing any more (at emulator time `$2`) is dropped, so that sign-ins that
/// all succeed leave no trace; a row an attempt has just taken a place in is kept.
const DROP_IF_EMPTY: &str = "DELETE FROM sign_in_failures WHERE user_name = $1 AND pending = 0 \
     AND (failures = 0 OR window_ends IS NULL OR window_ends <= $2) \
     AND (locked_until IS NULL OR locked_until <= $2)";

#[derive(sqlx::FromRow)]
pub struct SignInFailuresRow {
    failures: i32,
    locked_until: Option<DateTime<Utc>>,
}

impl From<SignInFailuresRow> for SignInFailures {
    fn from(row: SignInFailuresRow) -> Self {
        SignInFailures { failures: u32::try_from(row.failures).unwrap_or(0), locked_until: row.locked_until }
    }
}

#[derive(sqlx::FromRow)]
pub struct NamedSignInFailuresRow {
    pub user_name: String,
    #[sqlx(flatten)]
    pub failures: SignInFailuresRow,
}

impl Store {
    /// The failed sign-ins of a user name (`domain::sign_in::lockout_key`).
    pub async fn sign_in_failures(&self, user_name: &str) -> StoreResult<SignInFailures> {
        let row: Option<SignInFailuresRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(SIGN_IN_FAILURES).bind(user_name).fetch_optional(pool).await
        })?;
        Ok(row.map(SignInFailures::from).unwrap_or_default())
    }

    /// Take a place for a sign-in attempt at `user_name` before its password is checked: true
    /// when it may be checked (see `TAKE_ATTEMPT`); `presumed_dead` (real clock) frees the places
    /// of attempts that never ended.
    pub async fn take_sign_in_attempt(
        &self,
        user_name: &str,
        threshold: u32,
        at: AttemptClocks,
        presumed_dead: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let threshold = i32::try_from(threshold).unwrap_or(i32::MAX);
        let taken: Option<(i32,)> = on_pool!(self, writer, |pool| {
            sqlx::query_as(TAKE_ATTEMPT)
                .bind(user_name)
                .bind(threshold)
                .bind(at.emulator_now)
                .bind(at.real_now.timestamp_millis())
                .bind(presumed_dead.timestamp_millis())
                .fetch_optional(pool)
                .await
        })?;
        Ok(taken.is_some())
    }

    /// The attempt whose place was taken failed: the failure is counted, the `threshold`-th of
    /// its window locks the name until `lock_until` (which also ends a window the failure
    /// opens). Returns the count and lock as they are now.
    pub async fn sign_in_attempt_failed(
        &self,
        user_name: &str,
        threshold: u32,
        at: AttemptClocks,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<SignInFailures> {
        let threshold = i32::try_from(threshold).unwrap_or(i32::MAX);
        let row: Option<SignInFailuresRow> = on_pool!(self, writer, |pool| {
            sqlx::query_as(ATTEMPT_FAILED)
                .bind(user_name)
                .bind(threshold)
                .bind(at.emulator_now)
                .bind(at.real_now.timestamp_millis())
                .bind(lock_until)
                .fetch_optional(pool)
                .await
        })?;
        // No row: the name was unlocked (its counts forgotten) while the attempt ran.
        Ok(row.map(SignInFailures::from).unwrap_or_default())
    }

    /// The attempt whose place was taken succeeded or was abandoned: its place is given back.
    pub async fn give_sign_in_attempt_back(&self, user_name: &str, at: AttemptClocks) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(GIVE_ATTEMPT_BACK).bind(user_name).bind(at.real_now.timestamp_millis()).execute(pool).await?;
            sqlx::query(DROP_IF_EMPTY).bind(user_name).bind(at.emulator_now).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Forget the failures (and lock) of one user name, or of every one; how many were forgotten.
    pub async fn clear_sign_in_failures(&self, user_name: Option<&str>) -> StoreResult<u64> {
        let cleared = on_pool!(self, writer, |pool| {
            match user_name {
                Some(name) => sqlx::query(CLEAR_SIGN_IN_FAILURES).bind(name).execute(pool).await?.rows_affected(),
                None => sqlx::query(CLEAR_ALL_SIGN_IN_FAILURES).execute(pool).await?.rows_affected(),
            }
        });
        Ok(cleared)
    }

    /// Every user name with failures in their window or a lock in force at `now` (emulator clock).
    pub async fn all_sign_in_failures(&self, now: DateTime<Utc>) -> StoreResult<Vec<(String, SignInFailures)>> {
        let rows: Vec<NamedSignInFailuresRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(ALL_SIGN_IN_FAILURES).bind(now).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|r| (r.user_name, r.failures.into())).collect())
    }
}
