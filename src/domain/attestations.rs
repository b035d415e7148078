//! Enhanced attestation: the partner creates an attestation for a customer-to-be, the customer
//! accepts the agreement on the acceptance page, and the partner creates the customer's agreement
//! with it. An attestation is pending, then accepted, then completed (used for an agreement);
//! one left pending past its expiry is expired.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::contact::{Contact, ContactInput};
use super::locales::{resolve_document_locale, LocaleError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnhancedAttestation {
    pub id: String,
    /// The partner that created it, and the only one that may use it.
    pub partner_tenant_id: String,
    /// The agreement's country (ISO 3166-1 alpha-2) and language, as the document table resolves them.
    pub country: String,
    pub language: String,
    pub company_name: String,
    /// The person who signs for the customer.
    pub signatory: Contact,
    pub created_at: DateTime<Utc>,
    /// A pending attestation expires at this instant of the emulator clock.
    pub expires_at: DateTime<Utc>,
    /// When the customer accepted the agreement on the acceptance page.
    pub accepted_at: Option<DateTime<Utc>>,
    /// The language the customer read the agreement in when accepting it (one of the country's
    /// languages) and its template (the document's version); None before the acceptance, and
    /// for acceptances recorded before they were kept.
    pub accepted_language: Option<String>,
    pub accepted_template_id: Option<String>,
    /// The customer it was used for, for good, and the agreement it created.
    pub customer_id: Option<String>,
    pub agreement_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationStatus {
    /// Waiting for the customer to accept.
    Pending,
    /// Accepted by the customer; not used for an agreement yet.
    Accepted,
    /// Used to create a customer's agreement.
    Completed,
    /// Left pending past its expiry.
    Expired,
}

impl AttestationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Completed => "completed",
            Self::Expired => "expired",
        }
    }
}

impl EnhancedAttestation {
    /// The status at instant `now` of the emulator clock.
    pub fn status(&self, now: DateTime<Utc>) -> AttestationStatus {
        match (&self.accepted_at, &self.agreement_id) {
            (_, Some(_)) => AttestationStatus::Completed,
            (Some(_), None) => AttestationStatus::Accepted,
            (None, None) if now >= self.expires_at => AttestationStatus::Expired,
            (None, None) => AttestationStatus::Pending,
        }
    }
}

/// The body of `POST /v1/attestations/enhanced`, as it came over the wire.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationInput {
    pub country: Option<String>,
    pub language: Option<String>,
    pub company_name: Option<String>,
    pub signatory_first_name: Option<String>,
    pub signatory_last_name: Option<String>,
    pub signatory_email: Option<String>,
    pub signatory_phone_number: Option<String>,
}

/// An attestation request that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAttestation {
    pub country: String,
    pub language: String,
    pub company_name: String,
    pub signatory: Contact,
}

const MAX_COMPANY_NAME_LEN: usize = 256;

/// Check an attestation request and report every problem at once. Country and language follow
/// the agreement-document table: an unknown country is refused, a language the country does not
/// offer falls back to en-US.
pub fn validate_attestation(input: &AttestationInput) -> Result<ValidAttestation, Vec<String>> {
    let mut problems = Vec::new();
    let signatory = ContactInput {
        first_name: input.signatory_first_name.clone(),
        last_name: input.signatory_last_name.clone(),
        email: input.signatory_email.clone(),
        phone_number: input.signatory_phone_number.clone(),
    };
    let signatory = Contact::parse_named(&signatory, signatory_field).map_err(|p| problems.extend(p)).ok();
    let company_name = input.company_name.as_deref().map(str::trim).unwrap_or_default();
    if company_name.is_empty() {
        problems.push("companyName: is required".to_string());
    } else if input.company_name.as_deref().unwrap_or_default().chars().count() > MAX_COMPANY_NAME_LEN {
        problems.push(format!("companyName: must be at most {MAX_COMPANY_NAME_LEN} characters"));
    }
    let country = input.country.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let language = input.language.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if country.is_none() {
        problems.push("country: is required (an ISO 3166-1 alpha-2 code, e.g. US)".to_string());
    }
    // A language the country does not offer falls back to en-US; text that can be no language at
    // all is a mistake to be told of, not an agreement in English.
    let language = match language {
        None => {
            problems.push("language: is required (e.g. en-US)".to_string());
            None
        }
        Some(l) if !super::locales::is_language_tag(l, false) => {
            problems.push(format!("language: '{l}' is not a language (a language tag such as de-DE)"));
            None
        }
        tag => tag,
    };
    let locale = match (country, language) {
        (Some(c), Some(l)) => resolve_document_locale(Some(c), Some(l))
            .map_err(|LocaleError::UnknownCountry(c)| {
                problems.push(format!(
                    "country: '{c}' is not one of the agreement's countries (case-sensitive ISO 3166-1 alpha-2 codes)"
                ))
            })
            .ok(),
        _ => None,
    };
    match (signatory, locale, problems.is_empty()) {
        (Some(signatory), Some(locale), true) => Ok(ValidAttestation {
            country: locale.country.to_string(),
            language: locale.language.to_string(),
            company_name: company_name.to_string(),
            signatory,
        }),
        _ => Err(problems),
    }
}

/// `firstName` → `signatoryFirstName`: the names the attestation body gives the signer's fields.
fn signatory_field(field: &str) -> String {
    let mut chars = field.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase().to_string()).unwrap_or_default();
    format!("signatory{first}{}", chars.as_str())
}

/// The language the acceptance page shows an attestation's agreement in: the one the customer
/// accepted it in, once accepted; before, the one a link asks for when the attestation's country
/// offers it (the document table's rule: otherwise en-US), else the attestation's own. The country
/// is always the attestation's.
pub fn page_language(attestation: &EnhancedAttestation, asked: Option<&str>) -> String {
    if let Some(accepted) = &attestation.accepted_language {
        return accepted.clone();
    }
    match asked.map(str::trim).filter(|l| !l.is_empty()) {
        Some(asked) => resolve_document_locale(Some(&attestation.country), Some(asked))
            .map_or_else(|_| attestation.language.clone(), |l| l.language.to_string()),
        None => attestation.language.clone(),
    }
}

/// The language a script asks the customer to accept in (the control plane's acceptance): one the
/// agreement is offered in for the attestation's country, exactly, or what is wrong. Unlike a
/// page's link, nothing falls back: a script that names a language means it.
pub fn offered_language(attestation: &EnhancedAttestation, asked: &str) -> Result<String, String> {
    let offered = super::locales::country(&attestation.country).map(|c| c.languages.as_slice()).unwrap_or_default();
    match offered.iter().find(|l| l.eq_ignore_ascii_case(asked.trim())) {
        Some(language) => Ok((*language).to_string()),
        None => Err(format!(
            "language: '{asked}' is not a language the agreement is offered in for country {} (it is offered in: {})",
            attestation.country,
            offered.join(", ")
        )),
    }
}

/// Whether a link's `country` names the attestation's own country (or none): a link naming another
/// is refused, since the agreement is that of the stored country.
pub fn country_matches(attestation: &EnhancedAttestation, asked: Option<&str>) -> bool {
    asked.map(str::trim).filter(|c| !c.is_empty()).is_none_or(|c| c.eq_ignore_ascii_case(&attestation.country))
}

/// Why the customer cannot accept an attestation on the acceptance page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptanceRefusal {
    AlreadyAccepted,
    Expired,
}

/// The customer may accept a pending attestation that has not expired.
pub fn check_acceptable(attestation: &EnhancedAttestation, now: DateTime<Utc>) -> Result<(), AcceptanceRefusal> {
    match attestation.status(now) {
        AttestationStatus::Pending => Ok(()),
        AttestationStatus::Expired => Err(AcceptanceRefusal::Expired),
        AttestationStatus::Accepted | AttestationStatus::Completed => Err(AcceptanceRefusal::AlreadyAccepted),
    }
}

/// Why a partner cannot create an agreement with an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseRefusal {
    /// Another partner created it.
    OtherPartners,
    /// The customer has not accepted it yet.
    NotAccepted,
    /// It was left pending past its expiry.
    Expired,
    /// It was already used for an agreement.
    AlreadyUsed,
}

/// A partner may create an agreement with its own attestation once the customer accepted it, once.
pub fn check_usable(
    attestation: &EnhancedAttestation,
    partner_tenant_id: &str,
    now: DateTime<Utc>,
) -> Result<(), UseRefusal> {
    if attestation.partner_tenant_id != partner_tenant_id {
        return Err(UseRefusal::OtherPartners);
    }
    match attestation.status(now) {
        AttestationStatus::Accepted => Ok(()),
        AttestationStatus::Pending => Err(UseRefusal::NotAccepted),
        AttestationStatus::Expired => Err(UseRefusal::Expired),
        AttestationStatus::Completed => Err(UseRefusal::AlreadyUsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        "2026-12-02T12:00:00Z".parse().unwrap()
    }

    fn input() -> AttestationInput {
        AttestationInput {
            country: Some("AT".into()),
            language: Some("de-DE".into()),
            company_name: Some("Fabrikam GmbH".into()),
            signatory_first_name: Some("Megan".into()),
            signatory_last_name: Some("Bowen".into()),
            signatory_email: Some("megan@fabrikam.example".into()),
            signatory_phone_number: None,
        }
    }

    fn attestation() -> EnhancedAttestation {
        let valid = validate_attestation(&input()).unwrap();
        EnhancedAttestation {
            id: "a".into(),
            partner_tenant_id: "p".into(),
            country: valid.country,
            language: valid.language,
            company_name: valid.company_name,
            signatory: valid.signatory,
            created_at: now(),
            expires_at: now() + Duration::days(30),
            accepted_at: None,
            accepted_language: None,
            accepted_template_id: None,
            customer_id: None,
            agreement_id: None,
        }
    }

    #[test]
    fn every_problem_is_named_with_the_body_s_field_names() {
        let mut bad = input();
        bad.signatory_email = Some("nope".into());
        bad.signatory_first_name = None;
        bad.company_name = Some(" ".into());
        bad.country = Some("XX".into());
        assert_eq!(
            validate_attestation(&bad).unwrap_err(),
            vec![
                "signatoryFirstName: is required",
                "signatoryEmail: not a valid email address",
                "companyName: is required",
                "country: 'XX' is not one of the agreement's countries (case-sensitive ISO 3166-1 alpha-2 codes)",
            ]
        );
        let empty = validate_attestation(&AttestationInput::default()).unwrap_err();
        assert!(empty.contains(&"country: is required (an ISO 3166-1 alpha-2 code, e.g. US)".to_string()));
        assert!(empty.contains(&"language: is required (e.g. en-US)".to_string()));
    }

    #[test]
    fn a_language_the_country_does_not_offer_falls_back_to_en_us() {
        let mut other = input();
        other.language = Some("fr-FR".into());
        let valid = validate_attestation(&other).unwrap();
        assert_eq!((valid.country.as_str(), valid.language.as_str()), ("AT", "en-US"));
        assert_eq!(validate_attestation(&input()).unwrap().language, "de-DE");
        other.language = Some("de".into());
        assert_eq!(validate_attestation(&other).unwrap().language, "en-US", "a language, but not one offered");
    }

    #[test]
    fn a_language_that_can_be_no_language_is_refused_rather_than_read_as_en_us() {
        for nonsense in ["garbage!!", "de_DE", "deutsch-AT"] {
            let mut other = input();
            other.language = Some(nonsense.into());
            let problems = validate_attestation(&other).unwrap_err();
            assert_eq!(
                problems,
                vec![format!("language: '{nonsense}' is not a language (a language tag such as de-DE)")]
            );
        }
    }

    #[test]
    fn the_page_shows_the_stored_country_in_a_language_it_offers() {
        let mut a = attestation();
        assert_eq!(page_language(&a, None), "de-DE");
        assert_eq!(page_language(&a, Some("en-US")), "en-US");
        assert_eq!(page_language(&a, Some("ja-JP")), "en-US", "Austria does not offer Japanese: the table's fallback");
        assert!(country_matches(&a, None) && country_matches(&a, Some("at")) && country_matches(&a, Some(" ")));
        assert!(!country_matches(&a, Some("JP")));
        a.accepted_at = Some(now());
        a.accepted_language = Some("en-US".into());
        assert_eq!(page_language(&a, Some("de-DE")), "en-US", "once accepted, the language accepted");
    }

    #[test]
    fn an_attestation_goes_pending_accepted_completed_or_expires_while_pending() {
        let mut a = attestation();
        assert_eq!(a.status(now()), AttestationStatus::Pending);
        assert_eq!(a.status(a.expires_at), AttestationStatus::Expired);
        assert_eq!(check_acceptable(&a, a.expires_at), Err(AcceptanceRefusal::Expired));
        assert_eq!(check_usable(&a, "p", now()), Err(UseRefusal::NotAccepted));
        assert_eq!(check_usable(&a, "p", a.expires_at), Err(UseRefusal::Expired));
        a.accepted_at = Some(now());
        assert_eq!(a.status(a.expires_at), AttestationStatus::Accepted, "an accepted one does not expire");
        assert_eq!(check_acceptable(&a, now()), Err(AcceptanceRefusal::AlreadyAccepted));
        assert_eq!(check_usable(&a, "other", now()), Err(UseRefusal::OtherPartners));
        assert_eq!(check_usable(&a, "p", now()), Ok(()));
        a.agreement_id = Some("ag".into());
        assert_eq!(a.status(now()), AttestationStatus::Completed);
        assert_eq!(check_usable(&a, "p", now()), Err(UseRefusal::AlreadyUsed));
    }
}
