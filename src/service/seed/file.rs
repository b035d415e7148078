//! The seed document: its shape (JSON or YAML), and the checks of its keys and references that
//! run before anything is written.

use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

use crate::domain::text::{contains_nul, NUL_PROBLEM};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    pub partners: Vec<SeedPartner>,
    #[serde(default)]
    pub customers: Vec<SeedCustomer>,
    #[serde(default)]
    pub agreements: Vec<SeedPerson>,
    #[serde(default)]
    pub direct_acceptances: Vec<SeedPerson>,
    #[serde(default)]
    pub orders: Vec<SeedOrder>,
    #[serde(default)]
    pub enhanced_attestations: Vec<SeedAttestation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPartner {
    pub key: String,
    pub name: String,
    pub partner_type: String,
    pub tenant_id: Option<String>,
    pub indirect_provider: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedCustomer {
    pub key: String,
    pub partner: String,
    pub associated_partner: Option<String>,
    pub domain: String,
    pub company_name: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
}

/// A partner confirmation (`partner` set) or a direct acceptance (`partner` absent).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPerson {
    pub customer: String,
    pub partner: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub date_agreed: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrder {
    /// Names the order, so that applying the seed again finds it instead of placing another.
    pub key: String,
    pub customer: String,
    pub partner: String,
    pub offer_id: String,
    pub quantity: Option<i64>,
    #[serde(default)]
    pub bypass_agreement_gate: bool,
}

/// An enhanced attestation a partner created, pending or (`accepted`) accepted by the customer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAttestation {
    pub key: String,
    pub partner: String,
    pub country: String,
    pub language: String,
    pub company_name: String,
    pub signatory_first_name: String,
    pub signatory_last_name: String,
    pub signatory_email: String,
    pub signatory_phone_number: Option<String>,
    #[serde(default)]
    pub accepted: bool,
}

/// Read a seed document: JSON, or YAML (a superset of JSON).
pub fn parse_seed(text: &str) -> Result<SeedFile, String> {
    let value: Value = if text.trim_start().starts_with('{') {
        // A member given twice is refused, as YAML's repeated key is (the last one won).
        crate::domain::json::parse(text.as_bytes()).map_err(|e| match e {
            crate::domain::json::JsonError::Syntax(e) => format!("seed (JSON): {e}"),
            crate::domain::json::JsonError::Repeated(member) => {
                format!("seed (JSON): {member} is given more than once, and which one is meant cannot be told")
            }
        })?
    } else {
        // serde-saphyr refuses a key repeated in one mapping (naming it) and bounds what aliases
        // may expand to, the depth and the number of nodes (its default budget): a YAML bomb is
        // refused before it grows.
        serde_saphyr::from_str(text).map_err(|e| format!("seed (YAML): {}", yaml_problem(&e.to_string())))?
    };
    if contains_nul(&value) {
        return Err(format!("seed: {NUL_PROBLEM}"));
    }
    serde_json::from_value(value).map_err(|e| format!("seed: {e}"))
}

/// The first line of a YAML error (where and what), without the parser's source excerpt and its
/// advice to the programmer.
fn yaml_problem(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").replace(", set DuplicateKeyPolicy in Options if acceptable", "")
}

/// Every key is unique and every reference names an earlier entry of the right kind, so a seed
/// with a typo fails before anything is written.
pub fn check_references(seed: &SeedFile) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut partners: HashMap<&str, &str> = HashMap::new();
    for p in &seed.partners {
        if partners.insert(&p.key, &p.partner_type).is_some() {
            problems.push(format!("partners: key '{}' is used twice", p.key));
        }
        if let Some(provider) = &p.indirect_provider {
            if !partners.contains_key(provider.as_str()) || provider == &p.key {
                problems
                    .push(format!("partners.{}: indirectProvider '{provider}' is not an earlier partner key", p.key));
            }
        }
    }
    let mut customers = HashMap::new();
    for c in &seed.customers {
        if customers.insert(c.key.as_str(), ()).is_some() {
            problems.push(format!("customers: key '{}' is used twice", c.key));
        }
        for (what, key) in [("partner", Some(&c.partner)), ("associatedPartner", c.associated_partner.as_ref())] {
            if let Some(key) = key {
                if !partners.contains_key(key.as_str()) {
                    problems.push(format!("customers.{}: {what} '{key}' is not a partner key", c.key));
                }
            }
        }
    }
    let people = seed
        .agreements
        .iter()
        .map(|a| ("agreements", a))
        .chain(seed.direct_acceptances.iter().map(|a| ("directAcceptances", a)));
    for (section, a) in people {
        if !customers.contains_key(a.customer.as_str()) {
            problems.push(format!("{section}: customer '{}' is not a customer key", a.customer));
        }
        match (section, &a.partner) {
            ("agreements", None) => {
                problems.push(format!("agreements: the entry for '{}' needs a partner", a.customer))
            }
            ("agreements", Some(p)) if !partners.contains_key(p.as_str()) => {
                problems.push(format!("agreements: partner '{p}' is not a partner key"))
            }
            ("directAcceptances", Some(_)) => {
                problems.push(format!("directAcceptances: the entry for '{}' takes no partner", a.customer))
            }
            _ => {}
        }
    }
    let mut orders = HashMap::new();
    for o in &seed.orders {
        if orders.insert(o.key.as_str(), ()).is_some() {
            problems.push(format!("orders: key '{}' is used twice", o.key));
        }
        if !customers.contains_key(o.customer.as_str()) {
            problems.push(format!("orders: customer '{}' is not a customer key", o.customer));
        }
        if !partners.contains_key(o.partner.as_str()) {
            problems.push(format!("orders: partner '{}' is not a partner key", o.partner));
        }
    }
    let mut attestations = HashMap::new();
    for a in &seed.enhanced_attestations {
        if attestations.insert(a.key.as_str(), ()).is_some() {
            problems.push(format!("enhancedAttestations: key '{}' is used twice", a.key));
        }
        if !partners.contains_key(a.partner.as_str()) {
            problems.push(format!("enhancedAttestations.{}: partner '{}' is not a partner key", a.key, a.partner));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_parse_to_the_same_seed() {
        let yaml = "partners:\n  - key: p\n    name: P\n    partnerType: DirectBill\ncustomers:\n  - key: c\n    partner: p\n    domain: contoso\n";
        let json = r#"{"partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}], "customers": [{"key": "c", "partner": "p", "domain": "contoso"}]}"#;
        let (a, b) = (parse_seed(yaml).unwrap(), parse_seed(json).unwrap());
        assert_eq!(a.customers[0].domain, b.customers[0].domain);
        assert!(parse_seed("partners: [{key: p, nme: x}]").is_err(), "unknown fields are refused");
    }

    #[test]
    fn a_member_given_twice_is_refused_in_json_as_in_yaml() {
        let twice = r#"{"partners": [{"key": "p", "name": "First", "name": "Second", "partnerType": "DirectBill"}]}"#;
        let problem = parse_seed(twice).err().unwrap();
        assert!(problem.contains("partners[0].name is given more than once"), "{problem}");
        let whole = r#"{"partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}], "partners": []}"#;
        assert!(parse_seed(whole).err().unwrap().contains("partners is given more than once"));
        let yaml = "partners:\n  - key: p\n    name: First\n    name: Second\n    partnerType: DirectBill\n";
        assert!(parse_seed(yaml).is_err());
    }

    #[test]
    fn references_are_checked_before_anything_is_written() {
        let seed = parse_seed(
            r#"{"partners": [{"key": "p", "name": "P", "partnerType": "IndirectReseller", "indirectProvider": "nope"}],
                "customers": [{"key": "c", "partner": "q", "domain": "x"}],
                "agreements": [{"customer": "zz", "partner": "p", "firstName": "A", "lastName": "B", "email": "a@b.co"}],
                "directAcceptances": [{"customer": "c", "partner": "p", "firstName": "A", "lastName": "B", "email": "a@b.co"}],
                "orders": [{"key": "o1", "customer": "c", "partner": "x", "offerId": "o"}]}"#,
        )
        .unwrap();
        let problems = check_references(&seed).unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
    }
}
