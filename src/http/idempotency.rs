//! Retries: Partner Center clients send a fresh MS-RequestId with each call and the same one when
//! they retry after a timeout. A `/v1` POST claims its request id before it runs; when it created
//! something (201) the answer is kept, and a retry (same method, path and body) gets that first
//! answer again instead of a second customer, a duplicate-confirmation error or a second order.
//! A retry that arrives while the first request still runs is told to wait (409, Retry-After).
//! Passwords are never kept: a replayed customer creation issues the admin new credentials.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::middleware::MS_REQUEST_ID;
use super::AppState;
use crate::auth::Caller;
use crate::service::customers::reissue_admin_password;
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
    let mut entry = StoredResponse {
        partner_tenant_id: caller.partner.tenant_id.clone(),
        request_id,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        request_hash: Sha256::digest(&request_bytes).iter().map(|b| format!("{b:02x}")).collect(),
        status: 0,
        body: String::new(),
        created_at: Utc::now(),
    };
    match claim(&state, &entry).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Answered(kept)) => return replay(&state, kept).await,
        Ok(Claim::InProgress) => return ApiError::RequestInProgress.into_response(),
        // The id was used for another request: run this one as new, without keeping it.
        Ok(Claim::OtherRequest) => return next.run(Request::from_parts(parts, Body::from(request_bytes))).await,
        Err(e) => return e.into_response(),
    }

    let response = next.run(Request::from_parts(parts, Body::from(request_bytes))).await;
    if response.status() != StatusCode::CREATED {
        if let Err(e) = state.store.release_response(&entry.partner_tenant_id, &entry.request_id).await {
            tracing::warn!(error = %e, "could not release a request-id claim");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT_BODY).await else {
        return ApiError::Internal("response body could not be buffered".into()).into_response();
    };
    entry.status = parts.status.as_u16();
    entry.body = without_password(&bytes);
    if let Err(e) = state.store.complete_response(&entry).await {
        tracing::warn!(error = %e, "could not keep the response for retries");
    }
    Response::from_parts(parts, Body::from(bytes))
}

enum Claim {
    Claimed,
    Answered(StoredResponse),
    InProgress,
    OtherRequest,
}

async fn claim(state: &AppState, entry: &StoredResponse) -> Result<Claim, ApiError> {
    let forget_before = entry.created_at - Duration::hours(KEEP_HOURS);
    // A claim older than the request timeout belongs to a request that was abandoned.
    let abandoned_before =
        entry.created_at - Duration::seconds(i64::try_from(state.config.request_timeout_seconds).unwrap_or(30) + 5);
    for _ in 0..2 {
        if state.store.claim_response(entry, forget_before).await? {
            return Ok(Claim::Claimed);
        }
        let Some(kept) = state.store.stored_response(&entry.partner_tenant_id, &entry.request_id).await? else {
            continue; // released in between: claim again
        };
        let same = kept.method == entry.method && kept.path == entry.path && kept.request_hash == entry.request_hash;
        return Ok(match (kept.status, same) {
            (0, true) if kept.created_at < abandoned_before => {
                state.store.release_response(&kept.partner_tenant_id, &kept.request_id).await?;
                continue;
            }
            (0, true) => Claim::InProgress,
            (_, true) => Claim::Answered(kept),
            (_, false) => Claim::OtherRequest,
        });
    }
    Ok(Claim::InProgress)
}

/// The kept copy of a response never holds a password.
fn without_password(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) if v.get("userCredentials").is_some() => {
            v["userCredentials"]["password"] = Value::Null;
            v.to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

async fn replay(state: &AppState, kept: StoredResponse) -> Response {
    let mut body = kept.body;
    if let Ok(mut v) = serde_json::from_str::<Value>(&body) {
        if v.get("userCredentials").is_some() {
            let customer_id = v["id"].as_str().unwrap_or_default().to_string();
            match reissue_admin_password(state, &customer_id).await {
                Ok(password) => v["userCredentials"]["password"] = Value::String(password),
                Err(e) => return e.into_response(),
            }
            body = v.to_string();
        }
    }
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
