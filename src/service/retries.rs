//! Safe retries: the final answer to a request is kept under the caller's partner and its
//! `MS-RequestId` for 24 hours of emulator time, in the request's own unit of work, so that a
//! retry gets it again instead of doing the work twice. What a request is, and how its answer is
//! read and replayed, is the HTTP edge's business; here is decided what a retry gets.
//!
//! A request holds its id for as long as its unit of work lasts (a lock that goes with the
//! transaction, on PostgreSQL across replicas): a retry meanwhile is told to wait. The answer and
//! the request's writes are committed together, so after any failure a retry either finds the
//! answer (the request succeeded) or runs anew (nothing of it was stored).

use chrono::{Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

use super::error::ServiceResult;
use crate::app::AppContext;
use crate::store::{RequestLock, StoredResponse, UnitOfWork};

/// Kept answers are forgotten after this many hours of emulator time.
pub const KEEP_HOURS: i64 = 24;

/// What a retry gets.
pub enum Claim {
    /// The request is new (or its earlier answer was forgotten): run it.
    Run,
    /// It was answered before: replay the kept answer.
    Answered(StoredResponse),
    /// A request with this id still runs.
    InProgress,
    /// The id was first used by a different request.
    OtherRequest(StoredResponse),
}

/// A request as its id is claimed.
pub struct NewClaim {
    pub partner_tenant_id: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// SHA-256 of the request body, in hex.
    pub request_hash: String,
}

/// Real time (Unix ms) of this process's last purge of forgotten answers.
static LAST_PURGE_MS: AtomicI64 = AtomicI64::new(0);
const PURGE_EVERY_MS: i64 = 60_000;

/// Claim the request's id in `unit`; the entry to keep its answer under comes with what became of
/// the claim.
pub async fn claim(
    ctx: &AppContext,
    unit: &mut dyn UnitOfWork,
    new: NewClaim,
) -> ServiceResult<(StoredResponse, Claim)> {
    let now = ctx.clock.now().await?;
    let real_ms = Utc::now().timestamp_millis();
    let forget_before = now - Duration::hours(KEEP_HOURS);
    // Space only: an answer past its 24 hours is ignored below whether or not it was purged.
    let last = LAST_PURGE_MS.load(Ordering::Relaxed);
    if real_ms - last > PURGE_EVERY_MS
        && LAST_PURGE_MS.compare_exchange(last, real_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        ctx.store.forget_responses(forget_before).await?;
    }
    let entry = StoredResponse {
        partner_tenant_id: new.partner_tenant_id,
        request_id: new.request_id,
        method: new.method,
        path: new.path,
        request_hash: new.request_hash,
        status: 0,
        body: String::new(),
        created_at: now,
        claimed_at_ms: real_ms,
    };
    let claim = match unit.lock_request(&entry.partner_tenant_id, &entry.request_id).await? {
        RequestLock::Busy => Claim::InProgress,
        RequestLock::Locked(None) => Claim::Run,
        RequestLock::Locked(Some(kept)) if kept.created_at < forget_before => Claim::Run,
        RequestLock::Locked(Some(kept)) => {
            let same =
                kept.method == entry.method && kept.path == entry.path && kept.request_hash == entry.request_hash;
            if same {
                Claim::Answered(kept)
            } else {
                Claim::OtherRequest(kept)
            }
        }
    };
    Ok((entry, claim))
}

/// Keep the final answer of a claimed request, in its unit of work.
pub async fn keep_answer(unit: &mut dyn UnitOfWork, entry: &StoredResponse) -> ServiceResult<()> {
    Ok(unit.keep_answer(entry).await?)
}
