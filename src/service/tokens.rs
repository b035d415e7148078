//! Minting access tokens for partner personas (the control plane's `POST /_emulator/tokens`).

use super::error::{ServiceError, ServiceResult};
use super::partners::get_partner;
use crate::app::AppContext;
use crate::auth::{self, Claims, AUDIENCE, ISSUER_PREFIX};
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
    let roles: Vec<Role> = request
        .roles
        .iter()
        .filter_map(|r| {
            Role::parse(r).or_else(|| {
                problems.push(format!(
                    "roles: '{r}' is not one of AdminAgent, SalesAgent, HelpdeskAgent, GlobalAdmin, UserManagementAdmin"
                ));
                None
            })
        })
        .collect();
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
    let tenant_id = request.partner_tenant_id.filter(|t| !t.trim().is_empty());
    if tenant_id.is_none() {
        problems.push("partnerTenantId: is required".into());
    }
    let (Some(tenant_id), true) = (tenant_id, problems.is_empty()) else {
        return Err(ServiceError::Validation(problems));
    };
    let partner = get_partner(ctx, &tenant_id).await?;
    let now = ctx.clock.now().await?.timestamp();
    let claims = Claims {
        aud: AUDIENCE.into(),
        iss: format!("{ISSUER_PREFIX}{}/", partner.tenant_id),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        tid: partner.tenant_id.clone(),
        oid: request.user_id.filter(|u| !u.trim().is_empty()).unwrap_or_else(|| ctx.ids.guid(IdKind::TokenSubject)),
        roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
        idtyp: if request.app_only { "app" } else { "user" }.into(),
        appid: ctx.ids.guid(IdKind::TokenSubject),
        amr: match (request.app_only, request.mfa.unwrap_or(true)) {
            (true, _) => vec![],
            (false, true) => vec!["pwd".into(), "mfa".into()],
            (false, false) => vec!["pwd".into()],
        },
    };
    Ok(IssuedToken { access_token: auth::mint(&ctx.keys, &claims), expires_in: lifetime })
}
