//! A request id held by a unit of work while its request runs, and the answer kept under it as the
//! unit reads it when it takes the id. The backends hold ids their own way (`postgres.rs`: an
//! advisory lock; `group_commit.rs`: this process's memory) and read the answer here: a leaf, which
//! names nothing of the unit that holds the id.

use chrono::{DateTime, Utc};

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
     created_at, claimed_at_ms FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2 \
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
