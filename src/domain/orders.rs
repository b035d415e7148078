//! Orders, and the gate that refuses a purchase until the Microsoft Customer Agreement is accepted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::agreements::{Agreement, AgreementSource, AgreementType};
use super::timeline::ServiceDate;

/// A line item of an order, as stored and answered (camelCase, as Partner Center's): what was
/// bought, and the choices made for it (each left out when none was made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub line_item_number: i64,
    pub offer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub quantity: i64,
    /// ISO 8601: `P1M`, `P1Y`, `P3Y`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_duration: Option<String>,
    /// The indirect reseller the purchase is for (a cart's `transaction_reseller` participant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id_on_record: Option<String>,
    /// Other partners of record (a cart's `additional_transaction_reseller` participants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_partner_ids_on_record: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_context: Option<super::billing::ProvisioningContext>,
    /// `promotionId`, `customTermEndDate`, `renewsTo`, `attestationAccepted`.
    #[serde(flatten)]
    pub choices: super::billing::PurchaseChoices,
}

impl LineItem {
    /// A line item with nothing chosen but the offer and the quantity.
    pub fn of(line_item_number: i64, offer_id: &str, quantity: i64) -> Self {
        LineItem {
            line_item_number,
            offer_id: offer_id.to_string(),
            friendly_name: None,
            quantity,
            term_duration: None,
            partner_id_on_record: None,
            additional_partner_ids_on_record: None,
            provisioning_context: None,
            choices: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub customer_id: String,
    pub partner_tenant_id: String,
    /// `monthly`, `annual`, … (as a cart spells it); None when the order named none.
    pub billing_cycle: Option<String>,
    /// The three-letter currency of a checkout whose cart named one.
    pub currency_code: Option<String>,
    pub line_items: Vec<LineItem>,
    pub creation_date: DateTime<Utc>,
    pub status: String,
}

impl Order {
    /// An order as the emulator places it: `completed` at once (nothing is billed).
    pub fn completed(
        id: String,
        customer_id: &str,
        partner_tenant_id: &str,
        line_items: Vec<LineItem>,
        at: DateTime<Utc>,
    ) -> Self {
        Order {
            id,
            customer_id: customer_id.to_string(),
            partner_tenant_id: partner_tenant_id.to_string(),
            billing_cycle: None,
            currency_code: None,
            line_items,
            creation_date: at,
            status: "completed".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemInput {
    pub line_item_number: Option<i64>,
    pub offer_id: Option<String>,
    pub friendly_name: Option<String>,
    pub quantity: Option<i64>,
    pub term_duration: Option<String>,
    pub partner_id_on_record: Option<String>,
    pub additional_partner_ids_on_record: Option<Vec<String>>,
    pub provisioning_context: Option<super::billing::ProvisioningContext>,
    #[serde(flatten)]
    pub choices: super::billing::PurchaseChoicesInput,
}

/// The most other partners of record a line item names.
pub const MAX_ADDITIONAL_PARTNERS: usize = 10;

pub const MAX_QUANTITY: i64 = 100_000;

/// Check the line items of an order: at least one, each with an offer and a positive quantity,
/// numbers unique (missing numbers are given in order).
pub fn validate_line_items(items: Option<&[LineItemInput]>, now: DateTime<Utc>) -> Result<Vec<LineItem>, Vec<String>> {
    let items = items.unwrap_or_default();
    if items.is_empty() {
        return Err(vec!["lineItems: at least one line item is required".into()]);
    }
    let mut problems = Vec::new();
    let mut valid = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let number = item.line_item_number.unwrap_or(i as i64);
        let offer = item.offer_id.as_deref().map(str::trim).unwrap_or_default();
        if offer.is_empty() {
            problems.push(format!("lineItems[{i}].offerId: is required"));
        }
        let quantity = item.quantity.unwrap_or(0);
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            problems.push(format!("lineItems[{i}].quantity: must be between 1 and {MAX_QUANTITY}"));
        }
        if valid.iter().any(|v: &LineItem| v.line_item_number == number) {
            problems.push(format!("lineItems[{i}].lineItemNumber: {number} is used twice"));
        }
        let term = match item.term_duration.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(raw) => {
                super::billing::term(raw).map_err(|p| problems.push(format!("lineItems[{i}].termDuration: {p}"))).ok()
            }
        };
        let texts = [("friendlyName", &item.friendly_name), ("partnerIdOnRecord", &item.partner_id_on_record)];
        for (field, text) in texts {
            if text.as_deref().is_some_and(|t| t.chars().count() > super::billing::MAX_TEXT_LEN) {
                problems.push(format!(
                    "lineItems[{i}].{field}: must be at most {} characters",
                    super::billing::MAX_TEXT_LEN
                ));
            }
        }
        if let Some(p) = item.provisioning_context.as_ref().and_then(super::billing::provisioning_context_problem) {
            problems.push(format!("lineItems[{i}].provisioningContext: {p}"));
        }
        let additional = item.additional_partner_ids_on_record.as_deref().unwrap_or_default();
        if additional.len() > MAX_ADDITIONAL_PARTNERS {
            problems.push(format!("lineItems[{i}].additionalPartnerIdsOnRecord: at most {MAX_ADDITIONAL_PARTNERS}"));
        }
        for (j, id) in additional.iter().enumerate() {
            if id.trim().is_empty() || id.chars().count() > super::billing::MAX_TEXT_LEN {
                problems.push(format!(
                    "lineItems[{i}].additionalPartnerIdsOnRecord[{j}]: a partner id of 1 to {} characters",
                    super::billing::MAX_TEXT_LEN
                ));
            }
        }
        let term_named = super::billing::NamedTerm::of(item.term_duration.as_deref());
        let choices =
            item.choices.check(term_named, now, |field, p| problems.push(format!("lineItems[{i}].{field}: {p}")));
        valid.push(LineItem {
            choices,
            additional_partner_ids_on_record: Some(additional.to_vec()).filter(|ids| !ids.is_empty()),
            provisioning_context: item.provisioning_context.clone(),
            friendly_name: item.friendly_name.clone().filter(|n| !n.trim().is_empty()),
            term_duration: term.map(|(name, _)| name.to_string()),
            partner_id_on_record: item.partner_id_on_record.clone().filter(|p| !p.trim().is_empty()),
            ..LineItem::of(number, offer, quantity)
        });
    }
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(problems)
    }
}

/// An order's `billingCycle` (when it names one: as a cart spells it, `monthly`, `annual`, …) and
/// its line items, checked together as a cart's are: each line item's term no shorter than the
/// billing cycle. Every problem is named.
pub fn validate_order(
    billing_cycle: Option<&str>,
    items: Option<&[LineItemInput]>,
    now: DateTime<Utc>,
) -> Result<(Option<String>, Vec<LineItem>), Vec<String>> {
    let mut problems = Vec::new();
    let cycle = match billing_cycle.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => super::billing::billing_cycle(raw).map_err(|p| problems.push(format!("billingCycle: {p}"))).ok(),
    };
    let items = validate_line_items(items, now).map_err(|p| problems.extend(p)).ok();
    if let (Some(cycle), Some(items)) = (cycle, &items) {
        for (i, item) in items.iter().enumerate() {
            let term = item.term_duration.as_deref().and_then(|t| super::billing::term(t).ok());
            if let Some(Err(p)) = term.map(|term| super::billing::cycle_fits_term(cycle, term)) {
                problems.push(format!("lineItems[{i}].termDuration: {p}"));
            }
            // A renewal keeps the billing cycle: its term must fit it too.
            let renewal = item.choices.renews_to.as_ref().and_then(super::billing::RenewsTo::term);
            if let Some(Err(p)) = renewal.map(|renewal| super::billing::cycle_fits_term(cycle, renewal)) {
                problems.push(format!("lineItems[{i}].renewsTo.termDuration: {p}"));
            }
        }
    }
    match items {
        Some(items) if problems.is_empty() => Ok((cycle.map(|(name, _)| name.to_string()), items)),
        _ => Err(problems),
    }
}

/// The Microsoft Customer Agreement acceptances that still count on `service_date` (once the 2023
/// attestation is retired, one dated before the agreement's 2023 refresh does not).
fn counting_mca_acceptances(agreements: &[Agreement], service_date: ServiceDate) -> impl Iterator<Item = &Agreement> {
    agreements.iter().filter(move |a| {
        a.agreement_type == AgreementType::MicrosoftCustomerAgreement && service_date.acceptance_counts(a.date_agreed)
    })
}

/// Whether the Microsoft Customer Agreement is on record: confirmed by a partner or accepted by
/// the customer directly, in an acceptance that still counts.
pub fn mca_accepted(agreements: &[Agreement], service_date: ServiceDate) -> bool {
    counting_mca_acceptances(agreements, service_date).next().is_some()
}

/// The customer's own acceptance of the Microsoft Customer Agreement that counts, if any (the
/// direct-sign status).
pub fn mca_signed_directly(agreements: &[Agreement], service_date: ServiceDate) -> Option<&Agreement> {
    counting_mca_acceptances(agreements, service_date).find(|a| a.source == AgreementSource::DirectAcceptance)
}

/// How the Microsoft Customer Agreement stands for a customer, at a glance (the partner
/// dashboard's customer list and Account page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McaStanding {
    /// The customer accepted it itself, in an acceptance that still counts.
    AcceptedByCustomer,
    /// A partner confirmed (attested) the customer's acceptance.
    ConfirmedByPartner,
    /// Not on record: the customer cannot buy (13605).
    NotAccepted,
}

/// The standing of the agreement: the customer's own acceptance first, then a partner's
/// confirmation; either lets the customer buy, by the same rule as the ordering gate.
pub fn mca_standing(agreements: &[Agreement], service_date: ServiceDate) -> McaStanding {
    if mca_signed_directly(agreements, service_date).is_some() {
        McaStanding::AcceptedByCustomer
    } else if mca_accepted(agreements, service_date) {
        McaStanding::ConfirmedByPartner
    } else {
        McaStanding::NotAccepted
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectAcceptanceRefusal {
    /// The customer already accepted the agreement directly.
    AlreadyAccepted,
    /// The customer bought through a partner before accepting: the partner must attest.
    PartnerMustConfirm,
}

/// The customer's own acceptance in the admin center: once only, and not for a customer that
/// already bought through a partner relationship without acceptance on record.
pub fn check_direct_acceptance(
    agreements: &[Agreement],
    has_orders: bool,
    service_date: ServiceDate,
) -> Result<(), DirectAcceptanceRefusal> {
    if mca_signed_directly(agreements, service_date).is_some() {
        return Err(DirectAcceptanceRefusal::AlreadyAccepted);
    }
    if has_orders && !mca_accepted(agreements, service_date) {
        return Err(DirectAcceptanceRefusal::PartnerMustConfirm);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact::Contact;
    use chrono::Utc;

    fn agreement(t: AgreementType, source: AgreementSource) -> Agreement {
        Agreement {
            id: "a".into(),
            customer_id: "c".into(),
            partner_tenant_id: None,
            user_id: None,
            contact: Contact {
                first_name: "A".into(),
                last_name: "B".into(),
                email: "a@b.co".into(),
                phone_number: None,
            },
            template_id: "t".into(),
            agreement_type: t,
            date_agreed: "2025-03-01T00:00:00Z".parse().unwrap(),
            source,
            created_at: Utc::now(),
            attestation_id: None,
            language: None,
        }
    }

    fn on(date: &str) -> ServiceDate {
        ServiceDate::new(date.parse().unwrap())
    }

    #[test]
    fn gate_opens_on_either_kind_of_mca_acceptance() {
        use AgreementSource::*;
        use AgreementType::*;
        let today = on("2026-12-02");
        assert!(!mca_accepted(&[], today));
        assert!(!mca_accepted(&[agreement(MicrosoftCloudAgreement, PartnerConfirmation)], today));
        assert!(mca_accepted(&[agreement(MicrosoftCustomerAgreement, PartnerConfirmation)], today));
        assert!(mca_accepted(&[agreement(MicrosoftCustomerAgreement, DirectAcceptance)], today));
        assert!(mca_signed_directly(&[agreement(MicrosoftCustomerAgreement, PartnerConfirmation)], today).is_none());
        assert!(mca_signed_directly(&[agreement(MicrosoftCustomerAgreement, DirectAcceptance)], today).is_some());
    }

    #[test]
    fn standing_prefers_the_customers_own_acceptance_and_follows_the_gate() {
        use AgreementSource::*;
        use AgreementType::*;
        let today = on("2026-12-02");
        let confirmed = agreement(MicrosoftCustomerAgreement, PartnerConfirmation);
        let direct = agreement(MicrosoftCustomerAgreement, DirectAcceptance);
        assert_eq!(mca_standing(&[], today), McaStanding::NotAccepted);
        assert_eq!(
            mca_standing(&[agreement(MicrosoftCloudAgreement, PartnerConfirmation)], today),
            McaStanding::NotAccepted
        );
        assert_eq!(mca_standing(std::slice::from_ref(&confirmed), today), McaStanding::ConfirmedByPartner);
        assert_eq!(mca_standing(&[confirmed, direct], today), McaStanding::AcceptedByCustomer);
        let mut old = agreement(MicrosoftCustomerAgreement, PartnerConfirmation);
        old.date_agreed = "2023-03-31T23:59:59Z".parse().unwrap();
        assert_eq!(mca_standing(std::slice::from_ref(&old), on("2026-01-05")), McaStanding::NotAccepted);
    }

    #[test]
    fn an_acceptance_from_before_the_refresh_stops_counting_when_the_2023_attestation_retires() {
        use AgreementSource::*;
        use AgreementType::*;
        let mut old = [agreement(MicrosoftCustomerAgreement, DirectAcceptance)];
        old[0].date_agreed = "2023-03-31T23:59:59Z".parse().unwrap();
        assert!(mca_accepted(&old, on("2026-01-04")));
        assert!(!mca_accepted(&old, on("2026-01-05")));
        assert!(mca_signed_directly(&old, on("2026-01-05")).is_none());
        assert_eq!(
            check_direct_acceptance(&old, false, on("2026-01-04")),
            Err(DirectAcceptanceRefusal::AlreadyAccepted)
        );
        assert_eq!(check_direct_acceptance(&old, false, on("2026-01-05")), Ok(()), "it may accept again");
        assert_eq!(
            check_direct_acceptance(&old, true, on("2026-01-05")),
            Err(DirectAcceptanceRefusal::PartnerMustConfirm)
        );
    }

    #[test]
    fn direct_acceptance_rules() {
        use AgreementSource::*;
        use AgreementType::*;
        let today = on("2026-12-02");
        assert_eq!(check_direct_acceptance(&[], false, today), Ok(()));
        assert_eq!(check_direct_acceptance(&[], true, today), Err(DirectAcceptanceRefusal::PartnerMustConfirm));
        assert_eq!(
            check_direct_acceptance(&[agreement(MicrosoftCustomerAgreement, PartnerConfirmation)], true, today),
            Ok(())
        );
        assert_eq!(
            check_direct_acceptance(&[agreement(MicrosoftCustomerAgreement, DirectAcceptance)], false, today),
            Err(DirectAcceptanceRefusal::AlreadyAccepted)
        );
    }

    #[test]
    fn line_items_are_checked() {
        let ok = validate_line_items(
            Some(&[LineItemInput {
                line_item_number: None,
                offer_id: Some("CFQ7TTC0LH18:0001".into()),
                quantity: Some(2),
                term_duration: Some("p1y".into()),
                friendly_name: Some("Seats".into()),
                ..LineItemInput::default()
            }]),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(ok[0].line_item_number, 0);
        assert_eq!((ok[0].term_duration.as_deref(), ok[0].friendly_name.as_deref()), (Some("P1Y"), Some("Seats")));
        assert_eq!(
            validate_line_items(None, Utc::now()).unwrap_err(),
            vec!["lineItems: at least one line item is required"]
        );
        let bad = validate_line_items(
            Some(&[
                LineItemInput {
                    line_item_number: Some(1),
                    offer_id: None,
                    quantity: Some(0),
                    ..LineItemInput::default()
                },
                LineItemInput {
                    line_item_number: Some(1),
                    offer_id: Some("x".into()),
                    quantity: Some(1),
                    term_duration: Some("P2Y".into()),
                    ..LineItemInput::default()
                },
            ]),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(
            bad,
            vec![
                "lineItems[0].offerId: is required",
                "lineItems[0].quantity: must be between 1 and 100000",
                "lineItems[1].lineItemNumber: 1 is used twice",
                "lineItems[1].termDuration: 'P2Y' is not a term: P1M, P1Y or P3Y (ISO 8601)",
            ]
        );
        let yearly = |term: &str| LineItemInput {
            offer_id: Some("x".into()),
            quantity: Some(1),
            term_duration: Some(term.into()),
            ..LineItemInput::default()
        };
        let (cycle, _) = validate_order(Some("Annual"), Some(&[yearly("P1Y")]), Utc::now()).unwrap();
        assert_eq!(cycle.as_deref(), Some("annual"));
        assert_eq!(validate_order(Some(" "), Some(&[yearly("P1M")]), Utc::now()).unwrap().0, None);
        assert_eq!(
            validate_order(Some("annual"), Some(&[yearly("P1M")]), Utc::now()).unwrap_err(),
            ["lineItems[0].termDuration: annual billing needs a term of at least 12 months, not P1M"]
        );
        let weekly = validate_order(Some("weekly"), Some(&[yearly("P1Y")]), Utc::now()).unwrap_err();
        assert!(weekly[0].starts_with("billingCycle: 'weekly'"), "{weekly:?}");
    }
}
