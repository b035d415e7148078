//! Partner personas and their tokens, minted without a sign-in.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::ids::PartnerId;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::PcJson;
use crate::http::edge::RouteEntry;
use crate::service::partners::{self, NewPartner};
use crate::service::tokens::{issue_token, TokenRequest};

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("POST", "/_emulator/partners", post(create_partner)),
        ("GET", "/_emulator/partners", get(list_partners)),
        ("GET", "/_emulator/partners/{tenant_id}", get(get_partner)),
        ("POST", "/_emulator/tokens", post(mint_token)),
    ]
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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

/// Every partner persona, in the order they were created (by the emulator clock).
async fn list_partners(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = partners::all_partners(&ctx).await?.iter().map(partner_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn get_partner(State(ctx): State<AppState>, Path(tenant_id): Path<PartnerId>) -> ApiResult<Json<Value>> {
    let partner = partners::get_partner(&ctx, &tenant_id).await?;
    Ok(Json(partner_json(&partner)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
