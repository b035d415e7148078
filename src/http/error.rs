//! The one error type at the HTTP edge. Every refusal of the emulator becomes one Partner
//! Center error body here, and nowhere else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::TokenError;
use crate::domain::faults::FaultEffect;
use crate::domain::permissions::Refusal;
use crate::store::StoreError;

/// What the request journal records about a refusal: the rule and a hint for the developer.
#[derive(Debug, Clone)]
pub struct RefusalNote {
    pub rule: &'static str,
    pub hint: String,
    /// The description the client was sent.
    pub public: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    // --- Partner Center's own codes ---
    /// 401, 800001.
    #[error("unauthorized")]
    Unauthorized(TokenError),
    /// 403, 900150.
    #[error("role not allowed")]
    RoleNotAllowed(String),
    /// 404, 60003.
    #[error("tenant not found")]
    TenantNotFound(String),
    /// 403, 20002.
    #[error("no relationship")]
    NoRelationship(String),
    /// 403, 13605.
    #[error("order gate")]
    AgreementRequiredForPurchase(String),
    /// 409, 600061.
    #[error("duplicate confirmation")]
    PartnerConfirmedAgreementAlreadyExists,
    /// 400, 600002.
    #[error("date agreed in future")]
    DateAgreedInFuture(String),

    // --- Emulator codes (99xxxx) ---
    #[error("malformed body")]
    MalformedBody(String),
    #[error("validation failed")]
    Validation(Vec<String>),
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
    #[error("unsupported agreement type")]
    UnsupportedAgreementType(String),
    #[error("unknown template")]
    UnknownAgreementTemplate { id: String, hint: String, in_path: bool },
    #[error("type contradicts template")]
    AgreementTypeMismatch(String),
    #[error("template retired")]
    AgreementTemplateRetired { id: String, hint: String },
    #[error("no document")]
    NoDocumentForTemplate(String),
    #[error("unknown country")]
    UnknownCountry(String),
    #[error("document link expired")]
    DocumentLinkExpired,
    #[error("document link not found")]
    DocumentLinkNotFound,
    #[error("app+user token required")]
    AppUserTokenRequired,
    #[error("reseller cannot attest")]
    IndirectResellerCannotAttest,
    #[error("domain exists")]
    DomainAlreadyExists(String),
    #[error("invalid associated partner")]
    InvalidAssociatedPartner(String),
    #[error("customer must go through partner")]
    PartnerMustConfirmAcceptance,
    #[error("already accepted")]
    AlreadyAcceptedDirectly,
    #[error("partner not found")]
    PartnerNotFound(String),
    #[error("partner exists")]
    PartnerAlreadyExists(String),
    #[error("invalid request")]
    InvalidRequest(String),
    #[error("request in progress")]
    RequestInProgress,
    #[error("fault rule not found")]
    FaultRuleNotFound(String),
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
    #[error("database unavailable")]
    DatabaseUnavailable(#[source] StoreError),
    #[error("timeout")]
    Timeout,
    #[error("internal error: {0}")]
    Internal(String),
}

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

pub const ORDER_GATE_MESSAGE: &str = "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase";
pub const ASK_PARTNER_MESSAGE: &str =
    "Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement.";

impl ApiError {
    fn shape(&self) -> Shape {
        use StatusCode as S;
        match self {
            Self::Unauthorized(_) => shape(S::UNAUTHORIZED, 800001, "Unauthorized", "Authentication failed: the access token is missing, invalid or expired."),
            Self::RoleNotAllowed(_) => shape(S::FORBIDDEN, 900150, "InsufficientRole", "The supplied role does not have the rights to perform the requested operation."),
            Self::TenantNotFound(_) => shape(S::NOT_FOUND, 60003, "TenantNotFound", "Tenant not found"),
            Self::NoRelationship(_) => shape(S::FORBIDDEN, 20002, "NoRelationship", "No relationship between caller and account."),
            Self::AgreementRequiredForPurchase(_) => shape(S::FORBIDDEN, 13605, "CustomerAgreementNotAccepted", ORDER_GATE_MESSAGE),
            Self::PartnerConfirmedAgreementAlreadyExists => shape(S::CONFLICT, 600061, "PartnerConfirmedAgreementAlreadyExists", "A partner confirmed agreement already exists for the customer."),
            Self::DateAgreedInFuture(_) => shape(S::BAD_REQUEST, 600002, "DateAgreedInFuture", "Date of agreement cannot be greater than the current date."),
            Self::MalformedBody(_) => shape(S::BAD_REQUEST, 990400, "MalformedRequestBody", "The request body could not be parsed; see data."),
            Self::Validation(_) => shape(S::BAD_REQUEST, 990401, "ValidationFailed", "The request is not valid; see data for each problem."),
            Self::UnsupportedMediaType(_) => shape(S::UNSUPPORTED_MEDIA_TYPE, 990402, "UnsupportedMediaType", "The request body must be sent with Content-Type: application/json."),
            Self::PayloadTooLarge(limit) => shape(S::PAYLOAD_TOO_LARGE, 990403, "PayloadTooLarge", format!("The request body is larger than {limit} bytes.")),
            Self::RouteNotFound(_) => shape(S::NOT_FOUND, 990404, "RouteNotFound", "The requested resource does not exist."),
            Self::MethodNotAllowed(_) => shape(S::METHOD_NOT_ALLOWED, 990405, "MethodNotAllowed", "The HTTP method is not supported by this resource."),
            Self::InvalidQueryParameter(_) => shape(S::BAD_REQUEST, 990406, "InvalidQueryParameter", "A query parameter is not valid."),
            Self::UnsupportedAgreementType(t) => shape(S::BAD_REQUEST, 990410, "UnsupportedAgreementType", format!("Agreement type '{t}' is not supported. Use MicrosoftCustomerAgreement or MicrosoftCloudAgreement (or * to list every type).")),
            Self::UnknownAgreementTemplate { id, in_path, .. } => shape(if *in_path { S::NOT_FOUND } else { S::BAD_REQUEST }, 990411, "UnknownAgreementTemplate", format!("Agreement template '{id}' was not found.")),
            Self::AgreementTypeMismatch(_) => shape(S::BAD_REQUEST, 990412, "AgreementTypeMismatch", "The agreement type does not match the agreement template."),
            Self::AgreementTemplateRetired { id, .. } => shape(S::BAD_REQUEST, 990413, "AgreementTemplateRetired", format!("Microsoft Cloud Agreement Template ID '{id}' is no longer supported.")),
            Self::NoDocumentForTemplate(id) => shape(S::NOT_FOUND, 990414, "NoDocumentForTemplate", format!("Agreement template '{id}' has no document; only the Microsoft Customer Agreement has one.")),
            Self::UnknownCountry(c) => shape(S::BAD_REQUEST, 990415, "UnknownCountry", format!("Country '{c}' is not supported (codes are case-sensitive ISO 3166 two-letter codes).")),
            Self::DocumentLinkExpired => shape(S::GONE, 990416, "DocumentLinkExpired", "This agreement document link has expired; request a new one."),
            Self::DocumentLinkNotFound => shape(S::NOT_FOUND, 990417, "DocumentLinkNotFound", "This agreement document link does not exist."),
            Self::AppUserTokenRequired => shape(S::FORBIDDEN, 990420, "AppUserTokenRequired", "This operation requires an App+User token; App-only tokens are not supported."),
            Self::IndirectResellerCannotAttest => shape(S::FORBIDDEN, 990421, "IndirectResellerCannotAttest", "Indirect resellers can't attest on behalf of their customers. Work with your indirect provider to confirm the customer's acceptance of the Microsoft Customer Agreement."),
            Self::DomainAlreadyExists(d) => shape(S::CONFLICT, 990422, "DomainAlreadyExists", format!("The domain '{d}' is already in use.")),
            Self::InvalidAssociatedPartner(_) => shape(S::BAD_REQUEST, 990423, "InvalidAssociatedPartner", "associatedPartnerId must name one of the caller's own indirect resellers, and only an indirect provider may send it."),
            Self::PartnerMustConfirmAcceptance => shape(S::FORBIDDEN, 990424, "PartnerMustConfirmAcceptance", ASK_PARTNER_MESSAGE),
            Self::AlreadyAcceptedDirectly => shape(S::CONFLICT, 990425, "AgreementAlreadyAccepted", "The customer has already accepted the Microsoft Customer Agreement."),
            Self::PartnerNotFound(id) => shape(S::NOT_FOUND, 990430, "PartnerNotFound", format!("Partner '{id}' does not exist in this emulator.")),
            Self::PartnerAlreadyExists(id) => shape(S::CONFLICT, 990431, "PartnerAlreadyExists", format!("A partner with tenant id '{id}' already exists.")),
            Self::FaultRuleNotFound(id) => shape(S::NOT_FOUND, 990435, "FaultRuleNotFound", format!("Fault rule '{id}' does not exist.")),
            Self::RequestIdReused(_) => shape(S::CONFLICT, 990409, "RequestIdReused", "This MS-RequestId was already used for a different request. Send a new MS-RequestId with each new request."),
            Self::InjectedFault { effect: FaultEffect::Throttle, retry_after_seconds, .. } => shape(S::TOO_MANY_REQUESTS, 990429, "TooManyRequests", format!("Too many requests. Retry after {retry_after_seconds} seconds.")),
            Self::InjectedFault { effect: FaultEffect::Unavailable, .. } => shape(S::SERVICE_UNAVAILABLE, 990503, "ServiceUnavailable", "The service is temporarily unavailable. Retry later."),
            Self::InjectedFault { .. } => shape(S::INTERNAL_SERVER_ERROR, 990500, "InternalError", "An internal error occurred."),
            Self::HeadersTooLarge(limit) => shape(S::REQUEST_HEADER_FIELDS_TOO_LARGE, 990433, "RequestHeadersTooLarge", format!("The request headers are larger than {limit} bytes in all.")),
            Self::TooManyConnections(limit) => shape(S::SERVICE_UNAVAILABLE, 990434, "TooManyConnections", format!("The emulator already holds its limit of {limit} open connections. Retry later.")),
            Self::RequestInProgress => shape(S::CONFLICT, 990408, "RequestInProgress", "A request with this MS-RequestId is still being processed. Retry later."),
            Self::InvalidRequest(_) => shape(S::BAD_REQUEST, 990407, "InvalidRequest", "The request could not be understood (invalid path or header)."),
            Self::AdminTokenRequired => shape(S::UNAUTHORIZED, 990432, "AdminTokenRequired", "The emulator's control plane requires the admin token (Authorization: Bearer <PCE_ADMIN_TOKEN>)."),
            Self::DatabaseUnavailable(_) => shape(S::SERVICE_UNAVAILABLE, 990503, "ServiceUnavailable", "The service is temporarily unavailable. Retry later."),
            Self::Timeout => shape(S::SERVICE_UNAVAILABLE, 990504, "RequestTimeout", "The request took too long and was abandoned. Retry later."),
            Self::Internal(_) => shape(S::INTERNAL_SERVER_ERROR, 990500, "InternalError", "An internal error occurred."),
        }
    }

    /// Field-level details sent to the client in `data`.
    fn data(&self) -> Vec<String> {
        match self {
            Self::Validation(problems) => problems.clone(),
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
            Self::Unauthorized(e) => e.explain().to_string(),
            Self::RoleNotAllowed(h)
            | Self::TenantNotFound(h)
            | Self::NoRelationship(h)
            | Self::AgreementRequiredForPurchase(h)
            | Self::DateAgreedInFuture(h)
            | Self::MalformedBody(h)
            | Self::UnsupportedMediaType(h)
            | Self::RouteNotFound(h)
            | Self::MethodNotAllowed(h)
            | Self::InvalidQueryParameter(h)
            | Self::AgreementTypeMismatch(h)
            | Self::InvalidAssociatedPartner(h)
            | Self::InvalidRequest(h)
            | Self::RequestIdReused(h)
            | Self::Internal(h) => h.clone(),
            Self::InjectedFault { rule_id, .. } => format!("injected by fault rule {rule_id} (see /_emulator/faults)"),
            Self::UnknownAgreementTemplate { hint, .. } | Self::AgreementTemplateRetired { hint, .. } => hint.clone(),
            Self::Validation(problems) => problems.join("; "),
            Self::DatabaseUnavailable(e) => e.to_string(),
            other => other.shape().description,
        }
    }
}

/// One line naming the error and its details, for logs and start-up failures.
pub fn describe(e: &ApiError) -> String {
    let shape = e.shape();
    let data = e.data();
    if data.is_empty() {
        format!("{} {}: {} ({})", shape.code, shape.name, shape.description, e.hint())
    } else {
        format!("{} {}: {}", shape.code, shape.name, data.join("; "))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::DatabaseUnavailable(e),
            StoreError::UnstorableText => {
                ApiError::Validation(vec!["text values must not contain the NUL character (U+0000)".into()])
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::AppUserTokenRequired => ApiError::AppUserTokenRequired,
            Refusal::IndirectResellerCannotAttest => ApiError::IndirectResellerCannotAttest,
            Refusal::RoleNotAllowed(roles) => ApiError::RoleNotAllowed(format!(
                "the token's roles do not include any of: {}",
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let shape = self.shape();
        let hint = self.hint();
        if shape.status.is_server_error() {
            tracing::error!(code = shape.code, error = %hint, "request failed");
        }
        let retryable = matches!(shape.status, StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS)
            || matches!(self, Self::RequestInProgress | Self::InjectedFault { .. });
        let retry_after = match &self {
            Self::InjectedFault { retry_after_seconds, .. } => *retry_after_seconds,
            _ => 1,
        };
        let close_connection = matches!(self, Self::TooManyConnections(_));
        let body = json!({
            "code": shape.code,
            "description": &shape.description,
            "message": &shape.description,
            "errorName": shape.name,
            "isRetryable": retryable,
            "data": self.data(),
            "source": "PartnerFD",
        });
        let mut response = (shape.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized(_) => headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("OAuth realm=\"https://login.microsoftonline.com\", error=\"invalid_token\""),
            ),
            Self::AdminTokenRequired => headers
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"partner-center-emulator\"")),
            _ => None,
        };
        if retryable {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if close_connection {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        let hint = if shape.status.is_client_error() { hint } else { "see the server log".into() };
        response.extensions_mut().insert(RefusalNote { rule: shape.name, hint, public: shape.description });
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
