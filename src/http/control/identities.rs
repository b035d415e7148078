//! The control plane's app registrations and partner users: what the emulated token endpoint
//! signs in (`http::sign_in`), and the partner dashboard's one-time sign-in links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::identities::{AppRegistration, PartnerUser};
use crate::domain::ids::{PartnerId, UserId};
use crate::domain::time::render_timestamp;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::{OptionalPcJson, PcJson};
use crate::http::edge::RouteEntry;
use crate::service::dashboard_sessions;
use crate::service::identities::{self, NewUser};
use crate::service::oauth;

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("POST", "/_emulator/partners/{tenant_id}/applications", post(create_app)),
        ("GET", "/_emulator/partners/{tenant_id}/applications", get(list_apps)),
        ("POST", "/_emulator/partners/{tenant_id}/users", post(create_user)),
        ("GET", "/_emulator/partners/{tenant_id}/users", get(list_users)),
        ("POST", "/_emulator/partners/{tenant_id}/users/{user_id}/sign-in-links", post(create_sign_in_link)),
        ("POST", "/_emulator/partners/{tenant_id}/users/{user_id}/refresh-tokens", post(create_refresh_token)),
    ]
}

fn app_json(ctx: &AppState, app: &AppRegistration) -> Value {
    json!({
        "clientId": app.client_id,
        "displayName": app.display_name,
        "partnerTenantId": app.partner_tenant_id,
        "tokenEndpoint": format!("{}/{}/oauth2/v2.0/token", ctx.public_base_url, app.partner_tenant_id),
        "createdDateTime": render_timestamp(app.created_at),
    })
}

fn user_json(user: &PartnerUser) -> Value {
    json!({
        "id": user.id,
        "userName": user.user_name,
        "displayName": user.display_name,
        "partnerTenantId": user.partner_tenant_id,
        "roles": user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "mfa": user.mfa,
        "createdDateTime": render_timestamp(user.created_at),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppBody {
    display_name: Option<String>,
}

async fn create_app(
    State(ctx): State<AppState>,
    Path(tenant_id): Path<PartnerId>,
    OptionalPcJson(body): OptionalPcJson<AppBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let created = identities::create_app(&ctx, &tenant_id, body.unwrap_or_default().display_name).await?;
    let mut answer = app_json(&ctx, &created.app);
    answer["clientSecret"] = json!(created.client_secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn list_apps(State(ctx): State<AppState>, Path(tenant_id): Path<PartnerId>) -> ApiResult<Json<Value>> {
    let apps = identities::apps_of(&ctx, &tenant_id).await?;
    let items: Vec<Value> = apps.iter().map(|a| app_json(&ctx, a)).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserBody {
    user_name: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
    roles: Option<Vec<String>>,
    mfa: Option<bool>,
}

async fn create_user(
    State(ctx): State<AppState>,
    Path(tenant_id): Path<PartnerId>,
    PcJson(body): PcJson<UserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = NewUser {
        user_name: body.user_name,
        password: body.password,
        display_name: body.display_name,
        roles: body.roles,
        mfa: body.mfa,
    };
    let created = identities::create_user(&ctx, &tenant_id, input).await?;
    let mut answer = user_json(&created.user);
    answer["password"] = json!(created.password);
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn list_users(State(ctx): State<AppState>, Path(tenant_id): Path<PartnerId>) -> ApiResult<Json<Value>> {
    let users = identities::users_of(&ctx, &tenant_id).await?;
    let items: Vec<Value> = users.iter().map(user_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

/// A one-time link that signs the user in to the emulated Partner Center dashboard (for browser
/// tests): open it once, within its lifetime.
async fn create_sign_in_link(
    State(ctx): State<AppState>,
    Path((tenant_id, user_id)): Path<(PartnerId, UserId)>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let link = dashboard_sessions::issue_sign_in_link(&ctx, &tenant_id, &user_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "url": link.url,
            "expiresDateTime": render_timestamp(link.expires_at),
            "userId": link.user.id,
            "userName": link.user.user_name,
        })),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefreshTokenBody {
    client_id: Option<String>,
}

/// The refresh token an interactive sign-in of the user to an app leaves (with MFA when the user
/// does it), for code that keeps one and refreshes it, as the Secure Application Model does: the
/// password grant cannot give an MFA user a token.
async fn create_refresh_token(
    State(ctx): State<AppState>,
    Path((tenant_id, user_id)): Path<(PartnerId, UserId)>,
    PcJson(body): PcJson<RefreshTokenBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let issued = oauth::interactive_refresh_token(&ctx, &tenant_id, &user_id, body.client_id.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "refreshToken": issued.refresh_token,
            "clientId": issued.client_id,
            "userId": issued.user.id,
            "userName": issued.user.user_name,
            "partnerTenantId": issued.user.partner_tenant_id,
            "mfa": issued.mfa,
            "expiresDateTime": render_timestamp(issued.expires_at),
            "tokenEndpoint": format!("{}/{}/oauth2/v2.0/token", ctx.public_base_url, issued.token_tenant),
        })),
    ))
}
