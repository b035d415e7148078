//! The one error type at the HTTP edge. A use case's refusal ([`ServiceError`]) and the edge's
//! own refusals (a body that is not JSON, an unknown route, a reused request id, an injected
//! fault, …) become one Partner Center error body here, and nowhere else.

use std::borrow::Cow;
use std::cell::RefCell;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::faults::FaultEffect;
use crate::service::{ErrorKind, ServiceError};

/// The content type of every JSON answer, with its charset as Partner Center sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What the request journal records about a refusal: the rule and a hint for the developer.
#[derive(Debug, Clone)]
pub struct RefusalNote {
    pub rule: Cow<'static, str>,
    pub hint: String,
}

tokio::task_local! {
    /// Why a page of the current request refused, within [`noting_page_refusals`].
    static PAGE_REFUSAL: RefCell<Option<RefusalNote>>;
}

/// Say why a page refuses, for the request journal: a page answers in HTML, and its refusal's
/// rule and hint would otherwise reach the journal as nothing. The first reason a request gives
/// is kept (the most specific: a use case's refusal is noted before the page that shows it).
pub fn note_page_refusal(rule: impl Into<Cow<'static, str>>, hint: impl Into<String>) {
    note(RefusalNote { rule: rule.into(), hint: hint.into() }, false);
}

/// Say that a page failed (the emulator's own failure): it replaces any refusal noted before, which
/// the page no longer shows.
pub fn note_page_failure(rule: &'static str) {
    note(RefusalNote { rule: rule.into(), hint: SEE_THE_LOG.into() }, true);
}

/// A failure's hint: its details go to the server log only.
const SEE_THE_LOG: &str = "see the server log";

/// The journal's note of a refusal in `shape`: its name, and `hint` for a client's error.
fn note_of(shape: &Shape, hint: String) -> RefusalNote {
    let hint = if shape.status.is_client_error() { hint } else { SEE_THE_LOG.into() };
    RefusalNote { rule: shape.name.into(), hint }
}

fn note(new: RefusalNote, replace: bool) {
    let _ = PAGE_REFUSAL.try_with(|note| {
        let mut note = note.borrow_mut();
        if replace || note.is_none() {
            *note = Some(new);
        }
    });
}

/// Run `work` (one request), and say why a page of it refused, if one did.
pub async fn noting_page_refusals<T>(work: impl std::future::Future<Output = T>) -> (T, Option<RefusalNote>) {
    PAGE_REFUSAL
        .scope(RefCell::new(None), async {
            let out = work.await;
            (out, PAGE_REFUSAL.with(|note| note.borrow_mut().take()))
        })
        .await
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case refused or failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("malformed body")]
    MalformedBody(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("route not found")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error("invalid query parameter")]
    InvalidQueryParameter(String),
    #[error("invalid request")]
    InvalidRequest(String),
    #[error("request in progress")]
    RequestInProgress,
    #[error("request id reused")]
    RequestIdReused(String),
    #[error("injected fault")]
    InjectedFault { effect: FaultEffect, rule_id: String, retry_after_seconds: u64 },
    #[error("request headers too large")]
    HeadersTooLarge(usize),
    #[error("too many connections")]
    TooManyConnections(usize),
    #[error("admin token required")]
    AdminTokenRequired,
    #[error("timeout")]
    Timeout,
    /// The request's body did not arrive within the body-read timeout (seconds) of its headers.
    #[error("request body timeout")]
    BodyTimeout(u64),
    /// `GET /_emulator/tls/certificate` while no HTTPS listener runs.
    #[error("no https listener")]
    HttpsListenerNotRunning,
    /// A failure of the HTTP edge itself: a handler panicked, an answer could not be buffered.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The fixed parts of an error: status, code, name and the description clients read.
struct Shape {
    status: StatusCode,
    code: u32,
    name: &'static str,
    description: String,
}

fn shape(status: StatusCode, code: u32, name: &'static str, description: impl Into<String>) -> Shape {
    Shape { status, code, name, description: description.into() }
}

/// The HTTP status of a use case's refusal.
pub fn status_of(e: &ServiceError) -> StatusCode {
    match e.kind() {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Gone => StatusCode::GONE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    fn shape(&self) -> Shape {
        use StatusCode as S;
        match self {
            Self::Service(e) => {
                let d = e.describe();
                shape(status_of(e), d.code, d.name, d.description)
            }
            Self::MalformedBody(_) => shape(S::BAD_REQUEST, 990400, "MalformedRequestBody", "The request body could not be parsed; see data."),
            Self::UnsupportedMediaType(_) => shape(S::UNSUPPORTED_MEDIA_TYPE, 990402, "UnsupportedMediaType", "The request body must be sent with Content-Type: application/json."),
            Self::PayloadTooLarge(limit) => shape(S::PAYLOAD_TOO_LARGE, 990403, "PayloadTooLarge", format!("The request body is larger than {limit} bytes.")),
            Self::RouteNotFound(_) => shape(S::NOT_FOUND, 990404, "RouteNotFound", "The requested resource does not exist."),
            Self::MethodNotAllowed(_) => shape(S::METHOD_NOT_ALLOWED, 990405, "MethodNotAllowed", "The HTTP method is not supported by this resource."),
            Self::InvalidQueryParameter(_) => shape(S::BAD_REQUEST, 990406, "InvalidQueryParameter", "A query parameter is not valid."),
            Self::InvalidRequest(_) => shape(S::BAD_REQUEST, 990407, "InvalidRequest", "The request could not be understood (invalid path or header)."),
            Self::RequestInProgress => shape(S::CONFLICT, 990408, "RequestInProgress", "A request with this MS-RequestId is still being processed. Retry later."),
            Self::RequestIdReused(_) => shape(S::CONFLICT, 990409, "RequestIdReused", "This MS-RequestId was already used for a different request. Send a new MS-RequestId with each new request."),
            Self::InjectedFault { effect: FaultEffect::Throttle, retry_after_seconds, .. } => shape(S::TOO_MANY_REQUESTS, 990429, "TooManyRequests", format!("Too many requests. Retry after {retry_after_seconds} seconds.")),
            Self::InjectedFault { effect: FaultEffect::Unavailable, .. } => shape(S::SERVICE_UNAVAILABLE, 990503, "ServiceUnavailable", "The service is temporarily unavailable. Retry later."),
            Self::InjectedFault { .. } => shape(S::INTERNAL_SERVER_ERROR, 990500, "InternalError", "An internal error occurred."),
            Self::AdminTokenRequired => shape(S::UNAUTHORIZED, 990432, "AdminTokenRequired", "The emulator's control plane requires the admin token (Authorization: Bearer <PCE_ADMIN_TOKEN>)."),
            Self::HeadersTooLarge(limit) => shape(S::REQUEST_HEADER_FIELDS_TOO_LARGE, 990433, "RequestHeadersTooLarge", format!("The request headers are larger than {limit} bytes in all.")),
            Self::TooManyConnections(limit) => shape(S::SERVICE_UNAVAILABLE, 990434, "TooManyConnections", format!("The emulator already holds its limit of {limit} open connections. Retry later.")),
            Self::HttpsListenerNotRunning => shape(S::NOT_FOUND, 990448, "HttpsListenerNotRunning", "No HTTPS listener runs, so there is no certificate to export: start the emulator with --tls-listen (PCE_TLS_LISTEN), e.g. --tls-listen 127.0.0.1:8443."),
            Self::BodyTimeout(limit) => shape(S::REQUEST_TIMEOUT, 990455, "RequestBodyTimeout", format!("The request body did not arrive within {limit} seconds of its headers; the connection is closed. Send the request again.")),
            Self::Timeout => shape(S::SERVICE_UNAVAILABLE, 990504, "RequestTimeout", "The request took too long and was abandoned. Retry later."),
            Self::Internal(_) => shape(S::INTERNAL_SERVER_ERROR, 990500, "InternalError", "An internal error occurred."),
        }
    }

    /// Field-level details sent to the client in `data`.
    fn data(&self) -> Vec<String> {
        match self {
            Self::Service(e) => e.data(),
            Self::MalformedBody(detail)
            | Self::InvalidQueryParameter(detail)
            | Self::InvalidRequest(detail)
            | Self::RequestIdReused(detail) => vec![detail.clone()],
            Self::InjectedFault { rule_id, .. } => vec![format!("injected by emulator fault rule {rule_id}")],
            _ => Vec::new(),
        }
    }

    /// The journal's explanation: never sent to clients for 5xx.
    fn hint(&self) -> String {
        match self {
            Self::Service(e) => e.hint(),
            Self::MalformedBody(h)
            | Self::UnsupportedMediaType(h)
            | Self::RouteNotFound(h)
            | Self::MethodNotAllowed(h)
            | Self::InvalidQueryParameter(h)
            | Self::InvalidRequest(h)
            | Self::RequestIdReused(h)
            | Self::Internal(h) => h.clone(),
            Self::InjectedFault { rule_id, .. } => format!("injected by fault rule {rule_id} (see /_emulator/faults)"),
            other => other.shape().description,
        }
    }

    /// Whether the client should retry: the answer then says when (`Retry-After`).
    fn retry_after(&self, status: StatusCode) -> Option<u64> {
        match self {
            Self::InjectedFault { retry_after_seconds, .. } => Some(*retry_after_seconds),
            Self::RequestInProgress | Self::BodyTimeout(_) => Some(1),
            _ => matches!(status, StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS).then_some(1),
        }
    }
}

impl ApiError {
    /// What the request journal records of this refusal (a page that shows it carries it too).
    pub fn refusal_note(&self) -> RefusalNote {
        note_of(&self.shape(), self.hint())
    }

    /// The status and the description a client reads (a page shows the same sentence).
    pub fn status_and_description(&self) -> (StatusCode, String) {
        let shape = self.shape();
        if shape.status.is_server_error() {
            tracing::error!(code = shape.code, error = %self.hint(), "request failed");
        }
        (shape.status, shape.description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let shape = self.shape();
        let hint = self.hint();
        if shape.status.is_server_error() {
            tracing::error!(code = shape.code, error = %hint, "request failed");
        }
        let retry_after = self.retry_after(shape.status);
        let body = json!({
            "code": shape.code,
            "description": &shape.description,
            "message": &shape.description,
            "errorName": shape.name,
            "isRetryable": retry_after.is_some(),
            "data": self.data(),
            "source": "PartnerFD",
            "parameters": {},
            "errorMessageExtended": format!("InternalErrorCode={}", shape.code),
        });
        let mut response = (shape.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Service(ServiceError::MfaRequired) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "OAuth realm=\"https://login.microsoftonline.com\", error=\"insufficient_claims\"",
                    ),
                );
            }
            Self::Service(ServiceError::Unauthenticated(_)) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "OAuth realm=\"https://login.microsoftonline.com\", error=\"invalid_token\"",
                    ),
                );
            }
            Self::AdminTokenRequired => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"partner-center-emulator\""),
                );
            }
            Self::TooManyConnections(_) | Self::BodyTimeout(_) => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(note_of(&shape, hint));
        response
    }
}
