//! Sign-in with a password wherever the emulator offers one (the admin center, the partner
//! dashboard and the token endpoint's password grant): the lockout is judged before the password,
//! and every outcome is counted. Also the housekeeping of the sessions and links sign-ins leave.

use chrono::{DateTime, Duration, Utc};
use std::future::Future;

use super::error::ServiceResult;
use crate::app::AppContext;
use crate::domain::identities::MAX_USER_NAME;
use crate::domain::sign_in::{lockout_key, LockoutPolicy};

/// What became of a sign-in.
#[derive(Debug)]
pub enum SignIn<T> {
    Accepted(T),
    /// Wrong user name or password: the `failures`-th failure of `threshold`.
    Refused {
        failures: u32,
        threshold: u32,
    },
    /// A user name longer than any account's can be: refused like a wrong password, without
    /// storing a count for it (a stream of long made-up names would otherwise fill the table).
    NotAUserName,
    /// Locked (by this attempt or before it) until `until`, that is `seconds_left` from now by the
    /// emulator clock; no password was checked.
    LockedOut {
        until: DateTime<Utc>,
        seconds_left: i64,
    },
}

pub fn lockout_policy(ctx: &AppContext) -> LockoutPolicy {
    LockoutPolicy {
        threshold: ctx.config.sign_in_lockout_threshold,
        duration: Duration::seconds(i64::from(ctx.config.sign_in_lockout_seconds)),
    }
}

/// Sign `user_name` in with `check`, which checks the password and gives the account when it
/// matches (it is not run while the user name is locked).
pub async fn sign_in<T, F>(ctx: &AppContext, user_name: &str, check: F) -> ServiceResult<SignIn<T>>
where
    F: Future<Output = ServiceResult<Option<T>>>,
{
    if user_name.chars().count() > MAX_USER_NAME {
        return Ok(SignIn::NotAUserName);
    }
    let policy = lockout_policy(ctx);
    let key = lockout_key(user_name);
    let now = ctx.clock.now().await?;
    let before = ctx.store.sign_in_failures(&key).await?;
    let locked_out =
        |until: DateTime<Utc>| SignIn::LockedOut { until, seconds_left: (until - now).num_seconds().max(1) };
    if let Some(until) = before.locked_at(now) {
        return Ok(locked_out(until));
    }
    match check.await? {
        Some(account) => {
            if before.failures > 0 || before.locked_until.is_some() {
                ctx.store.clear_sign_in_failures(Some(&key)).await?;
            }
            Ok(SignIn::Accepted(account))
        }
        None => {
            let after = ctx.store.record_sign_in_failure(&key, policy.threshold, now + policy.duration).await?;
            Ok(match after.locked_at(now) {
                Some(until) => locked_out(until),
                None => SignIn::Refused { failures: after.failures, threshold: policy.threshold },
            })
        }
    }
}

/// Sessions and sign-in links that have ended are dropped whenever a new one starts, so a
/// long-lived shared emulator does not keep every sign-in it ever saw. Housekeeping only: they are
/// refused when used whether or not they were dropped, so a failure here is logged and the
/// sign-in goes on.
pub async fn forget_expired_sign_ins(ctx: &AppContext) {
    if let Err(e) = ctx.store.forget_expired_sign_ins(Utc::now()).await {
        tracing::warn!(error = %e, "ended sessions and sign-in links could not be dropped; they stay until the next sign-in");
    }
}
