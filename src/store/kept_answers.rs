//! Kept answers: the final answer to a request, kept under its partner and request id so that a
//! retry gets it again (`service::run_once`). Written by the unit of work that holds the id.

use chrono::{DateTime, Utc};

use super::rows::corrupt;
use super::unit::{on_conn, WriteConn};
use super::{Store, StoreError, StoreResult, UnitOfWork};

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
const KEPT_ANSWER: &str = "SELECT partner_tenant_id, request_id, method, path, request_hash, status, body, \
     created_at, claimed_at_ms FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2 \
     AND status <> 0";

/// Written by the unit of work that holds the request id's lock, in the request's own transaction.
const KEEP_ANSWER: &str = "INSERT INTO idempotent_responses (partner_tenant_id, request_id, method, path, \
     request_hash, status, body, created_at, claimed_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (partner_tenant_id, request_id) DO UPDATE SET method = excluded.method, path = excluded.path, \
     request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
     created_at = excluded.created_at, claimed_at_ms = excluded.claimed_at_ms";

const FORGET_RESPONSES_BEFORE: &str = "DELETE FROM idempotent_responses WHERE created_at < $1";

#[derive(sqlx::FromRow)]
pub struct StoredResponseRow {
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

impl Store {
    /// The answer kept under a partner's request id, if any (read outside any unit: a page that
    /// shows what an earlier request made).
    pub async fn kept_answer(&self, partner_tenant_id: &str, request_id: &str) -> StoreResult<Option<StoredResponse>> {
        let row: Option<StoredResponseRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(KEPT_ANSWER).bind(partner_tenant_id).bind(request_id).fetch_optional(pool).await
        })?;
        row.map(StoredResponse::try_from).transpose()
    }

    /// Drop kept answers made before `before` (emulator time); returns how many.
    pub async fn forget_responses(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = on_pool!(self, writer, |pool| {
            sqlx::query(FORGET_RESPONSES_BEFORE).bind(before).execute(pool).await?.rows_affected()
        });
        Ok(deleted)
    }
}

impl UnitOfWork {
    /// Keep the request's final answer under its id.
    pub async fn keep_answer(&mut self, r: &StoredResponse) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        on_conn!(conn, |c| {
            sqlx::query(KEEP_ANSWER)
                .bind(&r.partner_tenant_id)
                .bind(&r.request_id)
                .bind(&r.method)
                .bind(&r.path)
                .bind(&r.request_hash)
                .bind(i32::from(r.status))
                .bind(&r.body)
                .bind(r.created_at)
                .bind(r.claimed_at_ms)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
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
