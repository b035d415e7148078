//! Liveness and readiness: open without the admin token, answered even when every place under the
//! connection cap is taken (in the budget's reserved slice).

use axum::extract::{ConnectInfo, State};
use axum::routing::get;
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::http::edge::error::{ApiError, ApiResult};
use crate::http::edge::RouteEntry;
use crate::net::ConnectionInfo;
use crate::service::control;

pub fn routes() -> Vec<RouteEntry> {
    vec![("GET", "/_emulator/health", get(health)), ("GET", "/_emulator/ready", get(ready))]
}

async fn health() -> Json<Value> {
    Json(json!({"status": "alive"}))
}

/// Ready when the database answers, migrated, within 2 s; otherwise 503 (retryable) at once.
/// Ready: the database answers, and a new API connection would be served (not while every place
/// under the connection cap holds a running request).
async fn ready(
    State(ctx): State<AppState>,
    connection: Option<Extension<ConnectInfo<ConnectionInfo>>>,
) -> ApiResult<Json<Value>> {
    if let Some(Extension(ConnectInfo(info))) = connection.filter(|c| c.0 .0.connections.at_cap()) {
        return Err(ApiError::TooManyConnections(info.connections.max()));
    }
    let backend = control::check_ready(&ctx).await?;
    Ok(Json(json!({"status": "ready", "backend": backend})))
}
