//! The shared state every request reads — the clock and the service date, the partners, the fault
//! rules and the agreement templates — kept in memory so that a read needs no query. The database stays the
//! truth: a change made here clears the cache at once, and on PostgreSQL a change made by another
//! replica clears it when its notification arrives (`store::notify`). While that notification
//! channel is down the cache is off and every read goes to the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use super::{PartnerTimes, StoredClock};
use crate::domain::agreements::AgreementTemplate;
use crate::domain::faults::FaultRule;
use crate::domain::partners::Partner;

/// Unknown tenant ids are remembered too; past this many entries the map starts over.
const MAX_PARTNERS: usize = 10_000;

#[derive(Default)]
struct Entries {
    clock: Option<StoredClock>,
    /// The service-date setting (itself optional: None is the configured default).
    service_date: Option<Option<String>>,
    /// Keyed by tenant ids from requests (unknown ones too): the standard, flood-resistant hasher.
    partners: HashMap<String, Option<Partner>>,
    fault_rules: Option<Arc<Vec<FaultRule>>>,
    partner_times: Option<Arc<PartnerTimes>>,
}

pub struct SharedCache {
    /// Bumped by every invalidation; a value read from the database before the bump is stale.
    generation: AtomicU64,
    enabled: AtomicBool,
    entries: RwLock<Entries>,
    /// Templates are written by migrations only.
    templates: OnceLock<Arc<[AgreementTemplate]>>,
}

impl SharedCache {
    pub fn new(enabled: bool) -> Self {
        Self {
            generation: AtomicU64::new(0),
            enabled: AtomicBool::new(enabled),
            entries: RwLock::default(),
            templates: OnceLock::new(),
        }
    }

    /// Forget everything that may have changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        *self.entries.write().unwrap_or_else(|e| e.into_inner()) = Entries::default();
    }

    /// Turn the cache on (the change feed is up) or off (it is down: read through).
    pub fn set_enabled(&self, enabled: bool) {
        self.invalidate();
        self.enabled.store(enabled, Ordering::Release);
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// The generation to pass to a `put_*` after reading the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn read<T>(&self, f: impl FnOnce(&Entries) -> Option<T>) -> Option<T> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        f(&self.entries.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Store a value read at `generation`, unless an invalidation happened since.
    fn put(&self, generation: u64, f: impl FnOnce(&mut Entries)) {
        if !self.enabled.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            f(&mut entries);
        }
    }

    pub fn clock(&self) -> Option<StoredClock> {
        self.read(|e| e.clock)
    }

    pub fn put_clock(&self, generation: u64, clock: StoredClock) {
        self.put(generation, |e| e.clock = Some(clock));
    }

    pub fn service_date(&self) -> Option<Option<String>> {
        self.read(|e| e.service_date.clone())
    }

    pub fn put_service_date(&self, generation: u64, setting: Option<String>) {
        self.put(generation, |e| e.service_date = Some(setting));
    }

    pub fn partner(&self, tenant_id: &str) -> Option<Option<Partner>> {
        self.read(|e| e.partners.get(tenant_id).cloned())
    }

    pub fn put_partner(&self, generation: u64, tenant_id: &str, partner: Option<Partner>) {
        self.put(generation, |e| {
            if e.partners.len() >= MAX_PARTNERS {
                e.partners.clear();
            }
            e.partners.insert(tenant_id.to_string(), partner);
        });
    }

    pub fn fault_rules(&self) -> Option<Arc<Vec<FaultRule>>> {
        self.read(|e| e.fault_rules.clone())
    }

    pub fn put_fault_rules(&self, generation: u64, rules: Arc<Vec<FaultRule>>) {
        self.put(generation, |e| e.fault_rules = Some(rules));
    }

    pub fn partner_times(&self) -> Option<Arc<PartnerTimes>> {
        self.read(|e| e.partner_times.clone())
    }

    pub fn put_partner_times(&self, generation: u64, times: Arc<PartnerTimes>) {
        self.put(generation, |e| e.partner_times = Some(times));
    }

    pub fn templates(&self) -> Option<Arc<[AgreementTemplate]>> {
        self.templates.get().cloned()
    }

    pub fn put_templates(&self, templates: Arc<[AgreementTemplate]>) {
        let _ = self.templates.set(templates);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(offset_ms: i64) -> StoredClock {
        StoredClock { frozen_at_ms: None, offset_ms }
    }

    #[test]
    fn a_value_read_before_an_invalidation_is_not_kept() {
        let cache = SharedCache::new(true);
        let before = cache.generation();
        cache.invalidate();
        cache.put_clock(before, clock(1));
        assert_eq!(cache.clock(), None);
        cache.put_clock(cache.generation(), clock(2));
        assert_eq!(cache.clock(), Some(clock(2)));
        cache.invalidate();
        assert_eq!(cache.clock(), None);
    }

    #[test]
    fn a_disabled_cache_reads_through() {
        let cache = SharedCache::new(false);
        cache.put_partner(cache.generation(), "t", None);
        assert_eq!(cache.partner("t"), None);
        cache.set_enabled(true);
        cache.put_partner(cache.generation(), "t", None);
        assert_eq!(cache.partner("t"), Some(None), "an unknown partner is remembered as unknown");
        cache.set_enabled(false);
        assert_eq!(cache.partner("t"), None);
    }
}
