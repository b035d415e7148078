//! Who is signed in to a site, one mechanism for every site: a session found by the site's cookie
//! (`service::web_sessions` underneath), a redirect to the site's sign-in page that comes back
//! when there is none, the session's token checked on every signed-in form, a session started
//! (ending the browser's earlier one) and ended. The sites differ by who signs in: a
//! [`SiteSession`] says that.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use super::cookies;
use super::csrf::{self, session_form_matches};
use super::forms::{form_fields, RefusedForm};
use super::layout::Chrome;
use super::message::site_message;
use super::message::{error_page, form_expired};
use super::site::Site;
use crate::app::{AppContext, AppState};
use crate::service::sign_in::SignIn;
use crate::service::web_sessions::{self, WebSession, SESSION_HOURS};
use crate::service::ServiceResult;

/// Someone signed in to a site, as its pages see them.
pub trait SiteSession: Sized + Send + Sync + 'static {
    /// The site they are signed in to.
    const SITE: &'static Site;
    /// Who a password lets in (a customer's admin, a partner user).
    type Account: Send + Sync;

    /// The live session of a cookie value and who it signs in; none when signed out, expired, or
    /// another site's.
    fn find(
        ctx: &AppContext,
        cookie: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = ServiceResult<Option<Self>>> + Send;

    fn session(&self) -> &WebSession;

    /// The page's chrome: who is signed in and the navigation, `current` being the entry of the
    /// page (its `href`).
    fn chrome(&self, current: Option<&'static str>) -> Chrome<'_>;

    /// A password sign-in, under the sign-in lockout.
    fn authenticate(
        ctx: &AppContext,
        user_name: &str,
        password: &str,
    ) -> impl Future<Output = ServiceResult<SignIn<Self::Account>>> + Send;

    /// Start a session for `account`: the cookie value.
    fn start(ctx: &AppContext, account: &Self::Account) -> impl Future<Output = ServiceResult<String>> + Send;
}

/// The person signed in, or a redirect to the sign-in page that comes back to `uri`.
pub async fn signed_in<S: SiteSession>(ctx: &AppContext, headers: &HeaderMap, uri: &Uri) -> Result<S, Response> {
    let site = S::SITE;
    let found = match cookies::read(headers, site.session_cookie) {
        Some(value) => S::find(ctx, &value, Utc::now()).await.map_err(|e| error_page(site, None, &e))?,
        None => None,
    };
    found.ok_or_else(|| {
        let back = site.safe_return_url(uri.path_and_query().map(|pq| pq.as_str()));
        let query = serde_urlencoded::to_string([("returnUrl", back)]).unwrap_or_default();
        Redirect::to(&format!("{}?{query}", site.sign_in)).into_response()
    })
}

/// A signed-in form: the person, once the form's token is their session's; else the page that
/// refuses. Without a session, the sign-in page comes back to `back`.
pub async fn signed_in_form<S: SiteSession>(
    ctx: &AppContext,
    headers: &HeaderMap,
    back: &Uri,
    fields: &[(String, String)],
) -> Result<S, Response> {
    let person = signed_in::<S>(ctx, headers, back).await?;
    if !session_form_matches(fields, person.session()) {
        return Err(form_expired(S::SITE, Some(&person.chrome(None))));
    }
    if let Some(name) = super::forms::repeated_field(fields) {
        let text = super::forms::repeated_field_text(name);
        return Err(site_message(S::SITE, Some(&person.chrome(None)), StatusCode::BAD_REQUEST, "Form not sent", &text));
    }
    Ok(person)
}

/// Sign `account` in and go to `to`: a new session replaces the one the browser had, if any.
pub async fn start<S: SiteSession>(ctx: &AppContext, headers: &HeaderMap, account: &S::Account, to: &str) -> Response {
    let site = S::SITE;
    if let Some(value) = cookies::read(headers, site.session_cookie) {
        if let Ok(Some(earlier)) = S::find(ctx, &value, Utc::now()).await {
            if let Err(e) = web_sessions::end(ctx, earlier.session()).await {
                tracing::warn!(error = %e.hint(), "an earlier session could not be ended");
            }
        }
    }
    let cookie = match S::start(ctx, account).await {
        Ok(cookie) => cookie,
        Err(e) => return error_page(site, None, &e),
    };
    let mut response = Redirect::to(to).into_response();
    let set = response.headers_mut();
    set.append(header::SET_COOKIE, cookies::set(ctx, site.session_cookie, &cookie, SESSION_HOURS * 3600));
    set.append(header::SET_COOKIE, csrf::sign_in_cookie_removed(ctx, site));
    response
}

/// `POST` of a site's Sign out: the session ends for good; back to the sign-in page.
pub async fn sign_out<S: SiteSession>(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let site = S::SITE;
    if let Some(value) = cookies::read(&headers, site.session_cookie) {
        if let Ok(Some(person)) = S::find(&ctx, &value, Utc::now()).await {
            if !session_form_matches(&form_fields(&body), person.session()) {
                return form_expired(site, None);
            }
            if let Err(e) = web_sessions::end(&ctx, person.session()).await {
                return error_page(site, None, &e);
            }
        }
    }
    let mut response = Redirect::to(site.sign_in).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookies::set(&ctx, site.session_cookie, "", 0));
    response
}

/// Answer a refused form with a redirect (303) to `to`, the page that shows it, after keeping
/// what was typed and what was wrong under the session and that page: `to` gets `form=<id>` (an
/// opaque id; the values and problems never travel in the URL). Refresh then shows the same page
/// again and Back leads to the form as it was before.
pub async fn refused<S: SiteSession>(ctx: &AppContext, signed_in: &S, to: &str, form: &RefusedForm) -> Response {
    let body = match serde_json::to_string(form) {
        Ok(body) => body,
        Err(e) => {
            let e = crate::service::ServiceError::Internal(format!("a form could not be kept: {e}"));
            return error_page(S::SITE, Some(&signed_in.chrome(None)), &e);
        }
    };
    let (path, fragment) = to.split_once('#').map_or((to, None), |(p, f)| (p, Some(f)));
    let page = path.split_once('?').map_or(path, |(page, _)| page);
    match web_sessions::keep_form(ctx, signed_in.session(), page, body).await {
        Ok(id) => {
            let join = if path.contains('?') { '&' } else { '?' };
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            Redirect::to(&format!("{path}{join}form={id}{fragment}")).into_response()
        }
        Err(e) => error_page(S::SITE, Some(&signed_in.chrome(None)), &e),
    }
}

/// The refused form a redirect of [`refused`] named (`form=<id>`), if this session kept it for
/// this page (`page`: the path it is shown at). An id of another page or session, or one forgotten,
/// is no form; a store that fails, or a kept form that cannot be read, is an error page.
pub async fn refused_form<S: SiteSession>(
    ctx: &AppContext,
    signed_in: &S,
    page: &str,
    id: Option<&str>,
) -> Result<Option<RefusedForm>, Response> {
    let Some(id) = id else { return Ok(None) };
    let failed = |e: &crate::service::ServiceError| error_page(S::SITE, Some(&signed_in.chrome(None)), e);
    let Some(body) = web_sessions::kept_form(ctx, signed_in.session(), page, id).await.map_err(|e| failed(&e))? else {
        return Ok(None);
    };
    serde_json::from_str(&body)
        .map(Some)
        .map_err(|e| failed(&crate::service::ServiceError::Internal(format!("a kept form could not be read: {e}"))))
}
