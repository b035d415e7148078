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

#[derive(Clone)]
pub struct Clock {
    store: Arc<dyn Store>,
}

impl Clock {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn now(&self) -> StoreResult<DateTime<Utc>> {
        Ok(emulated_now(self.store.clock().await?, Utc::now()))
    }

    /// The current emulated instant and whether the clock is frozen.
    pub async fn read(&self) -> StoreResult<(DateTime<Utc>, bool)> {
        let stored = self.store.clock().await?;
        Ok((emulated_now(stored, Utc::now()), stored.frozen_at_ms.is_some()))
    }

    pub async fn set(&self, now: DateTime<Utc>, frozen: bool) -> StoreResult<()> {
        self.store.set_clock(clock_set_to(now, frozen, Utc::now())).await
    }

    pub async fn reset(&self) -> StoreResult<()> {
        self.store.set_clock(StoredClock::default()).await
    }

    pub async fn advance(&self, by: chrono::Duration) -> StoreResult<()> {
        self.store.advance_clock(by.num_milliseconds()).await
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
