//! The commercial choices of a purchase, as a cart and an order name them: the billing cycle, the
//! term, and how long a purchase's texts may be. Read by carts and orders alike.

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

#[cfg(test)]
mod tests {
    use super::*;

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
