//! The request journal: a bounded list of recent requests, with the rule and hint behind every
//! refusal, for `GET /_emulator/requests`. Tokens never enter it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

/// A slot the middleware puts in each request; the caller's tenant is written into it.
#[derive(Clone, Default)]
pub struct TenantSlot(pub Arc<OnceLock<String>>);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub sequence: u64,
    #[serde(with = "crate::domain::time::wire")]
    pub at: DateTime<Utc>,
    pub method: String,
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
                method: "GET".into(),
                path: format!("/{i}"),
                status: 200,
                partner_tenant_id: None,
                request_id: String::new(),
                correlation_id: String::new(),
                latency_ms: 0.0,
                rule: None,
                hint: None,
            });
        }
        let e = j.entries();
        assert_eq!(e.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), vec!["/2", "/1"]);
        assert_eq!(e[0].sequence, 3);
    }
}
