//! The commercial choices of a purchase, as a cart and an order name them: the billing cycle, the
//! term, and how long a purchase's texts may be. Read by carts and orders alike.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

/// The most characters of a text of a line item (ours), as of the names elsewhere.
pub const MAX_TEXT_LEN: usize = 256;

/// The billing cycles a purchase can have, as Partner Center spells them, and the shortest term
/// each needs (in months).
const BILLING_CYCLES: &[(&str, u32)] =
    &[("monthly", 1), ("annual", 12), ("triennial", 36), ("one_time", 1), ("none", 1)];
/// The terms of today's offers, as ISO 8601 durations, in months.
const TERMS: &[(&str, u32)] = &[("P1M", 1), ("P1Y", 12), ("P3Y", 36)];

pub const CYCLES: &str = "monthly, annual, triennial, one_time or none";
pub const TERM_NAMES: &str = "P1M, P1Y or P3Y";

/// A billing cycle, in any case and with or without its underscore, as Partner Center spells it,
/// with the shortest term it needs (in months).
pub fn billing_cycle(raw: &str) -> Result<(&'static str, u32), String> {
    let wanted = raw.replace('_', "");
    BILLING_CYCLES
        .iter()
        .find(|(name, _)| name.replace('_', "").eq_ignore_ascii_case(&wanted))
        .copied()
        .ok_or_else(|| format!("'{raw}' is not a billing cycle: {CYCLES}"))
}

/// A billing cycle as a query names it (`?billingType=`): one of the cycles' names in any letter
/// case, `one_time` also without its underscore (`OneTime`), and nothing else (no spaces, no other
/// underscores): the exact set `openapi.yaml` states as a pattern.
pub fn billing_type(raw: &str) -> Result<&'static str, String> {
    BILLING_CYCLES
        .iter()
        .map(|(name, _)| *name)
        .find(|name| name.eq_ignore_ascii_case(raw) || name.replace('_', "").eq_ignore_ascii_case(raw))
        .ok_or_else(|| format!("'{raw}' is not a billing cycle: {CYCLES}"))
}

/// A term (ISO 8601, any case), with its length in months.
pub fn term(raw: &str) -> Result<(&'static str, u32), String> {
    TERMS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(raw))
        .copied()
        .ok_or_else(|| format!("'{raw}' is not a term: {TERM_NAMES} (ISO 8601)"))
}

/// Whether a billing cycle fits a term: no longer than it (annual billing needs `P1Y` or `P3Y`).
pub fn cycle_fits_term((cycle, cycle_months): (&str, u32), (term, term_months): (&str, u32)) -> Result<(), String> {
    if cycle_months > term_months {
        return Err(format!("{cycle} billing needs a term of at least {cycle_months} months, not {term}"));
    }
    Ok(())
}

/// A line item's `provisioningContext`: a dictionary of the caller's own, kept as sent (its keys in
/// their letter case; a `null` value as `null`).
pub type ProvisioningContext = std::collections::BTreeMap<String, Option<String>>;

/// The most entries a line item's dictionaries (its participants, its provisioning context) hold.
pub const MAX_ENTRIES: usize = 20;

/// What is wrong with a provisioning context, if anything: too many entries, or a key or value
/// longer than `MAX_TEXT_LEN`.
pub fn provisioning_context_problem(context: &ProvisioningContext) -> Option<String> {
    if context.len() > MAX_ENTRIES {
        return Some(format!("holds at most {MAX_ENTRIES} entries"));
    }
    let texts = context.iter().flat_map(|(k, v)| std::iter::once(k).chain(v));
    texts
        .into_iter()
        .any(|t| t.chars().count() > MAX_TEXT_LEN)
        .then(|| format!("keys and values must be at most {MAX_TEXT_LEN} characters"))
}

/// The choices of a purchase's line item beside its offer, quantity and term, that a cart's line
/// item and an order's line item both take [doc]: a promotion, a first term that ends on a date of
/// the partner's choosing, the term it renews to, and the acceptance of an offer's attestation.
/// Kept as chosen, answered on the line item, and carried from a cart's line item to the order its
/// checkout places. What Partner Center does with them beyond (prices, proration, renewal) the
/// emulator does not model [ours].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseChoices {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    /// The end of the first term (rendered UTC, milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_term_end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews_to: Option<RenewsTo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation_accepted: Option<bool>,
}

/// The term a subscription renews to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewsTo {
    pub term_duration: String,
}

/// The purchase choices as a request sends them, and `addOnItems`, which a cart's line item may
/// carry and the emulator does not take.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseChoicesInput {
    pub promotion_id: Option<String>,
    pub custom_term_end_date: Option<String>,
    pub renews_to: Option<RenewsToInput>,
    pub attestation_accepted: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewsToInput {
    pub term_duration: Option<String>,
}

/// The term a line item names, as far as its purchase choices need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedTerm {
    /// No `termDuration`.
    Absent,
    /// A `termDuration` that is no term (refused on its own).
    Invalid,
    /// A term of this many months.
    Months(u32),
}

impl PurchaseChoicesInput {
    /// The choices, checked: a promotion id of at most `MAX_TEXT_LEN` characters without control
    /// characters (an empty one is none); a `customTermEndDate` that is a date-time (a blank one is
    /// no date, and refused), sent with the line item's term, after the purchase (`now`) and no
    /// later than one term after it (it ends the first term); a `renewsTo` that names a term. Each
    /// problem is given to `problem` with the member it is about.
    pub fn check(
        &self,
        term_named: NamedTerm,
        now: DateTime<Utc>,
        mut problem: impl FnMut(&str, String),
    ) -> PurchaseChoices {
        if let Some(raw) = self.promotion_id.as_deref() {
            if raw.chars().count() > MAX_TEXT_LEN || super::text::has_control_character(raw) {
                problem(
                    "promotionId",
                    format!("a promotion id of 1 to {MAX_TEXT_LEN} characters, without control characters"),
                );
            }
        }
        let promotion_id = self.promotion_id.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let end = self.custom_term_end_date.as_deref();
        let custom_term_end_date = end.and_then(|raw| {
            let Some(end) = super::time::parse_timestamp(raw) else {
                let shown: String = raw.chars().take(100).collect();
                problem("customTermEndDate", format!("'{shown}' is not {}", super::time::TIMESTAMP_FORM));
                return None;
            };
            match term_named {
                NamedTerm::Absent => {
                    problem(
                        "customTermEndDate",
                        "ends the first term: send it with the line item's termDuration".into(),
                    );
                    None
                }
                NamedTerm::Invalid => None,
                NamedTerm::Months(months) => {
                    let last = now.checked_add_months(Months::new(months)).unwrap_or_else(super::time::last_instant);
                    if end <= now || end > last {
                        problem(
                            "customTermEndDate",
                            format!(
                                "ends the first term: after the purchase ({}) and no later than one term after it ({})",
                                super::time::render_timestamp(now),
                                super::time::render_timestamp(last)
                            ),
                        );
                        return None;
                    }
                    Some(super::time::render_timestamp(end))
                }
            }
        });
        let renews_to = self.renews_to.as_ref().and_then(|r| {
            match r.term_duration.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => {
                    problem("renewsTo.termDuration", format!("is required: {TERM_NAMES}"));
                    None
                }
                Some(raw) => term(raw)
                    .map(|(name, _)| RenewsTo { term_duration: name.to_string() })
                    .map_err(|p| problem("renewsTo.termDuration", p))
                    .ok(),
            }
        });
        PurchaseChoices {
            promotion_id: promotion_id.map(str::to_string),
            custom_term_end_date,
            renews_to,
            attestation_accepted: self.attestation_accepted,
        }
    }
}

impl NamedTerm {
    /// What a line item's `termDuration` names (blank: none).
    pub fn of(raw: Option<&str>) -> Self {
        match raw.map(str::trim).filter(|t| !t.is_empty()) {
            None => Self::Absent,
            Some(raw) => term(raw).map_or(Self::Invalid, |(_, months)| Self::Months(months)),
        }
    }
}

impl RenewsTo {
    /// The renewal's term and its length in months.
    pub fn term(&self) -> Option<(&'static str, u32)> {
        term(&self.term_duration).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(input: PurchaseChoicesInput, term_named: NamedTerm) -> (PurchaseChoices, Vec<String>) {
        let now = DateTime::parse_from_rfc3339("2026-12-15T12:00:00Z").unwrap().to_utc();
        let mut problems = Vec::new();
        let choices = input.check(term_named, now, |field, p| problems.push(format!("{field}: {p}")));
        (choices, problems)
    }

    #[test]
    fn purchase_choices_are_kept_normalized_and_what_cannot_be_right_is_named() {
        let input = PurchaseChoicesInput {
            promotion_id: Some(" PROMO-1 ".into()),
            custom_term_end_date: Some("2027-01-31T10:00:00+02:00".into()),
            renews_to: Some(RenewsToInput { term_duration: Some("p1y".into()) }),
            attestation_accepted: Some(true),
        };
        let (choices, problems) = checked(input, NamedTerm::Months(12));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            choices,
            PurchaseChoices {
                promotion_id: Some("PROMO-1".into()),
                custom_term_end_date: Some("2027-01-31T08:00:00.000Z".into()),
                renews_to: Some(RenewsTo { term_duration: "P1Y".into() }),
                attestation_accepted: Some(true),
            }
        );
        let (none, problems) =
            checked(PurchaseChoicesInput { promotion_id: Some("  ".into()), ..Default::default() }, NamedTerm::Absent);
        assert_eq!((none, problems.len()), (PurchaseChoices::default(), 0), "an empty promotion id is none");

        let bad = PurchaseChoicesInput {
            promotion_id: Some("a\tb".into()),
            custom_term_end_date: Some(" ".into()),
            renews_to: Some(RenewsToInput { term_duration: None }),
            attestation_accepted: None,
        };
        let (_, problems) = checked(bad, NamedTerm::Months(1));
        let fields: Vec<&str> = problems.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(fields, ["promotionId", "customTermEndDate", "renewsTo.termDuration"], "{problems:?}");
        let end = |date: &str| PurchaseChoicesInput { custom_term_end_date: Some(date.into()), ..Default::default() };
        let (choices, problems) = checked(end("2027-01-31"), NamedTerm::Absent);
        assert!(problems[0].starts_with("customTermEndDate: ends the first term: send it with"), "{problems:?}");
        assert_eq!(choices.custom_term_end_date, None);
        // after the purchase, within one term of it
        for (date, months, fine) in [
            ("2026-12-15T12:00:00Z", 1, false),
            ("2026-12-01", 12, false),
            ("2027-01-15T12:00:00Z", 1, true),
            ("2027-01-15T12:00:01Z", 1, false),
            ("2027-12-15", 12, true),
            ("2029-12-15", 36, true),
        ] {
            let (choices, problems) = checked(end(date), NamedTerm::Months(months));
            assert_eq!(
                (problems.is_empty(), choices.custom_term_end_date.is_some()),
                (fine, fine),
                "{date}: {problems:?}"
            );
        }
        // a term that is no term is refused on its own: the date says nothing more
        assert_eq!(checked(end("2027-01-31"), NamedTerm::Invalid).1, Vec::<String>::new());
    }

    #[test]
    fn a_billing_type_names_a_cycle_exactly_in_any_case() {
        for (raw, cycle) in
            [("Annual", "annual"), ("MONTHLY", "monthly"), ("one_time", "one_time"), ("OneTime", "one_time")]
        {
            assert_eq!(billing_type(raw), Ok(cycle), "{raw}");
        }
        for raw in ["", " annual", "an_nual", "one__time", "weekly"] {
            assert!(billing_type(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_provisioning_context_is_refused_only_when_too_large() {
        let context = |entries: usize, len: usize| -> ProvisioningContext {
            (0..entries).map(|i| (format!("Key{i}"), Some("v".repeat(len)))).collect()
        };
        assert_eq!(provisioning_context_problem(&context(MAX_ENTRIES, MAX_TEXT_LEN)), None);
        let mut with_null = context(1, 1);
        with_null.insert("Empty".into(), None);
        assert_eq!(provisioning_context_problem(&with_null), None, "a null value is kept, not refused");
        assert!(provisioning_context_problem(&context(MAX_ENTRIES + 1, 1)).unwrap().contains("at most 20 entries"));
        assert!(provisioning_context_problem(&context(1, MAX_TEXT_LEN + 1)).unwrap().contains("256 characters"));
    }
}
