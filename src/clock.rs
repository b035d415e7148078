//! The emulator clock: real time, real time shifted by an offset, or frozen at an instant.
//! Its state lives in the database so every replica reads the same time.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

use crate::store::{Store, StoreResult, StoredClock};

/// The emulated instant for a stored clock state at real instant `real`.
pub fn emulated_now(clock: StoredClock, real: DateTime<Utc>) -> DateTime<Utc> {
    let ms = clock.frozen_at_ms.unwrap_or_else(|| real.timestamp_millis().saturating_add(clock.offset_ms));
    Utc.timestamp_millis_opt(ms).single().unwrap_or(real)
}

/// The stored state that makes the clock read `now` at real instant `real`, frozen or running.
/// The earliest time among the emulator's clock and partners' own clocks at real time `real`.
pub fn earliest(
    emulator: StoredClock,
    own_clocks: impl Iterator<Item = StoredClock>,
    real: DateTime<Utc>,
) -> DateTime<Utc> {
    own_clocks.map(|clock| emulated_now(clock, real)).fold(emulated_now(emulator, real), DateTime::min)
}

pub fn clock_set_to(now: DateTime<Utc>, frozen: bool, real: DateTime<Utc>) -> StoredClock {
    if frozen {
        StoredClock { frozen_at_ms: Some(now.timestamp_millis()), offset_ms: 0 }
    } else {
        StoredClock { frozen_at_ms: None, offset_ms: now.timestamp_millis() - real.timestamp_millis() }
    }
}

/// The instants the emulator clock may be set to: 1970 to the end of 9999, so that every date
/// computed from it (expiries, delays) stays representable.
pub fn in_supported_range(t: DateTime<Utc>) -> bool {
    let first = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).single();
    let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single();
    matches!((first, last), (Some(first), Some(last)) if t >= first && t <= last)
}

tokio::task_local! {
    /// The partner persona the current request acts for (`as_partner`).
    static PARTNER: String;
}

/// Run `work` as partner `tenant_id`: where the partner has its own clock or service date (the
/// control plane's `partnerTenantId`), they are the ones `work` reads and changes.
pub async fn as_partner<F: std::future::Future>(tenant_id: String, work: F) -> F::Output {
    PARTNER.scope(tenant_id, work).await
}

/// The partner persona the current request acts for, if any.
pub fn current_partner() -> Option<String> {
    PARTNER.try_with(Clone::clone).ok()
}

/// `f` of the partner persona the current request acts for (without copying its id).
pub fn with_current_partner<T>(f: impl FnOnce(Option<&str>) -> T) -> T {
    let mut f = Some(f);
    match PARTNER.try_with(|p| (f.take().expect("called once"))(Some(p.as_str()))) {
        Ok(value) => value,
        Err(_) => (f.take().expect("called once"))(None),
    }
}

/// A stored clock moved by `by_ms`, frozen or running.
pub fn advanced(clock: StoredClock, by_ms: i64) -> StoredClock {
    match clock.frozen_at_ms {
        Some(at) => StoredClock { frozen_at_ms: Some(at.saturating_add(by_ms)), offset_ms: clock.offset_ms },
        None => StoredClock { frozen_at_ms: None, offset_ms: clock.offset_ms.saturating_add(by_ms) },
    }
}

/// Whose clock is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockScope {
    /// The emulator's, shared by every partner without a clock of its own.
    Emulator,
    /// This partner's own.
    Partner(String),
}

#[derive(Clone)]
pub struct Clock {
    store: Arc<Store>,
}

impl Clock {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }

    /// The clock in force for the current request: the partner's own when it has one.
    async fn in_force(&self) -> StoreResult<(StoredClock, ClockScope)> {
        // Most requests act for a partner without a clock of its own: no allocation for them.
        if PARTNER.try_with(|_| ()).is_ok() {
            let times = self.store.partner_times().await?;
            if !times.is_empty() {
                let own = PARTNER.try_with(|p| times.get(p).and_then(|t| t.clock).map(|c| (c, p.clone())));
                if let Ok(Some((clock, partner))) = own {
                    return Ok((clock, ClockScope::Partner(partner)));
                }
            }
        }
        Ok((self.store.clock().await?, ClockScope::Emulator))
    }

    pub async fn now(&self) -> StoreResult<DateTime<Utc>> {
        Ok(emulated_now(self.in_force().await?.0, Utc::now()))
    }

    /// The clock in force for `partner` (its own where it has one, else the emulator's), outside
    /// of any request's scope: for the request journal, which writes its entry after the answer.
    pub async fn now_for(&self, partner: Option<&str>) -> StoreResult<DateTime<Utc>> {
        if let Some(partner) = partner {
            let times = self.store.partner_times().await?;
            if let Some(clock) = times.get(partner).and_then(|t| t.clock) {
                return Ok(emulated_now(clock, Utc::now()));
            }
        }
        self.emulator_now().await
    }

    /// Every partner's now at once (its own clock where it has one, else the emulator's), the
    /// clocks read once: for a list of items of many partners, each judged by its own (the outbox).
    pub async fn now_by_partner(&self) -> StoreResult<impl Fn(&str) -> DateTime<Utc>> {
        let (times, emulator, real) = (self.store.partner_times().await?, self.store.clock().await?, Utc::now());
        Ok(move |partner: &str| emulated_now(times.get(partner).and_then(|t| t.clock).unwrap_or(emulator), real))
    }

    /// The earliest of the clocks in force anywhere (the emulator's and every partner's own):
    /// what is older than a period by this clock is older than it by every clock.
    pub async fn earliest_now(&self) -> StoreResult<DateTime<Utc>> {
        let partners = self.store.partner_times().await?;
        let own_clocks = partners.values().filter_map(|time| time.clock);
        Ok(earliest(self.store.clock().await?, own_clocks, Utc::now()))
    }

    /// The emulator's own clock, whatever partner the request acts for: for what is judged
    /// where no partner is known (document links opened without a token).
    pub async fn emulator_now(&self) -> StoreResult<DateTime<Utc>> {
        Ok(emulated_now(self.store.clock().await?, Utc::now()))
    }

    /// The current emulated instant, whether the clock is frozen, and whose clock it is.
    pub async fn read(&self) -> StoreResult<(DateTime<Utc>, bool, ClockScope)> {
        let (stored, scope) = self.in_force().await?;
        Ok((emulated_now(stored, Utc::now()), stored.frozen_at_ms.is_some(), scope))
    }

    /// Set the clock: the current partner's own when a request acts for one, else the emulator's.
    pub async fn set(&self, now: DateTime<Utc>, frozen: bool) -> StoreResult<()> {
        let clock = clock_set_to(now, frozen, Utc::now());
        match current_partner() {
            Some(partner) => self.store.set_partner_clock(&partner, Some(clock)).await,
            None => self.store.set_clock(clock).await,
        }
    }

    /// Back to real time; for a partner, back to the emulator's clock.
    pub async fn reset(&self) -> StoreResult<()> {
        match current_partner() {
            Some(partner) => self.store.set_partner_clock(&partner, None).await,
            None => self.store.set_clock(StoredClock::default()).await,
        }
    }

    /// Move the clock; a partner without a clock of its own starts one from the emulator's.
    pub async fn advance(&self, by: chrono::Duration) -> StoreResult<()> {
        match current_partner() {
            Some(partner) => {
                let (stored, _) = self.in_force().await?;
                self.store.set_partner_clock(&partner, Some(advanced(stored, by.num_milliseconds()))).await
            }
            None => self.store.advance_clock(by.num_milliseconds()).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_timestamp;

    #[test]
    fn supported_range() {
        assert!(in_supported_range(parse_timestamp("2026-01-01T00:00:00Z").unwrap()));
        assert!(!in_supported_range(parse_timestamp("1969-12-31T23:59:59Z").unwrap()));
        assert!(in_supported_range(parse_timestamp("9999-12-31T23:59:59Z").unwrap()));
    }

    #[test]
    fn the_earliest_clock_is_the_one_furthest_behind() {
        let real = parse_timestamp("2026-11-25T10:00:00Z").unwrap();
        let behind = clock_set_to(parse_timestamp("2025-01-01T00:00:00Z").unwrap(), true, real);
        let ahead = clock_set_to(parse_timestamp("2030-01-01T00:00:00Z").unwrap(), false, real);
        assert_eq!(earliest(StoredClock::default(), std::iter::empty(), real), real);
        assert_eq!(earliest(StoredClock::default(), [ahead].into_iter(), real), real);
        assert_eq!(earliest(ahead, [behind, ahead].into_iter(), real), emulated_now(behind, real));
    }

    #[test]
    fn frozen_running_and_real() {
        let real = parse_timestamp("2026-11-25T10:00:00Z").unwrap();
        let later = real + chrono::Duration::seconds(90);
        let target = parse_timestamp("2026-03-01T12:00:00Z").unwrap();
        assert_eq!(emulated_now(StoredClock::default(), real), real);
        let frozen = clock_set_to(target, true, real);
        assert_eq!(emulated_now(frozen, later), target);
        let running = clock_set_to(target, false, real);
        assert_eq!(emulated_now(running, later), target + chrono::Duration::seconds(90));
    }
}
