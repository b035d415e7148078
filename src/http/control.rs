//! The emulator's control plane (`/_emulator`): personas and tokens, the clock, health,
//! the notification outbox, reset and the request journal.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::extract::{body_rejection, OptionalPcJson, PcJson, QueryParams};
use super::{wire, RouteEntry};
use crate::app::AppState;
use crate::domain::agreements::DirectAcceptanceInput;
use crate::domain::contact::ContactInput;
use crate::domain::ids::canonical_id;
use crate::domain::time::render_timestamp;
use crate::domain::timeline::ServiceDateSetting;
use crate::journal::JournalFilter;
use crate::net::ConnectionInfo;
use crate::service::control::{self, ClockChange, ClockReading, OutboxFilter, ResetScope};
use crate::service::partners::{self, NewPartner};
use crate::service::seed::{apply_seed, parse_seed};
use crate::service::timeline::{self, ServiceDateChange, Timeline};
use crate::service::tokens::{issue_token, TokenRequest};
use crate::service::{agreements, attestations, ServiceError};
use crate::store::OutboxMessage;

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
        ("GET", "/_emulator/service-date", get(read_service_date)),
        ("PUT", "/_emulator/service-date", put(set_service_date)),
        ("POST", "/_emulator/attestations/{attestation_id}/accept", post(accept_attestation)),
        ("GET", "/_emulator/outbox", get(list_outbox)),
        ("DELETE", "/_emulator/outbox", delete(clear_outbox)),
        ("POST", "/_emulator/customers/{customer_id}/direct-acceptance", post(direct_acceptance)),
        ("GET", "/_emulator/sign-in-lockouts", get(list_sign_in_lockouts)),
        ("DELETE", "/_emulator/sign-in-lockouts", delete(unlock_all_sign_ins)),
        ("DELETE", "/_emulator/sign-in-lockouts/{user_name}", delete(unlock_sign_in)),
        ("POST", "/_emulator/reset", post(reset)),
        ("POST", "/_emulator/seed", post(seed)),
        ("GET", "/_emulator/requests", get(list_requests)),
        ("DELETE", "/_emulator/requests", delete(clear_requests)),
    ]
}

async fn health() -> Json<Value> {
    Json(json!({"status": "alive"}))
}

/// Ready when the database answers, migrated, within 2 s; otherwise 503 (retryable) at once.
/// Ready: the database answers, and a new API connection would be served (not while the
/// connection cap is reached).
async fn ready(
    State(ctx): State<AppState>,
    connection: Option<Extension<ConnectInfo<ConnectionInfo>>>,
) -> ApiResult<Json<Value>> {
    if let Some(Extension(ConnectInfo(info))) = connection.filter(|c| c.0 .0.connections.at_cap()) {
        return Err(ApiError::TooManyConnections(info.connections.max()));
    }
    control::check_ready(&ctx).await?;
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
    let partner = partners::create_partner(
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
    let partner = partners::get_partner(&ctx, &tenant_id).await?;
    Ok(Json(partner_json(&partner)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    partner_tenant_id: Option<String>,
    roles: Option<Vec<String>>,
    user_id: Option<String>,
    app_only: Option<bool>,
    mfa: Option<bool>,
    expires_in_seconds: Option<i64>,
}

async fn mint_token(State(ctx): State<AppState>, PcJson(body): PcJson<TokenBody>) -> ApiResult<Json<Value>> {
    let request = TokenRequest {
        partner_tenant_id: body.partner_tenant_id,
        roles: body.roles.unwrap_or_default(),
        user_id: body.user_id,
        app_only: body.app_only.unwrap_or(false),
        mfa: body.mfa,
        expires_in_seconds: body.expires_in_seconds,
    };
    let token = issue_token(&ctx, request).await?;
    Ok(Json(json!({
        "access_token": token.access_token,
        "token_type": "Bearer",
        "expires_in": token.expires_in,
    })))
}

fn clock_json(reading: ClockReading) -> Json<Value> {
    let mut body = json!({"now": render_timestamp(reading.now), "frozen": reading.frozen});
    if let Some(partner) = reading.partner_tenant_id {
        body["partnerTenantId"] = json!(partner);
    }
    Json(body)
}

/// `?partnerTenantId=`: the partner persona whose own clock or service date the call reads or
/// changes (the emulator's without it).
async fn for_partner<T>(
    ctx: &AppState,
    query: &QueryParams,
    work: impl std::future::Future<Output = Result<T, ServiceError>>,
) -> ApiResult<T> {
    match query.get("partnerTenantId") {
        None => Ok(work.await?),
        Some(raw) if raw.trim().is_empty() => {
            Err(ApiError::InvalidQueryParameter("partnerTenantId: empty; send a partner persona's tenant id".into()))
        }
        Some(raw) => Ok(partners::acting_as(ctx, raw.trim(), work).await?),
    }
}

async fn read_clock(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    Ok(clock_json(for_partner(&ctx, &query, control::read_clock(&ctx)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    now: Option<String>,
    frozen: Option<bool>,
    reset: Option<bool>,
}

async fn set_clock(
    State(ctx): State<AppState>,
    query: QueryParams,
    PcJson(body): PcJson<ClockBody>,
) -> ApiResult<Json<Value>> {
    let change = match body.reset {
        Some(true) => ClockChange::Reset,
        _ => ClockChange::Set { now: body.now, frozen: body.frozen.unwrap_or(true) },
    };
    Ok(clock_json(for_partner(&ctx, &query, control::set_clock(&ctx, change)).await?))
}

#[derive(Debug, Deserialize)]
struct AdvanceBody {
    seconds: Option<f64>,
}

async fn advance_clock(
    State(ctx): State<AppState>,
    query: QueryParams,
    PcJson(body): PcJson<AdvanceBody>,
) -> ApiResult<Json<Value>> {
    Ok(clock_json(for_partner(&ctx, &query, control::advance_clock(&ctx, body.seconds)).await?))
}

fn timeline_json(t: &Timeline) -> Json<Value> {
    let milestones: Vec<Value> = t
        .milestones()
        .into_iter()
        .map(|(m, in_force)| {
            json!({"date": m.date().to_string(), "name": m.name(), "description": m.description(), "inForce": in_force})
        })
        .collect();
    let mut body = json!({
        "serviceDate": t.service_date.date().to_string(),
        "pinned": matches!(t.setting, ServiceDateSetting::Pinned(_)),
        "source": t.source.as_str(),
        "configured": t.configured.map(|d| d.to_string()),
        "milestones": milestones,
    });
    if let Some(partner) = &t.partner_tenant_id {
        body["partnerTenantId"] = json!(partner);
    }
    Json(body)
}

async fn read_service_date(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    Ok(timeline_json(&for_partner(&ctx, &query, timeline::timeline(&ctx)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceDateBody {
    date: Option<String>,
    follow_clock: Option<bool>,
    reset: Option<bool>,
}

async fn set_service_date(
    State(ctx): State<AppState>,
    query: QueryParams,
    PcJson(body): PcJson<ServiceDateBody>,
) -> ApiResult<Json<Value>> {
    let change = match (body.date, body.follow_clock, body.reset) {
        (Some(date), None | Some(false), None | Some(false)) => ServiceDateChange::Pin(date),
        (None, Some(true), None | Some(false)) => ServiceDateChange::FollowClock,
        (None, None | Some(false), Some(true)) => ServiceDateChange::Reset,
        _ => {
            return Err(ServiceError::Validation(vec![
                "send exactly one of {\"date\": \"YYYY-MM-DD\"} (pin), {\"followClock\": true} or {\"reset\": true} (the configured value)"
                    .into(),
            ])
            .into())
        }
    };
    Ok(timeline_json(&for_partner(&ctx, &query, timeline::change_service_date(&ctx, change)).await?))
}

/// The customer accepts an enhanced attestation, without a browser.
async fn accept_attestation(State(ctx): State<AppState>, Path(attestation_id): Path<String>) -> ApiResult<Json<Value>> {
    let accepted = attestations::accept_attestation(&ctx, &attestation_id).await?;
    Ok(Json(wire::attestation(&accepted)))
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
    let filter = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let filter = OutboxFilter {
        include_pending: query.bool("includePending")?.unwrap_or(false),
        to: filter("to"),
        customer_id: filter("customerId"),
        partner_tenant_id: filter("partnerTenantId"),
    };
    let items: Vec<Value> = control::outbox(&ctx, filter).await?.iter().map(outbox_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
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

async fn clear_outbox(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let deleted = control::clear_outbox(&ctx).await?;
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
) -> ApiResult<Response> {
    let input = DirectAcceptanceInput { person: &body.person, date_agreed: body.date_agreed.as_deref() };
    let agreement = control::accept_for_customer(&ctx, &customer_id, input).await?;
    let listed = agreements::with_link(&ctx, agreement).await?;
    Ok((StatusCode::CREATED, Json(wire::listed_agreement(&listed))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResetBody {
    partner_tenant_id: Option<String>,
}

async fn reset(State(ctx): State<AppState>, OptionalPcJson(body): OptionalPcJson<ResetBody>) -> ApiResult<Json<Value>> {
    let body = body.unwrap_or_default();
    let reset = match control::reset(&ctx, body.partner_tenant_id.as_deref()).await? {
        ResetScope::Everything => "everything".to_string(),
        ResetScope::Partner(p) => format!("partner {p}"),
    };
    Ok(Json(json!({ "reset": reset })))
}

async fn list_requests(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    let status = match query.get("status") {
        None => None,
        Some(raw) => Some(
            raw.parse::<u16>()
                .map_err(|_| ApiError::InvalidQueryParameter(format!("status: '{raw}' is not an HTTP status code")))?,
        ),
    };
    let filter = JournalFilter {
        status,
        partner_tenant_id: query.get("partnerTenantId").filter(|p| !p.is_empty()).map(canonical_id),
        correlation_id: query.get("correlationId").filter(|p| !p.is_empty()).map(str::to_string),
    };
    let items = ctx.journal.entries_matching(&filter);
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
    let json = essence == "application/json" || essence.ends_with("+json");
    let yaml = matches!(essence.as_str(), "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml");
    if !json && !yaml {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type was '{content_type}'; a seed is JSON (application/json) or YAML (application/yaml, \
             application/x-yaml, text/yaml)"
        )));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::MalformedBody("body: not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(ApiError::MalformedBody(
            "body: the seed is empty (with curl's --data-binary @FILE, check that FILE exists where curl runs)".into(),
        ));
    }
    let seed = parse_seed(text).map_err(ApiError::MalformedBody)?;
    Ok((StatusCode::CREATED, Json(wire::seed_summary(&apply_seed(&ctx, seed).await?))))
}
