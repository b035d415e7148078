//! The emulator's own settings and time: key-value settings (the token signing key), the emulator
//! clock, the service-date setting, and the partner personas that have a clock or service date of
//! their own. Every request reads these, so they are served from the shared cache.

use std::sync::Arc;

use super::{Store, StoreResult};

/// The partner personas that have a clock or service date of their own, by tenant id (read on
/// every request: a fast hasher).
pub type PartnerTimes = foldhash::HashMap<String, PartnerTime>;

/// What a partner persona has of its own (`partner_time`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerTime {
    pub clock: Option<StoredClock>,
    pub service_date: Option<String>,
}

/// The emulator clock as stored: frozen at an instant, or running with an offset from real time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredClock {
    pub frozen_at_ms: Option<i64>,
    pub offset_ms: i64,
}

const INSERT_SETTING_IF_ABSENT: &str =
    "INSERT INTO emulator_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

const SETTING: &str = "SELECT value FROM emulator_settings WHERE key = $1";

const CLOCK: &str = "SELECT frozen_at_ms, offset_ms FROM emulator_clock WHERE id = 1";

const SET_CLOCK: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, $1, $2) \
     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = excluded.frozen_at_ms, offset_ms = excluded.offset_ms";

/// Moves a frozen clock's instant and a running clock's offset alike.
const ADVANCE_CLOCK: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, NULL, $1) \
     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = emulator_clock.frozen_at_ms + $1, \
     offset_ms = emulator_clock.offset_ms + $1";

/// The service-date setting, in the clock's row: NULL = the configured default.
const SERVICE_DATE: &str = "SELECT service_date FROM emulator_clock WHERE id = 1";

const SET_SERVICE_DATE: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms, service_date) \
     VALUES (1, NULL, 0, $1) ON CONFLICT (id) DO UPDATE SET service_date = excluded.service_date";

const PARTNER_TIMES: &str =
    "SELECT partner_tenant_id, has_clock, offset_ms, frozen_at_ms, service_date FROM partner_time";

const SET_PARTNER_CLOCK: &str = "INSERT INTO partner_time (partner_tenant_id, has_clock, offset_ms, frozen_at_ms) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (partner_tenant_id) DO UPDATE SET has_clock = excluded.has_clock, \
     offset_ms = excluded.offset_ms, frozen_at_ms = excluded.frozen_at_ms";

const SET_PARTNER_SERVICE_DATE: &str =
    "INSERT INTO partner_time (partner_tenant_id, has_clock, offset_ms, service_date) \
     VALUES ($1, FALSE, 0, $2) ON CONFLICT (partner_tenant_id) DO UPDATE SET service_date = excluded.service_date";

#[derive(sqlx::FromRow)]
pub struct SettingRow {
    pub value: String,
}

#[derive(sqlx::FromRow)]
pub struct ServiceDateRow {
    pub service_date: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct ClockRow {
    frozen_at_ms: Option<i64>,
    offset_ms: i64,
}

impl From<ClockRow> for StoredClock {
    fn from(row: ClockRow) -> Self {
        StoredClock { frozen_at_ms: row.frozen_at_ms, offset_ms: row.offset_ms }
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerTimeRow {
    pub partner_tenant_id: String,
    has_clock: bool,
    offset_ms: i64,
    frozen_at_ms: Option<i64>,
    service_date: Option<String>,
}

impl PartnerTimeRow {
    pub fn into_time(self) -> (String, super::PartnerTime) {
        let clock =
            self.has_clock.then_some(StoredClock { frozen_at_ms: self.frozen_at_ms, offset_ms: self.offset_ms });
        (self.partner_tenant_id, super::PartnerTime { clock, service_date: self.service_date })
    }
}

impl Store {
    /// The stored value of `key`, inserting `proposed` first when there is none (race-free:
    /// every replica ends up with the same value).
    pub async fn setting_or_insert(&self, key: &str, proposed: &str) -> StoreResult<String> {
        let row: SettingRow = on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_SETTING_IF_ABSENT).bind(key).bind(proposed).execute(pool).await?;
            sqlx::query_as(SETTING).bind(key).fetch_one(pool).await?
        });
        Ok(row.value)
    }

    pub async fn clock(&self) -> StoreResult<StoredClock> {
        if let Some(clock) = self.cache.clock() {
            return Ok(clock);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.clock_from_database()).await
    }

    async fn clock_from_database(&self) -> StoreResult<StoredClock> {
        let generation = self.cache.generation();
        let row: Option<ClockRow> = on_pool!(self, reader, |pool| sqlx::query_as(CLOCK).fetch_optional(pool).await)?;
        let clock = row.map(StoredClock::from).unwrap_or_default();
        self.cache.put_clock(generation, clock);
        Ok(clock)
    }

    pub async fn set_clock(&self, clock: StoredClock) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(SET_CLOCK).bind(clock.frozen_at_ms).bind(clock.offset_ms).execute(pool).await?;
        });
        self.announce_change().await
    }

    /// Move the clock forward (or back) atomically, whether frozen or running.
    pub async fn advance_clock(&self, by_ms: i64) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(ADVANCE_CLOCK).bind(by_ms).execute(pool).await?;
        });
        self.announce_change().await
    }

    /// The stored service-date setting (`clock` or an ISO date); None: the configured default.
    pub async fn service_date_setting(&self) -> StoreResult<Option<String>> {
        if let Some(setting) = self.cache.service_date() {
            return Ok(setting);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.service_date_setting_from_database()).await
    }

    async fn service_date_setting_from_database(&self) -> StoreResult<Option<String>> {
        let generation = self.cache.generation();
        let row: Option<ServiceDateRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(SERVICE_DATE).fetch_optional(pool).await)?;
        let setting = row.and_then(|r| r.service_date);
        self.cache.put_service_date(generation, setting.clone());
        Ok(setting)
    }

    /// Store the service-date setting (None: back to the configured default); the clock stays.
    pub async fn set_service_date_setting(&self, setting: Option<&str>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(SET_SERVICE_DATE).bind(setting).execute(pool).await?;
        });
        self.announce_change().await
    }

    /// Every partner's own clock and service-date setting (`partner_time`), by tenant id.
    pub async fn partner_times(&self) -> StoreResult<Arc<PartnerTimes>> {
        if let Some(times) = self.cache.partner_times() {
            return Ok(times);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.partner_times_from_database()).await
    }

    async fn partner_times_from_database(&self) -> StoreResult<Arc<PartnerTimes>> {
        let generation = self.cache.generation();
        let rows: Vec<PartnerTimeRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(PARTNER_TIMES).fetch_all(pool).await)?;
        let times = Arc::new(rows.into_iter().map(PartnerTimeRow::into_time).collect::<PartnerTimes>());
        self.cache.put_partner_times(generation, times.clone());
        Ok(times)
    }

    /// Give a partner its own clock (None: back to the emulator's).
    pub async fn set_partner_clock(&self, partner_tenant_id: &str, clock: Option<StoredClock>) -> StoreResult<()> {
        let stored = clock.unwrap_or_default();
        on_pool!(self, writer, |pool| {
            sqlx::query(SET_PARTNER_CLOCK)
                .bind(partner_tenant_id)
                .bind(clock.is_some())
                .bind(stored.offset_ms)
                .bind(stored.frozen_at_ms)
                .execute(pool)
                .await?;
        });
        self.announce_change().await
    }

    /// Give a partner its own service-date setting (None: back to the emulator's).
    pub async fn set_partner_service_date(&self, partner_tenant_id: &str, setting: Option<&str>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(SET_PARTNER_SERVICE_DATE).bind(partner_tenant_id).bind(setting).execute(pool).await?;
        });
        self.announce_change().await
    }
}
