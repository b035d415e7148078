//! Who is signed in to the emulated Partner Center dashboard: partner users sign in with their
//! password (under the sign-in lockout, as everywhere) or with a one-time link the control plane
//! hands out for browser tests. Sessions and links run on real time and are stored under the
//! SHA-256 of their secret, so the tables hold nothing usable.

use chrono::{DateTime, Duration, Utc};

use super::error::ServiceResult;
use super::identities::{user_by_password, user_of_partner};
use super::sign_in::{forget_expired_sign_ins, sign_in, SignIn};
use super::web_sessions::{self, session_key, Signer, WebSession};
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::identities::PartnerUser;
use crate::domain::ids::{PartnerId, UserId};
use crate::domain::partners::Partner;
use crate::store::SignInLink;

/// How long a one-time sign-in link stays valid.
pub const SIGN_IN_LINK_MINUTES: i64 = 15;

/// A partner user signed in to the dashboard, with its partner.
pub struct SignedIn {
    pub session: WebSession,
    pub user: PartnerUser,
    pub partner: Partner,
    caller: Caller,
}

impl SignedIn {
    /// The user as the use cases see a caller: an App+User call with the user's roles, signed in
    /// with MFA as the user does (`mfa`). From the MFA milestone on, a user without it can do
    /// nothing on the dashboard, as its tokens can do nothing on the API (see the dashboard's pages).
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}

/// Check a partner user's credentials, under the sign-in lockout.
pub async fn authenticate(ctx: &AppContext, user_name: &str, password: &str) -> ServiceResult<SignIn<PartnerUser>> {
    sign_in(ctx, user_name, user_by_password(ctx, user_name, password.to_string())).await
}

/// Start a session for `user`; returns the cookie value.
pub async fn start_session(ctx: &AppContext, user: &PartnerUser) -> ServiceResult<String> {
    Ok(web_sessions::start(ctx, Signer::PartnerUser(user.id.clone())).await?.0)
}

/// The live session of a cookie value, its user and partner; `None` when there is none (signed
/// out, expired, another site's signer, or the user or partner is gone after a reset).
pub async fn session_for(ctx: &AppContext, cookie: &str, now: DateTime<Utc>) -> ServiceResult<Option<SignedIn>> {
    let Some(session) = web_sessions::live(ctx, cookie, now).await? else { return Ok(None) };
    let Signer::PartnerUser(user_id) = &session.signer else { return Ok(None) };
    let Some(user) = ctx.store.partner_user(user_id).await? else { return Ok(None) };
    let Some(partner) = ctx.store.partner(&user.partner_tenant_id).await? else { return Ok(None) };
    let caller = Caller {
        partner: partner.clone(),
        user_id: user.id.clone(),
        roles: user.roles.clone(),
        app_only: false,
        mfa: user.mfa,
    };
    Ok(Some(SignedIn { session, user, partner, caller }))
}

/// Sign out: the session is gone for good.
pub async fn end_session(ctx: &AppContext, signed_in: &SignedIn) -> ServiceResult<()> {
    web_sessions::end(ctx, &signed_in.session).await
}

/// A one-time sign-in link, as the control plane hands it out.
pub struct IssuedLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub user: PartnerUser,
}

/// `POST /_emulator/partners/{tenantId}/users/{userId}/sign-in-links`: a link that signs the user
/// in to the dashboard once, within `SIGN_IN_LINK_MINUTES`.
pub async fn issue_sign_in_link(
    ctx: &AppContext,
    partner_tenant_id: &PartnerId,
    user_id: &UserId,
) -> ServiceResult<IssuedLink> {
    let (_, user) = user_of_partner(ctx, partner_tenant_id, user_id).await?;
    forget_expired_sign_ins(ctx).await;
    let token = ctx.ids.secret(40);
    let link = SignInLink {
        id: session_key(&token),
        user_id: user.id.clone(),
        expires_at: Utc::now() + Duration::minutes(SIGN_IN_LINK_MINUTES),
    };
    ctx.store.insert_sign_in_link(&link).await?;
    let url = format!("{}/dashboard/signin/link?token={token}", ctx.public_base_url);
    Ok(IssuedLink { url, expires_at: link.expires_at, user })
}

/// The user a sign-in link signs in, once: `None` for a link that was used, expired or never
/// issued.
pub async fn redeem_sign_in_link(
    ctx: &AppContext,
    token: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Option<PartnerUser>> {
    let Some(link) = ctx.store.take_sign_in_link(&session_key(token)).await? else { return Ok(None) };
    if link.expires_at <= now {
        return Ok(None);
    }
    Ok(ctx.store.partner_user(&link.user_id).await?)
}
