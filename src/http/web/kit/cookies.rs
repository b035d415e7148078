//! The cookies of the sites: read by exact name; set HttpOnly, SameSite=Lax, for the whole host
//! (Secure when the emulator is served over https).

use axum::http::{header, HeaderMap, HeaderValue};

use crate::app::AppContext;

/// The value of cookie `name`, when set and not empty.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
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

/// A `Set-Cookie` value; a max age of 0 removes the cookie.
pub fn set(ctx: &AppContext, name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if ctx.public_base_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"))
        .expect("cookie values are URL-safe tokens")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; pce_session=abc; pce_session_x=2"));
        assert_eq!(read(&h, "pce_session").as_deref(), Some("abc"));
        assert_eq!(read(&h, "missing"), None);
    }
}
