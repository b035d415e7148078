//! The API's pipeline: the layer around every `/v1` route (and the document links). In order: the
//! caller is established once from the bearer token; a fault rule may hit the request; a write (a
//! POST, or a PUT) runs in its unit of work, once under its `MS-RequestId`; then the handler runs.
//!
//! Every `/v1` POST and PUT runs in one unit of work (one transaction): the edge opens it, the handler's
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
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

use crate::app::AppState;
use crate::clock;
use crate::domain::faults::{FaultEffect, FaultTarget};
use crate::domain::permissions::meets_mfa_requirement;
use crate::domain::permissions::Operation;
use crate::http::edge::around::Next;
use crate::http::edge::error::{ApiError, JSON_CONTENT_TYPE};
use crate::http::edge::extract::{bearer_token, query_pairs};
use crate::http::edge::request::{Authentication, RequestContext, UnitSlot};
use crate::service::run_once::{self, Claim, KeptAnswer, OnceRequest, Ticket, WhileRunning};
use crate::service::unit::{Committed, Unit};
use crate::service::{self, access, faults, ServiceError};
use crate::store::StoreError;

/// `ValidateMfa: true` asks whether the call meets the MFA requirement; the answer is the response
/// header `isMfaCompliant: true|false`.
const VALIDATE_MFA: HeaderName = HeaderName::from_static("validatemfa");
const IS_MFA_COMPLIANT: HeaderName = HeaderName::from_static("ismfacompliant");

/// The layer around every API route, in order: the caller is established once (a bearer token,
/// when the request carries one, is verified here and the outcome handed on in the request's
/// extensions); a fault rule may hit the request; a POST claims its `MS-RequestId` or gets its
/// kept answer; then the handler runs. One layer rather than three: each layer costs a boxed
/// future and a service clone on every request.
pub async fn api_request(state: AppState, mut req: Request, next: Next) -> Response {
    note_ignored_query(&req);
    let mfa_compliant = authenticate(&state, &mut req).await;
    let report_mfa = req.headers().get(&VALIDATE_MFA).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    let partner =
        req.extensions().get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.clone());
    let (parts, body) = req.into_parts();
    let handled = async {
        match inject_faults(&state, &parts).await {
            Some(injected) => injected,
            // A write's unit of work and its claim are large futures: boxed, so that the futures of
            // the other requests, moved from layer to layer, stay small.
            None if matches!(parts.method, Method::POST | Method::PUT) => {
                Box::pin(run_in_unit(&state, Request::from_parts(parts, body), next)).await
            }
            None => next.run(Request::from_parts(parts, body)).await,
        }
    };
    // The caller's partner: its own clock and service date, when it has them, rule the request.
    let mut response = match partner {
        Some(partner) => clock::as_partner(partner, handled).await,
        None => handled.await,
    };
    if let (true, Some(compliant)) = (report_mfa, mfa_compliant) {
        response
            .headers_mut()
            .insert(IS_MFA_COMPLIANT, HeaderValue::from_static(if compliant { "true" } else { "false" }));
    }
    response
}

/// The query parameters the route does not read, noted for the journal: Partner Center answers as
/// if they were not there, and so does the emulator, but the journal says they had no effect.
fn note_ignored_query(req: &Request) {
    let (Some(query), Some(context)) = (req.uri().query(), req.extensions().get::<Arc<RequestContext>>()) else {
        return;
    };
    let route = req.extensions().get::<MatchedPath>().map_or("", MatchedPath::as_str);
    let read = super::query_parameters(req.method().as_str(), route);
    let mut ignored: Vec<String> = Vec::new();
    for (name, _) in query_pairs(query) {
        let known = read.iter().any(|r| r.eq_ignore_ascii_case(&name));
        if !known && !ignored.iter().any(|i| *i == name) {
            ignored.push(name.into_owned());
        }
    }
    if !ignored.is_empty() {
        context.set_ignored_query(ignored);
    }
}

/// Verify the bearer token, if any, and put the outcome in the request. Returns whether the call
/// meets the MFA requirement, when that could be judged.
async fn authenticate(state: &AppState, req: &mut Request) -> Option<bool> {
    let token = bearer_token(req.headers())?;
    let outcome = service::authentication::authenticate(state, token).await;
    let compliant = match &outcome {
        Ok(caller) => Some(meets_mfa_requirement(caller.app_only, caller.mfa)),
        Err(ServiceError::MfaRequired) => Some(false),
        Err(_) => None,
    };
    if let (Ok(caller), Some(context)) = (&outcome, req.extensions().get::<Arc<RequestContext>>()) {
        context.set_tenant(&caller.partner.tenant_id);
    }
    req.extensions_mut().insert(Authentication(outcome));
    compliant
}

/// The rule that hits the request, if any, decides what it gets: an error answer (returned), a
/// delay (after which the request goes on: None), or no answer at all.
pub async fn inject_faults(ctx: &AppState, req: &Parts) -> Option<Response> {
    let partner = req.extensions.get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.as_str());
    let route = req.extensions.get::<MatchedPath>().map(|m| m.as_str());
    let target = FaultTarget { method: req.method.as_str(), route, path: req.uri.path(), partner_tenant_id: partner };
    let rule = match faults::rule_hitting(ctx, &target).await {
        Ok(Some(rule)) => rule,
        Ok(None) => return None,
        Err(e) => return Some(ApiError::from(e).into_response()),
    };
    tracing::info!(rule = %rule.id, effect = rule.effect.as_str(), "fault injected");
    match rule.effect {
        FaultEffect::Delay => {
            tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
            None
        }
        // Ended by the client giving up, or by the emulator's request timeout (503 990504).
        FaultEffect::Hang => std::future::pending().await,
        effect => Some(
            ApiError::InjectedFault { effect, rule_id: rule.id, retry_after_seconds: rule.retry_after_seconds }
                .into_response(),
        ),
    }
}

pub const REPLAYED_HEADER: &str = "x-pce-replayed";
const MAX_KEPT_BODY: usize = 1024 * 1024;

/// How many times a write runs at most: once as one statement, then in transactions.
const RUNS: u32 = 3;

/// Run a write (a POST, or a PUT: a cart's update) in a unit of work, or replay its kept answer, or
/// refuse it (see the module's description). GETs write nothing and run as they come
/// (`api_request`).
///
/// On PostgreSQL a write runs first in a unit sent as one statement, which counts on each of its
/// writes going through (`Unit::begin`). When one did not (a duplicate, a taken domain, an id or
/// a cart a concurrent request took), that statement stored nothing, and the request runs again
/// in a unit that sees each write's outcome as it happens (`Unit::begin_exact`) and answers it.
async fn run_in_unit(state: &AppState, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(body) => body,
        Err(_) => return ApiError::PayloadTooLarge(state.config.max_body_bytes).into_response(),
    };
    // The request's head, kept for a run again only where a unit may ask for one (PostgreSQL).
    let mut parts = Some(parts);
    for run in 0..RUNS {
        let mut unit = if run == 0 { Unit::begin(state) } else { Unit::begin_exact(state) };
        let Some(head) = parts.as_ref() else { break };
        let ticket = match claim_request_id(state, &mut unit, head, &body).await {
            Ok(ticket) => ticket,
            Err(answer) => return answer,
        };
        let head = if unit.may_run_again() { Some(head.clone()) } else { None };
        let Some(head) = head.or_else(|| parts.take()) else { break };
        let slot = UnitSlot::holding(unit);
        let mut req = Request::from_parts(head, Body::from(body.clone()));
        req.extensions_mut().insert(slot.clone());
        let (response, permits) = access::noting_permits(next.clone().run(req)).await;
        // The handler has returned, and with it the unit it borrowed.
        let Some(mut unit) = slot.take() else {
            return ApiError::Internal("the request's unit of work was not returned".into()).into_response();
        };
        // Not kept: an answer that invites a retry, or a refusal of the caller's permission, which
        // is its caller's and not the request's (a retry by a caller with the role runs).
        if !is_final(response.status()) || permits.refused {
            return response;
        }
        let response = match ticket {
            Some(ticket) => match keep(&mut unit, ticket, response, &permits.granted).await {
                Ok(Some(response)) => response,
                // Another replica's request with this id answered first: run again, into its answer.
                Ok(None) => continue,
                Err(e) => return ApiError::from(e).into_response(),
            },
            None => response,
        };
        match unit.commit().await {
            Ok(Committed::Stored) => return response,
            Ok(Committed::RunAgain) => tracing::debug!("a write of the one statement did not go through: run again"),
            // Not stored: the client is told to retry, as for any write that did not happen.
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    // Each run again is in a transaction, which only a request with the same id on another
    // replica answering first can send round again.
    ApiError::from(ServiceError::Unavailable(StoreError::Changed)).into_response()
}

/// Claim the request's MS-RequestId in `unit`, when it has one and its caller is known; the ticket
/// to keep its answer with comes back. An answer instead means the request is not to run: a replay
/// of the kept answer, or a refusal.
async fn claim_request_id(
    state: &AppState,
    unit: &mut Unit,
    parts: &Parts,
    body: &Bytes,
) -> Result<Option<Ticket>, Response> {
    let request_id =
        parts.extensions.get::<Arc<RequestContext>>().and_then(|context| context.ids.client_request_id.clone());
    // An unauthenticated request is not replayed: the handler refuses it as usual.
    let caller = parts.extensions.get::<Authentication>().and_then(|a| a.caller());
    let (Some(request_id), Some(caller)) = (request_id, caller) else { return Ok(None) };
    let partner = caller.partner.tenant_id.clone();
    // One id however its letters are cased: a GUID is the same GUID in upper case.
    let request_id = request_id.to_ascii_lowercase();
    let request = OnceRequest {
        partner_tenant_id: partner,
        request_id: request_id.clone(),
        verb: parts.method.to_string(),
        target: parts.uri.path().to_string(),
        digest: sha256_hex(body),
    };
    match run_once::claim(state, unit, request, WhileRunning::Refuse).await {
        Ok(Claim::Run(ticket)) => Ok(Some(ticket)),
        // The answer is the request's: a caller that may not perform it (another user of the
        // partner without the role, an App-only token where it needs a user) is refused as the
        // request itself would be, rather than given what another caller was.
        Ok(Claim::Answered(kept)) => match access::may_replay(&kept.operations, caller) {
            Ok(()) => Err(replay(kept)),
            Err(refused) => Err(ApiError::from(refused).into_response()),
        },
        Ok(Claim::Running) => Err(ApiError::RequestInProgress.into_response()),
        Ok(Claim::OtherRequest(kept)) => Err(ApiError::RequestIdReused(format!(
            "MS-RequestId '{request_id}' was first used by a different request (first: {} {}); a new request needs a new MS-RequestId",
            kept.verb, kept.target
        ))
        .into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// Keep the final answer under the request's id, in its unit; the answer goes on to the client.
/// None: another request with the id answered first, and the unit is not to be committed.
async fn keep(
    unit: &mut Unit,
    ticket: Ticket,
    response: Response,
    operations: &[Operation],
) -> Result<Option<Response>, ServiceError> {
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_KEPT_BODY)
        .await
        .map_err(|_| ServiceError::Internal("the response body could not be buffered".into()))?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let kept = run_once::keep(unit, ticket, parts.status.as_u16(), body, operations).await?;
    Ok(kept.then(|| Response::from_parts(parts, Body::from(bytes))))
}

/// An answer a retry should get again: success or the caller's mistake. Server errors, timeouts
/// and throttling are retryable, so the retry runs again.
fn is_final(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
}

fn replay(kept: KeptAnswer) -> Response {
    let status = StatusCode::from_u16(kept.code).unwrap_or(StatusCode::OK);
    let mut response = (status, kept.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
