//! Carts, today's purchase path (contract §2.10): a partner puts catalogue items for a customer in
//! a cart, may change them, and checks the cart out, which places its orders behind the same
//! Microsoft Customer Agreement gate as `POST /v1/customers/{id}/orders`.
//!
//! Microsoft documents the resource; these rules are ours where it is silent: any catalogue item
//! id of the documented shape `product:sku:availability` is taken (the emulator has no catalogue:
//! a list of its own would refuse the ids of the real one), a cart holds 1 to
//! [`MAX_LINE_ITEMS`] line items numbered by their place, and the line items of one `orderGroup`
//! become one order.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use super::billing::{
    billing_cycle, cycle_fits_term, provisioning_context_problem, term, NamedTerm, ProvisioningContext,
    PurchaseChoices, PurchaseChoicesInput, RenewsTo, CYCLES, MAX_ENTRIES, MAX_TEXT_LEN, TERM_NAMES,
};
use super::orders::{LineItem, MAX_ADDITIONAL_PARTNERS, MAX_QUANTITY};

/// A cart expires this long after its creation [doc], by the emulator clock.
pub fn lifetime() -> Duration {
    Duration::days(7)
}

/// The most line items a cart holds (ours).
pub const MAX_LINE_ITEMS: usize = 50;
/// The order group of a line item that names none.
pub const DEFAULT_ORDER_GROUP: &str = "0";

/// A cart's id: a GUID, kept in lower-case hyphenated form (any spelling names the same cart);
/// text that is no GUID is kept as sent, trimmed, and names no cart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CartId(String);

impl CartId {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        Self(uuid::Uuid::parse_str(raw).map(|id| id.hyphenated().to_string()).unwrap_or_else(|_| raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CartId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CartId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|raw| Self::parse(&raw))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartStatus {
    /// Open to changes and to checkout.
    Active,
    /// Checked out: its orders are placed, and it changes no more.
    Ordered,
}

impl CartStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Ordered => "Ordered",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Active, Self::Ordered].into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub id: String,
    pub customer_id: String,
    /// The partner that created it.
    pub partner_tenant_id: String,
    pub line_items: Vec<CartLineItem>,
    pub status: CartStatus,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    /// The user (or, App-only, the application) of the token that last changed it.
    pub last_modified_user: String,
    pub expires_at: DateTime<Utc>,
}

impl Cart {
    /// Whether the cart has expired at `now`: it can then be read, not changed or checked out.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// The orders the checkout places: one per `orderGroup`, billing cycle and currency (an order
    /// has one of each), in the order they first appear, each order's line items numbered from 0 and carrying the
    /// choices made for them in the cart.
    pub fn orders(&self) -> Vec<CartOrder> {
        let mut orders: Vec<(&str, CartOrder)> = Vec::new();
        for item in &self.line_items {
            let same = |(group, order): &(&str, CartOrder)| {
                *group == item.order_group
                    && order.billing_cycle == item.billing_cycle
                    && order.currency_code == item.currency_code
            };
            let index = match orders.iter().position(same) {
                Some(index) => index,
                None => {
                    let order = CartOrder {
                        billing_cycle: item.billing_cycle.clone(),
                        currency_code: item.currency_code.clone(),
                        line_items: Vec::new(),
                    };
                    orders.push((&item.order_group, order));
                    orders.len() - 1
                }
            };
            let order = &mut orders[index].1;
            let reseller =
                item.participants.iter().flatten().find(|p| p.key.eq_ignore_ascii_case(RESELLER_PARTICIPANT));
            let additional: Vec<String> = item
                .participants
                .iter()
                .flatten()
                .filter(|p| p.key.eq_ignore_ascii_case(ADDITIONAL_RESELLER_PARTICIPANT))
                .map(|p| p.value.clone())
                .collect();
            order.line_items.push(LineItem {
                friendly_name: item.friendly_name.clone(),
                term_duration: Some(item.term_duration.clone()),
                partner_id_on_record: reseller.map(|p| p.value.clone()),
                additional_partner_ids_on_record: Some(additional).filter(|ids| !ids.is_empty()),
                provisioning_context: item.provisioning_context.clone(),
                choices: item.choices.clone(),
                ..LineItem::of(order.line_items.len() as i64, &item.catalog_item_id, item.quantity)
            });
        }
        orders.into_iter().map(|(_, order)| order).collect()
    }
}

/// The participant of a cart's line item that names the indirect reseller of the purchase: its
/// value is the order line item's `partnerIdOnRecord`.
const RESELLER_PARTICIPANT: &str = "transaction_reseller";
/// Another partner of record of the purchase: each becomes one of the order line item's
/// `additionalPartnerIdsOnRecord`.
const ADDITIONAL_RESELLER_PARTICIPANT: &str = "additional_transaction_reseller";

/// An order a checkout places, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartOrder {
    pub billing_cycle: String,
    pub currency_code: Option<String>,
    pub line_items: Vec<LineItem>,
}

/// A line item as stored and answered (camelCase, as Partner Center's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartLineItem {
    /// Its place in the cart, from 0.
    pub id: i64,
    pub catalog_item_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub quantity: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    pub billing_cycle: String,
    pub term_duration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<Participant>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_context: Option<ProvisioningContext>,
    pub order_group: String,
    /// `promotionId`, `customTermEndDate`, `renewsTo`, `attestationAccepted`.
    #[serde(flatten)]
    pub choices: PurchaseChoices,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub key: String,
    pub value: String,
}

/// A line item as a request sends it. Its `id` is ignored (a line item's id is its place), as are
/// the members the service sets (`error`, `links`, …).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartLineItemInput {
    pub catalog_item_id: Option<String>,
    pub friendly_name: Option<String>,
    pub quantity: Option<i64>,
    pub currency_code: Option<String>,
    pub billing_cycle: Option<String>,
    pub term_duration: Option<String>,
    pub participants: Option<Vec<Participant>>,
    pub provisioning_context: Option<ProvisioningContext>,
    pub order_group: Option<String>,
    #[serde(flatten)]
    pub choices: PurchaseChoicesInput,
    /// Add-ons to buy on top of this item's subscription: not emulated, so refused when any. The
    /// .NET SDK spells it `AddonItems`.
    #[serde(alias = "addonItems")]
    pub add_on_items: Option<Vec<serde_json::Value>>,
}

/// A catalogue item id: `product:sku:availability`, a product id of 12 letters or digits, a SKU id
/// of 4 and an availability id of 12 (`CFQ7TTC0LH18:0001:CFQ7TTC0K5BC`), kept as sent.
pub fn parse_catalog_item_id(raw: &str) -> Result<String, String> {
    let lengths: Vec<usize> = raw.split(':').map(|part| part.len()).collect();
    let alphanumeric = raw.split(':').all(|part| part.chars().all(|c| c.is_ascii_alphanumeric()));
    if lengths == [12, 4, 12] && alphanumeric {
        Ok(raw.to_string())
    } else {
        Err(format!(
            "'{}' is not a catalogue item id product:sku:availability (12 letters or digits, 4, then 12, \
             joined by ':', e.g. CFQ7TTC0LH18:0001:CFQ7TTC0K5BC)",
            raw.chars().take(100).collect::<String>()
        ))
    }
}

/// Check a cart's line items: 1 to [`MAX_LINE_ITEMS`], each with a catalogue item id of the
/// documented shape, a quantity, a billing cycle and a term that go together. Every problem is
/// named.
pub fn validate_line_items(
    items: Option<&[CartLineItemInput]>,
    now: DateTime<Utc>,
) -> Result<Vec<CartLineItem>, Vec<String>> {
    let items = items.unwrap_or_default();
    if items.is_empty() {
        return Err(vec!["lineItems: at least one line item is required".into()]);
    }
    if items.len() > MAX_LINE_ITEMS {
        return Err(vec![format!("lineItems: at most {MAX_LINE_ITEMS} line items")]);
    }
    let mut problems = Vec::new();
    let valid: Vec<CartLineItem> =
        items.iter().enumerate().filter_map(|(i, item)| line_item(i, item, now, &mut problems)).collect();
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(problems)
    }
}

fn line_item(
    i: usize,
    item: &CartLineItemInput,
    now: DateTime<Utc>,
    problems: &mut Vec<String>,
) -> Option<CartLineItem> {
    let before = problems.len();
    let mut problem = |field: &str, text: String| problems.push(format!("lineItems[{i}].{field}: {text}"));
    let catalog_item_id = match item.catalog_item_id.as_deref() {
        None | Some("") => {
            problem("catalogItemId", "is required (product:sku:availability)".into());
            None
        }
        Some(raw) => parse_catalog_item_id(raw).map_err(|p| problem("catalogItemId", p)).ok(),
    };
    let quantity = item.quantity.unwrap_or(0);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        problem("quantity", format!("must be between 1 and {MAX_QUANTITY}"));
    }
    let cycle = match item.billing_cycle.as_deref().map(str::trim) {
        None | Some("") => {
            problem("billingCycle", format!("is required: {CYCLES}"));
            None
        }
        Some(raw) => billing_cycle(raw).map_err(|p| problem("billingCycle", p)).ok(),
    };
    let term = match item.term_duration.as_deref().map(str::trim) {
        None | Some("") => {
            problem("termDuration", format!("is required: {TERM_NAMES}"));
            None
        }
        Some(raw) => term(raw).map_err(|p| problem("termDuration", p)).ok(),
    };
    if let (Some(cycle), Some(term)) = (cycle, term) {
        if let Err(p) = cycle_fits_term(cycle, term) {
            problem("billingCycle", p);
        }
    }
    let currency_code = item.currency_code.as_deref();
    if let Some(code) = currency_code.filter(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic())) {
        problem("currencyCode", format!("'{code}' is not a three-letter ISO 4217 code"));
    }
    let order_group = item.order_group.as_deref().filter(|g| !g.is_empty());
    let texts = [("friendlyName", item.friendly_name.as_deref()), ("orderGroup", order_group)];
    for (field, text) in texts {
        if text.is_some_and(|t| t.chars().count() > MAX_TEXT_LEN) {
            problem(field, format!("must be at most {MAX_TEXT_LEN} characters"));
        }
    }
    let participants = item.participants.as_deref().unwrap_or_default();
    if participants.len() > MAX_ENTRIES {
        problem("participants", format!("holds at most {MAX_ENTRIES} entries"));
    }
    if participants.iter().flat_map(|p| [&p.key, &p.value]).any(|t| t.chars().count() > MAX_TEXT_LEN) {
        problem("participants", format!("keys and values must be at most {MAX_TEXT_LEN} characters"));
    }
    // The participants that become the order's partners of record, as the order's own rules have
    // them: one reseller, at most MAX_ADDITIONAL_PARTNERS others, none blank.
    let of_key = |key: &'static str| participants.iter().filter(move |p| p.key.eq_ignore_ascii_case(key));
    if of_key(RESELLER_PARTICIPANT).count() > 1 {
        problem(
            "participants",
            format!("names more than one {RESELLER_PARTICIPANT}: an order has one partner of record"),
        );
    }
    if of_key(ADDITIONAL_RESELLER_PARTICIPANT).count() > MAX_ADDITIONAL_PARTNERS {
        problem("participants", format!("names at most {MAX_ADDITIONAL_PARTNERS} {ADDITIONAL_RESELLER_PARTICIPANT}"));
    }
    if of_key(RESELLER_PARTICIPANT).chain(of_key(ADDITIONAL_RESELLER_PARTICIPANT)).any(|p| p.value.trim().is_empty()) {
        problem("participants", "a partner of record's value is a partner id, not blank".to_string());
    }
    if let Some(p) = item.provisioning_context.as_ref().and_then(provisioning_context_problem) {
        problem("provisioningContext", p);
    }
    if item.add_on_items.as_ref().is_some_and(|items| !items.is_empty()) {
        problem(
            "addOnItems",
            "buying add-ons with their base item is not emulated: buy the add-on's catalogue item in a line item \
             of its own"
                .into(),
        );
    }
    // A cart's line item needs its term, refused above when missing: the end date says nothing more.
    let term_named = match NamedTerm::of(item.term_duration.as_deref()) {
        NamedTerm::Absent => NamedTerm::Invalid,
        named => named,
    };
    let choices = item.choices.check(term_named, now, &mut problem);
    // A renewal keeps the billing cycle, so its term must fit it as the first term must.
    if let (Some(cycle), Some(renewal)) = (cycle, choices.renews_to.as_ref().and_then(RenewsTo::term)) {
        if let Err(p) = cycle_fits_term(cycle, renewal) {
            problem("renewsTo.termDuration", p);
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(CartLineItem {
        id: i as i64,
        catalog_item_id: catalog_item_id?,
        friendly_name: item.friendly_name.clone(),
        quantity,
        currency_code: currency_code.map(str::to_ascii_uppercase),
        billing_cycle: cycle?.0.to_string(),
        term_duration: term?.0.to_string(),
        participants: item.participants.clone(),
        provisioning_context: item.provisioning_context.clone(),
        order_group: order_group.unwrap_or(DEFAULT_ORDER_GROUP).to_string(),
        choices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn item(catalog: &str, cycle: &str, term: &str) -> CartLineItemInput {
        CartLineItemInput {
            catalog_item_id: Some(catalog.into()),
            quantity: Some(1),
            billing_cycle: Some(cycle.into()),
            term_duration: Some(term.into()),
            ..Default::default()
        }
    }

    const ITEM: &str = "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC";

    #[test]
    fn catalogue_item_ids_have_the_documented_shape() {
        assert_eq!(parse_catalog_item_id(ITEM).as_deref(), Ok(ITEM));
        assert!(parse_catalog_item_id("DZH318Z0BQ3Q:0007:DZH318Z0BQ1T").is_ok());
        for bad in [
            "",
            "CFQ7TTC0LH18:0001",
            "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC:1",
            "CFQ7TTC0LH1:0001:CFQ7TTC0K5BC",
            "CFQ7TTC0LH18-0001-CFQ7TTC0K5BC",
            "CFQ7TTC0LH1!:0001:CFQ7TTC0K5BC",
        ] {
            assert!(parse_catalog_item_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn line_items_are_numbered_and_spelt_as_partner_center_spells_them() {
        let items =
            validate_line_items(Some(&[item(ITEM, "Monthly", "p1m"), item(ITEM, "OneTime", "P3Y")]), Utc::now())
                .unwrap();
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), [0, 1]);
        assert_eq!((items[0].billing_cycle.as_str(), items[0].term_duration.as_str()), ("monthly", "P1M"));
        assert_eq!((items[1].billing_cycle.as_str(), items[1].order_group.as_str()), ("one_time", "0"));
    }

    #[test]
    fn every_problem_of_every_line_item_is_named() {
        assert_eq!(
            validate_line_items(Some(&[]), Utc::now()).unwrap_err(),
            ["lineItems: at least one line item is required"]
        );
        let bad = CartLineItemInput { quantity: Some(0), currency_code: Some("DOLLAR".into()), ..Default::default() };
        let problems =
            validate_line_items(Some(&[item(ITEM, "annual", "P1M"), bad, item("x", "weekly", "P2Y")]), Utc::now())
                .unwrap_err();
        assert_eq!(
            problems,
            [
                "lineItems[0].billingCycle: annual billing needs a term of at least 12 months, not P1M",
                "lineItems[1].catalogItemId: is required (product:sku:availability)",
                "lineItems[1].quantity: must be between 1 and 100000",
                "lineItems[1].billingCycle: is required: monthly, annual, triennial, one_time or none",
                "lineItems[1].termDuration: is required: P1M, P1Y or P3Y",
                "lineItems[1].currencyCode: 'DOLLAR' is not a three-letter ISO 4217 code",
                "lineItems[2].catalogItemId: 'x' is not a catalogue item id product:sku:availability (12 letters or digits, 4, then 12, joined by ':', e.g. CFQ7TTC0LH18:0001:CFQ7TTC0K5BC)",
                "lineItems[2].billingCycle: 'weekly' is not a billing cycle: monthly, annual, triennial, one_time or none",
                "lineItems[2].termDuration: 'P2Y' is not a term: P1M, P1Y or P3Y (ISO 8601)",
            ]
        );
        let many = vec![item(ITEM, "monthly", "P1M"); MAX_LINE_ITEMS + 1];
        assert_eq!(
            validate_line_items(Some(&many), Utc::now()).unwrap_err(),
            [format!("lineItems: at most {MAX_LINE_ITEMS} line items")]
        );
        // The partners of record an order would get: one reseller, at most ten others, none blank.
        let participant = |key: &str, value: &str| Participant { key: key.into(), value: value.into() };
        let mut two = item(ITEM, "monthly", "P1M");
        two.participants =
            Some(vec![participant("transaction_reseller", "1"), participant("Transaction_Reseller", "2")]);
        let mut blank = item(ITEM, "monthly", "P1M");
        blank.participants = Some(vec![participant("additional_transaction_reseller", " ")]);
        let mut eleven = item(ITEM, "monthly", "P1M");
        eleven.participants =
            Some((0..11).map(|n| participant("additional_transaction_reseller", &n.to_string())).collect());
        assert_eq!(
            validate_line_items(Some(&[two, blank, eleven]), Utc::now()).unwrap_err(),
            [
                "lineItems[0].participants: names more than one transaction_reseller: an order has one partner of record",
                "lineItems[1].participants: a partner of record's value is a partner id, not blank",
                "lineItems[2].participants: names at most 10 additional_transaction_reseller",
            ]
        );
    }

    #[test]
    fn each_order_group_and_billing_cycle_is_one_order_with_the_choices_made_in_the_cart() {
        let mut a = item(ITEM, "monthly", "P1M");
        a.order_group = Some("a".into());
        a.friendly_name = Some("Sales seats".into());
        a.currency_code = Some("eur".into());
        a.participants = Some(vec![
            Participant { key: "transaction_reseller".into(), value: "5417628".into() },
            Participant { key: "additional_transaction_reseller".into(), value: "517285".into() },
            Participant { key: "Additional_Transaction_Reseller".into(), value: "612345".into() },
        ]);
        let plain = item("DZH318Z0BQ3Q:0007:DZH318Z0BQ1T", "annual", "P1Y");
        let mut yearly = a.clone();
        yearly.billing_cycle = Some("annual".into());
        yearly.term_duration = Some("P1Y".into());
        let line_items = validate_line_items(Some(&[a.clone(), plain, a, yearly]), Utc::now()).unwrap();
        let now = Utc::now();
        let cart = Cart {
            id: "k".into(),
            customer_id: "c".into(),
            partner_tenant_id: "p".into(),
            line_items,
            status: CartStatus::Active,
            created_at: now,
            last_modified_at: now,
            last_modified_user: "u".into(),
            expires_at: now + lifetime(),
        };
        let orders = cart.orders();
        assert_eq!(orders.len(), 3, "group a monthly, group 0 annual, group a annual");
        assert_eq!(orders[0].line_items.iter().map(|l| l.line_item_number).collect::<Vec<_>>(), [0, 1]);
        assert_eq!((orders[0].billing_cycle.as_str(), orders[0].currency_code.as_deref()), ("monthly", Some("EUR")));
        let first = &orders[0].line_items[0];
        assert_eq!(first.friendly_name.as_deref(), Some("Sales seats"));
        assert_eq!(first.term_duration.as_deref(), Some("P1M"));
        assert_eq!(first.partner_id_on_record.as_deref(), Some("5417628"));
        let additional = first.additional_partner_ids_on_record.as_deref();
        assert_eq!(additional, Some(&["517285".to_string(), "612345".to_string()][..]), "each other partner of record");
        assert_eq!(orders[1].line_items[0].additional_partner_ids_on_record, None);
        assert_eq!(orders[1].line_items[0].offer_id, "DZH318Z0BQ3Q:0007:DZH318Z0BQ1T");
        assert_eq!((orders[1].billing_cycle.as_str(), orders[1].currency_code.as_deref()), ("annual", None));
        assert_eq!(
            (orders[2].billing_cycle.as_str(), orders[2].line_items[0].term_duration.as_deref()),
            ("annual", Some("P1Y"))
        );
        assert!(!cart.is_expired(now + lifetime() - Duration::milliseconds(1)));
        assert!(cart.is_expired(now + lifetime()));
    }

    #[test]
    fn cart_ids_are_guids_in_any_spelling() {
        assert_eq!(
            CartId::parse("{4F1C2A10-0000-4000-8000-0000000000AA}").as_str(),
            "4f1c2a10-0000-4000-8000-0000000000aa"
        );
        assert_eq!(CartId::parse(" nope ").as_str(), "nope");
    }
}
