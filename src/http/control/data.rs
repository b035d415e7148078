//! The emulator's data as a whole: reset, seed files, and the request journal.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::ids::PartnerId;
use crate::http::api::wire;
use crate::http::edge::error::{ApiError, ApiResult};
use crate::http::edge::extract::{body_rejection, QueryParams};
use crate::http::edge::RouteEntry;
use crate::journal::JournalFilter;
use crate::service::control::{self, ResetScope};
use crate::service::seed::{apply_seed, parse_seed};

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("POST", "/_emulator/reset", post(reset)),
        ("POST", "/_emulator/seed", post(seed)),
        ("GET", "/_emulator/requests", get(list_requests)),
        ("DELETE", "/_emulator/requests", delete(clear_requests)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    partner_tenant_id: Option<PartnerId>,
}

async fn reset(
    State(ctx): State<AppState>,
    query: QueryParams,
    super::OptionalScopedJson(body): super::OptionalScopedJson<ResetBody>,
) -> ApiResult<Json<Value>> {
    let body = body.unwrap_or_default();
    // The partner to reset, named in the body (as documented) or in the query (as the clock's
    // routes name it): never dropped, which would reset everything.
    let partner = super::partner_scope(&query, body.partner_tenant_id.as_ref().map(PartnerId::as_str))?;
    let reset = match control::reset(&ctx, partner.as_ref()).await? {
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
        partner_tenant_id: query.filter("partnerTenantId")?.map(|p| PartnerId::parse(p).into_string()),
        correlation_id: query.filter("correlationId")?.map(str::to_string),
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
