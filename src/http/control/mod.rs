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

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::AppState;
use crate::domain::digest::same_secret;
use crate::http::edge::error::ApiError;
use crate::http::edge::extract::bearer_token;
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
        .route_layer(axum::middleware::from_fn_with_state(state, require_admin_token));
    open_routes().into_iter().fold(guarded, |router, (_, path, handler)| router.route(path, handler))
}

/// When an admin token is configured, every `/_emulator` route requires it.
/// Liveness and readiness stay open so that any orchestrator can probe them.
async fn require_admin_token(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let probe = is_probe(req.uri().path());
    if let Some(expected) = state.config.admin_token().filter(|_| !probe) {
        let given = bearer_token(req.headers());
        if !given.is_some_and(|g| same_secret(g, expected)) {
            return ApiError::AdminTokenRequired.into_response();
        }
    }
    next.run(req).await
}
