//! The emulated sign-in service's token endpoint (`/{tenant}/oauth2/v2.0/token` and the v1
//! `/{tenant}/oauth2/token`): the grants real tooling uses to get Partner Center tokens.
//! `client_credentials` gives an App-only token; `password` and `refresh_token` give App+User
//! tokens for a partner user, whose sign-in the lockout guards as every password sign-in.

use super::error::ServiceError;
use super::identities::user_by_password;
use super::sign_in::{sign_in, SignIn};
use super::tokens::{access_claims, AccessGrant};
use crate::app::AppContext;
use crate::auth;
use crate::clock;
use crate::domain::identities::{secret_matches, AppRegistration, PartnerUser};
use crate::domain::ids::{ClientId, PartnerId};
use crate::domain::oauth::{is_partner_center_resource, scope_asks_for_partner_center, OAuthRefusal};

/// Lifetime of the access tokens the endpoint issues, as Microsoft's default.
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;
/// Lifetime of refresh tokens: Microsoft's inactivity limit of 90 days.
pub const REFRESH_TOKEN_SECONDS: i64 = 90 * 24 * 3600;

/// Which version of the endpoint was called: v2 asks for a `scope`, v1 for a `resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    V1,
    V2,
}

/// The form a client posts, after the client's credentials were taken from the body or from an
/// `Authorization: Basic` header. No `Debug`: it holds secrets.
#[derive(Default)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub resource: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
}

/// A successful answer.
pub struct Granted {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// Unix seconds by the emulator clock.
    pub issued_at: i64,
    pub scope: String,
}

#[derive(Debug)]
pub enum GrantError {
    /// Refused as the sign-in service refuses.
    Refused(OAuthRefusal),
    /// The emulator could not answer (database down, …).
    Failed(ServiceError),
}

impl From<OAuthRefusal> for GrantError {
    fn from(refusal: OAuthRefusal) -> Self {
        GrantError::Refused(refusal)
    }
}

impl From<ServiceError> for GrantError {
    fn from(error: ServiceError) -> Self {
        GrantError::Failed(error)
    }
}

impl From<crate::store::StoreError> for GrantError {
    fn from(error: crate::store::StoreError) -> Self {
        GrantError::Failed(error.into())
    }
}

type GrantResult<T> = Result<T, GrantError>;

/// Tenants a path may name besides a partner's tenant id.
const MULTI_TENANT: [&str; 2] = ["common", "organizations"];

/// `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token`.
pub async fn grant(ctx: &AppContext, endpoint: Endpoint, tenant: &str, form: TokenForm) -> GrantResult<Granted> {
    let grant_type = required(&form.grant_type, "grant_type")?;
    let tenant = resolve_tenant(ctx, tenant).await?;
    let scope = match endpoint {
        Endpoint::V2 => {
            let scope = required(&form.scope, "scope")?;
            if !scope_asks_for_partner_center(scope) {
                return Err(OAuthRefusal::InvalidScope(scope.to_string()).into());
            }
            scope.to_string()
        }
        Endpoint::V1 => {
            let resource = required(&form.resource, "resource")?;
            if !is_partner_center_resource(resource) {
                return Err(OAuthRefusal::InvalidResource(resource.to_string()).into());
            }
            "user_impersonation".to_string()
        }
    };
    let client_id = ClientId::parse(required(&form.client_id, "client_id")?).into_string();
    let app = app_in_tenant(ctx, &client_id, tenant.as_deref()).await?;
    match grant_type {
        "client_credentials" => {
            let secret = form.client_secret.as_deref().filter(|s| !s.is_empty());
            check_secret(&app, secret.ok_or(OAuthRefusal::ClientSecretRequired)?)?;
            if endpoint == Endpoint::V2 && !scope.to_ascii_lowercase().ends_with("/.default") {
                return Err(OAuthRefusal::InvalidScope(scope).into());
            }
            let now = clock::as_partner(app.partner_tenant_id.clone(), ctx.clock.now()).await?.timestamp();
            let claims = access_claims(AccessGrant {
                partner_tenant_id: &app.partner_tenant_id,
                subject: app.client_id.clone(),
                app_id: app.client_id.clone(),
                roles: &[],
                app_only: true,
                mfa: false,
                issued_at: now,
                lifetime: ACCESS_TOKEN_SECONDS,
            });
            Ok(Granted {
                access_token: auth::mint(&ctx.keys, &claims),
                refresh_token: None,
                expires_in: ACCESS_TOKEN_SECONDS,
                issued_at: now,
                scope,
            })
        }
        "password" => {
            // A public client sends no secret; a confidential one must send the right one.
            if let Some(secret) = form.client_secret.as_deref().filter(|s| !s.is_empty()) {
                check_secret(&app, secret)?;
            }
            let user_name = required(&form.username, "username")?;
            // The password as sent: spaces around it are part of it.
            let password =
                form.password.clone().filter(|p| !p.is_empty()).ok_or(OAuthRefusal::MissingParameter("password"))?;
            let user = match sign_in(ctx, user_name, user_by_password(ctx, user_name, password)).await? {
                SignIn::Accepted(user) => user,
                SignIn::Refused { .. } | SignIn::NotAUserName => return Err(OAuthRefusal::InvalidCredentials.into()),
                SignIn::LockedOut { .. } => return Err(OAuthRefusal::LockedOut.into()),
            };
            if let Some(tenant) = &tenant {
                if tenant != &user.partner_tenant_id {
                    return Err(OAuthRefusal::UserNotInTenant { tenant: tenant.clone() }.into());
                }
            }
            user_tokens(ctx, &app, &user, scope).await
        }
        "refresh_token" => {
            let token = required(&form.refresh_token, "refresh_token")?;
            let claims = auth::read_refresh(&ctx.keys, token).ok_or(OAuthRefusal::InvalidRefreshToken)?;
            if claims.azp != app.client_id {
                return Err(OAuthRefusal::InvalidRefreshToken.into());
            }
            if let Some(secret) = form.client_secret.as_deref().filter(|s| !s.is_empty()) {
                check_secret(&app, secret)?;
            }
            if claims.exp <= clock::as_partner(claims.tid.clone(), ctx.clock.now()).await?.timestamp() {
                return Err(OAuthRefusal::RefreshTokenExpired.into());
            }
            // The user may be gone (a reset): the token then refreshes nothing.
            let user = ctx.store.partner_user(&claims.sub).await?.ok_or(OAuthRefusal::InvalidRefreshToken)?;
            if user.partner_tenant_id != claims.tid {
                return Err(OAuthRefusal::InvalidRefreshToken.into());
            }
            if let Some(tenant) = &tenant {
                if tenant != &user.partner_tenant_id {
                    return Err(OAuthRefusal::UserNotInTenant { tenant: tenant.clone() }.into());
                }
            }
            user_tokens(ctx, &app, &user, scope).await
        }
        other => Err(OAuthRefusal::UnsupportedGrantType(other.to_string()).into()),
    }
}

/// A required form value, present and not empty.
fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, OAuthRefusal> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).ok_or(OAuthRefusal::MissingParameter(name))
}

/// The partner tenant a path names, or None for `common` / `organizations`.
async fn resolve_tenant(ctx: &AppContext, tenant: &str) -> GrantResult<Option<String>> {
    if MULTI_TENANT.iter().any(|t| t.eq_ignore_ascii_case(tenant)) {
        return Ok(None);
    }
    let id = PartnerId::parse(tenant).into_string();
    if uuid::Uuid::parse_str(&id).is_err() || ctx.store.partner(&id).await?.is_none() {
        return Err(OAuthRefusal::TenantNotFound(tenant.to_string()).into());
    }
    Ok(Some(id))
}

/// The app registration with `client_id`, in the tenant of the path when it names one.
async fn app_in_tenant(ctx: &AppContext, client_id: &str, tenant: Option<&str>) -> GrantResult<AppRegistration> {
    let not_found = || OAuthRefusal::ApplicationNotFound {
        client_id: client_id.to_string(),
        tenant: tenant.unwrap_or("common").to_string(),
    };
    let app = ctx.store.app_registration(client_id).await?.ok_or_else(not_found)?;
    match tenant {
        Some(t) if t != app.partner_tenant_id => Err(not_found().into()),
        _ => Ok(app),
    }
}

fn check_secret(app: &AppRegistration, secret: &str) -> Result<(), OAuthRefusal> {
    if secret_matches(secret, &app.secret_hash) {
        Ok(())
    } else {
        Err(OAuthRefusal::InvalidClientSecret(app.client_id.clone()))
    }
}

/// An App+User access token for `user` through `app`, and a refresh token.
async fn user_tokens(
    ctx: &AppContext,
    app: &AppRegistration,
    user: &PartnerUser,
    scope: String,
) -> GrantResult<Granted> {
    let now = clock::as_partner(user.partner_tenant_id.clone(), ctx.clock.now()).await?.timestamp();
    let claims = access_claims(AccessGrant {
        partner_tenant_id: &user.partner_tenant_id,
        subject: user.id.clone(),
        app_id: app.client_id.clone(),
        roles: &user.roles,
        app_only: false,
        mfa: user.mfa,
        issued_at: now,
        lifetime: ACCESS_TOKEN_SECONDS,
    });
    let refresh = auth::mint_refresh(
        &ctx.keys,
        &user.id,
        &user.partner_tenant_id,
        &app.client_id,
        now,
        now + REFRESH_TOKEN_SECONDS,
        &ctx.ids.secret(16),
    );
    Ok(Granted {
        access_token: auth::mint(&ctx.keys, &claims),
        refresh_token: Some(refresh),
        expires_in: ACCESS_TOKEN_SECONDS,
        issued_at: now,
        scope,
    })
}
