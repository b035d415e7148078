//! The one page that says one thing — a refusal, a failure, a page that does not exist — with the
//! way back; never JSON.

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::layout::{Chrome, Content};
use super::page::site_page;
use super::refusal::Refusal;
use super::site::Site;
use crate::service::ServiceError;

/// A message: its title, what happened, and a link back (`href`, words).
pub fn message(title: &str, text: &str, back: Option<(&str, &str)>) -> Content {
    Content::new(
        title,
        html! {
            div.card {
                h1 { (title) }
                div.error role="alert" { (text) }
                @if let Some((href, words)) = back { p { a href=(href) { (words) } } }
            }
        },
    )
}

/// A site's message page; `chrome` is the signed-in person's, if any.
pub fn site_message(site: &Site, chrome: Option<&Chrome>, status: StatusCode, title: &str, text: &str) -> Response {
    if status.is_client_error() || status.is_server_error() {
        // The title names the refusal ("Sign-in link not valid": SignInLinkNotValid).
        let rule: String = title.split(|c: char| !c.is_alphanumeric()).map(capitalized).collect();
        crate::http::edge::error::note_page_refusal(rule, text);
    }
    let visitor = site.visitor();
    let content = message(title, text, Some((site.brand.home, site.home_label)));
    site_page(status, chrome.unwrap_or(&visitor), content)
}

/// A use case's refusal or failure as a site's page.
pub fn error_page(site: &Site, chrome: Option<&Chrome>, e: &ServiceError) -> Response {
    let refusal = Refusal::of(e, &site.wording);
    site_message(site, chrome, refusal.status, refusal.title(), &refusal.text())
}

/// A form sent with a token that is not its session's (or its sign-in page's).
pub fn form_expired(site: &Site, chrome: Option<&Chrome>) -> Response {
    let text = "The form expired. Go back, reload the page and try again.";
    site_message(site, chrome, StatusCode::FORBIDDEN, "Request refused", text)
}

/// A path of the site that no page serves: a 404 page with the way to the site's home and to the
/// emulator's.
pub fn not_found(site: &Site, path: &str) -> Response {
    let content = Content::new(
        "Page not found",
        html! {
            div.card {
                h1 { "Page not found" }
                div.error role="alert" { (site.brand.name) " has no page at " code { (path) } "." }
                @if let Some(note) = site.not_found_note { p { (note) } }
                div.actions {
                    a.button href=(site.brand.home) { (site.home_label) }
                    a.button.secondary href="/" { "Emulator home page" }
                }
            }
        },
    );
    site_page(StatusCode::NOT_FOUND, &site.visitor(), content)
}

/// A word with its first letter in upper case.
fn capitalized(word: &str) -> String {
    let mut letters = word.chars();
    letters.next().map(|first| first.to_uppercase().chain(letters).collect()).unwrap_or_default()
}
