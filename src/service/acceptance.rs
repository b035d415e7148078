//! The two ways the Microsoft Customer Agreement gets on record: a partner's confirmation
//! (attestation) and the customer's own acceptance in the admin center.

use chrono::Duration;

use super::access::{customer_for, ops, Permit};
use super::error::{ServiceError, ServiceResult};
use super::notifications::attestation_notice;
use super::timeline::service_date;
use crate::app::AppContext;
use crate::domain::agreements::{
    check_attested_template, current_template, validate_confirmation, validate_direct_acceptance, Agreement,
    AgreementSource, AgreementTemplate, AgreementType, ConfirmationInput, DirectAcceptanceInput, ValidConfirmation,
};
use crate::domain::attestations::{check_usable, UseRefusal};
use crate::domain::customers::Customer;
use crate::domain::ids::{AttestationId, CustomerId};
use crate::domain::orders::{check_direct_acceptance, DirectAcceptanceRefusal};
use crate::domain::partners::Partner;
use crate::domain::timeline::Milestone;
use crate::ids::IdKind;
use crate::store::{StoreError, UnitOfWork};

/// How far ahead of the emulator clock a `dateAgreed` may be.
fn date_skew(ctx: &AppContext) -> Duration {
    Duration::seconds(i64::from(ctx.config.date_agreed_skew_seconds))
}

/// Whether `date_agreed` is not later than the emulator clock allows (the rule that answers
/// 600002), on its own: a form checks it beside its other problems, to say them all at once.
pub async fn check_date_not_future(ctx: &AppContext, date_agreed: chrono::DateTime<chrono::Utc>) -> ServiceResult<()> {
    let now = ctx.clock.now().await?;
    Ok(crate::domain::agreements::check_date_agreed(date_agreed, now, date_skew(ctx))?)
}

/// What a 2023 confirmation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationCall {
    /// A partner confirms now, through the API or a page: refused once the 2023 attestation is
    /// retired on the service date.
    Live,
    /// A record of a confirmation made with the 2023 flow (a seed file's `agreements`): accepted
    /// when it is dated before the retirement, whatever the service date.
    HistoricalRecord,
}

/// `POST /v1/customers/{id}/agreements` (2023 flow): every rule of a partner confirmation, then
/// the record and its notification email, stored together.
pub async fn confirm_acceptance(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ConfirmAcceptance>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    input: &ConfirmationInput,
    call: ConfirmationCall,
) -> ServiceResult<Agreement> {
    confirmation_open(ctx, call).await?;
    let customer = customer_for(ctx, permit, customer_id).await?;
    record_confirmation(ctx, permit, unit, &customer, input, call).await
}

/// A live confirmation for a customer created in the same unit of work (the dashboard's Add
/// customer wizard): the customer and its confirmation are stored together, or neither is.
pub async fn confirm_acceptance_of_new_customer(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ConfirmAcceptance>,
    unit: &mut UnitOfWork,
    customer: &Customer,
    input: &ConfirmationInput,
) -> ServiceResult<Agreement> {
    confirmation_open(ctx, ConfirmationCall::Live).await?;
    record_confirmation(ctx, permit, unit, customer, input, ConfirmationCall::Live).await
}

/// Whether a partner may confirm the 2023 way today: refused (990441) once that flow is retired
/// on the service date. The API's confirmation and the dashboard's controls both ask here.
pub async fn live_confirmation_open(ctx: &AppContext) -> ServiceResult<()> {
    confirmation_open(ctx, ConfirmationCall::Live).await
}

/// A live 2023 confirmation is refused once that flow is retired on the service date.
async fn confirmation_open(ctx: &AppContext, call: ConfirmationCall) -> ServiceResult<()> {
    let today = service_date(ctx).await?;
    if call == ConfirmationCall::Live && !today.legacy_attestation_open() {
        return Err(ServiceError::LegacyAttestationRetired { service_date: today.date().to_string() });
    }
    Ok(())
}

/// Every rule of a confirmation's content that needs no customer: contact, template, type and a
/// date that is not in the future by the emulator clock.
pub async fn check_confirmation(ctx: &AppContext, input: &ConfirmationInput) -> ServiceResult<ValidConfirmation> {
    let templates = ctx.store.templates().await?;
    let now = ctx.clock.now().await?;
    Ok(validate_confirmation(input, &templates, now, date_skew(ctx))?)
}

async fn record_confirmation(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ConfirmAcceptance>,
    unit: &mut UnitOfWork,
    customer: &Customer,
    input: &ConfirmationInput,
    call: ConfirmationCall,
) -> ServiceResult<Agreement> {
    let caller = permit.caller();
    let valid = check_confirmation(ctx, input).await?;
    if call == ConfirmationCall::HistoricalRecord && valid.date_agreed >= Milestone::LegacyAttestationRetired.start() {
        return Err(ServiceError::Validation(vec![format!(
            "dateAgreed: a confirmation of the 2023 flow is dated before {} (its retirement); record later ones as enhanced attestations",
            Milestone::LegacyAttestationRetired.date()
        )]));
    }
    let now = ctx.clock.now().await?;
    let agreement = Agreement {
        id: ctx.ids.guid(IdKind::Agreement),
        customer_id: customer.id.clone(),
        partner_tenant_id: Some(caller.partner.tenant_id.clone()),
        user_id: Some(caller.user_id.clone()),
        contact: valid.contact,
        template_id: valid.template.template_id,
        agreement_type: valid.template.agreement_type,
        date_agreed: valid.date_agreed,
        source: AgreementSource::PartnerConfirmation,
        created_at: now,
        attestation_id: None,
        language: None,
    };
    store_confirmation(ctx, unit, &caller.partner, customer, agreement).await
}

/// A confirmation made with an enhanced attestation, as it came in.
pub struct AttestedAgreementInput {
    pub attestation_id: AttestationId,
    /// Optional; the attestation confirms the Microsoft Customer Agreement.
    pub agreement_type: Option<String>,
    /// Optional; when sent, the template the customer accepted with the attestation.
    pub template_id: Option<String>,
}

/// `POST /v1/customers/{id}/agreements` with an `attestationId`: the customer's agreement, made
/// from an attestation the customer accepted. The attestation is bound to the customer for good.
pub async fn create_agreement_with_attestation(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateAgreementWithAttestation>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    input: &AttestedAgreementInput,
) -> ServiceResult<Agreement> {
    let today = service_date(ctx).await?;
    if !today.enhanced_attestation_available() {
        let service_date = today.date().to_string();
        return Err(ServiceError::EnhancedAttestationNotAvailable { service_date, addressed: false });
    }
    let caller = permit.caller();
    let customer = customer_for(ctx, permit, customer_id).await?;
    match input.agreement_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => {}
        Some(t) => match AgreementType::parse(t) {
            Some(AgreementType::MicrosoftCustomerAgreement) => {}
            Some(other) => {
                return Err(ServiceError::AgreementTypeMismatch(format!(
                    "type {}: an enhanced attestation confirms the MicrosoftCustomerAgreement; send that type or leave it out",
                    other.as_str()
                )))
            }
            None => return Err(ServiceError::UnsupportedAgreementType(t.to_string())),
        },
    }
    let id = input.attestation_id.as_str();
    let attestation =
        ctx.store.attestation(id).await?.ok_or_else(|| ServiceError::AttestationNotFound(id.to_string()))?;
    let now = ctx.clock.now().await?;
    check_usable(&attestation, &caller.partner.tenant_id, now).map_err(|refusal| {
        let id = attestation.id.clone();
        match refusal {
            UseRefusal::OtherPartners => ServiceError::AttestationOfAnotherPartner(id),
            UseRefusal::NotAccepted => ServiceError::AttestationNotAccepted(id),
            UseRefusal::Expired => ServiceError::AttestationExpired(id),
            UseRefusal::AlreadyUsed => ServiceError::AttestationAlreadyUsed(id),
        }
    })?;
    let templates = ctx.store.templates().await?;
    let template = current_mca(&templates)?;
    // The document the customer accepted (acceptances kept before it was recorded: today's).
    let accepted_template = attestation.accepted_template_id.clone().unwrap_or_else(|| template.template_id.clone());
    if let Some(given) = input.template_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        check_attested_template(&templates, given, &accepted_template)?;
    }
    let agreement = Agreement {
        id: ctx.ids.guid(IdKind::Agreement),
        customer_id: customer.id.clone(),
        partner_tenant_id: Some(caller.partner.tenant_id.clone()),
        // An App-only caller has no user.
        user_id: (!caller.app_only).then(|| caller.user_id.clone()),
        contact: attestation.signatory.clone(),
        template_id: accepted_template,
        agreement_type: template.agreement_type,
        date_agreed: attestation.accepted_at.unwrap_or(now),
        source: AgreementSource::PartnerConfirmation,
        created_at: now,
        attestation_id: Some(attestation.id.clone()),
        language: Some(attestation.accepted_language.clone().unwrap_or_else(|| attestation.language.clone())),
    };
    store_confirmation(ctx, unit, &caller.partner, &customer, agreement).await
}

/// Store a partner's confirmation with the notification email it triggers; the same person
/// confirmed again for the customer is a duplicate (600061), and an attestation another request
/// used in the meantime is used.
async fn store_confirmation(
    ctx: &AppContext,
    unit: &mut UnitOfWork,
    partner: &Partner,
    customer: &Customer,
    agreement: Agreement,
) -> ServiceResult<Agreement> {
    let delay = Duration::seconds(i64::from(ctx.config.notification_delay_seconds));
    let notice = attestation_notice(
        ctx.ids.guid(IdKind::Notification),
        partner,
        customer,
        &agreement,
        agreement.created_at,
        delay,
    );
    match unit.insert_agreement(&agreement, Some(&notice)).await {
        Ok(()) => Ok(agreement),
        Err(StoreError::Conflict) => Err(ServiceError::PartnerConfirmedAgreementAlreadyExists),
        Err(StoreError::Changed) => {
            Err(ServiceError::AttestationAlreadyUsed(agreement.attestation_id.clone().unwrap_or_default()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The current Microsoft Customer Agreement template, which confirmations and acceptances record.
pub fn current_mca(templates: &[AgreementTemplate]) -> ServiceResult<&AgreementTemplate> {
    current_template(templates, AgreementType::MicrosoftCustomerAgreement)
        .ok_or_else(|| ServiceError::Internal("the template catalog has no current Customer Agreement".into()))
}

/// The customer accepts the Microsoft Customer Agreement itself (admin center page or the
/// control plane's direct-acceptance route). No notification email is sent.
pub async fn accept_directly(
    ctx: &AppContext,
    unit: &mut UnitOfWork,
    customer: &Customer,
    input: DirectAcceptanceInput<'_>,
) -> ServiceResult<Agreement> {
    let now = ctx.clock.now().await?;
    let (contact, date_agreed) = validate_direct_acceptance(input, now, date_skew(ctx))?;
    let agreements = ctx.store.agreements(&customer.id).await?;
    let has_orders = !ctx.store.orders(&customer.id).await?.is_empty();
    check_direct_acceptance(&agreements, has_orders, service_date(ctx).await?).map_err(|refusal| match refusal {
        DirectAcceptanceRefusal::AlreadyAccepted => ServiceError::AlreadyAcceptedDirectly,
        DirectAcceptanceRefusal::PartnerMustConfirm => ServiceError::PartnerMustConfirmAcceptance,
    })?;
    let templates = ctx.store.templates().await?;
    let template = current_mca(&templates)?;
    let agreement = Agreement {
        id: ctx.ids.guid(IdKind::Agreement),
        customer_id: customer.id.clone(),
        partner_tenant_id: None,
        user_id: None,
        contact,
        template_id: template.template_id.clone(),
        agreement_type: template.agreement_type,
        date_agreed,
        source: AgreementSource::DirectAcceptance,
        created_at: now,
        attestation_id: None,
        language: None,
    };
    match unit.insert_agreement(&agreement, None).await {
        Ok(()) => Ok(agreement),
        Err(StoreError::Conflict) => Err(ServiceError::AlreadyAcceptedDirectly),
        Err(e) => Err(e.into()),
    }
}
