//! What the HTML front doors (the admin center and the partner dashboard) share: the page
//! response and its headers, cookies, and posted forms with their CSRF token.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};

use crate::app::AppState;
use crate::domain::identities::MAX_USER_NAME;
use crate::domain::sign_in::LOCKED_OUT;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::RefusalNote;
use crate::service::sign_in::SignIn;

/// The user-name field of a sign-in form (`id` and `name` `userName`): text rather than `email`,
/// which browsers refuse for user names Entra ID allows (non-ASCII local parts).
pub fn user_name_field(user_name: &str) -> Markup {
    html! {
        input type="text" inputmode="email" id="userName" name="userName" autocomplete="username"
            spellcheck="false" autocapitalize="none" required value=(user_name);
    }
}

/// What a sign-in page says for a wrong user name or password (the same whether or not the user
/// exists).
pub const SIGN_IN_FAILED: &str = "Your account or password is incorrect.";

/// A page: never cached, never framed, scripts and forms from this site only.
pub fn page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The value of cookie `name`, when set and not empty.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// An HttpOnly, SameSite=Lax cookie for the whole site (Secure when the emulator is served over
/// https); a max age of 0 removes it.
pub fn set_cookie(ctx: &AppState, name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if ctx.public_base_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"))
        .expect("cookie values are URL-safe tokens")
}

/// The fields of a posted form; NUL characters are dropped (no stored text may hold one).
pub fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    fields.into_iter().map(|(k, v)| (k.replace('\0', ""), v.replace('\0', ""))).collect()
}

/// The first value of field `name`.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Whether a posted CSRF token is the expected one (compared in constant time).
pub fn tokens_match(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0)
}

/// The account a password sign-in let in, or the sign-in page again (drawn by `form` with the
/// message to show): 401 for a wrong user name or password, 429 with `Retry-After` while the user
/// name is locked; either with the request journal's note.
pub fn signed_in_account<T>(
    outcome: SignIn<T>,
    user_name: &str,
    form: impl Fn(&str) -> Markup,
) -> Result<T, Box<Response>> {
    match outcome {
        SignIn::Accepted(account) => Ok(account),
        SignIn::Refused { failures, threshold } => {
            let mut response = page(StatusCode::UNAUTHORIZED, form(SIGN_IN_FAILED));
            let hint = format!("failed sign-in {failures} of {threshold} for '{user_name}' before the lockout");
            response.extensions_mut().insert(RefusalNote { rule: "SignInFailed", hint });
            Err(Box::new(response))
        }
        SignIn::NotAUserName => {
            let mut response = page(StatusCode::UNAUTHORIZED, form(SIGN_IN_FAILED));
            let hint = format!("a user name over {MAX_USER_NAME} characters: no account has one; not counted");
            response.extensions_mut().insert(RefusalNote { rule: "SignInFailed", hint });
            Err(Box::new(response))
        }
        SignIn::LockedOut { until, seconds_left } => {
            let mut response = page(StatusCode::TOO_MANY_REQUESTS, form(LOCKED_OUT));
            if let Ok(value) = HeaderValue::from_str(&seconds_left.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            let hint = format!(
                "'{user_name}' is locked until {} by the emulator clock (AADSTS50053); \
                 DELETE /_emulator/sign-in-lockouts/{{userName}} unlocks it",
                render_timestamp(until)
            );
            response.extensions_mut().insert(RefusalNote { rule: "SignInLockedOut", hint });
            Err(Box::new(response))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; pce_session=abc; pce_session_x=2"));
        assert_eq!(cookie(&h, "pce_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        assert!(tokens_match(Some("abc"), "abc"));
        assert!(!tokens_match(Some("abd"), "abc"));
        assert!(!tokens_match(Some("ab"), "abc"));
        assert!(!tokens_match(None, "abc"));
    }
}
