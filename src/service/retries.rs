//! Safe retries: the first answer to a request is kept under the caller's partner and its
//! `MS-RequestId` for 24 hours of emulator time, so that a retry gets it again instead of doing
//! the work twice. What a request is, and how its answer is read and replayed, is the HTTP
//! edge's business; which claim wins, when an answer is forgotten and when a claim counts as
//! abandoned are decided here.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

use super::error::ServiceResult;
use crate::app::AppContext;
use crate::store::StoredResponse;

/// Kept answers are forgotten after this many hours of emulator time.
pub const KEEP_HOURS: i64 = 24;

/// What became of a request's claim on its id.
pub enum Claim {
    /// The request is the first with this id: run it.
    Claimed,
    /// It was answered before: replay the kept answer.
    Answered(StoredResponse),
    /// The first request with this id is still running.
    InProgress,
    /// The id was first used by a different request.
    OtherRequest(StoredResponse),
}

/// A new claim for a request, made at emulator time `now`.
pub struct NewClaim {
    pub partner_tenant_id: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// SHA-256 of the request body, in hex.
    pub request_hash: String,
}

impl NewClaim {
    fn into_entry(self, now: DateTime<Utc>) -> StoredResponse {
        StoredResponse {
            partner_tenant_id: self.partner_tenant_id,
            request_id: self.request_id,
            method: self.method,
            path: self.path,
            request_hash: self.request_hash,
            status: 0,
            body: String::new(),
            created_at: now,
            claimed_at_ms: Utc::now().timestamp_millis(),
        }
    }
}

/// Real time (Unix ms) of this process's last purge of forgotten answers.
static LAST_PURGE_MS: AtomicI64 = AtomicI64::new(0);
const PURGE_EVERY_MS: i64 = 60_000;

/// Claim the request's id before it runs; the claim is returned with what became of it.
pub async fn claim(ctx: &AppContext, new: NewClaim) -> ServiceResult<(StoredResponse, Claim)> {
    let entry = new.into_entry(ctx.clock.now().await?);
    let forget_before = entry.created_at - Duration::hours(KEEP_HOURS);
    // Space only: an answer past its 24 hours is ignored below whether or not it was purged.
    let last = LAST_PURGE_MS.load(Ordering::Relaxed);
    if entry.claimed_at_ms - last > PURGE_EVERY_MS
        && LAST_PURGE_MS.compare_exchange(last, entry.claimed_at_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        ctx.store.forget_responses(forget_before).await?;
    }
    // A claim older than the request timeout belongs to a request that was abandoned.
    let timeout_ms = i64::try_from(ctx.config.request_timeout_seconds).unwrap_or(30).saturating_add(5) * 1000;
    let abandoned_before_ms = entry.claimed_at_ms - timeout_ms;
    for _ in 0..2 {
        if ctx.store.claim_response(&entry).await? {
            return Ok((entry, Claim::Claimed));
        }
        let Some(kept) = ctx.store.stored_response(&entry.partner_tenant_id, &entry.request_id).await? else {
            continue; // released in between: claim again
        };
        if kept.created_at < forget_before {
            ctx.store.forget_response(&kept.partner_tenant_id, &kept.request_id).await?;
            continue;
        }
        let same = kept.method == entry.method && kept.path == entry.path && kept.request_hash == entry.request_hash;
        let claim = match (kept.status, same) {
            (0, true) if kept.claimed_at_ms < abandoned_before_ms => {
                ctx.store.release_response(&kept.partner_tenant_id, &kept.request_id).await?;
                continue;
            }
            (0, true) => Claim::InProgress,
            (_, true) => Claim::Answered(kept),
            (_, false) => Claim::OtherRequest(kept),
        };
        return Ok((entry, claim));
    }
    Ok((entry, Claim::InProgress))
}

/// Keep the final answer of a claimed request.
pub async fn keep_answer(ctx: &AppContext, entry: &StoredResponse) -> ServiceResult<()> {
    Ok(ctx.store.complete_response(entry).await?)
}

/// Give up a claim: the request created nothing and its retry will run again. Released in the
/// background and waited for only briefly: when the database is down the release would wait out
/// the pool's timeout a second time before the client hears its answer, and an unreleased claim
/// expires anyway.
pub async fn release(ctx: &AppContext, entry: &StoredResponse) {
    let store = ctx.store.clone();
    let (partner, request_id) = (entry.partner_tenant_id.clone(), entry.request_id.clone());
    let release = tokio::spawn(async move {
        if let Err(e) = store.release_response(&partner, &request_id).await {
            tracing::warn!(error = %e, "could not release a request-id claim");
        }
    });
    let _ = tokio::time::timeout(std::time::Duration::from_millis(250), release).await;
}
