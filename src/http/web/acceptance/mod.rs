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
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, PreEscaped};

use super::agreement_text::{agreement_text, BRAND};
use super::kit::csrf::SignedForm;
use super::kit::forms::{field, form_fields};
use super::kit::layout::{compact, Content};
use super::kit::message::message;
use super::kit::page::{respond, Policy};
use super::kit::refusal::{Refusal, Wording};
use crate::app::{AppContext, AppState};
use crate::domain::attestations::AttestationStatus;
use crate::domain::ids::AttestationId;
use crate::domain::locales::resolve_document_locale;
use crate::domain::time::render_timestamp;
use crate::http::edge::extract::QueryParams;
use crate::service::attestations::{self, AcceptancePage, AttestationState};
use crate::service::ServiceError;

pub const PATH: &str = "/EnhancedAttestation/Accept";
/// The form's token: signed for its attestation, since a framed page gets no cookie of ours.
const FORM: SignedForm = SignedForm("enhanced-attestation-accept");

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
    let fields = form_fields(&body);
    let field = |name: &str| field(&fields, name);
    let id = AttestationId::parse(field("attestationId").unwrap_or_default());
    let shown = match attestations::acceptance_page(&ctx, &id).await {
        Ok(shown) => shown,
        Err(e) => return refusal_page(e),
    };
    let (country, language) = locale(&shown.state, field("country"), field("language"));
    if !FORM.verify(&ctx, id.as_str(), field("token")) {
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
            let refusal = Refusal::of(&e, &Wording::PLAIN);
            attestation_page(&ctx, &shown, &country, &language, Some(&refusal.text()), refusal.status)
        }
    }
}

/// A page that frames this one must be able to show it too.
fn page(status: StatusCode, content: Content, script_nonce: Option<&str>) -> Response {
    respond(status, Policy::Embeddable { script_nonce }, compact(&BRAND, content))
}

fn refusal_page(e: ServiceError) -> Response {
    let refusal = Refusal::of(&e, &Wording::PLAIN);
    let title = match e {
        ServiceError::AttestationNotFound(_) => "This acceptance link is not valid",
        _ => refusal.title(),
    };
    page(refusal.status, message(title, &refusal.text(), None), None)
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
                        input type="hidden" name="token" value=(FORM.token(ctx, &a.id));
                        label.choice for="accept" {
                            input type="checkbox" id="accept" name="accept" value="true" required;
                            span { "I have read the Microsoft Customer Agreement below and I accept it on behalf of "
                                (a.company_name) "." }
                        }
                        div.actions { button type="submit" { "Accept" } }
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
    let content = Content::new("Accept the Microsoft Customer Agreement", body);
    page(status, content, accepted.then_some(nonce.as_str()))
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
