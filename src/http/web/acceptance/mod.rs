//! The enhanced attestation's acceptance page (the "embeddable component"): the customer reads
//! the agreement and accepts it, with no sign-in — the link is the key. Partners embed it in
//! their own checkout, so any site may frame it; whatever happens, the page tells the page framing
//! it (`events`). Its form carries a token signed by the emulator for the attestation instead of a
//! cookie, which a framed page in another site would not send. Every word comes from `words`, in
//! the language the agreement is shown in.
//!
//!   GET  /EnhancedAttestation/Accept?attestationId=…[&language=…][&country=…][&embedderOrigin=…]
//!   POST /EnhancedAttestation/Accept   (attestationId, language, country, embedderOrigin, token, accept=true)
//!
//! Bound to its attestation: the agreement is always that of the attestation's country — a link
//! naming another country is refused with a page that says so; the link's language chooses among
//! that country's languages (the document table's rule: one it does not offer reads en-US), and
//! the language and template the customer accepted are stored with the acceptance. Once accepted,
//! the page shows the agreement as accepted, whatever the link's language. A successful accept is
//! answered with a redirect (post/redirect/get) to the page with `outcome=accepted`, which posts
//! the `accepted` event.
//!
//! The link reads those names only (without regard to case, as every query of the emulator): a
//! link with any other parameter (a misspelt `embedder_origin`) or with one of them twice is
//! refused, as a malformed id is, rather than shown with the parameter left unread — an embedder
//! that misspelt `embedderOrigin` would otherwise get its events posted to `*` and never know.

pub mod events;
pub mod words;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};

use self::events::{embedder_origin, Event, Reason};
use self::words::{brand, fill, shell, text, Key};
use super::agreement_text::agreement_text;
use super::kit::csrf::SignedForm;
use super::kit::dates::{self, Lang};
use super::kit::forms::{field, form_fields, repeated_field};
use super::kit::layout::{compact_in, Content};
use super::kit::page::{respond, Policy};
use super::kit::refusal::{Refusal, Wording};
use crate::app::{AppContext, AppState};
use crate::domain::attestations::{country_matches, page_language, AttestationStatus};
use crate::domain::ids::AttestationId;
use crate::domain::locales;
use crate::http::edge::extract::{unread_parameter, QueryParams, UnreadParameter};
use crate::service::attestations::{self, AcceptancePage, AcceptedIn};
use crate::service::ServiceError;

pub const PATH: &str = "/EnhancedAttestation/Accept";
/// The form's token: signed for its attestation, since a framed page gets no cookie of ours.
const FORM: SignedForm = SignedForm("enhanced-attestation-accept");
/// Longer ids are no id the emulator issues (nor a seed would name).
const MAX_ID_LEN: usize = 256;
/// The parameters of a link: those the partner's `acceptanceUrl` has and `embedderOrigin` it may
/// add, and `outcome`, which the page's own post/redirect/get adds (`accepted_redirect`).
const LINK_PARAMETERS: [&str; 5] = ["attestationId", "language", "country", "embedderOrigin", "outcome"];

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(show).post(accept))
}

/// What a link (or the form that came from it) says.
struct Link<'a> {
    id: Option<&'a str>,
    country: Option<&'a str>,
    language: Option<&'a str>,
    embedder_origin: Option<&'a str>,
}

/// Where the page reports to, and in what language it speaks before the attestation is known.
struct Reply {
    lang: Lang,
    origin: Option<String>,
}

/// An attestation id as a link gives it: missing, malformed (control characters, too long) or one
/// to look up.
fn attestation_id(raw: Option<&str>) -> Result<AttestationId, Reason> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        Err(Reason::MissingId)
    } else if raw.chars().count() > MAX_ID_LEN || raw.chars().any(char::is_control) {
        Err(Reason::MalformedId)
    } else {
        Ok(AttestationId::parse(raw))
    }
}

/// A parameter that makes a link not valid, as the link spells it: one the page does not read
/// (`UnknownParameter`), or one of its own given again (`RepeatedParameter`, in either spelling:
/// `embedderOrigin` and `EmbedderOrigin` are one parameter). The first such, in the link's order.
fn link_problem<'a>(names: impl Iterator<Item = &'a str>) -> Option<(Reason, &'a str)> {
    match unread_parameter(names, &LINK_PARAMETERS)? {
        UnreadParameter::NotRead(name) => Some((Reason::UnknownParameter, name)),
        UnreadParameter::Repeated(name) => Some((Reason::RepeatedParameter, name)),
    }
}

/// The page refusing a link for a parameter (`link_problem`): in the link's language, told to
/// `*` (an origin is not to be trusted from a link that is not valid, as for an `embedderOrigin`
/// that is no origin), with the link's id when it is one the emulator issues and not what the link
/// gives twice (as a malformed id's event has none).
fn parameter_page(ctx: &AppContext, link: &Link<'_>, reason: Reason, name: &str) -> Response {
    let reply = Reply { lang: Lang::of(link.language.unwrap_or_default()), origin: None };
    let key = if reason == Reason::UnknownParameter { Key::UnknownParameter } else { Key::RepeatedParameter };
    let said = fill(reply.lang, key, &[("name", html! { code { (name) } })]);
    let id_repeated = reason == Reason::RepeatedParameter && name.eq_ignore_ascii_case("attestationId");
    let id = link.id.filter(|raw| !id_repeated && attestation_id(Some(raw)).is_ok());
    let refused = Outcome { event: Event::Refused, reason: Some(reason) };
    message_page(ctx, &reply, StatusCode::BAD_REQUEST, Key::LinkNotValid, said, id, refused)
}

/// The attestation of a link, after the checks every request makes; else the page that says why.
async fn open(ctx: &AppContext, link: &Link<'_>) -> Result<(AcceptancePage, Reply), Response> {
    let mut reply = Reply { lang: Lang::of(link.language.unwrap_or_default()), origin: None };
    reply.origin = match embedder_origin(link.embedder_origin) {
        Ok(origin) => origin,
        Err(events::NotAnOrigin) => {
            let origin = html! { code { (link.embedder_origin.unwrap_or_default()) } };
            let said = fill(reply.lang, Key::BadOrigin, &[("origin", origin)]);
            let refused = Outcome { event: Event::Refused, reason: Some(Reason::InvalidEmbedderOrigin) };
            // The event names the link's id only when it can be one, as every other refusal does.
            let id = link.id.filter(|raw| attestation_id(Some(raw)).is_ok());
            return Err(message_page(ctx, &reply, StatusCode::BAD_REQUEST, Key::BadOriginTitle, said, id, refused));
        }
    };
    let id = match attestation_id(link.id) {
        Ok(id) => id,
        Err(reason) => {
            let key = if reason == Reason::MissingId { Key::MissingId } else { Key::MalformedId };
            let said = fill(reply.lang, key, &[]);
            let refused = Outcome { event: Event::Refused, reason: Some(reason) };
            return Err(message_page(ctx, &reply, StatusCode::BAD_REQUEST, Key::LinkNotValid, said, None, refused));
        }
    };
    let shown = match attestations::acceptance_page(ctx, &id).await {
        Ok(shown) => shown,
        Err(e) => return Err(failure_page(ctx, &reply, &e, Some(id.as_str()))),
    };
    let attestation = &shown.state.attestation;
    reply.lang = Lang::of(&page_language(attestation, link.language));
    if !country_matches(attestation, link.country) {
        let country = locales::country(&attestation.country).map_or(attestation.country.as_str(), |c| c.name);
        let values = [
            ("country", html! { (country) " (" (attestation.country) ")" }),
            ("asked", html! { code { (link.country.unwrap_or_default()) } }),
        ];
        let said = fill(reply.lang, Key::OtherCountry, &values);
        let refused = Outcome { event: Event::Refused, reason: Some(Reason::CountryMismatch) };
        let content = message_content(reply.lang, Key::OtherCountryTitle, said);
        let message = events::message(refused.event, None, Some(&shown.state), None, refused.reason);
        return Err(page(ctx, &reply, StatusCode::BAD_REQUEST, content, message));
    }
    Ok((shown, reply))
}

async fn show(State(ctx): State<AppState>, query: QueryParams) -> Response {
    let link = Link {
        id: query.get("attestationId"),
        country: query.get("country"),
        language: query.get("language"),
        embedder_origin: query.get("embedderOrigin"),
    };
    if let Some((reason, name)) = link_problem(query.names()) {
        return parameter_page(&ctx, &link, reason, name);
    }
    let (shown, reply) = match open(&ctx, &link).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let just_accepted = query.get("outcome") == Some("accepted");
    let event = match shown.state.status {
        AttestationStatus::Pending => None,
        AttestationStatus::Expired => Some(Event::Expired),
        AttestationStatus::Accepted | AttestationStatus::Completed if just_accepted => Some(Event::Accepted),
        AttestationStatus::Accepted | AttestationStatus::Completed => Some(Event::AlreadyAccepted),
    };
    let language = page_language(&shown.state.attestation, link.language);
    attestation_page(
        &ctx,
        &shown,
        &language,
        &reply,
        event.map(|event| Outcome { event, reason: None }),
        None,
        StatusCode::OK,
    )
}

async fn accept(State(ctx): State<AppState>, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let field = |name: &str| field(&fields, name);
    let link = Link {
        id: field("attestationId"),
        country: field("country"),
        language: field("language"),
        embedder_origin: field("embedderOrigin"),
    };
    // A field sent twice (`accept=false&accept=true`): which was meant cannot be told.
    if let Some(name) = repeated_field(&fields) {
        return parameter_page(&ctx, &link, Reason::RepeatedParameter, name);
    }
    let (shown, reply) = match open(&ctx, &link).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let id = AttestationId::parse(&shown.state.attestation.id);
    let language = page_language(&shown.state.attestation, link.language);
    let refuse = |reason: Reason, key: Key, status: StatusCode| {
        let refused = Some(Outcome { event: Event::Refused, reason: Some(reason) });
        attestation_page(&ctx, &shown, &language, &reply, refused, Some(key), status)
    };
    if !FORM.verify(&ctx, id.as_str(), field("token")) {
        return refuse(Reason::FormExpired, Key::FormExpired, StatusCode::FORBIDDEN);
    }
    if field("accept") != Some("true") {
        return refuse(Reason::NotTicked, Key::NotTicked, StatusCode::BAD_REQUEST);
    }
    match attestations::accept_attestation(&ctx, &id, AcceptedIn::Page(Some(&language))).await {
        Ok(_) => accepted_redirect(&id, &shown.state.attestation.country, &language, reply.origin.as_deref()),
        Err(e @ (ServiceError::AttestationAlreadyAccepted(_) | ServiceError::AttestationExpired(_))) => {
            // Accepted elsewhere, or left open past its expiry and then sent: the page as it now is.
            let event =
                if matches!(e, ServiceError::AttestationExpired(_)) { Event::Expired } else { Event::AlreadyAccepted };
            let status = Refusal::of(&e, &Wording::PLAIN).status;
            match attestations::acceptance_page(&ctx, &id).await {
                Ok(now) => {
                    let language = page_language(&now.state.attestation, link.language);
                    attestation_page(&ctx, &now, &language, &reply, Some(Outcome { event, reason: None }), None, status)
                }
                Err(e) => failure_page(&ctx, &reply, &e, Some(id.as_str())),
            }
        }
        Err(e) => failure_page(&ctx, &reply, &e, Some(id.as_str())),
    }
}

/// Post/redirect/get: the page of the accepted attestation, which tells its embedder.
fn accepted_redirect(id: &AttestationId, country: &str, language: &str, origin: Option<&str>) -> Response {
    let mut query = vec![("attestationId", id.as_str()), ("language", language), ("country", country)];
    if let Some(origin) = origin {
        query.push(("embedderOrigin", origin));
    }
    query.push(("outcome", "accepted"));
    let location = format!("{PATH}?{}", serde_urlencoded::to_string(&query).unwrap_or_default());
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An event and, for a refusal, why.
#[derive(Clone, Copy)]
struct Outcome {
    event: Event,
    reason: Option<Reason>,
}

/// A page that frames this one must be able to show it too; its one script tells the embedder
/// what happened (`message`).
fn page(ctx: &AppContext, reply: &Reply, status: StatusCode, content: Content, message: serde_json::Value) -> Response {
    if status.is_client_error() || status.is_server_error() {
        // The journal's rule is the event's reason (or the event), as the embedder hears it.
        let rule = message["reason"].as_str().or(message["event"].as_str()).unwrap_or("refused").to_string();
        crate::http::edge::error::note_page_refusal(rule, content.title.clone());
    }
    let nonce = ctx.ids.secret(24);
    let script = events::script(&nonce, &message, reply.origin.as_deref());
    let content = Content::new(content.title, html! { (content.body) (script) });
    let policy = Policy::Embeddable { script_nonce: Some(&nonce) };
    respond(status, policy, compact_in(&brand(reply.lang), &shell(reply.lang), content))
}

fn message_content(lang: Lang, title: Key, said: Markup) -> Content {
    Content::new(
        text(lang, title),
        html! {
            div.card {
                h1 { (text(lang, title)) }
                div.error role="alert" { (said) }
            }
        },
    )
}

/// A page that says one thing (a link that is not valid), with its event.
fn message_page(
    ctx: &AppContext,
    reply: &Reply,
    status: StatusCode,
    title: Key,
    said: Markup,
    id: Option<&str>,
    refused: Outcome,
) -> Response {
    let content = message_content(reply.lang, title, said);
    page(ctx, reply, status, content, events::message(refused.event, id, None, None, refused.reason))
}

/// An unknown attestation, or a failure of the emulator.
fn failure_page(ctx: &AppContext, reply: &Reply, e: &ServiceError, id: Option<&str>) -> Response {
    let status = Refusal::of(e, &Wording::PLAIN).status;
    // Before enhanced attestation's general availability (the partner's service date) the page
    // does not exist, as none of its routes does: to the customer, nothing awaits acceptance.
    if let ServiceError::AttestationNotFound(_) | ServiceError::EnhancedAttestationNotAvailable { .. } = e {
        let said = fill(reply.lang, Key::NotFound, &[]);
        let refused = Outcome { event: Event::NotFound, reason: None };
        return message_page(ctx, reply, status, Key::LinkNotValid, said, id, refused);
    }
    let said = fill(reply.lang, Key::Failure, &[]);
    let refused = Outcome { event: Event::Refused, reason: Some(Reason::Failure) };
    message_page(ctx, reply, status, Key::FailureTitle, said, id, refused)
}

/// The attestation's page: what is asked and by whom, its state, the agreement, and (while
/// pending) the box to tick after it. `said` is a refusal of the form to show above it.
fn attestation_page(
    ctx: &AppContext,
    shown: &AcceptancePage,
    language: &str,
    reply: &Reply,
    event: Option<Outcome>,
    said: Option<Key>,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(language);
    let state = &shown.state;
    let a = &state.attestation;
    let company = html! { (a.company_name) };
    let partner = html! { (shown.partner_name) };
    let signer = format!("{} {} ({})", a.signatory.first_name, a.signatory.last_name, a.signatory.email);
    let accepted_on = html! { @if let Some(at) = a.accepted_at { (dates::instant(at, lang)) } };
    let pending = state.status == AttestationStatus::Pending;
    let just_accepted = event.is_some_and(|e| e.event == Event::Accepted);
    let body = html! {
        div.card {
            h1 { (text(lang, Key::Heading)) }
            @match state.status {
                AttestationStatus::Expired => {
                    div.error role="alert" id="expired" {
                        (fill(lang, Key::Expired, &[("date", dates::instant(a.expires_at, lang)), ("partner", partner.clone())]))
                    }
                }
                AttestationStatus::Accepted | AttestationStatus::Completed => {
                    div.success role="status" id="accepted" {
                        @if just_accepted {
                            (fill(lang, Key::AcceptedNow, &[("date", accepted_on), ("company", company.clone()), ("partner", partner.clone())]))
                        } @else {
                            (fill(lang, Key::AcceptedBefore, &[("date", accepted_on), ("company", company.clone())]))
                        }
                    }
                }
                AttestationStatus::Pending => {
                    p { (fill(lang, Key::Intro, &[("partner", partner.clone()), ("company", company.clone())])) }
                }
            }
            dl {
                dt { (text(lang, Key::Company)) } dd { (a.company_name) }
                dt { (text(lang, Key::Signer)) } dd { (signer) }
                dt { (text(lang, Key::Partner)) } dd { (shown.partner_name) }
                @if pending {
                    dt { (text(lang, Key::AcceptBy)) } dd id="expires" { (dates::instant(a.expires_at, lang)) }
                }
            }
        }
        section.card aria-labelledby="agreement-title" lang=(lang.tag()) {
            h2 id="agreement-title" { (text(lang, Key::AgreementHeading)) }
            (agreement_text(&shown.template_id, &a.country, language))
        }
        @if pending {
            form.card method="post" action=(PATH) {
                @if let Some(key) = said { div.error role="alert" id="error" { (text(lang, key)) } }
                input type="hidden" name="attestationId" value=(a.id);
                input type="hidden" name="country" value=(a.country);
                input type="hidden" name="language" value=(language);
                @if let Some(origin) = &reply.origin { input type="hidden" name="embedderOrigin" value=(origin); }
                input type="hidden" name="token" value=(FORM.token(ctx, &a.id));
                label.choice for="accept" {
                    input type="checkbox" id="accept" name="accept" value="true" required;
                    span { (fill(lang, Key::AcceptLabel, &[("company", company.clone())])) }
                }
                div.actions { button type="submit" { (text(lang, Key::AcceptButton)) } }
            }
        }
    };
    let content = Content::new(text(lang, Key::PageTitle), body);
    let reply = Reply { lang, origin: reply.origin.clone() };
    match event {
        Some(refused) => {
            let shown_as = Some((language, shown.template_id.as_str()));
            page(
                ctx,
                &reply,
                status,
                content,
                events::message(refused.event, None, Some(state), shown_as, refused.reason),
            )
        }
        None => {
            let policy = Policy::Embeddable { script_nonce: None };
            respond(status, policy, compact_in(&brand(lang), &shell(lang), content))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_its_own_parameters_once_in_any_case_and_nothing_else() {
        let first = |query: &str| link_problem(QueryParams::parse(query).names()).map(|(r, n)| (r, n.to_string()));
        let link = "attestationId=x&language=de-DE&country=AT&embedderOrigin=https%3A%2F%2Fshop.example";
        assert_eq!(first(link), None);
        assert_eq!(first(&format!("{link}&outcome=accepted")), None, "the page's own post/redirect/get");
        assert_eq!(first("AttestationID=x&EMBEDDERORIGIN=https%3A%2F%2Fshop.example"), None);
        assert_eq!(first(""), None);
        for (query, reason, name) in [
            ("attestationId=x&embedder_origin=https://shop.example", Reason::UnknownParameter, "embedder_origin"),
            ("attestationId=x&embedderOrigen=https://shop.example", Reason::UnknownParameter, "embedderOrigen"),
            ("origin=https://shop.example&attestationId=x", Reason::UnknownParameter, "origin"),
            ("attestationId=x&=y", Reason::UnknownParameter, ""),
            ("attestationId=x&embedderOrigin=a&embedderOrigin=b", Reason::RepeatedParameter, "embedderOrigin"),
            ("attestationId=x&embedderOrigin=a&EmbedderOrigin=a", Reason::RepeatedParameter, "EmbedderOrigin"),
            ("attestationId=x&attestationId=y", Reason::RepeatedParameter, "attestationId"),
            ("attestationId=x&outcome=accepted&outcome=accepted", Reason::RepeatedParameter, "outcome"),
        ] {
            assert_eq!(first(query), Some((reason, name.to_string())), "{query}");
        }
    }
}
