//! Seed files: partners, customers, agreements, direct acceptances and orders, with references
//! between entries by key. Every entry goes through the same rules as the API, except orders
//! marked `bypassAgreementGate` (purchases made before the agreement existed, for the
//! troubleshoot scenario).

use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::acceptance::{accept_directly, confirm_acceptance};
use super::customers::{create_customer, NewCustomer};
use super::orders::place_order;
use super::partners::{create_partner, NewPartner};
use crate::auth::Caller;
use crate::domain::agreements::{AgreementType, ConfirmationInput};
use crate::domain::contact::ContactInput;
use crate::domain::customers::{Address, BillingProfile, CompanyProfileInput};
use crate::domain::orders::{validate_line_items, LineItemInput, Order};
use crate::domain::permissions::Role;
use crate::domain::time::render_timestamp;
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;

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
    pub customer: String,
    pub partner: String,
    pub offer_id: String,
    pub quantity: Option<i64>,
    #[serde(default)]
    pub bypass_agreement_gate: bool,
}

/// Read a seed document: JSON, or YAML (a superset of JSON).
pub fn parse_seed(text: &str) -> Result<SeedFile, String> {
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("seed (JSON): {e}"))?
    } else {
        serde_yaml::from_str(text).map_err(|e| format!("seed (YAML): {e}"))?
    };
    if crate::http::extract::reject_nul_characters(&value).is_err() {
        return Err("seed: text values must not contain the NUL character (U+0000)".into());
    }
    serde_json::from_value(value).map_err(|e| format!("seed: {e}"))
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
    for o in &seed.orders {
        if !customers.contains_key(o.customer.as_str()) {
            problems.push(format!("orders: customer '{}' is not a customer key", o.customer));
        }
        if !partners.contains_key(o.partner.as_str()) {
            problems.push(format!("orders: partner '{}' is not a partner key", o.partner));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The caller a seed entry acts as: an Admin agent of the partner, with an App+User token.
async fn seed_caller(ctx: &AppContext, partner_id: &str) -> ApiResult<Caller> {
    let partner = ctx.store.partner(partner_id).await?.ok_or_else(|| ApiError::PartnerNotFound(partner_id.into()))?;
    Ok(Caller { partner, user_id: ctx.ids.guid(), roles: vec![Role::AdminAgent], app_only: false })
}

fn contact(p: &SeedPerson) -> ContactInput {
    ContactInput {
        first_name: Some(p.first_name.clone()),
        last_name: Some(p.last_name.clone()),
        email: Some(p.email.clone()),
        phone_number: p.phone_number.clone(),
    }
}

/// Apply a seed; returns counts and the id given to each key (customers also get their credentials).
pub async fn apply_seed(ctx: &AppContext, seed: SeedFile) -> ApiResult<Value> {
    check_references(&seed).map_err(ApiError::Validation)?;
    let mut partner_ids: HashMap<String, String> = HashMap::new();
    let mut customer_ids: HashMap<String, String> = HashMap::new();
    let mut ids = Map::new();
    let mut credentials = Map::new();
    let context = |what: String| move |e: ApiError| seed_error(&what, e);

    for p in &seed.partners {
        let partner = create_partner(
            ctx,
            NewPartner {
                tenant_id: p.tenant_id.clone(),
                name: Some(p.name.clone()),
                partner_type: Some(p.partner_type.clone()),
                indirect_provider_id: p.indirect_provider.as_ref().map(|k| partner_ids[k].clone()),
            },
        )
        .await
        .map_err(context(format!("partners.{}", p.key)))?;
        ids.insert(p.key.clone(), json!(partner.tenant_id));
        partner_ids.insert(p.key.clone(), partner.tenant_id);
    }
    for c in &seed.customers {
        let caller = seed_caller(ctx, &partner_ids[&c.partner]).await?;
        let company = c.company_name.clone().unwrap_or_else(|| c.key.clone());
        let email = c.email.clone().unwrap_or_else(|| format!("billing@{}.example", c.domain.to_lowercase()));
        let input = NewCustomer {
            company_profile: Some(CompanyProfileInput {
                domain: Some(c.domain.clone()),
                company_name: Some(company.clone()),
                ..Default::default()
            }),
            billing_profile: Some(BillingProfile {
                email: Some(email),
                culture: Some("en-US".into()),
                language: Some("en".into()),
                company_name: Some(company),
                first_name: None,
                last_name: None,
                default_address: Some(Address {
                    first_name: Some("Seed".into()),
                    last_name: Some("Admin".into()),
                    address_line1: Some("1 Microsoft Way".into()),
                    city: Some("Redmond".into()),
                    state: Some("WA".into()),
                    postal_code: Some("98052".into()),
                    country: Some(c.country.clone().unwrap_or_else(|| "US".into())),
                    ..Default::default()
                }),
            }),
            associated_partner_id: c.associated_partner.as_ref().map(|k| partner_ids[k].clone()),
            password: c.password.clone(),
        };
        let created = create_customer(ctx, &caller, input).await.map_err(context(format!("customers.{}", c.key)))?;
        ids.insert(c.key.clone(), json!(created.customer.id));
        credentials
            .insert(c.key.clone(), json!({"userName": created.customer.admin_user_name, "password": created.password}));
        customer_ids.insert(c.key.clone(), created.customer.id);
    }
    for (i, a) in seed.agreements.iter().enumerate() {
        let caller = seed_caller(ctx, &partner_ids[a.partner.as_deref().unwrap_or_default()]).await?;
        let date = match &a.date_agreed {
            Some(d) => d.clone(),
            None => render_timestamp(ctx.clock.now().await?),
        };
        let input = ConfirmationInput {
            contact: contact(a),
            contact_given: true,
            template_id: Some(mca_template_id(ctx).await?),
            date_agreed: Some(date),
            agreement_type: None,
        };
        confirm_acceptance(ctx, &caller, &customer_ids[&a.customer], &input)
            .await
            .map_err(context(format!("agreements[{i}]")))?;
    }
    for (i, a) in seed.direct_acceptances.iter().enumerate() {
        let customer = ctx
            .store
            .customer(&customer_ids[&a.customer])
            .await?
            .ok_or_else(|| ApiError::Internal("seeded customer vanished".into()))?;
        accept_directly(ctx, &customer, &contact(a), a.date_agreed.as_deref())
            .await
            .map_err(context(format!("directAcceptances[{i}]")))?;
    }
    for (i, o) in seed.orders.iter().enumerate() {
        let customer_id = &customer_ids[&o.customer];
        let quantity = o.quantity.unwrap_or(1);
        let items =
            [LineItemInput { line_item_number: Some(0), offer_id: Some(o.offer_id.clone()), quantity: Some(quantity) }];
        if o.bypass_agreement_gate {
            let line_items = validate_line_items(Some(&items))
                .map_err(|p| seed_error(&format!("orders[{i}]"), ApiError::Validation(p)))?;
            let order = Order {
                id: ctx.ids.guid(),
                customer_id: customer_id.clone(),
                partner_tenant_id: partner_ids[&o.partner].clone(),
                line_items,
                creation_date: ctx.clock.now().await?,
                status: "completed".into(),
            };
            ctx.store.insert_order(&order).await?;
        } else {
            let caller = seed_caller(ctx, &partner_ids[&o.partner]).await?;
            let items = [LineItemInput {
                line_item_number: Some(0),
                offer_id: Some(o.offer_id.clone()),
                quantity: Some(quantity),
            }];
            place_order(ctx, &caller, customer_id, None, Some(&items))
                .await
                .map_err(context(format!("orders[{i}]")))?;
        }
    }
    Ok(json!({
        "partners": seed.partners.len(),
        "customers": seed.customers.len(),
        "agreements": seed.agreements.len(),
        "directAcceptances": seed.direct_acceptances.len(),
        "orders": seed.orders.len(),
        "ids": ids,
        "credentials": credentials,
    }))
}

async fn mca_template_id(ctx: &AppContext) -> ApiResult<String> {
    let templates = ctx.store.templates().await?;
    crate::domain::agreements::current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .map(|t| t.template_id.clone())
        .ok_or_else(|| ApiError::Internal("no current Customer Agreement template".into()))
}

/// Name the seed entry in a refusal, keeping the refusal's own code.
fn seed_error(entry: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(problems) => {
            ApiError::Validation(problems.into_iter().map(|p| format!("{entry}: {p}")).collect())
        }
        other => {
            tracing::warn!(entry, "seed entry refused");
            other
        }
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
    fn references_are_checked_before_anything_is_written() {
        let seed = parse_seed(
            r#"{"partners": [{"key": "p", "name": "P", "partnerType": "IndirectReseller", "indirectProvider": "nope"}],
                "customers": [{"key": "c", "partner": "q", "domain": "x"}],
                "agreements": [{"customer": "zz", "partner": "p", "firstName": "A", "lastName": "B", "email": "a@b.co"}],
                "directAcceptances": [{"customer": "c", "partner": "p", "firstName": "A", "lastName": "B", "email": "a@b.co"}],
                "orders": [{"customer": "c", "partner": "x", "offerId": "o"}]}"#,
        )
        .unwrap();
        let problems = check_references(&seed).unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
    }
}
