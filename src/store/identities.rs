//! What the emulated sign-in service signs in: app registrations and partner users.

use chrono::{DateTime, Utc};

use super::rows::corrupt;
use super::{Store, StoreError, StoreResult};
use crate::domain::identities::{AppRegistration, PartnerUser};
use crate::domain::permissions::Role;

const INSERT_APP_REGISTRATION: &str = "INSERT INTO app_registrations \
     (client_id, partner_tenant_id, display_name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)";

const APP_REGISTRATION: &str = "SELECT client_id, partner_tenant_id, display_name, secret_hash, created_at \
     FROM app_registrations WHERE client_id = $1";

const APP_REGISTRATIONS_OF: &str = "SELECT client_id, partner_tenant_id, display_name, secret_hash, created_at \
     FROM app_registrations WHERE partner_tenant_id = $1 ORDER BY created_at, client_id";

const INSERT_PARTNER_USER: &str = "INSERT INTO partner_users \
     (id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const PARTNER_USER_BY_NAME: &str = "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE user_name = $1";

const PARTNER_USER: &str = "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE id = $1";

const PARTNER_USERS_OF: &str = "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE partner_tenant_id = $1 ORDER BY created_at, user_name";

#[derive(sqlx::FromRow)]
pub struct AppRegistrationRow {
    client_id: String,
    partner_tenant_id: String,
    display_name: String,
    secret_hash: String,
    created_at: DateTime<Utc>,
}

impl From<AppRegistrationRow> for AppRegistration {
    fn from(row: AppRegistrationRow) -> Self {
        AppRegistration {
            client_id: row.client_id,
            partner_tenant_id: row.partner_tenant_id,
            display_name: row.display_name,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerUserRow {
    id: String,
    partner_tenant_id: String,
    user_name: String,
    display_name: String,
    password_hash: String,
    /// Comma separated.
    roles: String,
    mfa: bool,
    created_at: DateTime<Utc>,
}

/// Roles as the `roles` column keeps them.
pub fn roles_column(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

impl TryFrom<PartnerUserRow> for PartnerUser {
    type Error = StoreError;

    fn try_from(row: PartnerUserRow) -> StoreResult<Self> {
        let roles = row
            .roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| Role::parse(r).ok_or_else(|| corrupt("roles", r)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(PartnerUser {
            id: row.id,
            partner_tenant_id: row.partner_tenant_id,
            user_name: row.user_name,
            display_name: row.display_name,
            password_hash: row.password_hash,
            roles,
            mfa: row.mfa,
            created_at: row.created_at,
        })
    }
}

/// The partners whose users' user names are in domain `$1` (lower case, with `%`, `_` and `\`
/// escaped).
const PARTNERS_OF_USER_DOMAIN: &str = "SELECT DISTINCT partner_tenant_id FROM partner_users \
     WHERE user_name LIKE '%@' || $1 ESCAPE '\\' ORDER BY partner_tenant_id";

impl Store {
    /// The partners whose users have user names in `domain` (any letter case): the partners the
    /// domain names, as a tenant of the sign-in service.
    pub async fn partners_of_user_domain(&self, domain: &str) -> StoreResult<Vec<String>> {
        let pattern = domain.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        Ok(on_pool!(self, reader, |pool| {
            sqlx::query_scalar(PARTNERS_OF_USER_DOMAIN).bind(&pattern).fetch_all(pool).await
        })?)
    }

    /// Conflict when the client id is taken.
    pub async fn insert_app_registration(&self, app: &AppRegistration) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_APP_REGISTRATION)
                .bind(&app.client_id)
                .bind(&app.partner_tenant_id)
                .bind(&app.display_name)
                .bind(&app.secret_hash)
                .bind(app.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn app_registration(&self, client_id: &str) -> StoreResult<Option<AppRegistration>> {
        let row: Option<AppRegistrationRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(APP_REGISTRATION).bind(client_id).fetch_optional(pool).await
        })?;
        Ok(row.map(AppRegistration::from))
    }

    pub async fn app_registrations(&self, partner_tenant_id: &str) -> StoreResult<Vec<AppRegistration>> {
        let rows: Vec<AppRegistrationRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(APP_REGISTRATIONS_OF).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(AppRegistration::from).collect())
    }

    /// Conflict when the id or the user name is taken.
    pub async fn insert_partner_user(&self, user: &PartnerUser) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_PARTNER_USER)
                .bind(&user.id)
                .bind(&user.partner_tenant_id)
                .bind(&user.user_name)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(roles_column(&user.roles))
                .bind(user.mfa)
                .bind(user.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The user with this (normalized) user name.
    pub async fn partner_user_by_name(&self, user_name: &str) -> StoreResult<Option<PartnerUser>> {
        let row: Option<PartnerUserRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(PARTNER_USER_BY_NAME).bind(user_name).fetch_optional(pool).await
        })?;
        row.map(PartnerUser::try_from).transpose()
    }

    pub async fn partner_user(&self, id: &str) -> StoreResult<Option<PartnerUser>> {
        let row: Option<PartnerUserRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(PARTNER_USER).bind(id).fetch_optional(pool).await)?;
        row.map(PartnerUser::try_from).transpose()
    }

    pub async fn partner_users(&self, partner_tenant_id: &str) -> StoreResult<Vec<PartnerUser>> {
        let rows: Vec<PartnerUserRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(PARTNER_USERS_OF).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        rows.into_iter().map(PartnerUser::try_from).collect()
    }
}
