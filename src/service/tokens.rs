//! Minting access tokens for partner personas (the control plane's `POST /_emulator/tokens`).

use super::error::{ServiceError, ServiceResult};
use super::partners::get_partner;
use crate::app::AppContext;
use crate::auth::{self, Claims, AUDIENCE, ISSUER_PREFIX};
use crate::clock;
use crate::domain::ids::PartnerId;
use crate::domain::permissions::Role;
use crate::ids::IdKind;

pub const MAX_TOKEN_LIFETIME_SECONDS: i64 = 30 * 24 * 3600;
const DEFAULT_LIFETIME_SECONDS: i64 = 3600;

pub struct TokenRequest {
    pub partner_tenant_id: Option<String>,
    pub roles: Vec<String>,
    pub user_id: Option<String>,
    pub app_only: bool,
    /// Whether the user signed in with MFA (App+User tokens; default yes).
    pub mfa: Option<bool>,
    pub expires_in_seconds: Option<i64>,
}

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
}

/// Check the request (every problem at once), then sign a token for an existing partner whose
/// expiry is judged by the emulator clock.
pub async fn issue_token(ctx: &AppContext, request: TokenRequest) -> ServiceResult<IssuedToken> {
    let mut problems = Vec::new();
    let roles = Role::parse_all(&request.roles, &mut problems);
    if request.app_only && !roles.is_empty() {
        problems.push("roles: an app-only token carries no user roles".into());
    }
    if request.app_only && request.mfa.is_some() {
        problems.push("mfa: an app-only token has no user who signs in".into());
    }
    let lifetime = request.expires_in_seconds.unwrap_or(DEFAULT_LIFETIME_SECONDS);
    if !(1..=MAX_TOKEN_LIFETIME_SECONDS).contains(&lifetime) {
        problems.push(format!("expiresInSeconds: must be between 1 and {MAX_TOKEN_LIFETIME_SECONDS}"));
    }
    if request.user_id.as_deref().is_some_and(|u| u.trim().is_empty()) {
        // An unset variable in a test: a generated user would not be the one it meant.
        problems.push("userId: empty; leave it out for a generated user, or send the user's object id".into());
    }
    let tenant_id = request.partner_tenant_id.filter(|t| !t.trim().is_empty());
    if tenant_id.is_none() {
        problems.push("partnerTenantId: is required".into());
    }
    let (Some(tenant_id), true) = (tenant_id, problems.is_empty()) else {
        return Err(ServiceError::Validation(problems));
    };
    let partner = get_partner(ctx, &PartnerId::parse(&tenant_id)).await?;
    // The partner's own clock, when it has one: its tokens are judged by it.
    let now = clock::as_partner(partner.tenant_id.clone(), ctx.clock.now()).await?.timestamp();
    let claims = access_claims(AccessGrant {
        partner_tenant_id: &partner.tenant_id,
        subject: request.user_id.unwrap_or_else(|| ctx.ids.guid(IdKind::TokenSubject)),
        app_id: ctx.ids.guid(IdKind::TokenSubject),
        roles: &roles,
        app_only: request.app_only,
        mfa: request.mfa.unwrap_or(true),
        issued_at: now,
        lifetime,
        unique_id: ctx.ids.secret(22),
    });
    Ok(IssuedToken { access_token: auth::mint(&ctx.keys, &claims), expires_in: lifetime })
}

/// What an access token grants: to whom, through which app, with which roles.
pub struct AccessGrant<'a> {
    pub partner_tenant_id: &'a str,
    /// The user's object id (App+User) or the app's (App-only): `oid`.
    pub subject: String,
    /// The client id of the app: `appid`.
    pub app_id: String,
    pub roles: &'a [Role],
    pub app_only: bool,
    /// Whether the user signed in with MFA (ignored for App-only tokens).
    pub mfa: bool,
    /// Unix seconds by the emulator clock.
    pub issued_at: i64,
    pub lifetime: i64,
    /// Entra's `uti`: what makes each token issued distinct, even within one second.
    pub unique_id: String,
}

/// The claims of an access token for the Partner Center API, as Microsoft's sign-in service
/// shapes them; the control plane and the emulated token endpoint both mint these.
pub fn access_claims(grant: AccessGrant<'_>) -> Claims {
    Claims {
        aud: AUDIENCE.into(),
        iss: format!("{ISSUER_PREFIX}{}/", grant.partner_tenant_id),
        iat: grant.issued_at,
        nbf: grant.issued_at,
        exp: grant.issued_at + grant.lifetime,
        tid: grant.partner_tenant_id.to_string(),
        oid: grant.subject,
        roles: grant.roles.iter().map(|r| r.as_str().to_string()).collect(),
        idtyp: if grant.app_only { "app" } else { "user" }.into(),
        appid: grant.app_id,
        uti: grant.unique_id,
        amr: auth::authentication_methods(grant.app_only, grant.mfa),
    }
}
