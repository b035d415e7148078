//! The HTTP edge, one folder per front door, by who comes in:
//!
//! - `api/`: the emulated Partner Center API (`/v1`), behind its pipeline (token, faults, a POST
//!   run once under its `MS-RequestId`);
//! - `control/`: the emulator's control plane (`/_emulator`), behind the admin token;
//! - `sign_in/`: the emulated sign-in service (`/{tenant}/oauth2/...`, discovery);
//! - `web/`: the pages people use in a browser, on one kit;
//! - `edge/`: what they all share (the request's types, the one error type, the extractors, the
//!   layers around every request).
//!
//! This module puts the doors together: one router, the layers around it, and what answers a
//! request no route takes.

pub mod api;
pub mod control;
pub mod edge;
pub mod sign_in;
pub mod web;

use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::AppState;
use edge::around::Around;
use edge::error::ApiError;
use edge::layers::Answer;
use edge::RouteEntry;
use web::Site;

/// Every route `openapi.yaml` documents: the API's, the control plane's (guarded and open) and the
/// reference page.
pub fn documented_routes() -> Vec<RouteEntry> {
    let mut routes = api::routes();
    routes.extend(control::routes());
    routes.extend(control::open_routes());
    routes.extend(web::reference::routes());
    routes
}

/// (method, path) of every documented route, for the OpenAPI parity test.
pub fn route_table() -> Vec<(&'static str, &'static str)> {
    documented_routes().into_iter().map(|(method, path, _)| (method, path)).collect()
}

/// Build the application's router: the four doors, fallbacks, and the layer around every routed
/// request (it needs the route the router matched). What needs no route (the path's rewrite, the
/// body limit) wraps the router once, in `server`, rather than each of its routes: a layer of the
/// router is cloned with its route for every request.
pub fn router(state: AppState) -> Router {
    let reference = web::reference::routes().into_iter().fold(Router::new(), |r, (_, path, h)| r.route(path, h));
    api::router(state.clone())
        .merge(control::router(state.clone()))
        .merge(reference)
        .merge(web::router())
        .merge(sign_in::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Around::new((state.clone(), answer as Answer), |s, r, n| {
            Box::pin(edge::layers::request_context(s, r, n))
        }))
        .with_state(state)
}

/// An unknown page of a site is answered with a page that says where to go; any other unknown
/// path with Partner Center's JSON error.
async fn route_not_found(method: Method, uri: Uri) -> Response {
    match Site::of(uri.path()) {
        Some(site) => site.page_not_found(uri.path()),
        None => ApiError::RouteNotFound(format!("no route for {method} {}", uri.path())).into_response(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    answer(uri.path(), ApiError::MethodNotAllowed(format!("{method} is not supported on {}", uri.path())))
}

/// An error of the HTTP edge (a bad path, a method, a size, a timeout) as its caller reads it: on
/// a site's page, a page that says it and leads back; anywhere else, Partner Center's JSON error.
pub fn answer(path: &str, e: ApiError) -> Response {
    match Site::of(path) {
        Some(site) => {
            let (status, text) = e.status_and_description();
            let mut page = site.refusal_page(status, &text);
            // The edge's own refusal (a size, a timeout, a panic) is why, whatever the page noted.
            page.extensions_mut().insert(e.refusal_note());
            page
        }
        None => e.into_response(),
    }
}
