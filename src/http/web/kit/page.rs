//! The response of every page: the markup with its security headers. Pages are never cached
//! (`no-store`); their stylesheet is allowed by its hash alone; their one image is the empty icon
//! every page's head names (`data:,`, so no browser asks for `/favicon.ico`), allowed by `img-src
//! data:`; only the acceptance page, which partners embed, may be framed. The HTTP edge adds `nosniff` and the referrer policy.

use std::sync::LazyLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

use super::layout::{self, Chrome, Content};
use super::style::style_source;

/// What a page may load and who may frame it.
pub enum Policy<'a> {
    /// A page of a site people sign in to: scripts, images and forms from this site only; never
    /// framed.
    Site,
    /// A page with no script and no form (the landing page, the agreement document); never framed.
    Static,
    /// A page any site may frame (the enhanced attestation's acceptance page): no script but the
    /// one inline script carrying this nonce, if any; forms posted to this site only.
    Embeddable { script_nonce: Option<&'a str> },
    /// A page drawn by another renderer under its own policy (the API reference); never framed.
    Own(&'static str),
}

static SITE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'self'; img-src 'self' data:; style-src {}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        style_source()
    )
});

static STATIC: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; img-src data:; style-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        style_source()
    )
});

fn embeddable(script_nonce: Option<&str>) -> String {
    let script = script_nonce.map_or("'none'".to_string(), |n| format!("'nonce-{n}'"));
    format!(
        "default-src 'none'; img-src data:; style-src {}; script-src {script}; base-uri 'none'; form-action 'self'; frame-ancestors *",
        style_source()
    )
}

/// A page: `markup` answered with `status` under `policy`.
pub fn respond(status: StatusCode, policy: Policy, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    let (csp, framed) = match policy {
        Policy::Site => (SITE.clone(), false),
        Policy::Static => (STATIC.clone(), false),
        Policy::Embeddable { script_nonce } => (embeddable(script_nonce), true),
        Policy::Own(csp) => (csp.to_string(), false),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !framed {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// A page of a site: its content in the full layout under the sites' policy.
pub fn site_page(status: StatusCode, chrome: &Chrome, content: Content) -> Response {
    respond(status, Policy::Site, layout::full(chrome, content))
}

/// A site's short address (`/AdminPortal`, `/dashboard`) sends to its home page with the query it
/// was given: `/AdminPortal?invType=ResellerRelationship&…` is still the invitation, and
/// `/dashboard?q=…` still the search.
pub fn to_home_keeping_query(home: &'static str, uri: &axum::http::Uri) -> axum::response::Redirect {
    match uri.query().filter(|q| !q.is_empty()) {
        Some(query) => axum::response::Redirect::to(&format!("{home}?{query}")),
        None => axum::response::Redirect::to(home),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maud::html;

    fn policy(response: &Response) -> &str {
        response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap()
    }

    #[test]
    fn pages_are_never_cached_and_framed_only_when_embeddable() {
        for policy_of in [Policy::Site, Policy::Static, Policy::Own("default-src 'none'")] {
            let r = respond(StatusCode::OK, policy_of, html! { p { "x" } });
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
            assert_eq!(r.headers()[header::X_FRAME_OPTIONS], "DENY");
        }
        let r = respond(StatusCode::OK, Policy::Embeddable { script_nonce: Some("abc") }, html! {});
        assert!(r.headers().get(header::X_FRAME_OPTIONS).is_none());
        assert!(policy(&r).contains("frame-ancestors *") && policy(&r).contains("script-src 'nonce-abc'"));
        let r = respond(StatusCode::OK, Policy::Embeddable { script_nonce: None }, html! {});
        assert!(policy(&r).contains("script-src 'none'"));
    }

    #[test]
    fn the_stylesheet_is_allowed_by_its_hash_and_nothing_inline_else() {
        for policy_of in [Policy::Site, Policy::Static, Policy::Embeddable { script_nonce: None }] {
            let r = respond(StatusCode::OK, policy_of, html! {});
            let csp = policy(&r);
            assert!(csp.contains(&format!("style-src {};", style_source())), "{csp}");
            assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
            // The layout's empty icon (`data:,`) is an image the policy allows.
            assert!(csp.contains("img-src") && csp.contains(" data:;"), "{csp}");
        }
    }
}
