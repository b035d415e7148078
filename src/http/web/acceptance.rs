//! The enhanced attestation's acceptance page (the "embeddable component"): the customer reads
//! the agreement and accepts it, with no sign-in — the link is the key. Partners embed it in
//! their own checkout, so any site may frame it; when the attestation is accepted the page tells
//! the page framing it (`window.parent.postMessage`). Its form carries a token signed by the
//! emulator instead of a cookie, which a framed page in another site would not send.
//!
//!   GET  /EnhancedAttestation/Accept?attestationId=…&language=…&country=…
//!   POST /EnhancedAttestation/Accept   (attestationId, language, country, token, accept=true)

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::agreement_text::agreement_text;
use crate::app::{AppContext, AppState};
use crate::auth::{form_token, verify_form_token};
use crate::domain::attestations::AttestationStatus;
use crate::domain::ids::AttestationId;
use crate::domain::locales::resolve_document_locale;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::status_of;
use crate::http::edge::extract::QueryParams;
use crate::service::attestations::{self, AcceptancePage, AttestationState};
use crate::service::{ErrorKind, ServiceError};

pub const PATH: &str = "/EnhancedAttestation/Accept";
const FORM: &str = "enhanced-attestation-accept";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(show).post(accept))
}

/// The country and language the page shows the agreement in: those of the link, as the document
/// table resolves them, else the attestation's own.
fn locale<'a>(state: &'a AttestationState, country: Option<&'a str>, language: Option<&'a str>) -> (String, String) {
    let country = country.filter(|c| !c.trim().is_empty()).unwrap_or(&state.attestation.country);
    let language = language.filter(|l| !l.trim().is_empty()).unwrap_or(&state.attestation.language);
    match resolve_document_locale(Some(country.trim()), Some(language.trim())) {
        Ok(l) => (l.country.to_string(), l.language.to_string()),
        Err(_) => (state.attestation.country.clone(), state.attestation.language.clone()),
    }
}

async fn show(State(ctx): State<AppState>, query: QueryParams) -> Response {
    let id = AttestationId::parse(query.get("attestationId").unwrap_or_default());
    match attestations::acceptance_page(&ctx, &id).await {
        Ok(shown) => {
            let (country, language) = locale(&shown.state, query.get("country"), query.get("language"));
            attestation_page(&ctx, &shown, &country, &language, None, StatusCode::OK)
        }
        Err(e) => refusal_page(e),
    }
}

async fn accept(State(ctx): State<AppState>, body: Bytes) -> Response {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let id = AttestationId::parse(field("attestationId").unwrap_or_default());
    let shown = match attestations::acceptance_page(&ctx, &id).await {
        Ok(shown) => shown,
        Err(e) => return refusal_page(e),
    };
    let (country, language) = locale(&shown.state, field("country"), field("language"));
    if !verify_form_token(&ctx.keys, FORM, id.as_str(), field("token").unwrap_or_default()) {
        let message = "This page expired. Reload it and accept again.";
        return attestation_page(&ctx, &shown, &country, &language, Some(message), StatusCode::FORBIDDEN);
    }
    if field("accept") != Some("true") {
        let message = "Tick the box to accept the Microsoft Customer Agreement.";
        return attestation_page(&ctx, &shown, &country, &language, Some(message), StatusCode::BAD_REQUEST);
    }
    match attestations::accept_attestation(&ctx, &id).await {
        Ok(state) => {
            let accepted = AcceptancePage { state, template_id: shown.template_id };
            attestation_page(&ctx, &accepted, &country, &language, None, StatusCode::OK)
        }
        Err(e) => {
            let (status, message) = sentence(&e);
            attestation_page(&ctx, &shown, &country, &language, Some(&message), status)
        }
    }
}

/// The status and sentence a page shows for a refusal; failures of the emulator only in the log.
fn sentence(e: &ServiceError) -> (StatusCode, String) {
    let text = match e.kind() {
        ErrorKind::Unavailable | ErrorKind::Internal => {
            tracing::error!(error = %e.hint(), "acceptance page failed");
            "Something went wrong. Try again in a moment.".to_string()
        }
        _ => e.describe().description,
    };
    (status_of(e), text)
}

fn refusal_page(e: ServiceError) -> Response {
    let (status, text) = sentence(&e);
    let title = match e {
        ServiceError::AttestationNotFound(_) => "This acceptance link is not valid",
        _ => "Something went wrong",
    };
    page(status, layout(title, html! { div.card { h1 { (title) } p { (text) } } }), None)
}

fn attestation_page(
    ctx: &AppContext,
    shown: &AcceptancePage,
    country: &str,
    language: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let state = &shown.state;
    let a = &state.attestation;
    let signer = format!("{} {} ({})", a.signatory.first_name, a.signatory.last_name, a.signatory.email);
    let accepted = matches!(state.status, AttestationStatus::Accepted | AttestationStatus::Completed);
    let nonce = ctx.ids.secret(24);
    let body = html! {
        div.card {
            h1 { "Microsoft Customer Agreement" }
            dl {
                dt { "Company" } dd { (a.company_name) }
                dt { "Signer" } dd { (signer) }
            }
            @match state.status {
                AttestationStatus::Expired => {
                    div.error role="alert" id="expired" {
                        "This attestation expired on " (render_timestamp(a.expires_at))
                        " before it was accepted. Ask your partner for a new link."
                    }
                }
                AttestationStatus::Accepted | AttestationStatus::Completed => {
                    div.success role="status" id="accepted" {
                        "Accepted on " (a.accepted_at.map(render_timestamp).unwrap_or_default())
                        " on behalf of " (a.company_name) ". Your partner has been told; you can close this page."
                    }
                }
                AttestationStatus::Pending => {
                    @if let Some(message) = error { div.error role="alert" id="error" { (message) } }
                    form method="post" action=(PATH) {
                        input type="hidden" name="attestationId" value=(a.id);
                        input type="hidden" name="country" value=(country);
                        input type="hidden" name="language" value=(language);
                        input type="hidden" name="token" value=(form_token(&ctx.keys, FORM, &a.id));
                        label.check for="accept" {
                            input type="checkbox" id="accept" name="accept" value="true" required;
                            span { "I have read the Microsoft Customer Agreement below and I accept it on behalf of "
                                (a.company_name) "." }
                        }
                        button type="submit" { "Accept" }
                    }
                }
            }
        }
        section.card aria-labelledby="agreement-title" lang=(language) {
            h2 id="agreement-title" { "The agreement" }
            (agreement_text(&shown.template_id, country, language))
        }
        @if accepted {
            script nonce=(nonce) { (PreEscaped(accepted_message_script(&a.id, state.status))) }
        }
    };
    page(status, layout("Accept the Microsoft Customer Agreement", body), accepted.then_some(nonce.as_str()))
}

/// Tells the page that frames this one (if any) that the attestation is accepted.
fn accepted_message_script(id: &str, status: AttestationStatus) -> String {
    let message = serde_json::json!({
        "type": "partner-center-emulator.enhanced-attestation",
        "attestationId": id,
        "status": status.as_str(),
    });
    // JSON is valid JavaScript; `<` is escaped so that nothing in it can close the script element.
    let message = message.to_string().replace('<', "\\u003c");
    format!("if (window.parent && window.parent !== window) {{ window.parent.postMessage({message}, \"*\"); }}")
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:"Segoe UI",system-ui,-apple-system,sans-serif;color:#1b1b1b;background:#f5f5f5;line-height:1.5}
header{background:#0f6cbd;color:#fff;padding:.75rem 1rem;font-weight:600}
main{max-width:44rem;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d1d1d1;border-radius:6px;padding:1.25rem;margin-bottom:1rem}
h1{font-size:1.5rem;margin-top:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.check{display:flex;gap:.6rem;align-items:flex-start;margin-top:1rem}
.check input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #0f6cbd;background:#0f6cbd;color:#fff;cursor:pointer}
a:focus,button:focus,input:focus{outline:3px solid #ffb900;outline-offset:2px}
.error{border-left:4px solid #c50f1f;background:#fde7e9;padding:.75rem 1rem;margin:1rem 0}
.success{border-left:4px solid #107c10;background:#dff6dd;padding:.75rem 1rem;margin:1rem 0}
@media (max-width:30rem){dl{grid-template-columns:1fr}}
"#;

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Microsoft (emulated)" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { "Microsoft Customer Agreement (emulated)" }
                main id="main" { (body) }
            }
        }
    }
}

/// A page any site may frame; scripts only with this response's nonce.
fn page(status: StatusCode, markup: Markup, nonce: Option<&str>) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    let script = nonce.map_or("'none'".to_string(), |n| format!("'nonce-{n}'"));
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src {script}; form-action 'self'; base-uri 'none'; frame-ancestors *"
    );
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
