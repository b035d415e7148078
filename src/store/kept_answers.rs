//! Kept answers: the final answer to a request, kept under its partner and request id so that a
//! retry gets it again (`service::run_once`). Written by the unit of work that holds the id; read
//! by it when it takes the id (`request_ids.rs`), or by a page; forgotten after 24 hours.

use chrono::{DateTime, Utc};

use super::conn::{Expect, Value};
use super::request_ids::{StoredResponse, StoredResponseRow, KEPT_ANSWER};
use super::{Store, StoreError, StoreResult, UnitOfWork};

/// Written by the unit of work that holds the request id's lock, in the request's own transaction.
const KEEP_ANSWER: &str = "INSERT INTO idempotent_responses (partner_tenant_id, request_id, method, path, \
     request_hash, status, body, created_at, claimed_at_ms, operation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (partner_tenant_id, request_id) DO UPDATE SET method = excluded.method, path = excluded.path, \
     request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
     created_at = excluded.created_at, claimed_at_ms = excluded.claimed_at_ms, operation = excluded.operation";

/// `KEEP_ANSWER` for a unit that did not lock the id in the database: it replaces only a claim of
/// an earlier version (status 0) or the stale answer the unit read (`$11`, its `claimed_at_ms`;
/// -1: it read none), and else changes no row.
const CLAIM_AND_KEEP_ANSWER: &str = "INSERT INTO idempotent_responses (partner_tenant_id, request_id, method, \
     path, request_hash, status, body, created_at, claimed_at_ms, operation) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (partner_tenant_id, request_id) DO UPDATE SET method = excluded.method, path = excluded.path, \
     request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
     created_at = excluded.created_at, claimed_at_ms = excluded.claimed_at_ms, operation = excluded.operation \
     WHERE idempotent_responses.status = 0 OR idempotent_responses.claimed_at_ms = $11";

const FORGET_RESPONSES_BEFORE: &str = "DELETE FROM idempotent_responses WHERE created_at < $1";

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
    /// Keep the request's final answer under its id. On PostgreSQL a unit sent as one statement
    /// holds the id only in its replica's memory: its answer goes in only where the id has none
    /// (or only the stale one the unit read), and `Changed` (at once, or at the commit of a unit
    /// sent as one statement) says that another replica's request with the id answered first.
    pub async fn keep_answer(&mut self, r: &StoredResponse) -> StoreResult<()> {
        let mut values = vec![
            Value::Text(&r.partner_tenant_id),
            Value::Text(&r.request_id),
            Value::Text(&r.method),
            Value::Text(&r.path),
            Value::Text(&r.request_hash),
            Value::Int4(i32::from(r.status)),
            Value::Text(&r.body),
            Value::Time(r.created_at),
            Value::Int(r.claimed_at_ms),
            Value::MaybeText(r.operation.as_deref()),
        ];
        match self.seen_answer() {
            Some(seen) => {
                values.push(Value::Int(seen.unwrap_or(-1)));
                if self.write(CLAIM_AND_KEEP_ANSWER, &values, Expect::Rows(1)).await? == 0 {
                    // Another replica's request with this id answered first.
                    return Err(StoreError::Changed);
                }
            }
            None => {
                self.write(KEEP_ANSWER, &values, Expect::Any).await?;
            }
        }
        Ok(())
    }
}
