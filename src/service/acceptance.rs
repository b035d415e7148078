//! The two ways the Microsoft Customer Agreement gets on record: a partner's confirmation
//! (attestation) and the customer's own acceptance in the admin center.

use chrono::Duration;

use super::access::{customer_for, ops, Permit};
use super::error::{ServiceError, ServiceResult};
use super::notifications::attestation_notice;
use crate::app::AppContext;
use crate::domain::agreements::{
    current_template, validate_confirmation, validate_direct_acceptance, Agreement, AgreementSource, AgreementType,
    ConfirmationInput, DirectAcceptanceInput,
};
use crate::domain::customers::Customer;
use crate::domain::orders::{check_direct_acceptance, DirectAcceptanceRefusal};
use crate::store::StoreError;

/// How far ahead of the emulator clock a `dateAgreed` may be.
fn date_skew(ctx: &AppContext) -> Duration {
    Duration::seconds(i64::from(ctx.config.date_agreed_skew_seconds))
}

/// `POST /v1/customers/{id}/agreements`: every rule of a partner confirmation, then the record
/// and its notification email, stored together.
pub async fn confirm_acceptance(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ConfirmAcceptance>,
    customer_id: &str,
    input: &ConfirmationInput,
) -> ServiceResult<Agreement> {
    let caller = permit.caller();
    let customer = customer_for(ctx, permit, customer_id).await?;
    let templates = ctx.store.templates().await?;
    let now = ctx.clock.now().await?;
    let valid = validate_confirmation(input, &templates, now, date_skew(ctx))?;
    let agreement = Agreement {
        id: ctx.ids.guid(),
        customer_id: customer.id.clone(),
        partner_tenant_id: Some(caller.partner.tenant_id.clone()),
        user_id: Some(caller.user_id.clone()),
        contact: valid.contact,
        template_id: valid.template.template_id,
        agreement_type: valid.template.agreement_type,
        date_agreed: valid.date_agreed,
        source: AgreementSource::PartnerConfirmation,
        created_at: now,
    };
    let delay = Duration::seconds(i64::from(ctx.config.notification_delay_seconds));
    let notice = attestation_notice(ctx.ids.guid(), &caller.partner, &customer, &agreement, now, delay);
    match ctx.store.insert_agreement(&agreement, Some(&notice)).await {
        Ok(()) => Ok(agreement),
        Err(StoreError::Conflict) => Err(ServiceError::PartnerConfirmedAgreementAlreadyExists),
        Err(e) => Err(e.into()),
    }
}

/// The customer accepts the Microsoft Customer Agreement itself (admin center page or the
/// control plane's direct-acceptance route). No notification email is sent.
pub async fn accept_directly(
    ctx: &AppContext,
    customer: &Customer,
    input: DirectAcceptanceInput<'_>,
) -> ServiceResult<Agreement> {
    let now = ctx.clock.now().await?;
    let (contact, date_agreed) = validate_direct_acceptance(input, now, date_skew(ctx))?;
    let agreements = ctx.store.agreements(&customer.id).await?;
    let has_orders = !ctx.store.orders(&customer.id).await?.is_empty();
    check_direct_acceptance(&agreements, has_orders).map_err(|refusal| match refusal {
        DirectAcceptanceRefusal::AlreadyAccepted => ServiceError::AlreadyAcceptedDirectly,
        DirectAcceptanceRefusal::PartnerMustConfirm => ServiceError::PartnerMustConfirmAcceptance,
    })?;
    let templates = ctx.store.templates().await?;
    let template = current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .ok_or_else(|| ServiceError::Internal("the template catalog has no current Customer Agreement".into()))?;
    let agreement = Agreement {
        id: ctx.ids.guid(),
        customer_id: customer.id.clone(),
        partner_tenant_id: None,
        user_id: None,
        contact,
        template_id: template.template_id.clone(),
        agreement_type: template.agreement_type,
        date_agreed,
        source: AgreementSource::DirectAcceptance,
        created_at: now,
    };
    match ctx.store.insert_agreement(&agreement, None).await {
        Ok(()) => Ok(agreement),
        Err(StoreError::Conflict) => Err(ServiceError::AlreadyAcceptedDirectly),
        Err(e) => Err(e.into()),
    }
}
