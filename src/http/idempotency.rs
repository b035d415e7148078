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
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::error::ApiError;
use super::extract::Authentication;
use super::middleware::RequestContext;
use crate::app::AppState;
use crate::service::retries::{self, Claim, NewClaim};
use crate::store::StoredResponse;

pub const REPLAYED_HEADER: &str = "x-pce-replayed";
const MAX_KEPT_BODY: usize = 1024 * 1024;

/// Run the request, or replay its kept answer, or refuse it (see the module's description).
pub async fn replay_retries(state: &AppState, req: Request, next: Next) -> Response {
    let request_id =
        req.extensions().get::<Arc<RequestContext>>().and_then(|context| context.ids.client_request_id.clone());
    let Some(request_id) = request_id.filter(|_| req.method() == Method::POST) else {
        return next.run(req).await;
    };
    // An unauthenticated request is not replayed: the handler refuses it as usual.
    let Some(partner) =
        req.extensions().get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.clone())
    else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let request_bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::PayloadTooLarge(state.config.max_body_bytes).into_response(),
    };
    let new_claim = NewClaim {
        partner_tenant_id: partner,
        request_id,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        request_hash: Sha256::digest(&request_bytes).iter().map(|b| format!("{b:02x}")).collect(),
    };
    let mut entry = match retries::claim(state, new_claim).await {
        Ok((entry, Claim::Claimed)) => entry,
        Ok((_, Claim::Answered(kept))) => return replay(kept),
        Ok((_, Claim::InProgress)) => return ApiError::RequestInProgress.into_response(),
        Ok((_, Claim::OtherRequest(kept))) => {
            return ApiError::RequestIdReused(format!(
                "MS-RequestId '{}' was first used by a different request (first: {} {}); a new request needs a new MS-RequestId",
                kept.request_id, kept.method, kept.path
            ))
            .into_response()
        }
        Err(e) => return ApiError::from(e).into_response(),
    };

    let response = next.run(Request::from_parts(parts, Body::from(request_bytes))).await;
    if !is_final(response.status()) {
        retries::release(state, &entry).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT_BODY).await else {
        return ApiError::Internal("response body could not be buffered".into()).into_response();
    };
    entry.status = parts.status.as_u16();
    entry.body = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = retries::keep_answer(state, &entry).await {
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

fn replay(kept: StoredResponse) -> Response {
    let body = kept.body;
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
