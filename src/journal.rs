//! The request journal: a bounded list of recent requests, with the rule and hint behind every
//! refusal, for `GET /_emulator/requests`. Tokens never enter it. The HTTP edge writes it; the
//! control plane reads and clears it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub sequence: u64,
    /// Real time, when the answer left.
    #[serde(with = "crate::domain::time::wire")]
    pub at: DateTime<Utc>,
    /// The emulator clock at the same moment (the partner's own clock when the request acted for a
    /// partner that has one): the time the request was judged by. `None` (null) when the clock
    /// could not be read at once (the database unreachable).
    #[serde(serialize_with = "optional_timestamp")]
    pub emulator_at: Option<DateTime<Utc>>,
    /// The request's method: a standard one without an allocation.
    pub method: Cow<'static, str>,
    pub path: String,
    pub status: u16,
    pub partner_tenant_id: Option<String>,
    pub request_id: String,
    pub correlation_id: String,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Query parameters the route does not read: they had no effect (Partner Center ignores them
    /// too), and this says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_query_parameters: Vec<String>,
}

fn optional_timestamp<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => crate::domain::time::wire::serialize(t, s),
        None => s.serialize_none(),
    }
}

/// Which entries to list; a condition left out matches every entry.
#[derive(Debug, Default)]
pub struct JournalFilter {
    pub status: Option<u16>,
    /// In its canonical spelling.
    pub partner_tenant_id: Option<String>,
    /// Compared without regard to case.
    pub correlation_id: Option<String>,
}

impl JournalFilter {
    fn matches(&self, e: &JournalEntry) -> bool {
        self.status.is_none_or(|s| e.status == s)
            && self.partner_tenant_id.as_deref().is_none_or(|p| e.partner_tenant_id.as_deref() == Some(p))
            && self.correlation_id.as_deref().is_none_or(|c| e.correlation_id.eq_ignore_ascii_case(c))
    }
}

pub struct Journal {
    capacity: usize,
    inner: Mutex<(u64, VecDeque<JournalEntry>)>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new((0, VecDeque::with_capacity(capacity))) }
    }

    pub fn record(&self, mut entry: JournalEntry) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0 += 1;
        entry.sequence = guard.0;
        if guard.1.len() == self.capacity {
            guard.1.pop_front();
        }
        guard.1.push_back(entry);
    }

    /// Newest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.1.iter().rev().cloned().collect()
    }

    /// Newest first, those that match every condition of `filter`.
    pub fn entries_matching(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.1.iter().rev().filter(|e| filter.matches(e)).cloned().collect()
    }

    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_entries_up_to_capacity() {
        let j = Journal::new(2);
        for i in 0..3 {
            j.record(JournalEntry {
                sequence: 0,
                at: Utc::now(),
                emulator_at: None,
                method: Cow::Borrowed("GET"),
                path: format!("/{i}"),
                status: 200,
                partner_tenant_id: None,
                request_id: String::new(),
                correlation_id: String::new(),
                latency_ms: 0.0,
                rule: None,
                hint: None,
                ignored_query_parameters: Vec::new(),
            });
        }
        let e = j.entries();
        assert_eq!(e.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), vec!["/2", "/1"]);
        assert_eq!(e[0].sequence, 3);
    }
}
