//! A partner's app registrations and users, made through the control plane, and the development
//! identities every fresh or reset database holds. The token endpoint signs them in
//! (`service::oauth`).

use super::error::{ServiceError, ServiceResult};
use super::partners::get_partner;
use super::passwords::{decoy_hash, hash_password_off_thread, off_thread, verify_password};
use crate::app::AppContext;
use crate::domain::identities::{
    check_new_user, development, normalize_user_name, secret_hash, AppRegistration, PartnerUser, MAX_DISPLAY_NAME,
};
use crate::domain::ids::{PartnerId, UserId};
use crate::domain::partners::{Partner, PartnerType};
use crate::domain::permissions::Role;
use crate::domain::text::has_control_character;
use crate::ids::IdKind;
use crate::store::StoreError;

/// Characters of a generated client secret.
const CLIENT_SECRET_LENGTH: usize = 40;

/// A new app registration and its secret (returned once; only its hash is kept).
pub struct CreatedApp {
    pub app: AppRegistration,
    pub client_secret: String,
}

/// `POST /_emulator/partners/{tenantId}/applications`
pub async fn create_app(
    ctx: &AppContext,
    partner_tenant_id: &PartnerId,
    display_name: Option<String>,
) -> ServiceResult<CreatedApp> {
    let partner = get_partner(ctx, partner_tenant_id).await?;
    let display_name = match display_name {
        None => format!("{} app", partner.name),
        Some(name) if valid_display_name(&name) => name.trim().to_string(),
        Some(_) => {
            return Err(ServiceError::Validation(vec![format!(
                "displayName: must be 1 to {MAX_DISPLAY_NAME} characters without control characters"
            )]))
        }
    };
    // A credential like a customer's first password: drawn from the seeded stream in deterministic
    // mode (the same secret run to run), from a generator seeded by the operating system otherwise.
    let client_id = ctx.ids.guid(IdKind::AppRegistration);
    let client_secret = ctx.ids.token(IdKind::AppSecret, CLIENT_SECRET_LENGTH);
    let app = AppRegistration {
        client_id,
        partner_tenant_id: partner.tenant_id,
        display_name,
        secret_hash: secret_hash(&client_secret),
        created_at: ctx.clock.now().await?,
    };
    ctx.store.insert_app_registration(&app).await?;
    Ok(CreatedApp { app, client_secret })
}

fn valid_display_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= MAX_DISPLAY_NAME && !has_control_character(name)
}

pub struct NewUser {
    pub user_name: Option<String>,
    pub password: Option<String>,
    pub display_name: Option<String>,
    /// Default: Admin agent.
    pub roles: Option<Vec<String>>,
    /// Whether the user's sign-in satisfies MFA; default yes.
    pub mfa: Option<bool>,
}

/// A new user and its password (returned once; only its hash is kept).
pub struct CreatedUser {
    pub user: PartnerUser,
    pub password: String,
}

/// `POST /_emulator/partners/{tenantId}/users`
pub async fn create_user(
    ctx: &AppContext,
    partner_tenant_id: &PartnerId,
    input: NewUser,
) -> ServiceResult<CreatedUser> {
    let partner = get_partner(ctx, partner_tenant_id).await?;
    let user_name = input.user_name.unwrap_or_default();
    let mut problems = if user_name.trim().is_empty() {
        vec!["userName: is required (a user principal name such as ana@contoso.onmicrosoft.com)".to_string()]
    } else {
        check_new_user(&user_name, input.password.as_deref(), input.display_name.as_deref())
    };
    let roles = match input.roles {
        None => vec![Role::AdminAgent],
        Some(names) => Role::parse_all(&names, &mut problems),
    };
    if !problems.is_empty() {
        return Err(ServiceError::Validation(problems));
    }
    let user_name = normalize_user_name(&user_name);
    if ctx.store.partner_user_by_name(&user_name).await?.is_some() {
        return Err(ServiceError::UserNameTaken(user_name));
    }
    let password = input.password.unwrap_or_else(|| ctx.ids.password());
    let user = PartnerUser {
        id: ctx.ids.guid(IdKind::PartnerUser),
        partner_tenant_id: partner.tenant_id,
        display_name: input.display_name.map(|d| d.trim().to_string()).unwrap_or_else(|| user_name.clone()),
        user_name,
        password_hash: hash_password_off_thread(password.clone()).await,
        roles,
        mfa: input.mfa.unwrap_or(true),
        created_at: ctx.clock.now().await?,
    };
    match ctx.store.insert_partner_user(&user).await {
        Ok(()) => Ok(CreatedUser { user, password }),
        Err(StoreError::Conflict) => Err(ServiceError::UserNameTaken(user.user_name)),
        Err(e) => Err(e.into()),
    }
}

/// The partner user whose password this is (the token endpoint's password grant and the partner
/// dashboard's sign-in), checked off the async workers; unknown users are checked against a decoy
/// hash, so neither the answer nor its timing reveals whether the user exists.
pub async fn user_by_password(
    ctx: &AppContext,
    user_name: &str,
    password: String,
) -> ServiceResult<Option<PartnerUser>> {
    let user = ctx.store.partner_user_by_name(&normalize_user_name(user_name)).await?;
    // The decoy is made on first use, as any hash is: off the async workers, in its turn.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = off_thread(move || match &hash {
        Some(hash) => verify_password(&password, hash),
        None => verify_password(&password, decoy_hash()),
    })
    .await;
    Ok(user.filter(|_| matches))
}

/// The user `user_id` of the partner `partner_tenant_id` (the control plane's routes under a user):
/// the partner must exist (`PartnerNotFound`) and the user be one of its own (`UserNotFound`).
pub async fn user_of_partner(
    ctx: &AppContext,
    partner_tenant_id: &PartnerId,
    user_id: &UserId,
) -> ServiceResult<(Partner, PartnerUser)> {
    let partner = get_partner(ctx, partner_tenant_id).await?;
    let user = ctx
        .store
        .partner_user(user_id.as_str())
        .await?
        .filter(|u| u.partner_tenant_id == partner.tenant_id)
        .ok_or_else(|| ServiceError::UserNotFound(user_id.to_string()))?;
    Ok((partner, user))
}

/// `GET /_emulator/partners/{tenantId}/applications`
pub async fn apps_of(ctx: &AppContext, partner_tenant_id: &PartnerId) -> ServiceResult<Vec<AppRegistration>> {
    let partner = get_partner(ctx, partner_tenant_id).await?;
    Ok(ctx.store.app_registrations(&partner.tenant_id).await?)
}

/// `GET /_emulator/partners/{tenantId}/users`
pub async fn users_of(ctx: &AppContext, partner_tenant_id: &PartnerId) -> ServiceResult<Vec<PartnerUser>> {
    let partner = get_partner(ctx, partner_tenant_id).await?;
    Ok(ctx.store.partner_users(&partner.tenant_id).await?)
}

/// Make the development partner, app and user when the database lacks them (at start and after a
/// full reset). Their credentials are fixed and published.
pub async fn ensure_development_identities(ctx: &AppContext) -> ServiceResult<()> {
    let now = ctx.clock.now().await?;
    if ctx.store.partner(development::PARTNER_TENANT_ID).await?.is_none() {
        let partner = Partner {
            tenant_id: development::PARTNER_TENANT_ID.into(),
            name: development::PARTNER_NAME.into(),
            partner_type: PartnerType::DirectBill,
            indirect_provider_id: None,
        };
        ignore_conflict(ctx.store.insert_partner(&partner, now).await)?;
    }
    if ctx.store.app_registration(development::CLIENT_ID).await?.is_none() {
        let app = AppRegistration {
            client_id: development::CLIENT_ID.into(),
            partner_tenant_id: development::PARTNER_TENANT_ID.into(),
            display_name: development::APP_NAME.into(),
            secret_hash: secret_hash(development::CLIENT_SECRET),
            created_at: now,
        };
        ignore_conflict(ctx.store.insert_app_registration(&app).await)?;
    }
    if ctx.store.partner_user(development::USER_ID).await?.is_none() {
        let user = PartnerUser {
            id: development::USER_ID.into(),
            partner_tenant_id: development::PARTNER_TENANT_ID.into(),
            user_name: development::USER_NAME.into(),
            display_name: development::USER_DISPLAY_NAME.into(),
            password_hash: development::USER_PASSWORD_HASH.into(),
            roles: vec![Role::AdminAgent],
            mfa: true,
            created_at: now,
        };
        ignore_conflict(ctx.store.insert_partner_user(&user).await)?;
    }
    Ok(())
}

/// Another replica may make the same identity at the same moment: then it exists, as wanted.
fn ignore_conflict(result: Result<(), StoreError>) -> ServiceResult<()> {
    match result {
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
