//! Who is signed in to a site people use in a browser — the admin center (a customer's admin) and
//! the dashboard (a partner user) — one mechanism for both: a session per sign-in, found by its
//! cookie, carrying the token its forms must send back, ended by signing out or after
//! `SESSION_HOURS` of real time (moving the emulator clock signs nobody out). Sessions are stored
//! under the SHA-256 of their cookie, so the table holds no usable secret.

use chrono::{DateTime, Duration, Utc};

use super::error::ServiceResult;
use super::run_once::{kept_answer, put_kept, OnceRequest};
use super::sign_in::forget_expired_sign_ins;
use crate::app::AppContext;
use crate::domain::digest::sha256_hex;
pub use crate::domain::sign_in::Signer;
pub use crate::store::WebSession;

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;

/// What a session, a sign-in link or any other secret a browser holds is stored under.
pub fn session_key(secret: &str) -> String {
    sha256_hex(secret)
}

/// Start a session for `signer`: the cookie value to hand the browser (only its hash is stored),
/// and the session.
pub async fn start(ctx: &AppContext, signer: Signer) -> ServiceResult<(String, WebSession)> {
    forget_expired_sign_ins(ctx).await;
    let cookie = ctx.ids.secret(48);
    let session = WebSession {
        id: session_key(&cookie),
        signer,
        csrf_token: ctx.ids.secret(32),
        expires_at: Utc::now() + Duration::hours(SESSION_HOURS),
    };
    ctx.store.insert_web_session(&session).await?;
    Ok((cookie, session))
}

/// The live session of a cookie value, if any; an ended one is dropped on the way.
pub async fn live(ctx: &AppContext, cookie: &str, now: DateTime<Utc>) -> ServiceResult<Option<WebSession>> {
    let Some(session) = ctx.store.web_session(&session_key(cookie)).await? else { return Ok(None) };
    if session.expires_at <= now {
        ctx.store.delete_web_session(&session.id).await?;
        return Ok(None);
    }
    Ok(Some(session))
}

/// Sign out: the session is gone for good.
pub async fn end(ctx: &AppContext, session: &WebSession) -> ServiceResult<()> {
    Ok(ctx.store.delete_web_session(&session.id).await?)
}

/// Where a session's refused forms are kept: under the session (only the browser that sent a form
/// sees it again), apart from any partner's request ids.
fn form_owner(session: &WebSession) -> String {
    format!("web-session-{}", session.id)
}

const REFUSED_FORM: &str = "refused form";

/// Keep a refused form (what was typed and what was wrong, as its page wrote them in `body`) for
/// the page that shows it after the redirect (post/redirect/get; `page`: its path): the id to name
/// it by. Kept for 24 hours of emulator time, like the Add customer wizard's drafts.
pub async fn keep_form(ctx: &AppContext, session: &WebSession, page: &str, body: String) -> ServiceResult<String> {
    let id = ctx.ids.secret(24);
    let request = OnceRequest {
        partner_tenant_id: form_owner(session),
        request_id: format!("form-{id}"),
        verb: REFUSED_FORM.into(),
        target: page.into(),
        digest: sha256_hex(&body),
    };
    put_kept(ctx, request, body).await?;
    Ok(id)
}

/// A refused form kept by [`keep_form`] for this session and page, if it is still kept.
pub async fn kept_form(ctx: &AppContext, session: &WebSession, page: &str, id: &str) -> ServiceResult<Option<String>> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let kept = kept_answer(ctx, &form_owner(session), &format!("form-{id}"), REFUSED_FORM, page).await?;
    Ok(kept.map(|(answer, _)| answer.body))
}
