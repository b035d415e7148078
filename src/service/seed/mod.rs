//! Seed files: partners, customers, agreements, direct acceptances and orders, with references
//! between entries by key. Every entry goes through the same use case as the API, in order,
//! except orders marked `bypassAgreementGate` (purchases made before the agreement existed, for
//! the troubleshoot scenario).

mod file;

use std::collections::{BTreeMap, HashMap};

pub use file::{
    check_references, parse_seed, SeedAttestation, SeedCustomer, SeedFile, SeedOrder, SeedPartner, SeedPerson,
};

use super::acceptance::{accept_directly, confirm_acceptance, ConfirmationCall};
use super::access::{ops, permit};
use super::attestations::{accept_attestation, create_attestation};
use super::customers::{create_customer, NewCustomer};
use super::error::{ServiceError, ServiceResult};
use super::orders::place_order;
use super::partners::{create_partner, NewPartner};
use super::unit::in_unit;
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::{current_template, AgreementType, ConfirmationInput, DirectAcceptanceInput};
use crate::domain::attestations::AttestationInput;
use crate::domain::contact::ContactInput;
use crate::domain::customers::{Address, BillingProfile, CompanyProfileInput};
use crate::domain::orders::{validate_line_items, LineItemInput, Order};
use crate::domain::permissions::Role;
use crate::domain::time::render_timestamp;

/// A customer's first admin, as seeded.
pub struct SeededCredentials {
    pub user_name: String,
    pub password: String,
}

/// What a seed created: how many entries of each section, the id given to each key, and each
/// customer's credentials.
#[derive(Default)]
pub struct SeedSummary {
    pub partners: usize,
    pub customers: usize,
    pub agreements: usize,
    pub direct_acceptances: usize,
    pub orders: usize,
    pub enhanced_attestations: usize,
    pub ids: BTreeMap<String, String>,
    pub credentials: BTreeMap<String, SeededCredentials>,
}

/// The ids given so far, by key.
#[derive(Default)]
struct Keys {
    partners: HashMap<String, String>,
    customers: HashMap<String, String>,
}

/// Apply a seed: its references are checked first, then each section runs in order.
pub async fn apply_seed(ctx: &AppContext, seed: SeedFile) -> ServiceResult<SeedSummary> {
    check_references(&seed).map_err(ServiceError::Validation)?;
    let mut keys = Keys::default();
    let mut summary = SeedSummary::default();
    seed_partners(ctx, &seed.partners, &mut keys, &mut summary).await?;
    seed_customers(ctx, &seed.customers, &mut keys, &mut summary).await?;
    seed_agreements(ctx, &seed.agreements, &keys).await?;
    seed_direct_acceptances(ctx, &seed.direct_acceptances, &keys).await?;
    seed_orders(ctx, &seed.orders, &keys).await?;
    seed_attestations(ctx, &seed.enhanced_attestations, &keys, &mut summary).await?;
    summary.partners = seed.partners.len();
    summary.customers = seed.customers.len();
    summary.agreements = seed.agreements.len();
    summary.direct_acceptances = seed.direct_acceptances.len();
    summary.orders = seed.orders.len();
    summary.enhanced_attestations = seed.enhanced_attestations.len();
    Ok(summary)
}

async fn seed_partners(
    ctx: &AppContext,
    partners: &[SeedPartner],
    keys: &mut Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for p in partners {
        let input = NewPartner {
            tenant_id: p.tenant_id.clone(),
            name: Some(p.name.clone()),
            partner_type: Some(p.partner_type.clone()),
            indirect_provider_id: p.indirect_provider.as_ref().map(|k| keys.partners[k].clone()),
        };
        let partner = create_partner(ctx, input).await.map_err(|e| entry_error(&format!("partners.{}", p.key), e))?;
        summary.ids.insert(p.key.clone(), partner.tenant_id.clone());
        keys.partners.insert(p.key.clone(), partner.tenant_id);
    }
    Ok(())
}

async fn seed_customers(
    ctx: &AppContext,
    customers: &[SeedCustomer],
    keys: &mut Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for c in customers {
        let caller = seed_caller(ctx, &keys.partners[&c.partner]).await?;
        let input = new_customer(c, c.associated_partner.as_ref().map(|k| keys.partners[k].clone()));
        let created = in_unit!(ctx, |unit| create_customer(ctx, &permit::<ops::CreateCustomer>(&caller)?, unit, input)
            .await)
        .await
        .map_err(|e| entry_error(&format!("customers.{}", c.key), e))?;
        summary.ids.insert(c.key.clone(), created.customer.id.clone());
        summary.credentials.insert(
            c.key.clone(),
            SeededCredentials { user_name: created.customer.admin_user_name.clone(), password: created.password },
        );
        keys.customers.insert(c.key.clone(), created.customer.id);
    }
    Ok(())
}

/// A seeded customer's profile: what the entry says, and plausible defaults for the rest.
fn new_customer(c: &SeedCustomer, associated_partner_id: Option<String>) -> NewCustomer {
    let company = c.company_name.clone().unwrap_or_else(|| c.key.clone());
    let email = c.email.clone().unwrap_or_else(|| format!("billing@{}.example", c.domain.to_lowercase()));
    NewCustomer {
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
        associated_partner_id,
        password: c.password.clone(),
    }
}

async fn seed_agreements(ctx: &AppContext, agreements: &[SeedPerson], keys: &Keys) -> ServiceResult<()> {
    for (i, a) in agreements.iter().enumerate() {
        let caller = seed_caller(ctx, &keys.partners[a.partner.as_deref().unwrap_or_default()]).await?;
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
        let customer_id = &keys.customers[&a.customer];
        let call = ConfirmationCall::HistoricalRecord;
        in_unit!(ctx, |unit| {
            confirm_acceptance(ctx, &permit::<ops::ConfirmAcceptance>(&caller)?, unit, customer_id, &input, call).await
        })
        .await
        .map_err(|e| entry_error(&format!("agreements[{i}]"), e))?;
    }
    Ok(())
}

async fn seed_direct_acceptances(ctx: &AppContext, acceptances: &[SeedPerson], keys: &Keys) -> ServiceResult<()> {
    for (i, a) in acceptances.iter().enumerate() {
        let customer = ctx
            .store
            .customer(&keys.customers[&a.customer])
            .await?
            .ok_or_else(|| ServiceError::Internal("seeded customer vanished".into()))?;
        let person = contact(a);
        let input = DirectAcceptanceInput { person: &person, date_agreed: a.date_agreed.as_deref() };
        in_unit!(ctx, |unit| accept_directly(ctx, unit, &customer, input).await)
            .await
            .map_err(|e| entry_error(&format!("directAcceptances[{i}]"), e))?;
    }
    Ok(())
}

async fn seed_orders(ctx: &AppContext, orders: &[SeedOrder], keys: &Keys) -> ServiceResult<()> {
    for (i, o) in orders.iter().enumerate() {
        let entry = format!("orders[{i}]");
        let customer_id = &keys.customers[&o.customer];
        let items = [LineItemInput {
            line_item_number: Some(0),
            offer_id: Some(o.offer_id.clone()),
            quantity: o.quantity.or(Some(1)),
        }];
        if o.bypass_agreement_gate {
            let line_items =
                validate_line_items(Some(&items)).map_err(|p| entry_error(&entry, ServiceError::Validation(p)))?;
            let order = Order {
                id: ctx.ids.guid(),
                customer_id: customer_id.clone(),
                partner_tenant_id: keys.partners[&o.partner].clone(),
                line_items,
                creation_date: ctx.clock.now().await?,
                status: "completed".into(),
            };
            in_unit!(ctx, |unit| Ok(unit.insert_order(&order).await?)).await?;
        } else {
            let caller = seed_caller(ctx, &keys.partners[&o.partner]).await?;
            in_unit!(ctx, |unit| {
                place_order(ctx, &permit::<ops::CreateOrder>(&caller)?, unit, customer_id, None, Some(&items)).await
            })
            .await
            .map_err(|e| entry_error(&entry, e))?;
        }
    }
    Ok(())
}

async fn seed_attestations(
    ctx: &AppContext,
    attestations: &[SeedAttestation],
    keys: &Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for a in attestations {
        let entry = format!("enhancedAttestations.{}", a.key);
        let caller = seed_app(ctx, &keys.partners[&a.partner]).await?;
        let input = AttestationInput {
            country: Some(a.country.clone()),
            language: Some(a.language.clone()),
            company_name: Some(a.company_name.clone()),
            signatory_first_name: Some(a.signatory_first_name.clone()),
            signatory_last_name: Some(a.signatory_last_name.clone()),
            signatory_email: Some(a.signatory_email.clone()),
            signatory_phone_number: a.signatory_phone_number.clone(),
        };
        let created = async {
            let permit = permit::<ops::CreateEnhancedAttestation>(&caller)?;
            let created = in_unit!(ctx, |unit| create_attestation(ctx, &permit, unit, &input).await).await?;
            match a.accepted {
                true => accept_attestation(ctx, &created.attestation.id).await,
                false => Ok(created),
            }
        }
        .await
        .map_err(|e| entry_error(&entry, e))?;
        summary.ids.insert(a.key.clone(), created.attestation.id);
    }
    Ok(())
}

/// The caller a seed entry acts as: an Admin agent of the partner, with an App+User token (MFA).
async fn seed_caller(ctx: &AppContext, partner_id: &str) -> ServiceResult<Caller> {
    let partner =
        ctx.store.partner(partner_id).await?.ok_or_else(|| ServiceError::PartnerNotFound(partner_id.into()))?;
    Ok(Caller { partner, user_id: ctx.ids.guid(), roles: vec![Role::AdminAgent], app_only: false, mfa: true })
}

/// The partner's application itself, with an App-only token (enhanced attestation).
async fn seed_app(ctx: &AppContext, partner_id: &str) -> ServiceResult<Caller> {
    let partner =
        ctx.store.partner(partner_id).await?.ok_or_else(|| ServiceError::PartnerNotFound(partner_id.into()))?;
    Ok(Caller { partner, user_id: ctx.ids.guid(), roles: vec![], app_only: true, mfa: false })
}

fn contact(p: &SeedPerson) -> ContactInput {
    ContactInput {
        first_name: Some(p.first_name.clone()),
        last_name: Some(p.last_name.clone()),
        email: Some(p.email.clone()),
        phone_number: p.phone_number.clone(),
    }
}

async fn mca_template_id(ctx: &AppContext) -> ServiceResult<String> {
    let templates = ctx.store.templates().await?;
    current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .map(|t| t.template_id.clone())
        .ok_or_else(|| ServiceError::Internal("no current Customer Agreement template".into()))
}

/// Name the seed entry in a refusal, keeping the refusal's own code.
fn entry_error(entry: &str, e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Validation(problems) => {
            ServiceError::Validation(problems.into_iter().map(|p| format!("{entry}: {p}")).collect())
        }
        other => {
            tracing::warn!(entry, "seed entry refused");
            other
        }
    }
}
