//! The sites' sessions (one table, a foreign key per kind of signer) and the dashboard's one-time
//! sign-in links, stored under the SHA-256 of their secrets.

use chrono::{DateTime, Utc};

use super::rows::corrupt;
use super::{Store, StoreError, StoreResult};
use crate::domain::sign_in::Signer;

/// A session of a site people sign in to (the admin center, the dashboard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// SHA-256 of the cookie value, hex.
    pub id: String,
    pub signer: Signer,
    /// The token every form of the session carries.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A one-time link that signs a partner user in to the dashboard (for browser tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInLink {
    /// SHA-256 of the link's token, hex.
    pub id: String,
    pub user_id: String,
    pub expires_at: DateTime<Utc>,
}

const INSERT_WEB_SESSION: &str = "INSERT INTO web_sessions (id, customer_id, partner_user_id, csrf_token, \
     expires_at) VALUES ($1, $2, $3, $4, $5)";

const WEB_SESSION: &str =
    "SELECT id, customer_id, partner_user_id, csrf_token, expires_at FROM web_sessions WHERE id = $1";

const DELETE_WEB_SESSION: &str = "DELETE FROM web_sessions WHERE id = $1";

const INSERT_SIGN_IN_LINK: &str = "INSERT INTO partner_sign_in_links (id, user_id, expires_at) VALUES ($1, $2, $3)";

/// One statement: of two requests with the same link, one gets it.
const TAKE_SIGN_IN_LINK: &str = "DELETE FROM partner_sign_in_links WHERE id = $1 RETURNING id, user_id, expires_at";

/// The sites' sessions and the sign-in links that ended at or before `$1` (real time).
const FORGET_EXPIRED_SIGN_INS: [&str; 2] =
    ["DELETE FROM web_sessions WHERE expires_at <= $1", "DELETE FROM partner_sign_in_links WHERE expires_at <= $1"];

#[derive(sqlx::FromRow)]
pub struct WebSessionRow {
    id: String,
    customer_id: Option<String>,
    partner_user_id: Option<String>,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

impl TryFrom<WebSessionRow> for WebSession {
    type Error = StoreError;

    fn try_from(row: WebSessionRow) -> StoreResult<Self> {
        let signer = match (row.customer_id, row.partner_user_id) {
            (Some(customer_id), None) => Signer::CustomerAdmin(customer_id),
            (None, Some(user_id)) => Signer::PartnerUser(user_id),
            _ => return Err(corrupt("web session signer", &row.id)),
        };
        Ok(WebSession { id: row.id, signer, csrf_token: row.csrf_token, expires_at: row.expires_at })
    }
}

#[derive(sqlx::FromRow)]
pub struct SignInLinkRow {
    id: String,
    user_id: String,
    expires_at: DateTime<Utc>,
}

impl From<SignInLinkRow> for SignInLink {
    fn from(row: SignInLinkRow) -> Self {
        SignInLink { id: row.id, user_id: row.user_id, expires_at: row.expires_at }
    }
}

impl Store {
    pub async fn insert_web_session(&self, s: &WebSession) -> StoreResult<()> {
        let (customer_id, partner_user_id) = match &s.signer {
            Signer::CustomerAdmin(id) => (Some(id), None),
            Signer::PartnerUser(id) => (None, Some(id)),
        };
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_WEB_SESSION)
                .bind(&s.id)
                .bind(customer_id)
                .bind(partner_user_id)
                .bind(&s.csrf_token)
                .bind(s.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn web_session(&self, id: &str) -> StoreResult<Option<WebSession>> {
        let row: Option<WebSessionRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(WEB_SESSION).bind(id).fetch_optional(pool).await)?;
        row.map(WebSession::try_from).transpose()
    }

    pub async fn delete_web_session(&self, id: &str) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(DELETE_WEB_SESSION).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn insert_sign_in_link(&self, link: &SignInLink) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_SIGN_IN_LINK)
                .bind(&link.id)
                .bind(&link.user_id)
                .bind(link.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The link with this id, removed in the same statement: a link signs in once.
    pub async fn take_sign_in_link(&self, id: &str) -> StoreResult<Option<SignInLink>> {
        let row: Option<SignInLinkRow> =
            on_pool!(self, writer, |pool| sqlx::query_as(TAKE_SIGN_IN_LINK).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SignInLink::from))
    }

    /// Drop the sessions (admin center and dashboard) and sign-in links that ended at or before
    /// `now`; returns how many.
    pub async fn forget_expired_sign_ins(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut forgotten = 0;
        for statement in FORGET_EXPIRED_SIGN_INS {
            forgotten += on_pool!(self, writer, |pool| {
                sqlx::query(statement).bind(now).execute(pool).await?.rows_affected()
            });
        }
        Ok(forgotten)
    }
}
