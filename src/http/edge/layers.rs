//! Layers around every request: Partner Center's MS-* headers, the trace span, the timeouts,
//! the journal entry, and the case-insensitive path rewrite that runs before routing.

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::Response;
use futures_util::FutureExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

use super::around::Next;
use super::error::{noting_page_refusals, ApiError, RefusalNote, JSON_CONTENT_TYPE};
use super::request::{
    RequestContext, RequestIds, MAX_REQUEST_ID_LEN, MS_CORRELATION_ID, MS_CV, MS_REQUEST_ID, MS_SERVER_ID,
};
use crate::app::AppState;
use crate::journal::JournalEntry;
use crate::net::ConnectionInfo;

/// How a refusal of the edge is answered on a path: a page on the sites' paths, Partner Center's
/// JSON error elsewhere. The router, which knows the front doors, decides.
pub type Answer = fn(&str, ApiError) -> Response;

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
    "carts",
    "checkout",
    "attestations",
    "enhanced",
];

/// `/V1//Customers/{id}/Agreements/` → `/v1/customers/{id}/agreements`: on every path, repeated
/// slashes are one and a trailing slash goes (Partner Center's front door takes `/v1//customers`,
/// which the Java SDK sends when it joins `/v1/` and a `links` URI); literal segments of `/v1`
/// paths match without regard to case; identifiers keep theirs.
pub fn normalize_path(path: &str) -> Option<String> {
    if !needs_normalizing(path) {
        return None;
    }
    let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
    let in_api = segments.peek().is_some_and(|first| first.eq_ignore_ascii_case("v1"));
    let mut normalized = String::with_capacity(path.len());
    for segment in segments {
        normalized.push('/');
        let literal = LITERAL_SEGMENTS.iter().find(|lit| in_api && lit.eq_ignore_ascii_case(segment));
        normalized.push_str(literal.map_or(segment, |lit| lit));
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    (normalized != path).then_some(normalized)
}

/// Whether `normalize_path` would change `path`: most paths arrive as the router spells them, and
/// this tells so without allocating.
fn needs_normalizing(path: &str) -> bool {
    if (path.len() > 1 && path.ends_with('/')) || path.contains("//") {
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

/// Request and correlation ids echoed (or generated), MS-CV and MS-ServerId set, the JSON
/// content type made explicit, one span per request, the limits and the timeout, and the
/// journal entry.
pub async fn request_context((state, answer): (AppState, Answer), mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let connection = req.extensions().get::<ConnectInfo<ConnectionInfo>>().map(|c| c.0.clone());
    // The connection is busy with this request: its read timeouts wait (`net`); its body has the
    // body-read timeout, counted from now.
    let _running = connection.as_ref().map(ConnectionInfo::request_running);
    let body_cut = match &connection {
        Some(connection) if !http_body::Body::is_end_stream(req.body()) => {
            let cut = Arc::new(AtomicBool::new(false));
            let limit = Duration::from_secs(state.config.body_read_timeout_seconds);
            let body = std::mem::take(req.body_mut());
            *req.body_mut() = connection.timed_body(body, limit, cut.clone());
            Some(cut)
        }
        _ => None,
    };
    let context = Arc::new(RequestContext::new(RequestIds::read(req.headers(), &state.ids)));
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
    let refusal = refuse_early(&state, &req, connection.as_ref(), ids);
    let work = async {
        if let Some(refusal) = refusal {
            return answer(&path, refusal);
        }
        // A handler that panics is answered here, so that its answer has the headers and the
        // journal entry of any other.
        let run = std::panic::AssertUnwindSafe(next.run(req)).catch_unwind();
        let response = match tokio::time::timeout(timeout, run).await {
            Ok(Ok(response)) => response,
            Ok(Err(_)) => answer(&path, ApiError::Internal("handler panicked".into())),
            Err(_) => answer(&path, ApiError::Timeout),
        };
        // Whatever the handler made of a body that did not come, the client hears why.
        match body_cut {
            Some(cut) if cut.load(Ordering::Acquire) => {
                answer(&path, ApiError::BodyTimeout(state.config.body_read_timeout_seconds))
            }
            _ => response,
        }
    }
    .instrument(span.clone());
    // Pages note why they refuse while they are made; the API's and the control plane's refusals
    // carry their note (and need no scope of their own, on the hot path).
    let (response, page_note) =
        if answers_in_json(&path) { (work.await, None) } else { noting_page_refusals(work).await };

    let mut response = in_error_shape(&path, response, state.config.max_body_bytes, answer);
    // Whole microseconds in the log; milliseconds with three decimals in the journal.
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let latency_ms = latency_us as f64 / 1000.0;
    let status = response.status();
    span.record("status", status.as_u16());
    span.record("latency_us", latency_us);
    span.in_scope(|| tracing::info!(status = status.as_u16(), latency_us, "request finished"));
    set_response_headers(response.headers_mut(), &context.ids, &state.server_id);
    if connection.as_ref().is_some_and(|c| c.over_cap) {
        // A place of the reserved slice serves one request.
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if is_journaled(&path) {
        let emulator_at = emulator_time(&state, context.tenant().map(String::as_str)).await;
        // A refusal in the API's or the sign-in service's shape carries its note; a page's was noted
        // while it was made.
        let refused = status.is_client_error() || status.is_server_error();
        let note = response.extensions().get::<RefusalNote>().or(page_note.as_ref().filter(|_| refused));
        let (rule, hint) = (note.map(|n| n.rule.to_string()), note.map(|n| n.hint.clone()));
        // The request is answered: its context is the entry's, moved rather than copied, unless
        // something still holds it.
        let (ids, tenant, ignored_query) = match Arc::try_unwrap(context) {
            Ok(context) => context.into_parts(),
            Err(shared) => (shared.ids.clone(), shared.tenant().cloned(), shared.ignored_query().to_vec()),
        };
        state.journal.record(JournalEntry {
            sequence: 0,
            at: chrono::Utc::now(),
            emulator_at,
            method: method_name(&method),
            path,
            status: status.as_u16(),
            partner_tenant_id: tenant,
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            latency_ms,
            rule,
            hint,
            ignored_query_parameters: ignored_query,
        });
    }
    response
}

/// A method's name for the journal: a standard method's without allocating.
fn method_name(method: &Method) -> std::borrow::Cow<'static, str> {
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    match STANDARD.iter().find(|(m, _)| m == method) {
        Some((_, name)) => std::borrow::Cow::Borrowed(name),
        None => std::borrow::Cow::Owned(method.as_str().to_string()),
    }
}

/// The emulator clock for the journal entry: the clock the request was judged by (its partner's
/// own, where it has one). Read from memory as a rule; when it must come from a database that
/// does not answer at once, the entry goes without it rather than hold the answer up.
async fn emulator_time(state: &AppState, partner: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    tokio::time::timeout(Duration::from_millis(200), state.clock.now_for(partner)).await.ok()?.ok()
}

/// The limits checked before routing: the connection cap (a connection of the reserved slice is
/// refused, unless it is a probe: an orchestrator must not restart a busy emulator), the size of
/// the headers, and an encoded NUL.
fn refuse_early(
    state: &AppState,
    req: &Request,
    connection: Option<&ConnectionInfo>,
    ids: &RequestIds,
) -> Option<ApiError> {
    if let Some(connection) = connection.filter(|c| c.over_cap && !is_probe(req.uri().path())) {
        return Some(ApiError::TooManyConnections(connection.connections.max()));
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
    let bare_json =
        content_type.is_some_and(|v| v.starts_with(b"application/json") && v != JSON_CONTENT_TYPE.as_bytes());
    if bare_json {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    }
}

/// The journal keeps API and page requests, not its own reads, the probes or the docs.
fn is_journaled(path: &str) -> bool {
    !(path.starts_with("/_emulator/requests") || is_probe(path) || path.starts_with("/_emulator/docs"))
}

/// Liveness and readiness: open without the admin token, answered in the connection budget's
/// reserved slice when every other place is taken, and left out of the journal, so that any orchestrator can probe a busy emulator.
pub fn is_probe(path: &str) -> bool {
    matches!(path, "/_emulator/health" | "/_emulator/ready")
}

/// Bytes of the headers as sent: `name: value` and the line break of each.
fn headers_size(headers: &HeaderMap) -> usize {
    headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum()
}

/// A safety net at the edge: any 4xx that left in plain text (an axum rejection no extractor of
/// ours translated, such as a path segment that is not UTF-8) is answered in the error format.
fn in_error_shape(path: &str, response: Response, body_limit: usize, answer: Answer) -> Response {
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
    answer(path, error)
}

/// Whether a path answers its refusals in Partner Center's JSON error shape, which carries its own
/// journal note: the API and the control plane (the pages and the sign-in service do not).
fn answers_in_json(path: &str) -> bool {
    path.starts_with("/v1/") || path.starts_with("/_emulator/") || path.starts_with("/agreementdocuments/")
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

    #[test]
    fn repeated_slashes_are_one_on_every_path() {
        assert_eq!(normalize_path("/v1//customers").as_deref(), Some("/v1/customers"));
        assert_eq!(normalize_path("/v1//Customers").as_deref(), Some("/v1/customers"));
        assert_eq!(
            normalize_path("//v1///customers//AbC/agreements//").as_deref(),
            Some("/v1/customers/AbC/agreements")
        );
        assert_eq!(normalize_path("/_emulator//clock").as_deref(), Some("/_emulator/clock"));
        assert_eq!(normalize_path("//").as_deref(), Some("/"));
        assert_eq!(normalize_path("/AdminPortal//Home").as_deref(), Some("/AdminPortal/Home"));
    }

    #[tokio::test]
    async fn a_handler_that_panics_is_answered_with_the_headers_of_any_other_answer() {
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt;

        let config = crate::config::Config::for_tests("sqlite::memory:");
        let state = crate::app::AppContext::build(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let app = axum::Router::new()
            .route(
                "/v1/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("a handler's bug");
                    }
                    "unreachable"
                }),
            )
            .layer(super::super::around::Around::new((state.clone(), crate::http::answer as Answer), |s, r, n| {
                Box::pin(request_context(s, r, n))
            }))
            .with_state(state);
        let request = Request::get("/v1/boom").header(MS_REQUEST_ID, "boom-1").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers().get(MS_REQUEST_ID).unwrap(), "boom-1");
        let body = axum::body::to_bytes(response.into_body(), 10_000).await.unwrap();
        let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (error["code"].as_i64(), error["errorName"].as_str()),
            (Some(990500), Some("InternalError")),
            "{error}"
        );
    }
}
