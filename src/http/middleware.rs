//! Layers around every request: Partner Center's MS-* headers, the trace span, the timeout,
//! the journal entry, and the case-insensitive path rewrite that runs before routing.

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tracing::Instrument;

use super::error::{ApiError, RefusalNote};
use super::extract::{bearer_token, Authentication};
use super::{faults, idempotency};
use crate::app::AppState;
use crate::clock;
use crate::domain::permissions::meets_mfa_requirement;
use crate::ids::IdKind;
use crate::journal::JournalEntry;
use crate::net::ConnectionInfo;
use crate::service::{self, ServiceError};

pub const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
pub const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");
pub const MS_CV: HeaderName = HeaderName::from_static("ms-cv");
pub const MS_SERVER_ID: HeaderName = HeaderName::from_static("ms-serverid");

/// The literal path segments of the emulated API, in the spelling the router uses.
const LITERAL_SEGMENTS: &[&str] = &[
    "v1",
    "customers",
    "agreements",
    "agreementtemplates",
    "document",
    "directsignedmicrosoftcustomeragreementstatus",
    "relationshiprequests",
    "orders",
    "attestations",
    "enhanced",
];

/// `/V1/Customers/{id}/Agreements/` → `/v1/customers/{id}/agreements`: literal segments of
/// `/v1` paths match without regard to case; identifiers keep theirs.
pub fn normalize_path(path: &str) -> Option<String> {
    if !needs_normalizing(path) {
        return None;
    }
    let trimmed = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let mut segments = trimmed.split('/');
    segments.next(); // leading empty segment
    let first = segments.next()?;
    if !first.eq_ignore_ascii_case("v1") {
        return (trimmed.len() != path.len()).then(|| trimmed.to_string());
    }
    let rewritten: Vec<String> = std::iter::once(first)
        .chain(segments)
        .map(|s| {
            LITERAL_SEGMENTS
                .iter()
                .find(|lit| lit.eq_ignore_ascii_case(s))
                .map(|lit| lit.to_string())
                .unwrap_or_else(|| s.to_string())
        })
        .collect();
    let normalized = format!("/{}", rewritten.join("/"));
    (normalized != path).then_some(normalized)
}

/// Whether `normalize_path` would change `path`: most paths arrive as the router spells them, and
/// this tells so without allocating.
fn needs_normalizing(path: &str) -> bool {
    if path.len() > 1 && path.ends_with('/') {
        return true;
    }
    let mut segments = path.split('/').skip(1);
    match segments.next() {
        Some(first) if first.eq_ignore_ascii_case("v1") => std::iter::once(first)
            .chain(segments)
            .any(|s| LITERAL_SEGMENTS.iter().any(|lit| *lit != s && lit.eq_ignore_ascii_case(s))),
        _ => false,
    }
}

/// Runs before routing (the router is wrapped in it).
pub fn rewrite_request_path(mut req: Request) -> Request {
    if let Some(path) = normalize_path(req.uri().path()) {
        let path_and_query = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// The ids of a request, read once from its headers (or generated) and put in its extensions.
#[derive(Debug, Clone)]
pub struct RequestIds {
    /// Echoed in `MS-RequestId`: the client's, or a generated one.
    pub request_id: String,
    pub correlation_id: String,
    /// `MS-CV`: the client's with `.1` appended, or a generated one.
    pub cv: String,
    /// The `MS-RequestId` the client sent, if it sent a usable one: what makes a retry safe.
    pub client_request_id: Option<String>,
    /// The client sent an `MS-RequestId` longer than `MAX_REQUEST_ID_LEN`: the request is refused.
    request_id_too_long: bool,
}

/// The longest `MS-RequestId` taken (a GUID is 36 characters).
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// A header value a client sent, trimmed; blank counts as not sent.
fn client_header<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

impl RequestIds {
    fn read(headers: &HeaderMap, ids: &crate::ids::Ids) -> Self {
        let sent = client_header(headers, &MS_REQUEST_ID);
        let request_id_too_long = sent.is_some_and(|v| v.len() > MAX_REQUEST_ID_LEN);
        let client_request_id = sent.filter(|_| !request_id_too_long).map(str::to_string);
        let request_id = client_request_id.clone().unwrap_or_else(|| ids.guid(IdKind::Request));
        // A correlation id over the limit is replaced, not refused: it only ties log lines together.
        let correlation_id = client_header(headers, &MS_CORRELATION_ID)
            .filter(|v| v.len() <= MAX_REQUEST_ID_LEN)
            .map_or_else(|| ids.guid(IdKind::Request), str::to_string);
        let cv = match headers.get(&MS_CV).and_then(|v| v.to_str().ok()) {
            Some(cv) if !cv.is_empty() && cv.len() < 100 => format!("{cv}.1"),
            _ => format!("{}.0", ids.correlation_vector()),
        };
        Self { request_id, correlation_id, cv, client_request_id, request_id_too_long }
    }
}

/// What the edge knows of a request from its first layer on, shared with the layers inside it
/// through the request's extensions: its ids, and its partner once it is authenticated (for the
/// journal).
pub struct RequestContext {
    pub ids: RequestIds,
    tenant: OnceLock<String>,
}

impl RequestContext {
    fn set_tenant(&self, tenant_id: &str) {
        let _ = self.tenant.set(tenant_id.to_string());
    }
}

/// Request and correlation ids echoed (or generated), MS-CV and MS-ServerId set, the JSON
/// content type made explicit, one span per request, the limits and the timeout, and the
/// journal entry.
pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // The connection is busy with this request: its read timeouts wait (`net`).
    let _running = req.extensions().get::<ConnectInfo<ConnectionInfo>>().map(|c| c.0.request_running());
    let context =
        Arc::new(RequestContext { ids: RequestIds::read(req.headers(), &state.ids), tenant: OnceLock::new() });
    let ids = &context.ids;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("<unmatched>", MatchedPath::as_str);
    req.extensions_mut().insert(context.clone());

    let span = tracing::info_span!(
        "request",
        request_id = %ids.request_id,
        correlation_id = %ids.correlation_id,
        method = %method,
        route = %route,
        status = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    );
    let timeout = Duration::from_secs(state.config.request_timeout_seconds);
    let refusal = refuse_early(&state, &req, ids);
    let response = async {
        if let Some(refusal) = refusal {
            return super::answer(&path, refusal);
        }
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(response) => response,
            Err(_) => super::answer(&path, ApiError::Timeout),
        }
    }
    .instrument(span.clone())
    .await;

    let mut response = in_error_shape(&path, response, state.config.max_body_bytes);
    // Whole microseconds in the log; milliseconds with three decimals in the journal.
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let latency_ms = latency_us as f64 / 1000.0;
    let status = response.status();
    span.record("status", status.as_u16());
    span.record("latency_us", latency_us);
    span.in_scope(|| tracing::info!(status = status.as_u16(), latency_us, "request finished"));
    set_response_headers(response.headers_mut(), ids, &state.server_id);
    if is_journaled(&path) {
        let note = response.extensions().get::<RefusalNote>();
        state.journal.record(JournalEntry {
            sequence: 0,
            at: chrono::Utc::now(),
            method: method.to_string(),
            path,
            status: status.as_u16(),
            partner_tenant_id: context.tenant.get().cloned(),
            request_id: ids.request_id.clone(),
            correlation_id: ids.correlation_id.clone(),
            latency_ms,
            rule: note.map(|n| n.rule.to_string()),
            hint: note.map(|n| n.hint.clone()),
        });
    }
    response
}

/// The limits checked before routing: the connection cap (probes are answered even over it: an
/// orchestrator must not restart a busy emulator), the size of the headers, and an encoded NUL.
fn refuse_early(state: &AppState, req: &Request, ids: &RequestIds) -> Option<ApiError> {
    let over_cap = !is_probe(req.uri().path())
        && req.extensions().get::<ConnectInfo<ConnectionInfo>>().is_some_and(|c| c.0.over_cap);
    if over_cap {
        return Some(ApiError::TooManyConnections(state.config.max_connections));
    }
    if headers_size(req.headers()) > state.config.max_header_bytes {
        return Some(ApiError::HeadersTooLarge(state.config.max_header_bytes));
    }
    if ids.request_id_too_long {
        return Some(ApiError::InvalidRequest(format!(
            "MS-RequestId: at most {MAX_REQUEST_ID_LEN} characters (a GUID is 36); a retry must send the same value"
        )));
    }
    let encoded_nul = req.uri().path_and_query().is_some_and(|pq| pq.as_str().contains("%00"));
    if encoded_nul {
        return Some(ApiError::InvalidRequest("the path or query contains an encoded NUL character (%00)".into()));
    }
    None
}

/// Partner Center's `MS-*` headers, the JSON content type with its charset, and the security
/// headers every answer carries (`nosniff`; on pages, a referrer policy).
fn set_response_headers(headers: &mut HeaderMap, ids: &RequestIds, server_id: &str) {
    // Room for the headers below in one step, not one growth of the map after another.
    headers.reserve(8);
    for (name, value) in [
        (MS_REQUEST_ID, ids.request_id.as_str()),
        (MS_CORRELATION_ID, ids.correlation_id.as_str()),
        (MS_CV, ids.cv.as_str()),
        (MS_SERVER_ID, server_id),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let content_type = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes);
    if content_type.is_some_and(|v| v.starts_with(b"text/html")) && !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    let content_type = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes);
    let bare_json = content_type
        .is_some_and(|v| v.starts_with(b"application/json") && v != super::wire::JSON_CONTENT_TYPE.as_bytes());
    if bare_json {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(super::wire::JSON_CONTENT_TYPE));
    }
}

/// The journal keeps API and page requests, not its own reads, the probes or the docs.
fn is_journaled(path: &str) -> bool {
    !(path.starts_with("/_emulator/requests") || is_probe(path) || path.starts_with("/_emulator/docs"))
}

/// `ValidateMfa: true` asks whether the call meets the MFA requirement; the answer is the response
/// header `isMfaCompliant: true|false`.
const VALIDATE_MFA: HeaderName = HeaderName::from_static("validatemfa");
const IS_MFA_COMPLIANT: HeaderName = HeaderName::from_static("ismfacompliant");

/// The layer around every API route, in order: the caller is established once (a bearer token,
/// when the request carries one, is verified here and the outcome handed on in the request's
/// extensions); a fault rule may hit the request; a POST claims its `MS-RequestId` or gets its
/// kept answer; then the handler runs. One layer rather than three: each layer costs a boxed
/// future and a service clone on every request.
pub async fn api_request(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mfa_compliant = authenticate(&state, &mut req).await;
    let report_mfa = req.headers().get(&VALIDATE_MFA).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    let partner =
        req.extensions().get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.clone());
    let (parts, body) = req.into_parts();
    let handled = async {
        match faults::inject_faults(&state, &parts).await {
            Some(injected) => injected,
            None => idempotency::run_in_unit(&state, Request::from_parts(parts, body), next).await,
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

/// Liveness and readiness: open without the admin token, answered over the connection cap and
/// left out of the journal, so that any orchestrator can probe a busy emulator.
fn is_probe(path: &str) -> bool {
    matches!(path, "/_emulator/health" | "/_emulator/ready")
}

/// Bytes of the headers as sent: `name: value` and the line break of each.
fn headers_size(headers: &HeaderMap) -> usize {
    headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum()
}

/// A safety net at the edge: any 4xx that left in plain text (an axum rejection no extractor of
/// ours translated, such as a path segment that is not UTF-8) is answered in the error format.
fn in_error_shape(path: &str, response: Response, body_limit: usize) -> Response {
    let status = response.status();
    let plain = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() && plain) {
        return response;
    }
    let error = match status {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(body_limit),
        axum::http::StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed("method not allowed".into()),
        axum::http::StatusCode::NOT_FOUND => ApiError::RouteNotFound("not found".into()),
        _ => ApiError::InvalidRequest(format!("rejected with {status}")),
    };
    super::answer(path, error)
}

/// When an admin token is configured, every `/_emulator` route requires it.
/// Liveness and readiness stay open so that any orchestrator can probe them.
pub async fn require_admin_token(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let probe = is_probe(req.uri().path());
    if let Some(expected) = state.config.admin_token().filter(|_| !probe) {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            return ApiError::AdminTokenRequired.into_response();
        }
    }
    next.run(req).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_are_normalised_and_ids_kept() {
        assert_eq!(
            normalize_path("/V1/Customers/AbC-1/Agreements/").as_deref(),
            Some("/v1/customers/AbC-1/agreements")
        );
        assert_eq!(
            normalize_path("/v1/agreementTemplates/117a77b0/Document").as_deref(),
            Some("/v1/agreementtemplates/117a77b0/document")
        );
        assert_eq!(normalize_path("/v1/customers"), None);
        assert_eq!(normalize_path("/_emulator/clock/").as_deref(), Some("/_emulator/clock"));
        assert_eq!(normalize_path("/"), None);
    }
}
