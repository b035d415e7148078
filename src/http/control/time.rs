//! The emulator clock and the service date, the emulator's or a partner persona's own.

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::time::render_timestamp;
use crate::domain::timeline::ServiceDateSetting;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::QueryParams;
use crate::http::edge::RouteEntry;
use crate::service::control::{self, ClockChange, ClockReading};
use crate::service::partners;
use crate::service::timeline::{self, ServiceDateChange, Timeline};
use crate::service::ServiceError;

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/_emulator/clock", get(read_clock)),
        ("PUT", "/_emulator/clock", put(set_clock)),
        ("POST", "/_emulator/clock/advance", post(advance_clock)),
        ("GET", "/_emulator/service-date", get(read_service_date)),
        ("PUT", "/_emulator/service-date", put(set_service_date)),
    ]
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
    for_partner_of(ctx, query, None, work).await
}

/// `for_partner`, for a change whose body may name the partner too (`partnerTenantId`, as the
/// reset's body does): the query's and the body's name are one scope, and two that differ are
/// refused rather than one of them dropped.
async fn for_partner_of<T>(
    ctx: &AppState,
    query: &QueryParams,
    in_body: Option<&str>,
    work: impl std::future::Future<Output = Result<T, ServiceError>>,
) -> ApiResult<T> {
    match super::partner_scope(query, in_body)? {
        None => Ok(work.await?),
        Some(partner) => Ok(partners::acting_as(ctx, &partner, work).await?),
    }
}

async fn read_clock(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    Ok(clock_json(for_partner(&ctx, &query, control::read_clock(&ctx)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    partner_tenant_id: Option<String>,
    now: Option<String>,
    frozen: Option<bool>,
    reset: Option<bool>,
}

async fn set_clock(
    State(ctx): State<AppState>,
    query: QueryParams,
    super::ScopedJson(body): super::ScopedJson<ClockBody>,
) -> ApiResult<Json<Value>> {
    let change = match body.reset {
        // Back to real time: a time or a freeze beside it could not both be done.
        Some(true) if body.now.is_some() || body.frozen.is_some() => {
            return Err(crate::service::ServiceError::Validation(vec![
                "reset: true goes back to real time, which takes no now or frozen; send either reset or now/frozen"
                    .into(),
            ])
            .into())
        }
        Some(true) => ClockChange::Reset,
        _ => ClockChange::Set { now: body.now, frozen: body.frozen.unwrap_or(true) },
    };
    Ok(clock_json(
        for_partner_of(&ctx, &query, body.partner_tenant_id.as_deref(), control::set_clock(&ctx, change)).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdvanceBody {
    partner_tenant_id: Option<String>,
    seconds: Option<f64>,
}

async fn advance_clock(
    State(ctx): State<AppState>,
    query: QueryParams,
    super::ScopedJson(body): super::ScopedJson<AdvanceBody>,
) -> ApiResult<Json<Value>> {
    let advance = control::advance_clock(&ctx, body.seconds);
    Ok(clock_json(for_partner_of(&ctx, &query, body.partner_tenant_id.as_deref(), advance).await?))
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ServiceDateBody {
    partner_tenant_id: Option<String>,
    date: Option<String>,
    follow_clock: Option<bool>,
    reset: Option<bool>,
}

async fn set_service_date(
    State(ctx): State<AppState>,
    query: QueryParams,
    super::ScopedJson(body): super::ScopedJson<ServiceDateBody>,
) -> ApiResult<Json<Value>> {
    let in_body = body.partner_tenant_id;
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
    let change = timeline::change_service_date(&ctx, change);
    Ok(timeline_json(&for_partner_of(&ctx, &query, in_body.as_deref(), change).await?))
}
