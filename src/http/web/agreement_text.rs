//! The text of the Microsoft Customer Agreement as the emulator serves it: an HTML stand-in for
//! the document Microsoft publishes, in a country and language of the document table. The
//! document links and the enhanced attestation's acceptance page show the same text.

use maud::{html, Markup};

use super::kit::layout::Brand;
use crate::domain::locales;

/// The product the agreement's own pages (the document, the acceptance page) show at their top:
/// pages that stand alone, with no site around them.
pub const BRAND: Brand = Brand { name: "Microsoft Customer Agreement", home: "/", title: "Microsoft (emulated)" };

/// The agreement's sections for `country` (ISO code) in `language`, under template `template_id`.
pub fn agreement_text(template_id: &str, country_code: &str, language: &str) -> Markup {
    let country = locales::country(country_code).map(|c| c.name).unwrap_or(country_code);
    html! {
        p { "Template " code { (template_id) } " · " (country) " (" (country_code) ") · language " (language) }
        p {
            "This document is served by the Partner Center emulator in place of the agreement "
            "Microsoft publishes at " a href="https://aka.ms/customeragreement" { "https://aka.ms/customeragreement" }
            ". It stands for the agreement a customer accepts, either directly in the Microsoft 365 "
            "admin center or through a partner's confirmation."
        }
        h2 { "1. Parties" }
        p { "This agreement is between the customer organization and the Microsoft entity for " (country) "." }
        h2 { "2. Acceptance" }
        p { "The customer accepts this agreement by confirming in the Microsoft 365 admin center, or a Cloud "
            "Solution Provider partner confirms that the customer accepted it." }
        h2 { "3. Purchases" }
        p { "Purchases through a partner require acceptance of this agreement to be on record." }
    }
}
