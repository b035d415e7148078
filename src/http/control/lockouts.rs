//! The sign-in lockouts, to read and to lift.

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::Json;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::ApiResult;
use crate::http::edge::RouteEntry;
use crate::service::control;

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/_emulator/sign-in-lockouts", get(list_sign_in_lockouts)),
        ("DELETE", "/_emulator/sign-in-lockouts", delete(unlock_all_sign_ins)),
        ("DELETE", "/_emulator/sign-in-lockouts/{user_name}", delete(unlock_sign_in)),
    ]
}

async fn list_sign_in_lockouts(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = control::sign_in_lockouts(&ctx)
        .await?
        .iter()
        .map(|l| {
            json!({
                "userName": l.user_name,
                "failures": l.failures,
                "lockedUntil": l.locked_until.map(render_timestamp),
            })
        })
        .collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn unlock_all_sign_ins(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"unlocked": control::unlock_sign_ins(&ctx, None).await?})))
}

async fn unlock_sign_in(State(ctx): State<AppState>, Path(user_name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"unlocked": control::unlock_sign_ins(&ctx, Some(&user_name)).await?})))
}
