//! Enhanced attestation: the partner creates an attestation (App-only), the customer accepts it
//! on the acceptance page (or a test through the control plane), and the partner creates the
//! customer's agreement with it (`acceptance::create_agreement_with_attestation`). Its routes
//! exist from the 2025-07-10 milestone of the service date on.

use chrono::Duration;

use super::access::{ops, Permit};
use super::error::{ServiceError, ServiceResult};
use super::timeline::service_date;
use crate::app::AppContext;
use crate::domain::agreements::{current_template, AgreementType};
use crate::domain::attestations::{
    check_acceptable, offered_language, page_language, validate_attestation, AcceptanceRefusal, AttestationInput,
    AttestationStatus, EnhancedAttestation,
};
use crate::domain::ids::AttestationId;
use crate::domain::time::later;
use crate::ids::IdKind;
use crate::store::UnitOfWork;

/// An attestation as a client sees it: its status by the emulator clock and the link to the
/// page where the customer accepts it.
pub struct AttestationState {
    pub attestation: EnhancedAttestation,
    pub status: AttestationStatus,
    pub acceptance_url: String,
}

/// The acceptance page of an attestation, in its own country and language.
fn acceptance_url(ctx: &AppContext, attestation: &EnhancedAttestation) -> String {
    format!(
        "{}/EnhancedAttestation/Accept?attestationId={}&language={}&country={}",
        ctx.public_base_url, attestation.id, attestation.language, attestation.country
    )
}

/// A partner's attestations for one of its customers (used for it, or not used yet and made for a
/// company of its name), with their status and acceptance link: the dashboard's Account page.
pub async fn for_customer(
    ctx: &AppContext,
    partner_tenant_id: &str,
    customer: &crate::domain::customers::Customer,
) -> ServiceResult<Vec<AttestationState>> {
    let found = ctx.store.attestations_for_customer(partner_tenant_id, &customer.id, &customer.company_name).await?;
    let mut states = Vec::with_capacity(found.len());
    for attestation in found {
        states.push(state(ctx, attestation).await?);
    }
    Ok(states)
}

async fn state(ctx: &AppContext, attestation: EnhancedAttestation) -> ServiceResult<AttestationState> {
    // Its status by its partner's clock, wherever it is read from (the API, the acceptance page).
    let now = crate::clock::as_partner(attestation.partner_tenant_id.clone(), ctx.clock.now()).await?;
    let status = attestation.status(now);
    Ok(AttestationState { acceptance_url: acceptance_url(ctx, &attestation), status, attestation })
}

/// Enhanced attestation does not exist before its general availability.
async fn require_availability(ctx: &AppContext) -> ServiceResult<()> {
    let today = service_date(ctx).await?;
    if today.enhanced_attestation_available() {
        Ok(())
    } else {
        Err(ServiceError::EnhancedAttestationNotAvailable { service_date: today.date().to_string(), addressed: true })
    }
}

/// Enhanced attestation exists on the service date of the attestation's partner (its own, when it
/// has one): before its general availability, neither its page nor its acceptance does, as none of
/// its routes does.
async fn available_to(ctx: &AppContext, attestation: &EnhancedAttestation) -> ServiceResult<()> {
    crate::clock::as_partner(attestation.partner_tenant_id.clone(), require_availability(ctx)).await
}

/// `POST /v1/attestations/enhanced`
pub async fn create_attestation(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateEnhancedAttestation>,
    unit: &mut UnitOfWork,
    input: &AttestationInput,
) -> ServiceResult<AttestationState> {
    create_attestation_as(ctx, permit, unit, input, || ctx.ids.guid(IdKind::Attestation)).await
}

/// Create an attestation (see `create_attestation`) with the id `id` gives, once nothing can refuse
/// it (a seed names one).
pub async fn create_attestation_as(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateEnhancedAttestation>,
    unit: &mut UnitOfWork,
    input: &AttestationInput,
    id: impl FnOnce() -> String,
) -> ServiceResult<AttestationState> {
    require_availability(ctx).await?;
    let valid = validate_attestation(input).map_err(ServiceError::Validation)?;
    let now = ctx.clock.now().await?;
    let attestation = EnhancedAttestation {
        // Named once nothing can refuse it: in deterministic mode a refused one takes no id.
        id: id(),
        partner_tenant_id: permit.caller().partner.tenant_id.clone(),
        country: valid.country,
        language: valid.language,
        company_name: valid.company_name,
        signatory: valid.signatory,
        created_at: now,
        expires_at: later(now, Duration::days(i64::from(ctx.config.attestation_expiry_days))),
        accepted_at: None,
        accepted_language: None,
        accepted_template_id: None,
        customer_id: None,
        agreement_id: None,
    };
    unit.insert_attestation(&attestation).await?;
    // The status as of `now`: nothing is read after the unit's write.
    Ok(AttestationState {
        acceptance_url: acceptance_url(ctx, &attestation),
        status: attestation.status(now),
        attestation,
    })
}

/// `GET /v1/attestations/enhanced/{id}`: a partner reads its own attestations only.
pub async fn get_attestation(
    ctx: &AppContext,
    permit: &Permit<'_, ops::GetEnhancedAttestation>,
    id: &AttestationId,
) -> ServiceResult<AttestationState> {
    require_availability(ctx).await?;
    let attestation = find(ctx, id).await?;
    if attestation.partner_tenant_id != permit.caller().partner.tenant_id {
        return Err(ServiceError::AttestationOfAnotherPartner(attestation.id));
    }
    state(ctx, attestation).await
}

/// What the acceptance page shows: the attestation (the link is the key: no partner check), the
/// template of the agreement it accepts (the one accepted, once accepted) and the partner that asks.
pub struct AcceptancePage {
    pub state: AttestationState,
    pub template_id: String,
    pub partner_name: String,
}

pub async fn acceptance_page(ctx: &AppContext, id: &AttestationId) -> ServiceResult<AcceptancePage> {
    let attestation = find(ctx, id).await?;
    available_to(ctx, &attestation).await?;
    let template_id = match &attestation.accepted_template_id {
        Some(accepted) => accepted.clone(),
        None => current_template_id(ctx).await?,
    };
    let partner_name = ctx
        .store
        .partner(&attestation.partner_tenant_id)
        .await?
        .map_or_else(|| attestation.partner_tenant_id.clone(), |p| p.name);
    Ok(AcceptancePage { state: state(ctx, attestation).await?, template_id, partner_name })
}

/// The template of the Microsoft Customer Agreement a customer accepts today.
async fn current_template_id(ctx: &AppContext) -> ServiceResult<String> {
    let templates = ctx.store.templates().await?;
    current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .map(|t| t.template_id.clone())
        .ok_or_else(|| ServiceError::Internal("the template catalog has no current Customer Agreement".into()))
}

/// An attestation by id, whoever created it.
async fn find(ctx: &AppContext, id: &AttestationId) -> ServiceResult<EnhancedAttestation> {
    ctx.store.attestation(id.as_str()).await?.ok_or_else(|| ServiceError::AttestationNotFound(id.to_string()))
}

/// The language an acceptance is recorded in: the one the page showed (a link's choice, resolved
/// within the attestation's country as `page_language` does; the attestation's own when None), or
/// one a script names, which must be offered for the country exactly.
#[derive(Debug, Clone, Copy)]
pub enum AcceptedIn<'a> {
    Page(Option<&'a str>),
    Named(&'a str),
}

/// The customer accepts the agreement of a pending attestation (the acceptance page, or the
/// control plane for tests and scripts): it is accepted now, by the emulator clock, in the
/// language `language` says under today's template; both are kept with it. A language named that
/// the agreement is not offered in for the country is 400 `990401`, after the attestation's own
/// refusals (accepted, expired).
pub async fn accept_attestation(
    ctx: &AppContext,
    id: &AttestationId,
    language: AcceptedIn<'_>,
) -> ServiceResult<AttestationState> {
    let attestation = find(ctx, id).await?;
    available_to(ctx, &attestation).await?;
    // Created on its partner's clock (its own, when it has one): accepted and expired by it too.
    let now = crate::clock::as_partner(attestation.partner_tenant_id.clone(), ctx.clock.now()).await?;
    let refused = |refusal: AcceptanceRefusal| match refusal {
        AcceptanceRefusal::AlreadyAccepted => ServiceError::AttestationAlreadyAccepted(attestation.id.clone()),
        AcceptanceRefusal::Expired => ServiceError::AttestationExpired(attestation.id.clone()),
    };
    check_acceptable(&attestation, now).map_err(refused)?;
    let language = match language {
        AcceptedIn::Page(asked) => page_language(&attestation, asked),
        AcceptedIn::Named(named) => {
            offered_language(&attestation, named).map_err(|problem| ServiceError::Validation(vec![problem]))?
        }
    };
    let template_id = current_template_id(ctx).await?;
    if !ctx.store.accept_attestation(&attestation.id, now, &language, &template_id).await? {
        // Accepted (or expired) by another request in the meantime: say which.
        let current = find(ctx, id).await?;
        return Err(check_acceptable(&current, now)
            .err()
            .map_or_else(|| ServiceError::AttestationAlreadyAccepted(attestation.id.clone()), refused));
    }
    let accepted = find(ctx, id).await?;
    state(ctx, accepted).await
}
