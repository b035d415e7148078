//! The text of the Microsoft Customer Agreement as the emulator serves it: an HTML stand-in for
//! the document Microsoft publishes, in a country and language of the document table (its words
//! in that language when it is one of the pages' six, else English: see `acceptance::words`). The
//! document links and the enhanced attestation's acceptance page show the same text.

use maud::{html, Markup};

use super::acceptance::words::{fill, Key};
use super::kit::dates::Lang;
use crate::domain::locales;

const LINK: &str = "https://aka.ms/customeragreement";

/// The agreement's sections for `country_code` (ISO code) in `language`, under template
/// `template_id`; wrap them in an element whose `lang` is `Lang::of(language)`.
pub fn agreement_text(template_id: &str, country_code: &str, language: &str) -> Markup {
    let lang = Lang::of(language);
    let country = locales::country(country_code).map(|c| c.name).unwrap_or(country_code);
    let line = [
        ("template", html! { code { (template_id) } }),
        ("country", html! { (country) }),
        ("code", html! { (country_code) }),
        ("language", html! { (language) }),
    ];
    html! {
        p { (fill(lang, Key::DocumentLine, &line)) }
        p { (fill(lang, Key::StandIn, &[("link", html! { a href=(LINK) { (LINK) } })])) }
        h2 { (fill(lang, Key::PartiesHeading, &[])) }
        p { (fill(lang, Key::Parties, &[("country", html! { (country) })])) }
        h2 { (fill(lang, Key::AcceptanceHeading, &[])) }
        p { (fill(lang, Key::Acceptance, &[])) }
        h2 { (fill(lang, Key::PurchasesHeading, &[])) }
        p { (fill(lang, Key::Purchases, &[])) }
    }
}
