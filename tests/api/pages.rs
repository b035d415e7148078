//! Every page the emulator serves, whichever site it belongs to, is one product: the same
//! security headers (never cached; never framed, but for the acceptance page partners embed), the
//! same stylesheet — allowed by its hash alone, so a page with a changed style would show
//! unstyled rather than pass — and the same frame (the *Emulated* badge, a main landmark).

use crate::helpers::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn header(r: &Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The page's one `<style>` element's text.
fn stylesheet(page: &str) -> &str {
    let start = page.find("<style>").expect("a stylesheet") + "<style>".len();
    let end = start + page[start..].find("</style>").unwrap();
    assert!(!page[end..].contains("<style"), "one stylesheet");
    &page[start..end]
}

struct Shown {
    csp: String,
    style: String,
    page: String,
}

async fn page(app: &TestApp, url: &str, status: u16, framed: bool) -> Shown {
    let r = app.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), status, "{url}");
    assert!(header(&r, "content-type").starts_with("text/html"), "{url}");
    assert_eq!(header(&r, "cache-control"), "no-store", "{url}");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{url}");
    let csp = header(&r, "content-security-policy");
    if framed {
        assert!(r.headers().get("x-frame-options").is_none(), "{url}");
        assert!(csp.contains("frame-ancestors *"), "{url}: {csp}");
    } else {
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{url}");
        assert!(csp.contains("frame-ancestors 'none'"), "{url}: {csp}");
    }
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<span class="badge">Emulated</span>"#), "{url}: the product is marked as emulated");
    let style = stylesheet(&page).to_string();
    Shown { csp, style, page }
}

#[tokio::test]
async fn every_page_sends_the_same_headers_and_carries_the_one_stylesheet_its_policy_allows() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let links: Value = app.get_json(&format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document"), &p.token).await;
    let unknown = "/EnhancedAttestation/Accept?attestationId=00000000-0000-4000-8000-000000000000";

    let mut shown = vec![
        page(&app, &app.url("/"), 200, false).await,
        page(&app, &app.url("/AdminPortal/SignIn"), 200, false).await,
        page(&app, &app.url("/AdminPortal/Nowhere"), 404, false).await,
        page(&app, &app.url("/dashboard/signin"), 200, false).await,
        page(&app, &app.url("/dashboard/signin/link?token=not-a-link"), 401, false).await,
        page(&app, links["displayUri"].as_str().unwrap(), 200, false).await,
        page(&app, links["downloadUri"].as_str().unwrap(), 200, false).await,
        page(&app, &app.url(unknown), 404, true).await,
    ];
    for s in &shown {
        let digest = STANDARD.encode(Sha256::digest(s.style.as_bytes()));
        assert!(s.csp.contains(&format!("style-src 'sha256-{digest}';")), "{}", s.csp);
        assert!(!s.csp.contains("unsafe-inline"), "{}", s.csp);
        assert!(s.page.contains(r#"<main id="main""#) && s.page.contains(r##"href="#main""##), "a skip link to main");
    }
    // The API reference keeps its own policy (Redoc styles itself inline) and takes the top bar.
    let docs = page(&app, &app.url("/_emulator/docs"), 200, false).await;
    assert!(docs.csp.contains("style-src 'self' 'unsafe-inline'"), "{}", docs.csp);
    shown.push(docs);
    assert!(shown.iter().all(|s| s.style == shown[0].style), "one stylesheet for every page");
    assert!(shown[0].style.contains("--colorBrandBackground: var(--brand80)"), "Fluent 2's brand colour");
}

/// A page's refusal reaches the request journal with its rule and hint, as the API's does: the
/// edge's own (a form over the body limit) and a page's own (a link that is not valid).
#[tokio::test]
async fn the_journal_says_why_a_page_refused() {
    let app = TestApp::spawn().await;
    let huge = format!("userName={}", "a".repeat(200_000));
    let r = app
        .http
        .post(app.url("/dashboard/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(header(&r, "content-type").starts_with("text/html"), "a page, not JSON");
    let r = app.http.get(app.url("/dashboard/signin/link?token=never-issued")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let journal = app.control_json(reqwest::Method::GET, "/_emulator/requests", None).await;
    let entry = |path: &str| -> Value {
        journal["items"].as_array().unwrap().iter().find(|e| e["path"] == path).cloned().unwrap_or(Value::Null)
    };
    let too_large = entry("/dashboard/signin");
    assert_eq!(too_large["rule"], "PayloadTooLarge", "{too_large}");
    assert!(too_large["hint"].is_string(), "{too_large}");
    // the rule from the page's title, "Sign-in link not valid"
    let link = entry("/dashboard/signin/link");
    assert_eq!(link["rule"], "SignInLinkNotValid", "{link}");
    assert!(link["hint"].as_str().is_some_and(|h| h.contains("sign-in-links")), "{link}");
}
