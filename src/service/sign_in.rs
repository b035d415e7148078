//! Sign-in with a password wherever the emulator offers one (the admin center, the partner
//! dashboard and the token endpoint's password grant): the attempt is counted before the password is
//! checked, and every outcome is settled. Also the housekeeping of the sessions and links sign-ins leave.

use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use super::error::ServiceResult;
use crate::app::AppContext;
use crate::domain::identities::MAX_USER_NAME;
use crate::domain::sign_in::{lockout_key, AttemptClocks, LockoutPolicy, ATTEMPT_PRESUMED_DEAD_AFTER};
use crate::domain::time::later;
use crate::store::Store;

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
/// matches. The attempt is counted in the database before `check` runs (`domain::sign_in`): while
/// the user name is locked, or while its failures and the attempts in flight fill the threshold,
/// `check` is not run — a locked name is refused at once, a full one waits for an attempt in flight
/// to end.
pub async fn sign_in<T, F>(ctx: &AppContext, user_name: &str, check: F) -> ServiceResult<SignIn<T>>
where
    F: Future<Output = ServiceResult<Option<T>>>,
{
    if user_name.chars().count() > MAX_USER_NAME {
        return Ok(SignIn::NotAUserName);
    }
    let policy = lockout_policy(ctx);
    let key = lockout_key(user_name);
    let locked_out = |until: DateTime<Utc>, now: DateTime<Utc>| SignIn::LockedOut {
        until,
        seconds_left: (until - now).num_seconds().max(1),
    };
    let started = Instant::now();
    let mut pause = StdDuration::from_millis(5);
    let at = loop {
        let at = AttemptClocks { emulator_now: ctx.clock.now().await?, real_now: Utc::now() };
        let presumed_dead = at.real_now + ATTEMPT_PRESUMED_DEAD_AFTER;
        if ctx.store.take_sign_in_attempt(&key, policy.threshold, at, presumed_dead).await? {
            break at;
        }
        // No place: locked, or the places are held by attempts in flight.
        if let Some(until) = ctx.store.sign_in_failures(&key).await?.locked_at(at.emulator_now) {
            return Ok(locked_out(until, at.emulator_now));
        }
        if started.elapsed() > MAX_WAIT_FOR_A_PLACE {
            // Places held past any request's time limit: say "later" as a lock does.
            return Ok(locked_out(later(at.emulator_now, Duration::seconds(1)), at.emulator_now));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(StdDuration::from_millis(50));
    };
    // From here the attempt holds a place: whatever becomes of this future, the place is settled.
    let mut place = Place { store: ctx.store.clone(), key: key.clone(), at, settled: false };
    match check.await? {
        Some(account) => {
            place.settled = true;
            ctx.store.give_sign_in_attempt_back(&key, AttemptClocks { real_now: Utc::now(), ..at }).await?;
            Ok(SignIn::Accepted(account))
        }
        None => {
            place.settled = true;
            let after = ctx
                .store
                .sign_in_attempt_failed(&key, policy.threshold, at, later(at.emulator_now, policy.duration))
                .await?;
            Ok(match after.locked_at(at.emulator_now) {
                Some(until) => locked_out(until, at.emulator_now),
                None => SignIn::Refused { failures: after.failures, threshold: policy.threshold },
            })
        }
    }
}

/// How long an attempt waits for a place held by attempts in flight.
const MAX_WAIT_FOR_A_PLACE: StdDuration = StdDuration::from_secs(60);

/// The place an attempt took: given back when the attempt ends without an outcome (its request
/// abandoned, the check failed), so that a client hanging up does not keep it.
struct Place {
    store: Arc<Store>,
    key: String,
    at: AttemptClocks,
    settled: bool,
}

impl Drop for Place {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (store, key, at) = (self.store.clone(), std::mem::take(&mut self.key), self.at);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let at = AttemptClocks { real_now: Utc::now(), ..at };
                if let Err(e) = store.give_sign_in_attempt_back(&key, at).await {
                    tracing::warn!(error = %e, "an abandoned sign-in attempt's place could not be given back; it frees itself within a minute");
                }
            });
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
