//! The one stylesheet (`style.css`), inlined in every page, and the Content-Security-Policy source
//! that lets exactly it apply: its SHA-256, so that pages need neither `'unsafe-inline'` nor a
//! second request (a framed page and a downloaded document keep their look too).

use std::sync::LazyLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use maud::{html, Markup, PreEscaped};
use sha2::{Digest, Sha256};

/// The stylesheet: Fluent 2's tokens and the pages' components.
pub const STYLE: &str = include_str!("style.css");

static HASH_SOURCE: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(STYLE.as_bytes()))));

/// The `<style>` element a page's head carries.
pub fn stylesheet() -> Markup {
    html! { style { (PreEscaped(STYLE)) } }
}

/// The `style-src` source that allows the stylesheet and nothing else.
pub fn style_source() -> &'static str {
    &HASH_SOURCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_source_is_the_hash_of_the_element_the_pages_carry() {
        let element = stylesheet().into_string();
        let inner = element.strip_prefix("<style>").and_then(|s| s.strip_suffix("</style>")).expect("one element");
        let digest = STANDARD.encode(Sha256::digest(inner.as_bytes()));
        assert_eq!(style_source(), format!("'sha256-{digest}'"));
        assert!(!STYLE.contains("</"), "nothing in the stylesheet may close its element");
    }
}
