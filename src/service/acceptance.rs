//! The two ways the Microsoft Customer Agreement gets on record: a partner's confirmation
//! (attestation) and the customer's own acceptance in the admin center.

use chrono::Duration;

use super::access::customer_for;
use super::notifications::attestation_notice;
use crate::auth::Caller;
use crate::domain::agreements::{
    current_template, validate_confirmation, Agreement, AgreementSource, AgreementType, ConfirmationError,
    ConfirmationInput,
};
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::customers::Customer;
use crate::domain::orders::{check_direct_acceptance, DirectAcceptanceRefusal};
use crate::domain::permissions::Operation;
use crate::domain::time::parse_timestamp;
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;
use crate::store::StoreError;

impl From<ConfirmationError> for ApiError {
    fn from(e: ConfirmationError) -> Self {
        let hint = e.hint();
        match e {
            ConfirmationError::Invalid(problems) => ApiError::Validation(problems),
            ConfirmationError::UnknownAgreementType(t) => ApiError::UnsupportedAgreementType(t),
            ConfirmationError::UnknownTemplate(id) => ApiError::UnknownAgreementTemplate { id, hint, in_path: false },
            ConfirmationError::TemplateRetired(id) => ApiError::AgreementTemplateRetired { id, hint },
            ConfirmationError::TypeContradictsTemplate { .. } => ApiError::AgreementTypeMismatch(hint),
            ConfirmationError::DateAgreedInFuture { .. } => ApiError::DateAgreedInFuture(hint),
        }
    }
}

/// `POST /v1/customers/{id}/agreements`: every rule of a partner confirmation, then the record
/// and its notification email, stored together.
pub async fn confirm_acceptance(
    ctx: &AppContext,
    caller: &Caller,
    customer_id: &str,
    input: &ConfirmationInput,
) -> ApiResult<Agreement> {
    let customer = customer_for(ctx, caller, Operation::ConfirmAcceptance, customer_id).await?;
    let templates = ctx.store.templates().await?;
    let now = ctx.clock.now().await?;
    let skew = Duration::seconds(i64::from(ctx.config.date_agreed_skew_seconds));
    let valid = validate_confirmation(input, &templates, now, skew)?;
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
        Err(StoreError::Conflict) => Err(ApiError::PartnerConfirmedAgreementAlreadyExists),
        Err(e) => Err(e.into()),
    }
}

/// The customer accepts the Microsoft Customer Agreement itself (admin center page or the
/// control plane's direct-acceptance route). No notification email is sent.
pub async fn accept_directly(
    ctx: &AppContext,
    customer: &Customer,
    person: &ContactInput,
    date_agreed: Option<&str>,
) -> ApiResult<Agreement> {
    let contact = Contact::parse(person, "").map_err(ApiError::Validation)?;
    let now = ctx.clock.now().await?;
    let date_agreed = match date_agreed.map(str::trim).filter(|d| !d.is_empty()) {
        None => now,
        Some(raw) => parse_timestamp(raw)
            .ok_or_else(|| ApiError::Validation(vec![format!("dateAgreed: '{raw}' is not an ISO 8601 date-time")]))?,
    };
    let skew = Duration::seconds(i64::from(ctx.config.date_agreed_skew_seconds));
    if date_agreed > now + skew {
        return Err(ConfirmationError::DateAgreedInFuture { date_agreed, now }.into());
    }
    let agreements = ctx.store.agreements(&customer.id).await?;
    let has_orders = !ctx.store.orders(&customer.id).await?.is_empty();
    check_direct_acceptance(&agreements, has_orders).map_err(|refusal| match refusal {
        DirectAcceptanceRefusal::AlreadyAccepted => ApiError::AlreadyAcceptedDirectly,
        DirectAcceptanceRefusal::PartnerMustConfirm => ApiError::PartnerMustConfirmAcceptance,
    })?;
    let templates = ctx.store.templates().await?;
    let template = current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .ok_or_else(|| ApiError::Internal("the template catalog has no current Customer Agreement".into()))?;
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
        Err(StoreError::Conflict) => Err(ApiError::AlreadyAcceptedDirectly),
        Err(e) => Err(e.into()),
    }
}
