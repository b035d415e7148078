//! The landing page at `/`, the API reference's static files (the vendored Redoc bundle, served
//! from the binary), what is open without the admin token, and the 404 of pages against the 404
//! of the API.

use crate::helpers::*;
use reqwest::{Method, Response};
use serde_json::{json, Value};

/// (URL under `/_emulator/docs/assets/`, file in the repository, content type)
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "redoc-2.5.4/redoc.standalone.js",
        "assets/vendor/redoc-2.5.4/redoc.standalone.js",
        "text/javascript; charset=utf-8",
    ),
    ("redoc-2.5.4/LICENSE", "assets/vendor/redoc-2.5.4/LICENSE", "text/plain; charset=utf-8"),
    (
        "redoc-2.5.4/redoc.standalone.js.LICENSE.txt",
        "assets/vendor/redoc-2.5.4/redoc.standalone.js.LICENSE.txt",
        "text/plain; charset=utf-8",
    ),
    ("docs.js", "assets/docs/docs.js", "text/javascript; charset=utf-8"),
];

async fn get(app: &TestApp, path: &str) -> Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

fn header(r: &Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn assert_page_headers(r: &Response, what: &str) {
    assert!(header(r, "content-type").starts_with("text/html"), "{what}: {}", header(r, "content-type"));
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(r, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(header(r, "x-frame-options"), "DENY", "{what}");
    let csp = header(r, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval") && !csp.contains('*'), "{what}: {csp}");
}

#[tokio::test]
async fn the_landing_page_says_what_this_is_shows_the_state_and_links_everywhere() {
    let app = TestApp::spawn_2023_flow().await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/partners",
            Some(&json!({"name": "Contoso <b>Cloud</b>", "partnerType": "DirectBill"})),
        )
        .await;
    let tenant = r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string();
    app.set_clock("2025-02-20T08:00:00Z").await;

    let r = get(&app, "/").await;
    assert_eq!(r.status(), 200);
    assert_page_headers(&r, "/");
    let csp = header(&r, "content-security-policy");
    assert!(
        csp.starts_with("default-src 'none';") && !csp.contains("script-src"),
        "no script on the landing page: {csp}"
    );
    assert_eq!(header(&r, "cache-control"), "no-store");
    let page = r.text().await.unwrap();
    assert!(page.contains("not Microsoft"), "{page}");
    assert!(page.contains(env!("CARGO_PKG_VERSION")), "the version");
    // the service date in force, pinned by configuration, and the frozen clock
    assert!(
        page.contains("2025-03-01") && page.contains("pinned by configuration") && page.contains("(pinned)"),
        "{page}"
    );
    assert!(page.contains("2025-02-20T08:00:00.000Z") && page.contains("frozen"), "{page}");
    // the partners, their names escaped
    assert!(page.contains(&tenant), "{page}");
    assert!(page.contains("Contoso &lt;b&gt;Cloud&lt;/b&gt;") && !page.contains("<b>Cloud"), "{page}");
    for href in [
        "/_emulator/docs",
        "/_emulator/openapi.yaml",
        "/AdminPortal/Home",
        "/dashboard/customers",
        "/_emulator/partners",
        "/_emulator/service-date",
        "/_emulator/clock",
        "/_emulator/outbox",
        "/_emulator/requests",
    ] {
        assert!(page.contains(&format!(r#"href="{href}""#)), "no link to {href}");
    }
    // the quick start, with this server's address
    assert!(page.contains("cargo run --release") && page.contains(&format!("E={}", app.base)), "{page}");
    // its token reads the agreement metadata, which is App+User only: an Admin agent's, not an app's
    let quick = &page[page.find("E=").unwrap()..];
    let quick = &quick[..quick.find("</pre>").unwrap()];
    assert!(quick.contains("AdminAgent") && !quick.contains("appOnly"), "{quick}");

    // the service date follows the clock when nothing is pinned
    let fresh = TestApp::spawn().await;
    let page = get(&fresh, "/").await.text().await.unwrap();
    assert!(page.contains("follows the emulator clock") && page.contains("(not pinned)"), "{page}");
    assert!(page.contains("Contoso development partner"), "only the development partner: {page}");
    assert!(page.contains("oauth2/v2.0/token -d grant_type=client_credentials"), "{page}");
}

/// The landing page names the guides by their paths in the repository: each exists, and every
/// guide under docs/ is named (README.md's table of contents, which CI's guide runner follows,
/// names them too).
#[tokio::test]
async fn the_landing_page_names_every_guide_and_each_exists() {
    let app = TestApp::spawn().await;
    let page = get(&app, "/").await.text().await.unwrap();
    let section = &page[page.find(r#"id="guides""#).expect("a list of guides")..];
    let section = &section[..section.find("</ul>").unwrap()];
    let named: Vec<&str> = section.split("<code>").skip(1).map(|rest| rest.split("</code>").next().unwrap()).collect();
    assert!(named.len() >= 10, "{named:?}");
    for path in &named {
        assert!(path.starts_with("docs/") && path.ends_with(".md"), "{path}");
        assert!(std::path::Path::new(path).is_file(), "the landing page names {path}, which does not exist");
    }
    let readme = std::fs::read_to_string("README.md").unwrap();
    for entry in std::fs::read_dir("docs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let path = format!("docs/{}", path.file_name().unwrap().to_str().unwrap());
            assert!(named.contains(&path.as_str()), "the landing page does not name {path}");
            assert!(readme.contains(&format!("]({path})")), "README.md does not link {path}");
        }
    }
}

#[tokio::test]
async fn with_an_admin_token_the_landing_page_hides_the_state_and_the_docs_stay_open() {
    let admin = format!("admin-{}", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_with(&["--admin-token", &admin]).await;
    let r = app
        .request(Method::POST, "/_emulator/partners", Some(&admin))
        .json(&json!({"name": "Hidden Partner", "partnerType": "DirectBill"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let tenant = r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string();

    let r = get(&app, "/").await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("requires the admin token"), "{page}");
    assert!(!page.contains("Hidden Partner") && !page.contains(&tenant), "no partner without the token: {page}");
    assert!(!page.contains("Emulator clock"), "no clock without the token");
    assert!(page.contains(r#"href="/_emulator/docs""#));

    // the contract, its page and the page's files need no admin token
    for path in ["/_emulator/docs", "/_emulator/openapi.yaml", "/_emulator/docs/assets/redoc-2.5.4/redoc.standalone.js"]
    {
        assert_eq!(get(&app, path).await.status(), 200, "{path}");
    }
    // the rest of the control plane still does
    assert_error(get(&app, "/_emulator/clock").await, 401, 990432).await;
}

#[tokio::test]
async fn the_docs_page_loads_the_vendored_redoc_from_this_server_only() {
    let app = TestApp::spawn().await;
    let r = get(&app, "/_emulator/docs").await;
    assert_eq!(r.status(), 200);
    assert_page_headers(&r, "/_emulator/docs");
    let csp = header(&r, "content-security-policy");
    assert!(csp.starts_with("default-src 'none';") && csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<script src="/_emulator/docs/assets/redoc-2.5.4/redoc.standalone.js">"#), "{page}");
    assert!(page.contains(r#"<script src="/_emulator/docs/assets/docs.js">"#), "{page}");
    assert!(!page.contains("<script>"), "no inline script");

    for (url, file, content_type) in ASSETS {
        let r = get(&app, &format!("/_emulator/docs/assets/{url}")).await;
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(header(&r, "content-type"), *content_type, "{url}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{url}");
        let cache = header(&r, "cache-control");
        if url.starts_with("redoc-") {
            assert!(cache.contains("max-age=31536000") && cache.contains("immutable"), "{url}: {cache}");
        } else {
            assert_eq!(cache, "no-cache", "{url}");
        }
        let served = r.bytes().await.unwrap();
        let vendored = std::fs::read(file).unwrap();
        assert!(served == vendored, "{url} differs from {file}");
    }
    // the vendored files are documented
    let readme = std::fs::read_to_string("assets/vendor/README.md").unwrap();
    assert!(readme.contains("npm pack redoc@2.5.4") && readme.contains("MIT"), "{readme}");

    assert_error(get(&app, "/_emulator/docs/assets/nothing.js").await, 404, 990404).await;
    assert_error(get(&app, "/_emulator/docs/assets/%2e%2e%2fopenapi.yaml").await, 404, 990404).await;
    // the page and its files are not in the request journal
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let paths: Vec<&str> = journal["items"].as_array().unwrap().iter().filter_map(|e| e["path"].as_str()).collect();
    assert!(paths.iter().all(|p| !p.starts_with("/_emulator/docs")), "{paths:?}");
}

#[tokio::test]
async fn an_unknown_admin_center_page_is_a_page_and_an_unknown_api_path_stays_json() {
    let app = TestApp::spawn().await;
    for path in ["/AdminPortal/Nowhere", "/AdminPortal/Partners/x/y", "/adminportal/settings"] {
        let r = get(&app, path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_page_headers(&r, path);
        let page = r.text().await.unwrap();
        assert!(page.contains("Page not found"), "{path}: {page}");
        assert!(page.contains(r#"href="/AdminPortal/Home""#) && page.contains(r#"href="/""#), "{path}: {page}");
    }
    let r = app.http.post(app.url("/AdminPortal/Nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(header(&r, "content-type").starts_with("text/html"));

    for path in ["/v1/nowhere", "/v1/customers/x/nowhere", "/_emulator/nowhere", "/nowhere"] {
        let r = get(&app, path).await;
        assert!(header(&r, "content-type").starts_with("application/json"), "{path}");
        assert_error(r, 404, 990404).await;
    }
}

#[tokio::test]
async fn the_landing_and_sign_in_pages_name_the_development_user() {
    let app = TestApp::spawn().await;
    for path in ["/", "/dashboard/signin"] {
        let page = get(&app, path).await.text().await.unwrap();
        assert!(
            page.contains("admin@contoso-dev.onmicrosoft.com") && page.contains("Pce-Development-Passw0rd"),
            "{path} names the development user and its password"
        );
        assert!(page.contains("development emulator"), "{path} says why it prints them");
    }
}
