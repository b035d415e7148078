//! Whether what is stored is what a seed entry says, so that a seed can be applied again: each
//! function answers `Ok` when the stored record is the entry's (the entry is then left alone), or
//! the difference, in words, when it is another.

use super::file::{SeedCustomer, SeedOrder, SeedPartner, SeedPerson};
use crate::domain::agreements::{Agreement, AgreementSource};
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::attestations::{validate_attestation, AttestationInput};
use crate::domain::contact::Contact;
use crate::domain::customers::{Address, Customer};
use crate::domain::orders::Order;
use crate::domain::partners::{Partner, PartnerType};
use crate::domain::time::{parse_timestamp, render_timestamp};
use crate::service::customers::NewCustomer;

type Match = Result<(), String>;

fn same(what: &str, stored: &str, entry: &str) -> Match {
    if stored.trim() == entry.trim() {
        Ok(())
    } else {
        Err(format!("{what} is '{stored}', the entry says '{entry}'"))
    }
}

pub fn partner(stored: &Partner, entry: &SeedPartner, provider_id: Option<&str>) -> Match {
    same("the stored partner's name", &stored.name, &entry.name)?;
    let entry_type = PartnerType::parse(&entry.partner_type).map(PartnerType::as_str).unwrap_or(&entry.partner_type);
    same("its partnerType", stored.partner_type.as_str(), entry_type)?;
    same(
        "its indirect provider",
        stored.indirect_provider_id.as_deref().unwrap_or("none"),
        provider_id.unwrap_or("none"),
    )
}

/// As `same`, without regard to letter case (an email address, a country code).
fn same_text(what: &str, stored: Option<&str>, entry: Option<&str>) -> Match {
    let (stored, entry) = (stored.unwrap_or("none").trim(), entry.unwrap_or("none").trim());
    if stored.eq_ignore_ascii_case(entry) {
        Ok(())
    } else {
        Err(format!("{what} is '{stored}', the entry says '{entry}'"))
    }
}

/// `expected` is the customer the entry would create (its defaults filled in).
pub fn customer(
    stored: &Customer,
    related: &[Partner],
    entry: &SeedCustomer,
    expected: &NewCustomer,
    partner_id: &str,
    associated_id: Option<&str>,
) -> Match {
    if !related.iter().any(|p| p.tenant_id == partner_id) {
        return Err(format!(
            "the domain is taken by customer {}, which partner {partner_id} does not serve",
            stored.id
        ));
    }
    same(
        "the stored customer's company name",
        &stored.company_name,
        entry.company_name.as_deref().unwrap_or(&entry.key),
    )?;
    same(
        "its associated partner",
        stored.associated_partner_id.as_deref().unwrap_or("none"),
        associated_id.unwrap_or("none"),
    )?;
    let billing = expected.billing_profile.as_ref();
    same_text("its billing email", stored.billing_profile.email.as_deref(), billing.and_then(|b| b.email.as_deref()))?;
    same_text(
        "its country",
        country(stored.billing_profile.default_address.as_ref()),
        country(billing.and_then(|b| b.default_address.as_ref())),
    )
}

/// The person of `entry` as a contact, for its identity (names, email and phone, without case).
fn person(entry: &SeedPerson) -> Contact {
    Contact {
        first_name: entry.first_name.clone(),
        last_name: entry.last_name.clone(),
        email: entry.email.clone(),
        phone_number: entry.phone_number.clone(),
    }
}

/// The stored agreement of `source` that the entry would duplicate: a partner confirmation of the
/// same person, or the customer's direct acceptance (a customer accepts directly once).
pub fn same_person<'a>(stored: &'a [Agreement], source: AgreementSource, entry: &SeedPerson) -> Option<&'a Agreement> {
    let identity = person(entry).identity_key();
    stored.iter().find(|a| {
        a.source == source
            && match source {
                AgreementSource::PartnerConfirmation => a.contact.identity_key() == identity,
                AgreementSource::DirectAcceptance => true,
            }
    })
}

/// An entry without `dateAgreed` matches any date (it would have taken the clock's).
fn same_date(stored: &Agreement, entry: &SeedPerson) -> Match {
    let Some(raw) = &entry.date_agreed else { return Ok(()) };
    match parse_timestamp(raw) {
        Some(date) if date == stored.date_agreed => Ok(()),
        _ => Err(format!("it was accepted on {}, the entry says {raw}", render_timestamp(stored.date_agreed))),
    }
}

pub fn confirmation(stored: &Agreement, entry: &SeedPerson, partner_id: &str) -> Match {
    same("the partner that confirmed it", stored.partner_tenant_id.as_deref().unwrap_or("none"), partner_id)?;
    same_date(stored, entry)
}

pub fn direct_acceptance(stored: &Agreement, entry: &SeedPerson) -> Match {
    if stored.contact.identity_key() != person(entry).identity_key() {
        return Err(format!(
            "the customer already accepted directly as {} {} <{}>",
            stored.contact.first_name, stored.contact.last_name, stored.contact.email
        ));
    }
    same_date(stored, entry)
}

pub fn order(stored: &Order, entry: &SeedOrder, partner_id: &str) -> Match {
    same("the partner that placed it", &stored.partner_tenant_id, partner_id)?;
    let item = stored.line_items.first();
    same("its offer", item.map_or("none", |i| i.offer_id.as_str()), &entry.offer_id)?;
    let quantity = entry.quantity.unwrap_or(1);
    match item.map(|i| i.quantity) {
        Some(q) if q == quantity => Ok(()),
        q => Err(format!("its quantity is {}, the entry says {quantity}", q.unwrap_or(0))),
    }
}

/// The country of an address, if it names one.
fn country(address: Option<&Address>) -> Option<&str> {
    address.and_then(|a| a.country.as_deref())
}

/// `entry` is the attestation the seed entry asks for, as the API would be sent it: it is compared
/// as the API would store it (a language the country does not offer falls back, as it did when
/// the entry was first applied).
pub fn attestation(stored: &EnhancedAttestation, entry: &AttestationInput, accepted: bool, partner_id: &str) -> Match {
    same("the partner that made it", &stored.partner_tenant_id, partner_id)?;
    let entry = validate_attestation(entry).map_err(|problems| problems.join("; "))?;
    same("its country", &stored.country, &entry.country)?;
    same("its language", &stored.language, &entry.language)?;
    same("its company name", &stored.company_name, &entry.company_name)?;
    same("its signatory's first name", &stored.signatory.first_name, &entry.signatory.first_name)?;
    same("its signatory's last name", &stored.signatory.last_name, &entry.signatory.last_name)?;
    same_text("its signatory's email", Some(&stored.signatory.email), Some(&entry.signatory.email))?;
    same(
        "its signatory's phone number",
        stored.signatory.phone_number.as_deref().unwrap_or("none"),
        entry.signatory.phone_number.as_deref().unwrap_or("none"),
    )?;
    match (stored.accepted_at.is_some(), accepted) {
        (a, b) if a == b => Ok(()),
        (true, false) => Err("the customer accepted it; the entry says it is pending".into()),
        (false, true) => Err("it is pending; the entry says the customer accepted it".into()),
        _ => Ok(()),
    }
}
