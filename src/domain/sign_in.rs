//! Sign-in lockout, as the Microsoft sign-in service applies it: after a number of failed
//! attempts a user name is locked for a while, and while it is locked no password is checked.
//! Failures count for user names that have no account too, so that a lockout tells nothing about
//! which accounts exist.
//!
//! The rule holds under any concurrency because an attempt is counted before its password is
//! checked: it takes one of the threshold's places (refused, without a check, when the failures of
//! the window plus the attempts in flight fill them); a failure keeps its place as a failure, a
//! success gives it back. A burst of any size therefore gets at most `threshold` password checks
//! that fail per window, and concurrent sign-ins with the right password wait for a place instead
//! of locking each other out. Failures count in a window of the lockout's duration from the first
//! one; a success does not wipe the failures of others (they end with their window or the lock).

use chrono::{DateTime, Duration, Utc};

/// How many failures lock a user name, and for how long (by the emulator clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub duration: Duration,
}

/// How long an attempt in flight may hold its place (real clock) before it is presumed dead (its
/// process killed): longer than any password check and any request's time limit.
pub const ATTEMPT_PRESUMED_DEAD_AFTER: Duration = Duration::seconds(60);

/// The clocks an attempt is judged by: the emulator's (failures, locks, windows) and the real one
/// (attempts in flight, which do not outlive their process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptClocks {
    pub emulator_now: DateTime<Utc>,
    pub real_now: DateTime<Utc>,
}

/// Who a session of a site belongs to: the sites differ by who signs in, not by how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A customer's admin, in the admin center: the customer's id.
    CustomerAdmin(String),
    /// A partner user, in the dashboard: the user's id.
    PartnerUser(String),
}

/// The failed sign-ins of a user name since it was last locked or signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignInFailures {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl SignInFailures {
    /// Until when the user name is locked at `now`, if it is.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }
}

/// The key failures are counted under: the user name as typed, trimmed, without case.
pub fn lockout_key(user_name: &str) -> String {
    user_name.trim().to_lowercase()
}

/// What the Microsoft sign-in service says of a locked account (error AADSTS50053).
pub const LOCKED_OUT: &str = "Your account is temporarily locked to prevent unauthorized use. Try again later, and \
     if you still have trouble, contact your admin. (AADSTS50053: the account is locked because the user tried to sign \
     in too many times with an incorrect user ID or password.)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_holds_until_its_end_by_the_given_clock() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let failures = SignInFailures { failures: 0, locked_until: Some(now + Duration::seconds(60)) };
        assert_eq!(failures.locked_at(now), Some(now + Duration::seconds(60)));
        assert_eq!(failures.locked_at(now + Duration::seconds(60)), None);
        assert_eq!(SignInFailures::default().locked_at(now), None);
        assert_eq!(lockout_key("  Admin@Contoso.onmicrosoft.com "), "admin@contoso.onmicrosoft.com");
    }
}
