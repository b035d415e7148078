//! What the edge knows of one request, handed from layer to layer (and to the handler) through the
//! request's extensions: its ids, its caller once authenticated, and its unit of work. A leaf: it
//! imports nothing else of the edge, so every layer and extractor may read it.

use axum::http::{HeaderMap, HeaderName};
use std::sync::{Arc, Mutex, OnceLock};

use crate::auth::Caller;
use crate::ids::{IdKind, Ids};
use crate::service::unit::Unit;
use crate::service::ServiceError;

pub const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
pub const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");
pub const MS_CV: HeaderName = HeaderName::from_static("ms-cv");
pub const MS_SERVER_ID: HeaderName = HeaderName::from_static("ms-serverid");

/// The longest `MS-RequestId` taken (a GUID is 36 characters).
pub const MAX_REQUEST_ID_LEN: usize = 128;

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
    pub request_id_too_long: bool,
}

/// A header value a client sent, trimmed; blank counts as not sent.
fn client_header<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

impl RequestIds {
    pub fn read(headers: &HeaderMap, ids: &Ids) -> Self {
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
/// through the request's extensions: its ids, its partner once it is authenticated, and the query
/// parameters its route does not read (for the journal).
pub struct RequestContext {
    pub ids: RequestIds,
    tenant: OnceLock<String>,
    ignored_query: OnceLock<Vec<String>>,
}

impl RequestContext {
    pub fn new(ids: RequestIds) -> Self {
        Self { ids, tenant: OnceLock::new(), ignored_query: OnceLock::new() }
    }

    /// Query parameters the request sent that its route does not read: they have no effect.
    pub fn set_ignored_query(&self, names: Vec<String>) {
        let _ = self.ignored_query.set(names);
    }

    pub fn ignored_query(&self) -> &[String] {
        self.ignored_query.get().map_or(&[], Vec::as_slice)
    }

    pub fn set_tenant(&self, tenant_id: &str) {
        let _ = self.tenant.set(tenant_id.to_string());
    }

    /// The partner the request was authenticated as, if it was.
    pub fn tenant(&self) -> Option<&String> {
        self.tenant.get()
    }

    /// What the context holds, once the request is answered: its ids, its partner and the query
    /// parameters it ignored.
    pub fn into_parts(self) -> (RequestIds, Option<String>, Vec<String>) {
        (self.ids, self.tenant.into_inner(), self.ignored_query.into_inner().unwrap_or_default())
    }
}

/// The outcome of authenticating a request's bearer token, put in the request's extensions once
/// by the API's pipeline; the layers that need the caller read it there, and the handler takes it.
#[derive(Clone)]
pub struct Authentication(pub Result<Caller, ServiceError>);

impl Authentication {
    pub fn caller(&self) -> Option<&Caller> {
        self.0.as_ref().ok()
    }
}

/// Where the request's unit of work waits while no one uses it: in the request's extensions, from
/// which the handler borrows it (see `extract::Unit`).
#[derive(Clone, Default)]
pub struct UnitSlot(Arc<Mutex<Option<Unit>>>);

impl UnitSlot {
    pub fn holding(unit: Unit) -> Self {
        Self(Arc::new(Mutex::new(Some(unit))))
    }

    pub fn take(&self) -> Option<Unit> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub fn put_back(&self, unit: Unit) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(unit);
    }
}
