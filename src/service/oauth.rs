//! The emulated sign-in service's token endpoint (`/{tenant}/oauth2/v2.0/token` and the v1
//! `/{tenant}/oauth2/token`): the grants real tooling uses to get Partner Center tokens.
//! `client_credentials` gives an App-only token; `password` and `refresh_token` give App+User
//! tokens for a partner user, whose sign-in the lockout guards as every password sign-in.

use super::error::{ServiceError, ServiceResult};
use super::identities::{user_by_password, user_of_partner};
use super::sign_in::{sign_in, SignIn};
use super::tokens::{access_claims, AccessGrant};
use crate::app::AppContext;
use crate::auth;
use crate::auth::IdTokenClaims;
use crate::clock;
use crate::domain::identities::{secret_matches, AppRegistration, PartnerUser};
use crate::domain::ids::{ClientId, PartnerId, UserId};
use crate::domain::oauth::{
    combines_default_with_permissions, is_client_credentials_scope, is_partner_center_resource,
    scope_asks_for_partner_center, v1_issuer, v2_issuer, OAuthRefusal, OidcScopes,
};
use sha2::Digest;

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
    /// `1` asks for `client_info` in the answer (MSAL sends it).
    pub client_info: Option<String>,
    /// Echoed in the id_token.
    pub nonce: Option<String>,
    /// A certificate's or a federated credential's proof, and its type: never accepted (the
    /// emulator's apps have secrets only), read so that a client sending one is told so rather
    /// than signed in as a public client.
    pub client_assertion: Option<String>,
    pub client_assertion_type: Option<String>,
}

/// A successful answer.
pub struct Granted {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// Unix seconds by the emulator clock.
    pub issued_at: i64,
    pub scope: String,
    /// For a user who asked for `openid`.
    pub id_token: Option<String>,
    /// base64url of `{"uid", "utid"}`: who signed in, for a client that asked (`client_info=1`).
    pub client_info: Option<String>,
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

/// Tenants a path may name besides a partner's tenant id or domain.
const MULTI_TENANT: [&str; 2] = ["common", "organizations"];

/// The tenant a path names, as the sign-in service knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// `common` or `organizations`: any partner's users and apps, for a user grant (an App-only
    /// grant needs a tenant: AADSTS50059).
    Any,
    /// One partner's tenant (named by its id or one of its domains): its id.
    Partner(String),
}

impl Tenant {
    pub fn partner_tenant_id(&self) -> Option<&str> {
        match self {
            Tenant::Any => None,
            Tenant::Partner(id) => Some(id),
        }
    }
}

/// The tenant a path names: `common`, `organizations`, a partner's tenant id, or one of its
/// domains (the domain of its users' user names; a domain whose users belong to more than one
/// partner names none). Anything else is AADSTS90002, on every route of the sign-in service.
pub async fn resolve_tenant(ctx: &AppContext, name: &str) -> GrantResult<Tenant> {
    if MULTI_TENANT.iter().any(|t| t.eq_ignore_ascii_case(name)) {
        return Ok(Tenant::Any);
    }
    let not_found = || GrantError::Refused(OAuthRefusal::TenantNotFound(name.to_string()));
    let id = PartnerId::parse(name).into_string();
    if uuid::Uuid::parse_str(&id).is_ok() {
        return match ctx.store.partner(&id).await? {
            Some(partner) => Ok(Tenant::Partner(partner.tenant_id)),
            None => Err(not_found()),
        };
    }
    match ctx.store.partners_of_user_domain(name).await?.as_slice() {
        [only] => Ok(Tenant::Partner(only.clone())),
        _ => Err(not_found()),
    }
}

/// How a user name's realm is known (`/common/userrealm/{userName}`): managed, when a partner's
/// users use its domain; unknown otherwise, as Entra answers for a domain it does not know.
pub async fn user_realm_is_known(ctx: &AppContext, user_name: &str) -> ServiceResult<bool> {
    let Some((_, domain)) = user_name.rsplit_once('@') else { return Ok(false) };
    Ok(!ctx.store.partners_of_user_domain(domain).await?.is_empty())
}

/// `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token`.
pub async fn grant(ctx: &AppContext, endpoint: Endpoint, tenant: &str, form: TokenForm) -> GrantResult<Granted> {
    let grant_type = required(&form.grant_type, "grant_type")?;
    let tenant = resolve_tenant(ctx, tenant).await?;
    // A client authenticating with a certificate or a federated credential is told that only
    // secrets are known here, on every grant: passing the assertion over made a confidential
    // client a public one.
    if form.client_assertion.is_some() || form.client_assertion_type.is_some() {
        return Err(OAuthRefusal::ClientAssertionNotSupported.into());
    }
    // An App-only token is for the app's own tenant, which `common` and `organizations` do not
    // name (a user grant finds it from the user).
    if grant_type == "client_credentials" && tenant == Tenant::Any {
        return Err(OAuthRefusal::NoTenant.into());
    }
    let tenant = tenant.partner_tenant_id().map(str::to_string);
    let asked = form.scope.as_deref().unwrap_or_default();
    let scope = match endpoint {
        Endpoint::V2 => {
            if form.resource.as_deref().is_some_and(|r| !r.trim().is_empty()) {
                return Err(OAuthRefusal::ResourceOnV2.into());
            }
            let scope = required(&form.scope, "scope")?;
            if !scope_asks_for_partner_center(scope) {
                return Err(OAuthRefusal::InvalidScope(scope.to_string()).into());
            }
            // A user grant's `/.default` stands for every permission: none may come beside it
            // (`client_credentials` has its own rule, AADSTS1002012, below).
            if grant_type != "client_credentials" && combines_default_with_permissions(scope) {
                return Err(OAuthRefusal::DefaultWithPermissions(scope.to_string()).into());
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
    let user_grant = UserGrant {
        endpoint,
        scopes: OidcScopes::of(asked),
        client_info: form.client_info.as_deref() == Some("1"),
        nonce: form.nonce.clone().filter(|n| !n.is_empty()),
        scope,
    };
    let scope = user_grant.scope.clone();
    let client_id = ClientId::parse(required(&form.client_id, "client_id")?).into_string();
    let app = app_in_tenant(ctx, &client_id, tenant.as_deref()).await?;
    match grant_type {
        "client_credentials" => {
            let secret = form.client_secret.as_deref().filter(|s| !s.is_empty());
            check_secret(&app, secret.ok_or(OAuthRefusal::ClientSecretRequired)?)?;
            if endpoint == Endpoint::V2 && !is_client_credentials_scope(&scope) {
                return Err(OAuthRefusal::ClientCredentialsScope(scope).into());
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
                unique_id: ctx.ids.secret(22),
            });
            Ok(Granted {
                access_token: auth::mint(&ctx.keys, &claims),
                refresh_token: None,
                expires_in: ACCESS_TOKEN_SECONDS,
                issued_at: now,
                scope,
                id_token: None,
                client_info: None,
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
            // A password is one factor: a user who must do MFA is sent to an interactive sign-in,
            // as Entra ID does, rather than given a token that claims MFA nobody did.
            if user.mfa {
                return Err(OAuthRefusal::MfaRequired.into());
            }
            user_tokens(ctx, &app, &user, false, &user_grant).await
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
            // The new tokens carry the authentication of the sign-in that left the refresh token.
            user_tokens(ctx, &app, &user, claims.mfa(), &user_grant).await
        }
        other => Err(OAuthRefusal::UnsupportedGrantType(other.to_string()).into()),
    }
}

/// A required form value, present and not empty.
fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, OAuthRefusal> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).ok_or(OAuthRefusal::MissingParameter(name))
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

/// What a user grant asked for beside the API: the endpoint, OpenID Connect's scopes,
/// `client_info` and a nonce.
struct UserGrant {
    endpoint: Endpoint,
    scopes: OidcScopes,
    client_info: bool,
    nonce: Option<String>,
    /// The scope the answer names.
    scope: String,
}

/// An App+User access token for `user` through `app`, whose sign-in did MFA or not; a refresh
/// token (v1, or v2 with `offline_access`), an id_token (with `openid`) and `client_info` (when
/// asked), as Entra ID answers.
async fn user_tokens(
    ctx: &AppContext,
    app: &AppRegistration,
    user: &PartnerUser,
    mfa: bool,
    grant: &UserGrant,
) -> GrantResult<Granted> {
    let now = clock::as_partner(user.partner_tenant_id.clone(), ctx.clock.now()).await?.timestamp();
    let claims = access_claims(AccessGrant {
        partner_tenant_id: &user.partner_tenant_id,
        subject: user.id.clone(),
        app_id: app.client_id.clone(),
        roles: &user.roles,
        app_only: false,
        mfa,
        issued_at: now,
        lifetime: ACCESS_TOKEN_SECONDS,
        unique_id: ctx.ids.secret(22),
    });
    let refresh = (grant.endpoint == Endpoint::V1 || grant.scopes.offline_access)
        .then(|| refresh_token(ctx, app, user, mfa, now));
    let id_token = grant.scopes.openid.then(|| auth::mint_id_token(&ctx.keys, &id_token_claims(app, user, grant, now)));
    Ok(Granted {
        access_token: auth::mint(&ctx.keys, &claims),
        refresh_token: refresh,
        expires_in: ACCESS_TOKEN_SECONDS,
        issued_at: now,
        scope: grant.scope.clone(),
        id_token,
        client_info: grant.client_info.then(|| client_info(user)),
    })
}

/// A refresh token for `user` through `app`, from a sign-in at `now` that did MFA or not.
fn refresh_token(ctx: &AppContext, app: &AppRegistration, user: &PartnerUser, mfa: bool, now: i64) -> String {
    auth::mint_refresh(
        &ctx.keys,
        auth::RefreshGrant {
            user_id: &user.id,
            tenant_id: &user.partner_tenant_id,
            client_id: &app.client_id,
            mfa,
            issued_at: now,
            expires_at: now + REFRESH_TOKEN_SECONDS,
            unique_id: &ctx.ids.secret(16),
        },
    )
}

/// The refresh token an interactive sign-in of `user` to `app` leaves — with MFA when the user
/// must do it —, as the Secure Application Model's one-time consent leaves one for automation to
/// keep. The emulator has no interactive sign-in of its own for the token endpoint; the control
/// plane hands this out in its place.
pub struct InteractiveRefreshToken {
    pub refresh_token: String,
    pub user: PartnerUser,
    pub client_id: String,
    pub mfa: bool,
    /// By the emulator clock (the user's partner's).
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The tenant at whose token endpoint the refresh works: the user's, when the app is its
    /// partner's; otherwise `organizations` (a tenant's path admits only its own apps and users).
    pub token_tenant: String,
}

pub async fn interactive_refresh_token(
    ctx: &AppContext,
    partner_tenant_id: &PartnerId,
    user_id: &UserId,
    client_id: Option<&str>,
) -> ServiceResult<InteractiveRefreshToken> {
    let client_id = client_id.map(str::trim).filter(|c| !c.is_empty());
    let Some(client_id) = client_id else {
        return Err(ServiceError::Validation(vec![
            "clientId: is required (the app the user signs in to: its refresh tokens are bound to it)".into(),
        ]));
    };
    let (_, user) = user_of_partner(ctx, partner_tenant_id, user_id).await?;
    let client_id = ClientId::parse(client_id).into_string();
    let app = ctx.store.app_registration(&client_id).await?.ok_or_else(|| {
        ServiceError::Validation(vec![format!("clientId: no application with client id '{client_id}' is registered")])
    })?;
    let now = clock::as_partner(user.partner_tenant_id.clone(), ctx.clock.now()).await?;
    let mfa = user.mfa;
    Ok(InteractiveRefreshToken {
        refresh_token: refresh_token(ctx, &app, &user, mfa, now.timestamp()),
        client_id: app.client_id,
        mfa,
        expires_at: crate::domain::time::later(now, chrono::Duration::seconds(REFRESH_TOKEN_SECONDS)),
        token_tenant: if app.partner_tenant_id == user.partner_tenant_id {
            user.partner_tenant_id.clone()
        } else {
            MULTI_TENANT[1].to_string()
        },
        user,
    })
}

/// The id_token of a user grant: v2 with the user's name and user name when `profile` was asked
/// for, v1 with them always (and the user principal name).
fn id_token_claims(app: &AppRegistration, user: &PartnerUser, grant: &UserGrant, now: i64) -> IdTokenClaims {
    let tenant = &user.partner_tenant_id;
    let (iss, ver, profile) = match grant.endpoint {
        Endpoint::V2 => (v2_issuer(tenant), "2.0", grant.scopes.profile),
        Endpoint::V1 => (v1_issuer(tenant), "1.0", true),
    };
    let v1 = grant.endpoint == Endpoint::V1;
    IdTokenClaims {
        aud: app.client_id.clone(),
        iss,
        iat: now,
        nbf: now,
        exp: now + ACCESS_TOKEN_SECONDS,
        tid: tenant.clone(),
        oid: user.id.clone(),
        sub: pairwise_subject(&user.id, &app.client_id),
        ver: ver.into(),
        name: profile.then(|| user.display_name.clone()),
        preferred_username: (profile && !v1).then(|| user.user_name.clone()),
        upn: v1.then(|| user.user_name.clone()),
        unique_name: v1.then(|| user.user_name.clone()),
        nonce: grant.nonce.clone(),
    }
}

/// Entra's `sub`: the same for a user and an app every time, different for another app.
fn pairwise_subject(user_id: &str, client_id: &str) -> String {
    use base64::Engine;
    let digest = sha2::Sha256::digest(format!("{user_id}\n{client_id}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// `client_info`: base64url JSON naming the user (`uid`) and their tenant (`utid`), from which
/// Microsoft's libraries key the account they cache.
fn client_info(user: &PartnerUser) -> String {
    use base64::Engine;
    let info = serde_json::json!({"uid": user.id, "utid": user.partner_tenant_id});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(info.to_string())
}
