//! Seed files: partners, customers, agreements, direct acceptances and orders, with references
//! between entries by key. Every entry goes through the same use case as the API, in order,
//! except orders marked `bypassAgreementGate` (purchases made before the agreement existed, for
//! the troubleshoot scenario).

mod file;
mod matching;

use std::collections::{BTreeMap, HashMap};

pub use file::{
    check_references, parse_seed, SeedAttestation, SeedCustomer, SeedFile, SeedOrder, SeedPartner, SeedPerson,
};

use super::acceptance::{accept_directly, confirm_acceptance, ConfirmationCall};
use super::access::{ops, permit};
use super::attestations::{accept_attestation, create_attestation_as, AcceptedIn};
use super::customers::{create_customer, NewCustomer};
use super::error::{ErrorKind, ServiceError, ServiceResult};
use super::orders::{place_order_as, NewOrder};
use super::partners::{create_partner, NewPartner};
use super::passwords::{off_thread, verify_password};
use super::unit::in_unit;
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::{
    current_template, AgreementSource, AgreementType, ConfirmationInput, DirectAcceptanceInput,
};
use crate::domain::attestations::AttestationInput;
use crate::domain::contact::ContactInput;
use crate::domain::customers::{parse_domain, Address, BillingProfile, CompanyProfileInput};
use crate::domain::ids::{AttestationId, CustomerId, PartnerId};
use crate::domain::orders::{validate_line_items, LineItemInput, Order};
use crate::domain::permissions::Role;
use crate::domain::time::render_timestamp;

/// A customer's first admin, as seeded. The password is known when this seed created the customer
/// or names it; of a customer an earlier run created without one, it is not.
pub struct SeededCredentials {
    pub user_name: String,
    pub password: Option<String>,
}

/// What a seed did: how many entries of each section it holds, how many of them were already
/// stored as they are (and left alone), the id given to each key, and each customer's credentials.
#[derive(Default)]
pub struct SeedSummary {
    pub partners: usize,
    pub customers: usize,
    pub agreements: usize,
    pub direct_acceptances: usize,
    pub orders: usize,
    pub enhanced_attestations: usize,
    pub unchanged: BTreeMap<&'static str, usize>,
    pub ids: BTreeMap<String, String>,
    pub credentials: BTreeMap<String, SeededCredentials>,
}

impl SeedSummary {
    fn unchanged(&mut self, section: &'static str) {
        *self.unchanged.entry(section).or_default() += 1;
    }
}

/// The ids given so far, by key.
#[derive(Default)]
struct Keys {
    partners: HashMap<String, String>,
    customers: HashMap<String, String>,
}

/// Apply a seed: its references are checked first, then each section runs in order. A seed can be
/// applied again: every entry is matched by its natural key (a partner's tenant id, a customer's
/// domain, a confirmation's or acceptance's contact, an order's or attestation's key); one that is
/// stored as the entry says is left alone, one stored with other values is refused by name
/// (`matching.rs`).
pub async fn apply_seed(ctx: &AppContext, seed: SeedFile) -> ServiceResult<SeedSummary> {
    check_references(&seed).map_err(ServiceError::Validation)?;
    let mut keys = Keys::default();
    let mut summary = SeedSummary::default();
    seed_partners(ctx, &seed.partners, &mut keys, &mut summary).await?;
    seed_customers(ctx, &seed.customers, &mut keys, &mut summary).await?;
    seed_agreements(ctx, &seed.agreements, &keys, &mut summary).await?;
    seed_direct_acceptances(ctx, &seed.direct_acceptances, &keys, &mut summary).await?;
    seed_orders(ctx, &seed.orders, &keys, &mut summary).await?;
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
        let entry = format!("partners.{}", p.key);
        let tenant_id = match &p.tenant_id {
            Some(id) => PartnerId::parse(id).into_string(),
            None => seeded_id("partner", &p.key),
        };
        let provider_id = p.indirect_provider.as_ref().map(|k| keys.partners[k].clone());
        if let Some(stored) = ctx.store.partner(&tenant_id).await? {
            matching::partner(&stored, p, provider_id.as_deref()).map_err(|d| differs(&entry, d))?;
            summary.unchanged("partners");
        } else {
            let input = NewPartner {
                tenant_id: Some(tenant_id.clone()),
                name: Some(p.name.clone()),
                partner_type: Some(p.partner_type.clone()),
                indirect_provider_id: provider_id,
            };
            create_partner(ctx, input).await.map_err(|e| entry_error(&entry, e))?;
        }
        summary.ids.insert(p.key.clone(), tenant_id.clone());
        keys.partners.insert(p.key.clone(), tenant_id);
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
        let entry = format!("customers.{}", c.key);
        let partner_id = &keys.partners[&c.partner];
        let associated = c.associated_partner.as_ref().map(|k| keys.partners[k].clone());
        let domain = parse_domain(&c.domain).map_err(|p| entry_error(&entry, ServiceError::Validation(vec![p])))?;
        let (customer, password) = match ctx.store.customer_by_admin_user(&format!("admin@{domain}")).await? {
            Some(stored) => {
                let related: Vec<_> =
                    ctx.store.related_partners(&stored.id).await?.into_iter().map(|r| r.partner).collect();
                let expected = new_customer(c, associated.clone());
                matching::customer(&stored, &related, c, &expected, partner_id, associated.as_deref())
                    .map_err(|d| differs(&entry, d))?;
                if let Some(password) = &c.password {
                    let (password, hash) = (password.clone(), stored.admin_password_hash.clone());
                    if !off_thread(move || verify_password(&password, &hash)).await {
                        return Err(differs(&entry, "its admin's password is another than the entry's".into()));
                    }
                }
                summary.unchanged("customers");
                (stored, c.password.clone())
            }
            None => {
                let caller = seed_caller(ctx, partner_id).await?;
                let input = new_customer(c, associated);
                let created =
                    in_unit!(ctx, |unit| create_customer(ctx, &permit::<ops::CreateCustomer>(&caller)?, unit, input)
                        .await)
                    .await
                    .map_err(|e| entry_error(&entry, e))?;
                (created.customer, Some(created.password))
            }
        };
        summary.ids.insert(c.key.clone(), customer.id.clone());
        summary
            .credentials
            .insert(c.key.clone(), SeededCredentials { user_name: customer.admin_user_name.clone(), password });
        keys.customers.insert(c.key.clone(), customer.id);
    }
    Ok(())
}

/// The enhanced attestation an entry asks for, as the API would be sent it.
fn attestation_input(a: &SeedAttestation) -> AttestationInput {
    AttestationInput {
        country: Some(a.country.clone()),
        language: Some(a.language.clone()),
        company_name: Some(a.company_name.clone()),
        signatory_first_name: Some(a.signatory_first_name.clone()),
        signatory_last_name: Some(a.signatory_last_name.clone()),
        signatory_email: Some(a.signatory_email.clone()),
        signatory_phone_number: a.signatory_phone_number.clone(),
    }
}

/// A seeded customer's profile: what the entry says, and plausible defaults for the rest, as the
/// API would be sent it.
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

async fn seed_agreements(
    ctx: &AppContext,
    agreements: &[SeedPerson],
    keys: &Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for (i, a) in agreements.iter().enumerate() {
        let entry = format!("agreements[{i}]");
        let partner_id = &keys.partners[a.partner.as_deref().unwrap_or_default()];
        let customer_id = &keys.customers[&a.customer];
        let stored = ctx.store.agreements(customer_id).await?;
        if let Some(existing) = matching::same_person(&stored, AgreementSource::PartnerConfirmation, a) {
            matching::confirmation(existing, a, partner_id).map_err(|d| differs(&entry, d))?;
            summary.unchanged("agreements");
            continue;
        }
        let caller = seed_caller(ctx, partner_id).await?;
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
        let call = ConfirmationCall::HistoricalRecord;
        in_unit!(ctx, |unit| {
            confirm_acceptance(
                ctx,
                &permit::<ops::ConfirmAcceptance>(&caller)?,
                unit,
                &CustomerId::parse(customer_id),
                &input,
                call,
            )
            .await
        })
        .await
        .map_err(|e| entry_error(&entry, e))?;
    }
    Ok(())
}

async fn seed_direct_acceptances(
    ctx: &AppContext,
    acceptances: &[SeedPerson],
    keys: &Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for (i, a) in acceptances.iter().enumerate() {
        let entry = format!("directAcceptances[{i}]");
        let customer = ctx
            .store
            .customer(&keys.customers[&a.customer])
            .await?
            .ok_or_else(|| ServiceError::Internal("seeded customer vanished".into()))?;
        let stored = ctx.store.agreements(&customer.id).await?;
        if let Some(existing) = matching::same_person(&stored, AgreementSource::DirectAcceptance, a) {
            matching::direct_acceptance(existing, a).map_err(|d| differs(&entry, d))?;
            summary.unchanged("directAcceptances");
            continue;
        }
        let person = contact(a);
        let input = DirectAcceptanceInput { person: &person, date_agreed: a.date_agreed.as_deref() };
        in_unit!(ctx, |unit| accept_directly(ctx, unit, &customer, input).await)
            .await
            .map_err(|e| entry_error(&entry, e))?;
    }
    Ok(())
}

async fn seed_orders(
    ctx: &AppContext,
    orders: &[SeedOrder],
    keys: &Keys,
    summary: &mut SeedSummary,
) -> ServiceResult<()> {
    for o in orders {
        let entry = format!("orders.{}", o.key);
        let customer_id = &keys.customers[&o.customer];
        let partner_id = &keys.partners[&o.partner];
        let id = seeded_id("order", &format!("{customer_id}/{}", o.key));
        if let Some(stored) = ctx.store.orders(customer_id).await?.into_iter().find(|s| s.id == id) {
            matching::order(&stored, o, partner_id).map_err(|d| differs(&entry, d))?;
            summary.unchanged("orders");
            continue;
        }
        let items = [LineItemInput {
            line_item_number: Some(0),
            offer_id: Some(o.offer_id.clone()),
            quantity: o.quantity.or(Some(1)),
            ..LineItemInput::default()
        }];
        if o.bypass_agreement_gate {
            // The gate is passed over, not the partner's relationship with the customer: a
            // purchase is still the partner's own customer's (403 20002, as through the API).
            let caller = seed_caller(ctx, partner_id).await?;
            let permit = permit::<ops::CreateOrder>(&caller).map_err(|e| entry_error(&entry, e))?;
            crate::service::access::customer_for(ctx, &permit, &CustomerId::parse(customer_id))
                .await
                .map_err(|e| entry_error(&entry, e))?;
            let now = ctx.clock.now().await?;
            let line_items =
                validate_line_items(Some(&items), now).map_err(|p| entry_error(&entry, ServiceError::Validation(p)))?;
            let order = Order::completed(id, customer_id, partner_id, line_items, now);
            in_unit!(ctx, |unit| Ok(unit.insert_order(&order).await?)).await?;
        } else {
            let caller = seed_caller(ctx, partner_id).await?;
            let order =
                NewOrder { id: Some(id), reference_customer_id: None, billing_cycle: None, line_items: Some(&items) };
            in_unit!(ctx, |unit| {
                place_order_as(ctx, &permit::<ops::CreateOrder>(&caller)?, unit, &CustomerId::parse(customer_id), order)
                    .await
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
        let partner_id = &keys.partners[&a.partner];
        let id = seeded_id("attestation", &format!("{partner_id}/{}", a.key));
        if let Some(stored) = ctx.store.attestation(&id).await? {
            matching::attestation(&stored, &attestation_input(a), a.accepted, partner_id)
                .map_err(|d| differs(&entry, d))?;
            summary.unchanged("enhancedAttestations");
            summary.ids.insert(a.key.clone(), id);
            continue;
        }
        let caller = seed_app(ctx, partner_id).await?;
        let input = attestation_input(a);
        async {
            let permit = permit::<ops::CreateEnhancedAttestation>(&caller)?;
            let created =
                in_unit!(ctx, |unit| create_attestation_as(ctx, &permit, unit, &input, || id.clone()).await).await?;
            if a.accepted {
                accept_attestation(ctx, &AttestationId::parse(&created.attestation.id), AcceptedIn::Page(None)).await?;
            }
            Ok(())
        }
        .await
        .map_err(|e| entry_error(&entry, e))?;
        summary.ids.insert(a.key.clone(), id);
    }
    Ok(())
}

/// The id a seed gives an entry that names none: the same for the same key in every run (a
/// name-based GUID), so that the seed can be applied again.
fn seeded_id(kind: &str, key: &str) -> String {
    let namespace = uuid::Uuid::from_u128(0x6d6f_6b65_2d70_6365_2d73_6565_6473_0001);
    uuid::Uuid::new_v5(&namespace, format!("{kind}:{key}").as_bytes()).to_string()
}

/// The caller a seed entry acts as: an Admin agent of the partner, with an App+User token (MFA).
async fn seed_caller(ctx: &AppContext, partner_id: &str) -> ServiceResult<Caller> {
    let partner =
        ctx.store.partner(partner_id).await?.ok_or_else(|| ServiceError::PartnerNotFound(partner_id.into()))?;
    let user_id = seeded_id("seed-user", partner_id);
    Ok(Caller { partner, user_id, roles: vec![Role::AdminAgent], app_only: false, mfa: true })
}

/// The partner's application itself, with an App-only token (enhanced attestation).
async fn seed_app(ctx: &AppContext, partner_id: &str) -> ServiceResult<Caller> {
    let partner =
        ctx.store.partner(partner_id).await?.ok_or_else(|| ServiceError::PartnerNotFound(partner_id.into()))?;
    let app_id = seeded_id("seed-app", partner_id);
    Ok(Caller { partner, user_id: app_id, roles: vec![], app_only: true, mfa: false })
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

/// Name the seed entry in a refusal, keeping the refusal's own code. A failure of the emulator
/// itself is not the entry's doing: it goes on as it is.
fn entry_error(entry: &str, e: ServiceError) -> ServiceError {
    match e.kind() {
        ErrorKind::Internal | ErrorKind::Unavailable => e,
        _ => {
            tracing::warn!(entry, "seed entry refused");
            ServiceError::SeedEntryRefused { entry: entry.to_string(), cause: Box::new(e) }
        }
    }
}

fn differs(entry: &str, detail: String) -> ServiceError {
    ServiceError::SeedEntryDiffers { entry: entry.to_string(), detail }
}
