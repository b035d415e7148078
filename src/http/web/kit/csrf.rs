//! The pages' one defence against forged forms, in its three forms: a signed-in form sends back
//! its session's token; the sign-in form sends back the token of its double-submit cookie (there
//! is no session yet); the acceptance page, framed by other sites where no cookie of ours is sent,
//! sends a token the emulator signed for that one attestation. Tokens are compared in constant
//! time.

use axum::http::{HeaderMap, HeaderValue};

use super::cookies;
use super::forms::field;
use super::site::Site;
use crate::app::AppContext;
use crate::auth::{form_token, verify_form_token};
use crate::domain::digest::same_secret;
use crate::service::web_sessions::WebSession;

/// How long a sign-in page's token lasts.
const SIGN_IN_TOKEN_SECONDS: i64 = 3600;
const SIGN_IN_TOKEN_LEN: usize = 32;

/// Whether a posted token is the expected one.
pub fn token_matches(posted: Option<&str>, expected: &str) -> bool {
    posted.is_some_and(|posted| same_secret(posted, expected))
}

/// Whether a signed-in form sent its session's token (field `csrf`).
pub fn session_form_matches(fields: &[(String, String)], session: &WebSession) -> bool {
    token_matches(field(fields, "csrf"), &session.csrf_token)
}

/// The token of a site's sign-in form: the browser's cookie when it holds one of ours, else a new
/// one.
pub fn sign_in_token(ctx: &AppContext, headers: &HeaderMap, site: &Site) -> String {
    cookies::read(headers, site.sign_in_cookie)
        .filter(|v| v.len() == SIGN_IN_TOKEN_LEN && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| new_sign_in_token(ctx))
}

pub fn new_sign_in_token(ctx: &AppContext) -> String {
    ctx.ids.secret(SIGN_IN_TOKEN_LEN)
}

/// The double-submit cookie that carries `token`.
pub fn sign_in_cookie(ctx: &AppContext, site: &Site, token: &str) -> HeaderValue {
    cookies::set(ctx, site.sign_in_cookie, token, SIGN_IN_TOKEN_SECONDS)
}

/// The sign-in cookie removed, once the sign-in succeeded.
pub fn sign_in_cookie_removed(ctx: &AppContext, site: &Site) -> HeaderValue {
    cookies::set(ctx, site.sign_in_cookie, "", 0)
}

/// A form whose token the emulator signs for one subject (the acceptance page's, for one
/// attestation): it needs no cookie.
pub struct SignedForm(pub &'static str);

impl SignedForm {
    pub fn token(&self, ctx: &AppContext, subject: &str) -> String {
        form_token(&ctx.keys, self.0, subject)
    }

    pub fn verify(&self, ctx: &AppContext, subject: &str, posted: Option<&str>) -> bool {
        verify_form_token(&ctx.keys, self.0, subject, posted.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly() {
        assert!(token_matches(Some("abc"), "abc"));
        assert!(!token_matches(Some("abd"), "abc"));
        assert!(!token_matches(Some("ab"), "abc"));
        assert!(!token_matches(None, "abc"));
    }
}
