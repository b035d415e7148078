//! The sign-in lockout's counts of failed sign-ins, by user name.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult};
use crate::domain::sign_in::SignInFailures;

const SIGN_IN_FAILURES: &str = "SELECT failures, locked_until FROM sign_in_failures WHERE user_name = $1";

/// Count a failure of user name `$1`; the `$2`-th locks it until `$3` and the count starts again.
/// One statement: concurrent failures (on any replica) are all counted.
const RECORD_SIGN_IN_FAILURE: &str = "INSERT INTO sign_in_failures (user_name, failures, locked_until) \
     VALUES ($1, CASE WHEN 1 >= $2 THEN 0 ELSE 1 END, CASE WHEN 1 >= $2 THEN $3 ELSE NULL END) \
     ON CONFLICT (user_name) DO UPDATE SET \
     failures = CASE WHEN sign_in_failures.failures + 1 >= $2 THEN 0 ELSE sign_in_failures.failures + 1 END, \
     locked_until = CASE WHEN sign_in_failures.failures + 1 >= $2 THEN $3 ELSE sign_in_failures.locked_until END \
     RETURNING failures, locked_until";

const CLEAR_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures WHERE user_name = $1";

const CLEAR_ALL_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures";

const ALL_SIGN_IN_FAILURES: &str = "SELECT user_name, failures, locked_until FROM sign_in_failures ORDER BY user_name";

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

    /// Count a failed sign-in of a user name: the `threshold`-th locks it until `lock_until`, and the
    /// count starts again. Returns the count and lock as they are now.
    pub async fn record_sign_in_failure(
        &self,
        user_name: &str,
        threshold: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<SignInFailures> {
        let threshold = i32::try_from(threshold).unwrap_or(i32::MAX);
        let row: SignInFailuresRow = on_pool!(self, writer, |pool| {
            sqlx::query_as(RECORD_SIGN_IN_FAILURE)
                .bind(user_name)
                .bind(threshold)
                .bind(lock_until)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into())
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

    pub async fn all_sign_in_failures(&self) -> StoreResult<Vec<(String, SignInFailures)>> {
        let rows: Vec<NamedSignInFailuresRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(ALL_SIGN_IN_FAILURES).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|r| (r.user_name, r.failures.into())).collect())
    }
}
