//! Retries: Partner Center clients send a fresh MS-RequestId with each call and the same one when
//! they retry after a timeout. A POST that created something (201) is kept under the caller's
//! partner and request id, and a retry (same method, path and body) gets that first answer again instead of a second customer,
//! a duplicate-confirmation error or a second order.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::middleware::MS_REQUEST_ID;
use super::AppState;
use crate::auth::Caller;
use crate::store::StoredResponse;
use sha2::{Digest, Sha256};

pub const REPLAYED_HEADER: &str = "x-pce-replayed";
const MAX_KEPT_BODY: usize = 1024 * 1024;

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
    let tenant = caller.partner.tenant_id;
    let path = parts.uri.path().to_string();
    let request_bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::PayloadTooLarge(state.config.max_body_bytes).into_response(),
    };
    let request_hash: String = Sha256::digest(&request_bytes).iter().map(|b| format!("{b:02x}")).collect();
    match state.store.stored_response(&tenant, &request_id).await {
        Ok(Some(kept))
            if kept.method == parts.method.as_str() && kept.path == path && kept.request_hash == request_hash =>
        {
            return replay(kept)
        }
        Ok(_) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let method = parts.method.to_string();
    let response = next.run(Request::from_parts(parts, Body::from(request_bytes))).await;
    if response.status() != StatusCode::CREATED {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT_BODY).await else {
        return ApiError::Internal("response body could not be buffered".into()).into_response();
    };
    let kept = StoredResponse {
        partner_tenant_id: tenant,
        request_id,
        method,
        path,
        request_hash,
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        created_at: chrono::Utc::now(),
    };
    if let Err(e) = state.store.store_response(&kept).await {
        tracing::warn!(error = %e, "could not keep the response for retries");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(kept: StoredResponse) -> Response {
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, kept.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
