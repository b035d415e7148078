//! Retries: Partner Center clients send a fresh MS-RequestId with each call and the same one when
//! they retry (the official Java SDK retries 400/401/403/404/409 five times with the same id, and
//! 5xx/429 without limit). A `/v1` POST claims its request id before it runs; its final answer
//! (any 2xx or 4xx) is kept for 24 hours of emulator time, and a retry by the same partner with
//! the same method, path and body gets that answer again, byte for byte, and writes nothing.
//! Retryable answers (5xx, 408, 429) are not kept: the retry runs again. A retry that arrives
//! while the first request still runs is told to wait (409 990408, Retry-After); the same id
//! with another request is refused (409 990409). The kept body of a customer creation holds
//! the admin's first password, as the lost first answer did, until the entry is forgotten.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicI64, Ordering};

use super::error::ApiError;
use super::middleware::MS_REQUEST_ID;
use super::AppState;
use crate::auth::Caller;
use crate::store::StoredResponse;

pub const REPLAYED_HEADER: &str = "x-pce-replayed";
const MAX_KEPT_BODY: usize = 1024 * 1024;
const KEEP_HOURS: i64 = 24;

pub async fn replay_retries(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = req.headers().get(&MS_REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::trim).map(str::to_string);
    let Some(request_id) = request_id.filter(|id| !id.is_empty() && id.len() <= 128) else {
        return next.run(req).await;
    };
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // An unauthenticated request is not replayed: the handler refuses it as usual.
    let Ok(caller) = Caller::from_request_parts(&mut parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let request_bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::PayloadTooLarge(state.config.max_body_bytes).into_response(),
    };
    let now = match state.clock.now().await {
        Ok(now) => now,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut entry = StoredResponse {
        partner_tenant_id: caller.partner.tenant_id.clone(),
        request_id,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        request_hash: Sha256::digest(&request_bytes).iter().map(|b| format!("{b:02x}")).collect(),
        status: 0,
        body: String::new(),
        created_at: now,
        claimed_at_ms: Utc::now().timestamp_millis(),
    };
    match claim(&state, &entry).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Answered(kept)) => return replay(kept),
        Ok(Claim::InProgress) => return ApiError::RequestInProgress.into_response(),
        Ok(Claim::OtherRequest(kept)) => {
            return ApiError::RequestIdReused(format!(
                "MS-RequestId '{}' was first used by a different request (first: {} {}); a new request needs a new MS-RequestId",
                kept.request_id, kept.method, kept.path
            ))
            .into_response()
        }
        Err(e) => return e.into_response(),
    }

    let response = next.run(Request::from_parts(parts, Body::from(request_bytes))).await;
    if !is_final(response.status()) {
        // Released before answering, but not waited for long: when the database is down this
        // would wait out the pool's timeout a second time before the client hears its 503 (the
        // release goes on in the background, and an unreleased claim expires anyway).
        let store = state.store.clone();
        let release = tokio::spawn(async move {
            if let Err(e) = store.release_response(&entry.partner_tenant_id, &entry.request_id).await {
                tracing::warn!(error = %e, "could not release a request-id claim");
            }
        });
        let _ = tokio::time::timeout(std::time::Duration::from_millis(250), release).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT_BODY).await else {
        return ApiError::Internal("response body could not be buffered".into()).into_response();
    };
    entry.status = parts.status.as_u16();
    entry.body = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = state.store.complete_response(&entry).await {
        tracing::warn!(error = %e, "could not keep the response for retries");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An answer a retry should get again: success or the caller's mistake. Server errors, timeouts
/// and throttling are retryable, so the retry runs again.
fn is_final(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
}

enum Claim {
    Claimed,
    Answered(StoredResponse),
    InProgress,
    OtherRequest(StoredResponse),
}

/// Real time (Unix ms) of this process's last purge of forgotten answers.
static LAST_PURGE_MS: AtomicI64 = AtomicI64::new(0);
const PURGE_EVERY_MS: i64 = 60_000;

async fn claim(state: &AppState, entry: &StoredResponse) -> Result<Claim, ApiError> {
    let forget_before = entry.created_at - Duration::hours(KEEP_HOURS);
    // Space only: an answer past its 24 hours is ignored below whether or not it was purged.
    let last = LAST_PURGE_MS.load(Ordering::Relaxed);
    if entry.claimed_at_ms - last > PURGE_EVERY_MS
        && LAST_PURGE_MS.compare_exchange(last, entry.claimed_at_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        state.store.forget_responses(forget_before).await?;
    }
    // A claim older than the request timeout belongs to a request that was abandoned.
    let timeout_ms = i64::try_from(state.config.request_timeout_seconds).unwrap_or(30).saturating_add(5) * 1000;
    let abandoned_before_ms = entry.claimed_at_ms - timeout_ms;
    for _ in 0..2 {
        if state.store.claim_response(entry).await? {
            return Ok(Claim::Claimed);
        }
        let Some(kept) = state.store.stored_response(&entry.partner_tenant_id, &entry.request_id).await? else {
            continue; // released in between: claim again
        };
        if kept.created_at < forget_before {
            state.store.forget_response(&kept.partner_tenant_id, &kept.request_id).await?;
            continue;
        }
        let same = kept.method == entry.method && kept.path == entry.path && kept.request_hash == entry.request_hash;
        return Ok(match (kept.status, same) {
            (0, true) if kept.claimed_at_ms < abandoned_before_ms => {
                state.store.release_response(&kept.partner_tenant_id, &kept.request_id).await?;
                continue;
            }
            (0, true) => Claim::InProgress,
            (_, true) => Claim::Answered(kept),
            (_, false) => Claim::OtherRequest(kept),
        });
    }
    Ok(Claim::InProgress)
}

fn replay(kept: StoredResponse) -> Response {
    let body = kept.body;
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
