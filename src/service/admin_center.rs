//! The customer's side, as the emulated Microsoft 365 admin center sees it: signing in, and
//! accepting the reseller relationship together with the agreement.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::acceptance::accept_directly;
use super::passwords::{decoy_hash, off_thread, verify_password};
use crate::domain::agreements::Agreement;
use crate::domain::contact::ContactInput;
use crate::domain::customers::Customer;
use crate::domain::partners::Partner;
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;
use crate::store::AdminSession;

pub const SESSION_HOURS: i64 = 8;

/// Sessions are stored under the SHA-256 of the cookie value, so the table holds no usable secret.
pub fn session_key(cookie_value: &str) -> String {
    Sha256::digest(cookie_value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Check the customer admin's credentials. Unknown users are checked against a decoy hash, so
/// the answer (and its timing) does not reveal whether the user exists.
pub async fn authenticate(ctx: &AppContext, user_name: &str, password: &str) -> ApiResult<Option<Customer>> {
    let customer = ctx.store.customer_by_admin_user(user_name).await?;
    let hash = customer.as_ref().map_or(decoy_hash(), |c| c.admin_password_hash.as_str()).to_string();
    let password = password.to_string();
    let matches = off_thread(move || verify_password(&password, &hash)).await;
    Ok(customer.filter(|_| matches))
}

/// Start a session; returns the cookie value (the stored session carries only its hash).
pub async fn start_session(ctx: &AppContext, customer: &Customer) -> ApiResult<(String, AdminSession)> {
    let cookie = ctx.ids.secret(48);
    let session = AdminSession {
        id: session_key(&cookie),
        customer_id: customer.id.clone(),
        csrf_token: ctx.ids.secret(32),
        expires_at: Utc::now() + Duration::hours(SESSION_HOURS),
    };
    ctx.store.insert_session(&session).await?;
    Ok((cookie, session))
}

/// The live session and its customer for a cookie value, if any. Sessions run on real time.
pub async fn session_for(
    ctx: &AppContext,
    cookie: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<(AdminSession, Customer)>> {
    let Some(session) = ctx.store.session(&session_key(cookie)).await? else { return Ok(None) };
    if session.expires_at <= now {
        ctx.store.delete_session(&session.id).await?;
        return Ok(None);
    }
    Ok(ctx.store.customer(&session.customer_id).await?.map(|c| (session, c)))
}

/// Accept a partner's reseller-relationship invitation together with the Microsoft Customer
/// Agreement. The agreement rules run first: when they refuse, no relationship is created.
/// A customer that already accepted directly just gains the relationship.
pub async fn accept_invitation(
    ctx: &AppContext,
    customer: &Customer,
    partner: &Partner,
    person: &ContactInput,
) -> ApiResult<Option<Agreement>> {
    let agreement = match accept_directly(ctx, customer, person, None).await {
        Ok(a) => Some(a),
        Err(ApiError::AlreadyAcceptedDirectly) => None,
        Err(e) => return Err(e),
    };
    ctx.store.add_relationship(&customer.id, &partner.tenant_id, ctx.clock.now().await?).await?;
    Ok(agreement)
}
