//! The front door of the emulator's control plane (`/_emulator`): what tests use to set the stage
//! and look behind it — personas and tokens, the clock and the service date, the customer's side
//! without a browser, the outbox, sign-in lockouts, faults, reset, seeds and the request journal.
//! When an admin token is configured, every route requires it but the probes; the contract and
//! the HTTPS certificate are open to anyone.

mod customer_side;
mod data;
mod faults;
mod health;
mod identities;
mod lockouts;
mod open;
mod outbox;
mod personas;
mod time;

use crate::http::edge::around::{Around, Next};
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::AppState;
use crate::domain::digest::same_secret;
use crate::http::edge::error::ApiError;
use crate::http::edge::extract::{bearer_token, declared_body_length, query_pairs, unread_parameter, UnreadParameter};
use crate::http::edge::layers::is_probe;
use crate::http::edge::RouteEntry;

/// The routes that require the admin token, when one is configured.
pub fn routes() -> Vec<RouteEntry> {
    let mut routes = health::routes();
    routes.extend(personas::routes());
    routes.extend(time::routes());
    routes.extend(customer_side::routes());
    routes.extend(outbox::routes());
    routes.extend(lockouts::routes());
    routes.extend(data::routes());
    routes.extend(faults::routes());
    routes.extend(identities::routes());
    routes
}

/// The routes open to anyone: the contract and the HTTPS listener's certificate (no state, no
/// secret).
pub fn open_routes() -> Vec<RouteEntry> {
    open::routes()
}

/// The control plane's routes, guarded, and its open ones.
pub fn router(state: AppState) -> Router<AppState> {
    let guarded = routes()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| router.route(path, handler))
        .route_layer(Around::new(state, |s, r, n| Box::pin(require_admin_token(s, r, n))));
    open_routes().into_iter().fold(guarded, |router, (_, path, handler)| router.route(path, handler))
}

/// When an admin token is configured, every `/_emulator` route requires it.
/// Liveness and readiness stay open so that any orchestrator can probe them.
async fn require_admin_token(state: AppState, req: Request<Body>, next: Next) -> Response {
    let probe = is_probe(req.uri().path());
    if let Some(expected) = state.config.admin_token().filter(|_| !probe) {
        let given = bearer_token(req.headers());
        if !given.is_some_and(|g| same_secret(g, expected)) {
            return ApiError::AdminTokenRequired.into_response();
        }
    }
    // A probe answers whatever its query: an orchestrator's check must not fail on a parameter.
    if let Some(refusal) = query_problem(&req).filter(|_| !probe) {
        return refusal.into_response();
    }
    let req = match unread_body(&state, req).await {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    next.run(req).await
}

/// A body sent to a route that reads none (as `openapi.yaml` documents it), refused: what it asks
/// for (a link's lifetime, an acceptance's date) would otherwise be dropped unsaid. A body whose
/// length the headers do not tell (chunked) is read to see whether it is empty.
async fn unread_body(state: &AppState, req: Request<Body>) -> Result<Request<Body>, ApiError> {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let Some(route) = route.filter(|r| crate::contract::documents_a_body(req.method().as_str(), r) == Some(false))
    else {
        return Ok(req);
    };
    let refused = |method: &str| {
        ApiError::Service(crate::service::ServiceError::Validation(vec![format!(
            "the body: {method} {route} reads no body; send none (nothing was done)"
        )]))
    };
    match declared_body_length(req.headers()) {
        Some(0) => Ok(req),
        Some(_) => Err(refused(req.method().as_str())),
        None => {
            let (parts, body) = req.into_parts();
            let limit = state.config.max_body_bytes;
            match axum::body::to_bytes(body, limit).await {
                Ok(bytes) if bytes.is_empty() => Ok(Request::from_parts(parts, Body::empty())),
                _ => Err(refused(parts.method.as_str())),
            }
        }
    }
}

/// A query parameter the route does not read, or one it reads given twice, refused: on the
/// control plane a misspelt scope (`?tenantId=`, `?partnerId=`) would otherwise go unread, and the
/// reset, clock change or deletion it was meant to scope would act on the whole emulator; of two
/// values, one would be dropped unsaid. What a route reads is what `openapi.yaml` documents for it
/// (names compare without regard to case, as they are read).
fn query_problem(req: &Request<Body>) -> Option<ApiError> {
    let query = req.uri().query()?;
    let route = req.extensions().get::<MatchedPath>()?.as_str();
    let method = req.method().as_str();
    let documented = crate::contract::documented_query_parameters(method, route)?;
    let names: Vec<_> = query_pairs(query).map(|(name, _)| name).collect();
    Some(ApiError::InvalidQueryParameter(match unread_parameter(names.iter().map(|n| n.as_ref()), documented)? {
        UnreadParameter::NotRead(name) => {
            let reads = if documented.is_empty() { "none".to_string() } else { documented.join(", ") };
            format!("{name}: {method} {route} reads no such query parameter (it reads: {reads}); nothing was changed")
        }
        UnreadParameter::Repeated(name) => {
            format!("{name}: is given more than once; send it once (nothing was changed)")
        }
    }))
}

/// A control-plane body whose `partnerTenantId` may scope the change to one partner: left out, the
/// change is the whole emulator's; `null` (an unset variable in a test) is refused rather than read
/// as left out, which would widen the change to every partner.
pub struct ScopedJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for ScopedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let raw = crate::http::edge::extract::RawJson::from_request(req, state).await?;
        if raw.member_is_null("partnerTenantId") {
            return Err(crate::service::ServiceError::Validation(vec![
                "partnerTenantId: null names no partner; leave the member out to change the whole emulator, or send a partner persona's tenant id".into(),
            ])
            .into());
        }
        raw.parse().map(ScopedJson)
    }
}

/// `ScopedJson`, or nothing for an empty body (a reset of everything).
pub struct OptionalScopedJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for OptionalScopedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if declared_body_length(req.headers()) == Some(0) {
            return Ok(OptionalScopedJson(None));
        }
        ScopedJson::from_request(req, state).await.map(|ScopedJson(v)| OptionalScopedJson(Some(v)))
    }
}

/// The partner a control-plane change is scoped to: `?partnerTenantId=` or, on routes whose body
/// may name it, the body's `partnerTenantId`. Either place is read (a scope is never dropped, which
/// would widen the change to the whole emulator); the two naming different partners is refused.
fn partner_scope(
    query: &crate::http::edge::extract::QueryParams,
    in_body: Option<&str>,
) -> Result<Option<crate::domain::ids::PartnerId>, ApiError> {
    use crate::domain::ids::PartnerId;
    // Named, in either place: never blank.
    let named = |raw: Option<&str>| match raw {
        Some(raw) if raw.trim().is_empty() => {
            Err(ApiError::InvalidQueryParameter("partnerTenantId: empty; send a partner persona's tenant id".into()))
        }
        other => Ok(other.map(PartnerId::parse)),
    };
    let (in_query, in_body) = (named(query.get("partnerTenantId"))?, named(in_body)?);
    match (in_query, in_body) {
        (Some(q), Some(b)) if q != b => Err(ApiError::InvalidQueryParameter(format!(
            "partnerTenantId: the query names {q} and the body {b}; name the partner once"
        ))),
        (q, b) => Ok(q.or(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::edge::extract::QueryParams;

    #[test]
    fn a_scope_is_read_from_the_query_or_the_body_and_two_that_differ_are_refused() {
        let none = QueryParams::parse("");
        let p = "7e57da7a-0000-4000-8000-00000000d001";
        let q = QueryParams::parse(&format!("partnerTenantId={p}"));
        assert_eq!(partner_scope(&none, None).unwrap(), None);
        assert_eq!(partner_scope(&q, None).unwrap().unwrap().as_str(), p);
        assert_eq!(partner_scope(&none, Some(p)).unwrap().unwrap().as_str(), p);
        assert_eq!(partner_scope(&q, Some(&p.to_uppercase())).unwrap().unwrap().as_str(), p, "one id in any case");
        assert!(partner_scope(&q, Some("7e57da7a-0000-4000-8000-00000000d002")).is_err());
        assert!(partner_scope(&QueryParams::parse("partnerTenantId="), None).is_err());
        assert!(partner_scope(&none, Some(" ")).is_err(), "a blank one in the body is refused too, not dropped");
    }
}
