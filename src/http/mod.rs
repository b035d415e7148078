//! The HTTP edge: state, router, layers. One module per resource; handlers translate between
//! the wire and the service layer and hold no rules.

mod admin_center;
mod agreement_text;
mod agreements;
mod attestation_page;
mod attestations;
mod control;
mod customers;
mod dashboard;
mod documents;
pub mod error;
pub mod extract;
mod faults;
mod html;
mod idempotency;
mod identities;
mod landing;
pub mod middleware;
mod oauth;
mod orders;
mod spec;
mod wire;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

use crate::app::AppState;
use crate::auth::Caller;
use error::ApiError;
use extract::QueryParams;

/// One route: method, path (in the router's spelling) and handler.
pub type RouteEntry = (&'static str, &'static str, MethodRouter<AppState>);

/// The `/v1` routes of the emulated Partner Center API (paths in the router's lower-case spelling;
/// requests are matched without regard to case by `middleware::rewrite_request_path`).
fn partner_center_routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/v1/agreements", {
            let rendered = agreements::RenderedCatalog::default();
            get(move |State(ctx): State<AppState>, caller: Caller, query: QueryParams| {
                agreements::agreement_metadata(ctx, caller, query, rendered.clone())
            })
        }),
        ("GET", "/v1/agreementtemplates/{template_id}/document", get(documents::document_link)),
        ("GET", "/v1/customers", get(customers::list_customers)),
        ("POST", "/v1/customers", post(customers::create_customer)),
        ("GET", "/v1/customers/relationshiprequests", get(customers::relationship_request)),
        ("GET", "/v1/customers/{customer_id}", get(customers::get_customer)),
        ("GET", "/v1/customers/{customer_id}/agreements", get(agreements::list_customer_agreements)),
        ("POST", "/v1/customers/{customer_id}/agreements", post(agreements::confirm_acceptance)),
        (
            "GET",
            "/v1/customers/{customer_id}/directsignedmicrosoftcustomeragreementstatus",
            get(agreements::direct_sign_status),
        ),
        ("GET", "/v1/customers/{customer_id}/orders", get(orders::list_orders)),
        ("POST", "/v1/customers/{customer_id}/orders", post(orders::create_order)),
        ("POST", "/v1/attestations/enhanced", post(attestations::create_attestation)),
        ("GET", "/v1/attestations/enhanced/{attestation_id}", get(attestations::get_attestation)),
    ]
}

/// Who may call a group of API routes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// The emulated API and the document links: the `/v1` layer (token, faults, retries).
    Api,
    /// The control plane: the admin token, when one is configured.
    AdminToken,
    /// The contract and its reference page: anyone (no state, no secret).
    Open,
}

/// The API routes by guard. The router is built from this list, and the spec parity test reads it.
fn guarded_routes() -> Vec<(Guard, Vec<RouteEntry>)> {
    vec![
        (Guard::Api, partner_center_routes()),
        (Guard::AdminToken, control::routes()),
        (Guard::AdminToken, faults::routes()),
        (Guard::AdminToken, identities::routes()),
        (Guard::Api, documents::download_routes()),
        (Guard::Open, spec::routes()),
        (Guard::Open, oauth::certificate_routes()),
    ]
}

/// Every API route: the emulated `/v1` API, the control plane, the document downloads and the
/// contract.
pub fn api_routes() -> Vec<RouteEntry> {
    guarded_routes().into_iter().flat_map(|(_, routes)| routes).collect()
}

/// (method, path) of every API route, for the OpenAPI parity test.
pub fn route_table() -> Vec<(&'static str, &'static str)> {
    api_routes().into_iter().map(|(method, path, _)| (method, path)).collect()
}

/// Build the application: routes, fallbacks and layers.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let mut api = Router::new();
    let mut control_plane = Router::new();
    let mut open = Router::new();
    for (guard, routes) in guarded_routes() {
        for (_, path, handler) in routes {
            match guard {
                Guard::Api => api = api.route(path, handler),
                Guard::AdminToken => control_plane = control_plane.route(path, handler),
                Guard::Open => open = open.route(path, handler),
            }
        }
    }
    let api = api.route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::api_request));
    let control_plane =
        control_plane.route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::require_admin_token));
    api.merge(control_plane)
        .merge(open)
        .merge(spec::asset_routes())
        .merge(landing::routes())
        .merge(admin_center::routes())
        .merge(dashboard::routes())
        .merge(attestation_page::routes())
        .merge(oauth::routes())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}

/// An unknown admin-center or dashboard page is answered with a page that says where to go; any other unknown
/// path with Partner Center's JSON error.
async fn route_not_found(method: Method, uri: Uri) -> Response {
    if admin_center::is_admin_center_path(uri.path()) {
        return admin_center::page_not_found(uri.path());
    }
    if dashboard::is_dashboard_path(uri.path()) {
        return dashboard::page_not_found(uri.path());
    }
    ApiError::RouteNotFound(format!("no route for {method} {}", uri.path())).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    answer(uri.path(), ApiError::MethodNotAllowed(format!("{method} is not supported on {}", uri.path())))
}

/// An error of the HTTP edge (a bad path, a method, a size, a timeout) as its caller reads it: on
/// a page of the admin center or the dashboard, a page that says it and leads back; anywhere
/// else, Partner Center's JSON error.
pub fn answer(path: &str, e: ApiError) -> Response {
    if admin_center::is_admin_center_path(path) || dashboard::is_dashboard_path(path) {
        let (status, text) = e.status_and_description();
        if admin_center::is_admin_center_path(path) {
            return admin_center::refusal_page(status, &text);
        }
        return dashboard::refusal_page(status, &text);
    }
    e.into_response()
}
