//! Fault injection (`/_emulator/faults`): rules, kept in the database so every replica applies
//! them, that answer matching API requests with 429, 500 or 503, add latency, or hang, so that
//! users can test their retry logic. Each rule counts its hits; a rule with a count stops after it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Json;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::faults::{FaultRule, FaultRuleInput};
use crate::http::api::resolve_operation;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::PcJson;
use crate::http::edge::RouteEntry;
use crate::service::faults;

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("POST", "/_emulator/faults", post(add_rule)),
        ("GET", "/_emulator/faults", get(list_rules)),
        ("DELETE", "/_emulator/faults", delete(clear_rules)),
        ("DELETE", "/_emulator/faults/{rule_id}", delete(delete_rule)),
    ]
}

fn rule_json(rule: &FaultRule) -> Value {
    json!({
        "id": rule.id,
        "operation": rule.method.as_ref().zip(rule.route.as_ref()).map(|(m, r)| format!("{m} {r}")),
        "path": rule.path_pattern,
        "partnerTenantId": rule.partner_tenant_id,
        "effect": rule.effect.as_str(),
        "delayMs": rule.delay_ms,
        "retryAfterSeconds": rule.retry_after_seconds,
        "probability": rule.probability,
        "count": rule.max_hits,
        "hits": rule.hits,
        "exhausted": rule.exhausted(),
    })
}

async fn add_rule(
    State(ctx): State<AppState>,
    PcJson(input): PcJson<FaultRuleInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let rule = faults::add_rule(&ctx, &input, resolve_operation).await?;
    Ok((StatusCode::CREATED, Json(rule_json(&rule))))
}

async fn list_rules(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let rules = faults::rules(&ctx).await?;
    let items: Vec<Value> = rules.iter().map(rule_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn clear_rules(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let deleted = faults::clear_rules(&ctx).await?;
    Ok(Json(json!({"deleted": deleted})))
}

async fn delete_rule(State(ctx): State<AppState>, Path(rule_id): Path<String>) -> ApiResult<StatusCode> {
    faults::delete_rule(&ctx, &rule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
