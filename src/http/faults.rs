//! Fault injection (`/_emulator/faults`): rules, kept in the database so every replica applies
//! them, that answer matching API requests with 429, 500 or 503, add latency, or hang, so that
//! users can test their retry logic. Each rule counts its hits; a rule with a count stops after it.

use axum::extract::{MatchedPath, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

use super::error::{ApiError, ApiResult};
use super::extract::{Authentication, PcJson};
use super::{route_table, spec, RouteEntry};
use crate::app::AppState;
use crate::domain::faults::{FaultEffect, FaultRule, FaultRuleInput, FaultTarget, Operation};
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

/// `METHOD /route` (any spelling of the route's placeholders) or an `operationId` of
/// openapi.yaml → the method and the route in the router's spelling.
fn resolve_operation(operation: &str) -> Option<Operation> {
    let shape = |path: &str| {
        path.split('/')
            .map(|s| if s.starts_with('{') { "{}".to_string() } else { s.to_ascii_lowercase() })
            .collect::<Vec<_>>()
            .join("/")
    };
    let (method, path) = match operation.split_once(' ') {
        Some((method, path)) => (method.trim().to_ascii_uppercase(), shape(path.trim())),
        None => spec::operation_route(operation).map(|(method, path)| (method, shape(&path)))?,
    };
    route_table()
        .into_iter()
        .filter(|(_, route)| !route.starts_with("/_emulator"))
        .find(|(m, route)| *m == method && shape(route) == path)
        .map(|(m, route)| (m.to_string(), route.to_string()))
}

/// The rule that hits the request, if any, decides what it gets: an error answer (returned), a
/// delay (after which the request goes on: None), or no answer at all.
pub async fn inject_faults(ctx: &AppState, req: &Parts) -> Option<Response> {
    let partner = req.extensions.get::<Authentication>().and_then(|a| a.caller()).map(|c| c.partner.tenant_id.as_str());
    let route = req.extensions.get::<MatchedPath>().map(|m| m.as_str());
    let target = FaultTarget { method: req.method.as_str(), route, path: req.uri.path(), partner_tenant_id: partner };
    let rule = match faults::rule_hitting(ctx, &target).await {
        Ok(Some(rule)) => rule,
        Ok(None) => return None,
        Err(e) => return Some(ApiError::from(e).into_response()),
    };
    tracing::info!(rule = %rule.id, effect = rule.effect.as_str(), "fault injected");
    match rule.effect {
        FaultEffect::Delay => {
            tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
            None
        }
        // Ended by the client giving up, or by the emulator's request timeout (503 990504).
        FaultEffect::Hang => std::future::pending().await,
        effect => Some(
            ApiError::InjectedFault { effect, rule_id: rule.id, retry_after_seconds: rule.retry_after_seconds }
                .into_response(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_resolve_by_route_or_operation_id() {
        let confirm = Some(("POST".to_string(), "/v1/customers/{customer_id}/agreements".to_string()));
        assert_eq!(resolve_operation("POST /v1/customers/{customer_id}/agreements"), confirm);
        assert_eq!(resolve_operation("post /V1/Customers/{customer-tenant-id}/Agreements"), confirm);
        assert_eq!(resolve_operation("confirmCustomerAcceptance"), confirm);
        assert_eq!(resolve_operation("GET /v1/agreements").map(|(m, _)| m), Some("GET".to_string()));
        assert_eq!(resolve_operation("reset"), None, "the control plane is never faulted");
        assert_eq!(resolve_operation("DELETE /v1/agreements"), None);
        assert_eq!(resolve_operation("noSuchOperation"), None);
    }
}
