//! The unit of work of an API write, and safe retries.
//!
//! Every `/v1` POST runs in one unit of work (one transaction): the edge opens it, the handler's
//! use case writes in it (see [`Unit`]), and the edge commits it once the answer is final — so a
//! request's writes, the notification email they trigger and the answer kept for its retries are
//! stored together, in one commit, or not at all. A retryable answer (5xx, 408, 429) rolls the unit
//! back: the client was told to try again, and nothing of the first attempt remains.
//!
//! Retries: Partner Center clients send a fresh MS-RequestId with each call and the same one when
//! they retry (the official Java SDK retries 400/401/403/404/409 five times with the same id, and
//! 5xx/429 without limit). A request with an id holds it for as long as its unit lasts; its final
//! answer (any 2xx or 4xx) is kept for 24 hours of emulator time, and a retry by the same partner
//! with the same method, path and body gets that answer again, byte for byte, and writes nothing.
//! A retry that arrives while the first request still runs is told to wait (409 990408,
//! Retry-After); the same id with another request is refused (409 990409). The kept body of a
//! customer creation holds the admin's first password, as the lost first answer did, until the
//! entry is forgotten.

use crate::domain::digest::sha256_hex;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

use super::error::ApiError;
use super::extract::Authentication;
use super::middleware::RequestContext;
use crate::app::AppState;
use crate::service::retries::{self, Claim, NewClaim};
use crate::service::ServiceError;
use crate::store::{StoredResponse, UnitOfWork};

pub const REPLAYED_HEADER: &str = "x-pce-replayed";
const MAX_KEPT_BODY: usize = 1024 * 1024;

/// Where the request's unit of work waits while no one uses it: in the request's extensions, from
/// which the handler borrows it (see [`Unit`]).
#[derive(Clone, Default)]
pub struct UnitSlot(Arc<Mutex<Option<Box<dyn UnitOfWork>>>>);

impl UnitSlot {
    fn holding(unit: Box<dyn UnitOfWork>) -> Self {
        Self(Arc::new(Mutex::new(Some(unit))))
    }

    pub(super) fn take(&self) -> Option<Box<dyn UnitOfWork>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub(super) fn put_back(&self, unit: Box<dyn UnitOfWork>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(unit);
    }
}

/// Run a POST in a unit of work, or replay its kept answer, or refuse it (see the module's
/// description). Other methods write nothing through a unit and run as they come.
pub async fn run_in_unit(state: &AppState, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let mut unit = state.store.begin();
    let (req, kept_under) = match claim_request_id(state, &mut *unit, req).await {
        Ok(claimed) => claimed,
        Err(answer) => return answer,
    };
    let slot = UnitSlot::holding(unit);
    let mut req = req;
    req.extensions_mut().insert(slot.clone());
    let response = next.run(req).await;
    // The handler has returned, and with it the unit it borrowed.
    let Some(mut unit) = slot.take() else {
        return ApiError::Internal("the request's unit of work was not returned".into()).into_response();
    };
    if !is_final(response.status()) {
        return response;
    }
    let response = match kept_under {
        Some(entry) => match keep(&mut *unit, entry, response).await {
            Ok(response) => response,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => response,
    };
    match unit.commit().await {
        Ok(()) => response,
        // Not stored: the client is told to retry, as for any write that did not happen.
        Err(e) => ApiError::from(ServiceError::from(e)).into_response(),
    }
}

/// Claim the request's MS-RequestId in `unit`, when it has one and its caller is known; the entry
/// to keep its answer under comes back with the request. An answer instead means the request is
/// not to run: a replay of the kept answer, or a refusal.
async fn claim_request_id(
    state: &AppState,
    unit: &mut dyn UnitOfWork,
    req: Request,
) -> Result<(Request, Option<StoredResponse>), Response> {
    let request_id =
        req.extensions().get::<Arc<RequestContext>>().and_then(|context| context.ids.client_request_id.clone());
    // An unauthenticated request is not replayed: the handler refuses it as usual.
    let partner =
        req.extensions().get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.clone());
    let (Some(request_id), Some(partner)) = (request_id, partner) else { return Ok((req, None)) };
    // One id however its letters are cased: a GUID is the same GUID in upper case.
    let request_id = request_id.to_ascii_lowercase();
    let (parts, body) = req.into_parts();
    let request_bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(state.config.max_body_bytes).into_response())?;
    let new_claim = NewClaim {
        partner_tenant_id: partner,
        request_id,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        request_hash: sha256_hex(&request_bytes),
    };
    match retries::claim(state, unit, new_claim).await {
        Ok((entry, Claim::Run)) => Ok((Request::from_parts(parts, Body::from(request_bytes)), Some(entry))),
        Ok((_, Claim::Answered(kept))) => Err(replay(kept)),
        Ok((_, Claim::InProgress)) => Err(ApiError::RequestInProgress.into_response()),
        Ok((_, Claim::OtherRequest(kept))) => Err(ApiError::RequestIdReused(format!(
            "MS-RequestId '{}' was first used by a different request (first: {} {}); a new request needs a new MS-RequestId",
            kept.request_id, kept.method, kept.path
        ))
        .into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// Keep the final answer under the request's id, in its unit; the answer goes on to the client.
async fn keep(
    unit: &mut dyn UnitOfWork,
    mut entry: StoredResponse,
    response: Response,
) -> Result<Response, ServiceError> {
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_KEPT_BODY)
        .await
        .map_err(|_| ServiceError::Internal("the response body could not be buffered".into()))?;
    entry.status = parts.status.as_u16();
    entry.body = String::from_utf8_lossy(&bytes).into_owned();
    retries::keep_answer(unit, &entry).await?;
    Ok(Response::from_parts(parts, Body::from(bytes)))
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
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(super::wire::JSON_CONTENT_TYPE));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
