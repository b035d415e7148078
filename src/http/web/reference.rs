//! The API reference page: the contract (`crate::contract`) rendered in the browser with Redoc,
//! whose bundle is vendored in `assets/vendor/` and compiled into the binary too (no CDN, no
//! network, no Node.js at build time). Open without the admin token: it holds no state and no
//! secret.

use super::kit::layout::{head_only, top_bar};
use super::kit::page::{respond, Policy};
use super::landing::{BRAND, NAV};
use crate::app::AppState;
use crate::http::edge::error::ApiError;
use crate::http::edge::RouteEntry;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, DOCTYPE};

/// The vendored Redoc release: the directory under `assets/vendor/` and the URL segment of its
/// files (a new version is a new URL, so the long cache lifetime below never serves a stale bundle).
pub const REDOC_DIR: &str = "redoc-2.5.4";

/// A file served under `/_emulator/docs/assets/`.
pub struct Asset {
    /// The path after `/_emulator/docs/assets/`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// Versioned vendored files never change under their URL; the page's own script changes with
    /// the binary.
    pub immutable: bool,
}

pub const ASSETS: &[Asset] = &[
    Asset {
        path: "redoc-2.5.4/redoc.standalone.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/redoc-2.5.4/redoc.standalone.js"),
        immutable: true,
    },
    // The licences travel with the binary that ships the bundle.
    Asset {
        path: "redoc-2.5.4/LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/redoc-2.5.4/LICENSE"),
        immutable: true,
    },
    Asset {
        path: "redoc-2.5.4/redoc.standalone.js.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/redoc-2.5.4/redoc.standalone.js.LICENSE.txt"),
        immutable: true,
    },
    Asset {
        path: "redoc-2.5.4/d87bcbdbea8f8f5aa26f.worker.js.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/redoc-2.5.4/d87bcbdbea8f8f5aa26f.worker.js.LICENSE.txt"),
        immutable: true,
    },
    Asset {
        path: "docs.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/docs/docs.js"),
        immutable: false,
    },
];

/// The docs page's policy, as strict as Redoc allows. Scripts only from this site (the bundle and
/// `docs.js`; no inline script, no eval), the spec fetched from this site, nothing from anywhere
/// else. Two allowances Redoc needs: `style-src 'unsafe-inline'`, because Redoc styles itself with
/// styled-components, which inserts `<style>` elements at run time; and `worker-src blob:`, because
/// its search index runs in a Web Worker built from a `blob:` URL out of the bundle's own code (and
/// the pages' stylesheet, inline, is allowed by the same `'unsafe-inline'`). The
/// Redocly logo the sidebar points at (cdn.redoc.ly) is never asked for (`docs.js` gives Redoc's
/// images on other hosts an empty one); were it, `img-src` would block it.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The reference page: a route of `openapi.yaml` that never requires the admin token.
pub fn routes() -> Vec<RouteEntry> {
    vec![("GET", "/_emulator/docs", get(docs))]
}

/// The docs page's static files (pages' assets, not API routes).
pub fn asset_routes() -> Router<AppState> {
    Router::new().route("/_emulator/docs/assets/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return ApiError::RouteNotFound(format!("no docs asset {path}")).into_response();
    };
    let cache = if asset.immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    ([(header::CONTENT_TYPE, asset.content_type), (header::CACHE_CONTROL, cache)], asset.bytes).into_response()
}

/// The API reference: an empty page that loads Redoc and `docs.js`, which render
/// `/_emulator/openapi.yaml`.
async fn docs() -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head_only("API reference", &BRAND))
            body {
                // The emulator's top bar; the rest of the page is Redoc's.
                (top_bar(&BRAND, true, None, NAV, Some("/_emulator/docs")))
                noscript {
                    p { "This page renders the API description with JavaScript. Without it, read "
                        a href="/_emulator/openapi.yaml" { "openapi.yaml" } " itself." }
                }
                // The page's main landmark: what Redoc renders (its menu and the operations).
                main id="redoc" data-spec-url="/_emulator/openapi.yaml" {}
                script src={ "/_emulator/docs/assets/" (REDOC_DIR) "/redoc.standalone.js" } {}
                script src="/_emulator/docs/assets/docs.js" {}
            }
        }
    };
    respond(StatusCode::OK, Policy::Own(DOCS_CSP), page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_files_are_served_under_the_redoc_directory_the_page_names() {
        for asset in ASSETS {
            assert!(asset.path == "docs.js" || asset.path.starts_with(&format!("{REDOC_DIR}/")), "{}", asset.path);
            assert!(!asset.bytes.is_empty(), "{}", asset.path);
        }
        assert!(ASSETS.iter().any(|a| a.path == format!("{REDOC_DIR}/redoc.standalone.js")));
    }
}
