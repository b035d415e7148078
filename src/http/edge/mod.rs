//! What every front door shares: the request's own types (`request`, a leaf), the one error type
//! and its Partner Center body (`error`), the extractors that speak that format (`extract`), and
//! the layers around every request (`layers`), and how a layer wraps a route (`around`).

pub mod around;
pub mod error;
pub mod extract;
pub mod layers;
pub mod request;

use axum::routing::MethodRouter;

use crate::app::AppState;

/// One route: method, path (in the router's spelling) and handler.
pub type RouteEntry = (&'static str, &'static str, MethodRouter<AppState>);
