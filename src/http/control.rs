//! The emulator's control plane (`/_emulator`): personas and tokens, the clock, health,
//! the notification outbox, reset and the request journal.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::extract::{body_rejection, OptionalPcJson, PcJson, QueryParams};
use super::{AppState, RouteEntry};
use crate::clock::in_supported_range;
use crate::domain::contact::ContactInput;
use crate::domain::ids::canonical_id;
use crate::domain::time::{parse_timestamp, render_timestamp};
use crate::service::acceptance::accept_directly;
use crate::service::partners::{create_partner as create, NewPartner};
use crate::service::seed::{apply_seed, parse_seed};
use crate::service::tokens::{issue_token, TokenRequest};
use crate::store::{OutboxMessage, OutboxQuery};

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/_emulator/health", get(health)),
        ("GET", "/_emulator/ready", get(ready)),
        ("POST", "/_emulator/partners", post(create_partner)),
        ("GET", "/_emulator/partners/{tenant_id}", get(get_partner)),
        ("POST", "/_emulator/tokens", post(mint_token)),
        ("GET", "/_emulator/clock", get(read_clock)),
        ("PUT", "/_emulator/clock", put(set_clock)),
        ("POST", "/_emulator/clock/advance", post(advance_clock)),
        ("GET", "/_emulator/outbox", get(list_outbox)),
        ("DELETE", "/_emulator/outbox", delete(clear_outbox)),
        ("POST", "/_emulator/customers/{customer_id}/direct-acceptance", post(direct_acceptance)),
        ("POST", "/_emulator/reset", post(reset)),
        ("POST", "/_emulator/seed", post(seed)),
        ("GET", "/_emulator/requests", get(list_requests)),
        ("DELETE", "/_emulator/requests", delete(clear_requests)),
        ("GET", "/_emulator/openapi.yaml", get(super::spec::openapi_yaml)),
        ("GET", "/_emulator/docs", get(super::spec::docs)),
    ]
}

async fn health() -> Json<Value> {
    Json(json!({"status": "alive"}))
}

/// Ready when the database answers within 2 s. Otherwise 503 (retryable, `Retry-After`) at once
/// rather than after the pool's acquire timeout: within the healthcheck subcommand's 3 s read
/// budget and an orchestrator's probe timeout, so a probe sees "not ready", not a timeout.
async fn ready(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let checks = async {
        ctx.store.ping().await?;
        ctx.store.templates().await
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), checks)
        .await
        .map_err(|_| crate::store::StoreError::timed_out())??;
    Ok(Json(json!({"status": "ready", "backend": ctx.store.backend()})))
}

fn partner_json(p: &crate::domain::partners::Partner) -> Value {
    json!({
        "tenantId": p.tenant_id,
        "name": p.name,
        "partnerType": p.partner_type.as_str(),
        "indirectProviderId": p.indirect_provider_id,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartnerBody {
    tenant_id: Option<String>,
    name: Option<String>,
    partner_type: Option<String>,
    indirect_provider_id: Option<String>,
}

async fn create_partner(
    State(ctx): State<AppState>,
    PcJson(body): PcJson<PartnerBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let partner = create(
        &ctx,
        NewPartner {
            tenant_id: body.tenant_id,
            name: body.name,
            partner_type: body.partner_type,
            indirect_provider_id: body.indirect_provider_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(partner_json(&partner))))
}

async fn get_partner(State(ctx): State<AppState>, Path(tenant_id): Path<String>) -> ApiResult<Json<Value>> {
    let partner = ctx.store.partner(&canonical_id(&tenant_id)).await?.ok_or(ApiError::PartnerNotFound(tenant_id))?;
    Ok(Json(partner_json(&partner)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    partner_tenant_id: Option<String>,
    roles: Option<Vec<String>>,
    user_id: Option<String>,
    app_only: Option<bool>,
    expires_in_seconds: Option<i64>,
}

async fn mint_token(State(ctx): State<AppState>, PcJson(body): PcJson<TokenBody>) -> ApiResult<Json<Value>> {
    let request = TokenRequest {
        partner_tenant_id: body.partner_tenant_id,
        roles: body.roles.unwrap_or_default(),
        user_id: body.user_id,
        app_only: body.app_only.unwrap_or(false),
        expires_in_seconds: body.expires_in_seconds,
    };
    let token = issue_token(&ctx, request).await?;
    Ok(Json(json!({
        "access_token": token.access_token,
        "token_type": "Bearer",
        "expires_in": token.expires_in,
    })))
}

async fn clock_json(ctx: &AppState) -> ApiResult<Json<Value>> {
    let (now, frozen) = ctx.clock.read().await?;
    Ok(Json(json!({"now": render_timestamp(now), "frozen": frozen})))
}

async fn read_clock(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    clock_json(&ctx).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    now: Option<String>,
    frozen: Option<bool>,
    reset: Option<bool>,
}

async fn set_clock(State(ctx): State<AppState>, PcJson(body): PcJson<ClockBody>) -> ApiResult<Json<Value>> {
    if body.reset == Some(true) {
        ctx.clock.reset().await?;
        return clock_json(&ctx).await;
    }
    let Some(raw) = body.now else {
        return Err(ApiError::Validation(vec![
            "now: is required (an RFC 3339 instant), unless {\"reset\": true} is sent".into(),
        ]));
    };
    let now = parse_timestamp(&raw)
        .ok_or_else(|| ApiError::Validation(vec![format!("now: '{raw}' is not an RFC 3339 instant")]))?;
    if !in_supported_range(now) {
        return Err(ApiError::Validation(vec![format!("now: '{raw}' is outside 1970-01-01 to 9999-12-31")]));
    }
    ctx.clock.set(now, body.frozen.unwrap_or(true)).await?;
    clock_json(&ctx).await
}

#[derive(Debug, Deserialize)]
struct AdvanceBody {
    seconds: Option<f64>,
}

const MAX_ADVANCE_SECONDS: f64 = 100.0 * 365.0 * 86400.0;

async fn advance_clock(State(ctx): State<AppState>, PcJson(body): PcJson<AdvanceBody>) -> ApiResult<Json<Value>> {
    let seconds = body.seconds.filter(|s| s.is_finite() && s.abs() <= MAX_ADVANCE_SECONDS).ok_or_else(|| {
        ApiError::Validation(vec!["seconds: is required, a number of seconds within 100 years".into()])
    })?;
    let by = Duration::milliseconds((seconds * 1000.0).round() as i64);
    let target = ctx.clock.now().await?.checked_add_signed(by);
    if !target.is_some_and(in_supported_range) {
        return Err(ApiError::Validation(vec![format!(
            "seconds: advancing by {seconds} would leave the clock outside 1970-01-01 to 9999-12-31"
        )]));
    }
    ctx.clock.advance(by).await?;
    clock_json(&ctx).await
}

fn outbox_json(m: &OutboxMessage) -> Value {
    json!({
        "id": m.id,
        "to": m.recipient,
        "subject": m.subject,
        "body": m.body,
        "partnerTenantId": m.partner_tenant_id,
        "customerId": m.customer_id,
        "agreementId": m.agreement_id,
        "queuedAt": render_timestamp(m.queued_at),
        "deliverAt": render_timestamp(m.deliver_at),
    })
}

async fn list_outbox(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    let include_pending = query.bool("includePending")?.unwrap_or(false);
    let filter = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let q = OutboxQuery {
        recipient: filter("to"),
        customer_id: filter("customerId").as_deref().map(canonical_id),
        partner_tenant_id: filter("partnerTenantId").as_deref().map(canonical_id),
        delivered_by: if include_pending { None } else { Some(ctx.clock.now().await?) },
    };
    let items: Vec<Value> = ctx.store.outbox(&q).await?.iter().map(outbox_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn clear_outbox(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let deleted = ctx.store.clear_outbox().await?;
    Ok(Json(json!({"deleted": deleted})))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectAcceptanceBody {
    #[serde(flatten)]
    person: ContactInput,
    date_agreed: Option<String>,
}

async fn direct_acceptance(
    State(ctx): State<AppState>,
    Path(customer_id): Path<String>,
    PcJson(body): PcJson<DirectAcceptanceBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let customer = ctx
        .store
        .customer(&canonical_id(&customer_id))
        .await?
        .ok_or_else(|| ApiError::TenantNotFound(format!("no customer has tenant id '{customer_id}'")))?;
    let agreement = accept_directly(&ctx, &customer, &body.person, body.date_agreed.as_deref()).await?;
    let templates = ctx.store.templates().await?;
    Ok((StatusCode::CREATED, Json(super::wire::agreement_with_link(&agreement, &templates))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResetBody {
    partner_tenant_id: Option<String>,
}

async fn reset(State(ctx): State<AppState>, OptionalPcJson(body): OptionalPcJson<ResetBody>) -> ApiResult<Json<Value>> {
    let body = body.unwrap_or_default();
    let partner = body.partner_tenant_id.filter(|p| !p.trim().is_empty()).as_deref().map(canonical_id);
    if let Some(p) = &partner {
        ctx.store.partner(p).await?.ok_or_else(|| ApiError::PartnerNotFound(p.clone()))?;
    }
    ctx.store.reset(partner.as_deref()).await?;
    if partner.is_none() {
        ctx.journal.clear();
        ctx.ids.restart();
    }
    Ok(Json(json!({"reset": partner.map_or("everything".to_string(), |p| format!("partner {p}"))})))
}

async fn list_requests(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    let status_filter = match query.get("status") {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<u16>()
                .map_err(|_| ApiError::InvalidQueryParameter(format!("status: '{raw}' is not an HTTP status code")))?,
        ),
    };
    let partner = query.get("partnerTenantId").filter(|p| !p.is_empty()).map(canonical_id);
    let correlation = query.get("correlationId").filter(|p| !p.is_empty());
    let items: Vec<_> = ctx
        .journal
        .entries()
        .into_iter()
        .filter(|e| status_filter.is_none_or(|s| e.status == s))
        .filter(|e| partner.as_deref().is_none_or(|p| e.partner_tenant_id.as_deref() == Some(p)))
        .filter(|e| correlation.is_none_or(|c| e.correlation_id.eq_ignore_ascii_case(c)))
        .collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn clear_requests(State(ctx): State<AppState>) -> Json<Value> {
    ctx.journal.clear();
    Json(json!({"cleared": true}))
}

/// `POST /_emulator/seed`: a seed document in JSON (`application/json`) or YAML
/// (`application/yaml`, `text/yaml`).
async fn seed(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = body.map_err(|r| body_rejection(&ctx, r))?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !matches!(essence.as_str(), "application/json" | "application/yaml" | "application/x-yaml" | "text/yaml") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type was '{content_type}'; send application/json or application/yaml"
        )));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::MalformedBody("body: not UTF-8".into()))?;
    let seed = parse_seed(text).map_err(ApiError::MalformedBody)?;
    Ok((StatusCode::CREATED, Json(apply_seed(&ctx, seed).await?)))
}
