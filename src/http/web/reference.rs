//! The API reference page: the contract (`crate::contract`) rendered in the browser with Redoc,
//! whose bundle is vendored in `assets/vendor/` and compiled into the binary too (no CDN, no
//! network, no Node.js at build time). Open without the admin token: it holds no state and no
//! secret.

use crate::app::AppState;
use crate::http::edge::error::ApiError;
use crate::http::edge::RouteEntry;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, PreEscaped, DOCTYPE};

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
/// its search index runs in a Web Worker built from a `blob:` URL out of the bundle's own code. The
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
    let info = &crate::contract::document()["info"];
    let title = info["title"].as_str().unwrap_or("Partner Center emulator");
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — API reference" }
                // No favicon request.
                link rel="icon" href="data:,";
                style { (PreEscaped("body{margin:0;font-family:system-ui,sans-serif}\
                    .bar{background:#0f6cbd;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;align-items:center}\
                    .bar a{color:#fff}.bar strong{margin-right:auto}\
                    noscript p,#redoc[data-state=failed]{max-width:50rem;margin:1rem auto;padding:0 1rem}")) }
            }
            body {
                nav.bar aria-label="Emulator" {
                    strong { "Partner Center emulator (not Microsoft) · API reference" }
                    a href="/" { "Home" }
                    a href="/_emulator/openapi.yaml" { "openapi.yaml" }
                    a href="/AdminPortal/Home" { "Admin center" }
                }
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
    let mut response = (StatusCode::OK, Html(page.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
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
