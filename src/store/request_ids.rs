//! A request id held by a unit of work while its request runs, and the answer kept under it as the
//! unit reads it when it takes the id. The backends hold ids their own way (`postgres.rs`: an
//! advisory lock of the unit's transaction, or, for a unit sent as one statement, this process's
//! memory and the kept answer's row; `group_commit.rs`: this process's memory) and read the answer
//! here: a leaf, which names nothing of the unit that holds the id.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

use super::conn::{on_conn, WriteConn};
use super::rows::corrupt;
use super::{StoreError, StoreResult};

/// The first answer to a POST, replayed when the caller retries with the same MS-RequestId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub partner_tenant_id: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// SHA-256 of the request body: only an identical retry is replayed.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    /// Emulator time of the request: kept answers are forgotten 24 hours after it.
    pub created_at: DateTime<Utc>,
    /// Real time of the request (Unix ms).
    pub claimed_at_ms: i64,
    /// The operation the request was permitted to perform (`Operation::as_str`), if it got so far.
    pub operation: Option<String>,
}

/// How long a unit waits for another to let a request id go, at most.
pub const REQUEST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// What a unit of work found when it locked a request id.
#[derive(Debug)]
pub enum RequestLock {
    /// The unit holds the id until it ends; the answer kept under it, if any.
    Locked(Option<StoredResponse>),
    /// Another unit (on any replica) holds it: the first request with this id still runs.
    Busy,
}

/// Rows with status 0 are claims left by an earlier version of the emulator: no answer.
pub(super) const KEPT_ANSWER: &str = "SELECT partner_tenant_id, request_id, method, path, request_hash, status, body, \
     created_at, claimed_at_ms, operation FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2 \
     AND status <> 0";

#[derive(sqlx::FromRow)]
pub(super) struct StoredResponseRow {
    partner_tenant_id: String,
    request_id: String,
    method: String,
    path: String,
    request_hash: String,
    status: i32,
    body: String,
    created_at: DateTime<Utc>,
    claimed_at_ms: i64,
    operation: Option<String>,
}

impl TryFrom<StoredResponseRow> for StoredResponse {
    type Error = StoreError;

    fn try_from(row: StoredResponseRow) -> StoreResult<Self> {
        Ok(StoredResponse {
            status: u16::try_from(row.status).map_err(|_| corrupt("status", &row.status.to_string()))?,
            partner_tenant_id: row.partner_tenant_id,
            request_id: row.request_id,
            method: row.method,
            path: row.path,
            request_hash: row.request_hash,
            body: row.body,
            created_at: row.created_at,
            claimed_at_ms: row.claimed_at_ms,
            operation: row.operation,
        })
    }
}

/// The answer kept under a request id, if any (a claim left by an earlier version, status 0, is
/// none).
pub(super) async fn kept_answer(
    conn: &mut WriteConn<'_>,
    partner: &str,
    request_id: &str,
) -> StoreResult<Option<StoredResponse>> {
    let row: Option<StoredResponseRow> = on_conn!(conn, |c| {
        sqlx::query_as(KEPT_ANSWER).bind(partner).bind(request_id).fetch_optional(&mut **c).await?
    });
    row.map(StoredResponse::try_from).transpose()
}

/// The request ids this process is running, each with what tells its waiters that it was let go:
/// a semaphore without permits, closed when the id is let go (a closed semaphore stays closed, so
/// a waiter that comes after the close is not left waiting).
#[derive(Clone, Default)]
pub(super) struct IdsInProgress(Arc<Mutex<HashMap<String, Arc<Semaphore>>>>);

impl IdsInProgress {
    /// Hold request id `request_id` of `partner_tenant_id` until the returned hold is dropped; None
    /// when another unit of this process holds it (at once, or, with `wait`, after
    /// `REQUEST_LOCK_WAIT`).
    pub(super) async fn hold(&self, partner_tenant_id: &str, request_id: &str, wait: bool) -> Option<InProgress> {
        let key = format!("{partner_tenant_id}\u{1f}{request_id}");
        let deadline = tokio::time::Instant::now() + REQUEST_LOCK_WAIT;
        loop {
            let held_by_another = {
                let mut ids = self.0.lock().unwrap_or_else(|p| p.into_inner());
                match ids.get(&key) {
                    Some(released) => released.clone(),
                    None => {
                        ids.insert(key.clone(), Arc::new(Semaphore::new(0)));
                        return Some(InProgress { ids: self.clone(), key });
                    }
                }
            };
            if !wait {
                return None;
            }
            // Err: closed, the holder let the id go (the semaphore never has a permit to give).
            if tokio::time::timeout_at(deadline, held_by_another.acquire()).await.is_err() {
                return None;
            }
        }
    }
}

/// A request id this process is running; let go when dropped (with the unit that holds it).
pub(super) struct InProgress {
    ids: IdsInProgress,
    key: String,
}

impl Drop for InProgress {
    fn drop(&mut self) {
        if let Some(released) = self.ids.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key) {
            released.close();
        }
    }
}
