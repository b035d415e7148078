//! A customer's Account page: its acceptances of the Microsoft Customer Agreement, and **Update**,
//! a new confirmation through the API's use case.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{attestation_control, today, AttestationControl};
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::{Agreement, AgreementSource, AgreementType, ConfirmationInput};
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::customers::Customer;
use crate::domain::ids::CustomerId;
use crate::domain::orders::{mca_standing, McaStanding};
use crate::domain::timeline::ServiceDate;
use crate::service::acceptance::{
    check_confirmation, check_date_not_future, confirm_acceptance, current_mca, ConfirmationCall,
};
use crate::service::access::{agreements_for, customer_for, ops, permit};
use crate::service::dashboard_sessions::SignedIn;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::timeline::service_date;
use crate::service::unit::in_unit;

/// One acceptance of the Microsoft Customer Agreement, as the Account page lists it.
pub struct AcceptanceEntry {
    pub agreement: Agreement,
    /// The confirming partner's name; None for the customer's own acceptance.
    pub partner_name: Option<String>,
    /// The confirming user's name, when the user belongs to this partner.
    pub user_name: Option<String>,
    /// Whether it still counts on the service date (an acceptance of the agreement before its
    /// 2023 refresh stops counting when the 2023 attestation retires).
    pub counts: bool,
}

pub struct AccountView {
    pub customer: Customer,
    /// None when the user's roles may not read the customer's agreements (as in the API).
    pub standing: Option<McaStanding>,
    /// None when the user's roles may not read the customer's agreements.
    pub acceptances: Option<Vec<AcceptanceEntry>>,
    pub control: AttestationControl,
    /// The partner's enhanced attestations for this customer, with status and acceptance link
    /// (empty for roles that may not read agreements).
    pub attestations: Vec<crate::service::attestations::AttestationState>,
    /// The customer's primary contact, named beside the Update form when no confirmation is on
    /// record (never typed into it).
    pub primary_contact: ContactInput,
    pub today: NaiveDate,
}

pub async fn account(ctx: &AppContext, signed_in: &SignedIn, customer_id: &CustomerId) -> ServiceResult<AccountView> {
    let caller = signed_in.caller();
    let customer = customer_for(ctx, &permit::<ops::GetCustomer>(caller)?, customer_id).await?;
    let service_day = service_date(ctx).await?;
    let (standing, acceptances, attestations) = match permit::<ops::ListCustomerAgreements>(caller) {
        Ok(readable) => {
            let standing = mca_standing(&ctx.store.agreements(&customer.id).await?, service_day);
            let agreements = agreements_for(ctx, &readable, customer_id).await?;
            let attestations =
                crate::service::attestations::for_customer(ctx, &caller.partner.tenant_id, &customer).await?;
            (Some(standing), Some(acceptance_entries(ctx, caller, agreements, service_day).await?), attestations)
        }
        Err(ServiceError::RoleNotAllowed(_)) => (None, None, Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(AccountView {
        primary_contact: customer.primary_contact(),
        customer,
        standing,
        acceptances,
        attestations,
        control: attestation_control(ctx, caller).await?,
        today: today(ctx).await?,
    })
}

async fn acceptance_entries(
    ctx: &AppContext,
    caller: &Caller,
    agreements: Vec<Agreement>,
    service_day: ServiceDate,
) -> ServiceResult<Vec<AcceptanceEntry>> {
    let mut entries = Vec::new();
    for agreement in agreements.into_iter().filter(|a| a.agreement_type == AgreementType::MicrosoftCustomerAgreement) {
        let partner_name = match &agreement.partner_tenant_id {
            Some(id) => Some(ctx.store.partner(id).await?.map_or_else(|| id.clone(), |p| p.name)),
            None => None,
        };
        let user_name = match (&agreement.user_id, agreement.source) {
            (Some(id), AgreementSource::PartnerConfirmation) => ctx
                .store
                .partner_user(id)
                .await?
                .filter(|u| u.partner_tenant_id == caller.partner.tenant_id)
                .map(|u| u.user_name),
            _ => None,
        };
        let counts = service_day.acceptance_counts(agreement.date_agreed);
        entries.push(AcceptanceEntry { agreement, partner_name, user_name, counts });
    }
    Ok(entries)
}

/// The person and date a partner user attests, as typed in a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: String,
    /// `YYYY-MM-DD`.
    pub date_agreed: String,
}

impl AttestationForm {
    /// Whether any field was typed in.
    pub fn is_blank(&self) -> bool {
        [&self.first_name, &self.last_name, &self.email, &self.phone_number, &self.date_agreed]
            .iter()
            .all(|field| field.trim().is_empty())
    }

    /// The date as typed: none, a day, or why it is not one.
    pub fn agreed_day(&self) -> Result<Option<NaiveDate>, String> {
        let date = self.date_agreed.trim();
        if date.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("dateAgreed: '{date}' is not a date; enter it as YYYY-MM-DD"))
    }

    /// This form, or, when no person field was typed in, the same with `contact` (the primary
    /// contact) as the person. A person partly typed in stays as typed: the rules then say what
    /// is missing, rather than mixing two people.
    pub fn or_contact(&self, contact: &ContactInput) -> AttestationForm {
        let typed = [&self.first_name, &self.last_name, &self.email, &self.phone_number];
        if typed.iter().any(|field| !field.trim().is_empty()) {
            return self.clone();
        }
        AttestationForm {
            first_name: contact.first_name.clone().unwrap_or_default(),
            last_name: contact.last_name.clone().unwrap_or_default(),
            email: contact.email.clone().unwrap_or_default(),
            phone_number: contact.phone_number.clone().unwrap_or_default(),
            date_agreed: self.date_agreed.clone(),
        }
    }
}

/// The form as the API's confirmation body: the current Microsoft Customer Agreement template,
/// the date at the start of the day (UTC).
pub(super) async fn confirmation_input(ctx: &AppContext, form: &AttestationForm) -> ServiceResult<ConfirmationInput> {
    let optional = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
    let contact = ContactInput {
        first_name: Some(form.first_name.clone()),
        last_name: Some(form.last_name.clone()),
        email: Some(form.email.clone()),
        phone_number: optional(&form.phone_number),
    };
    let date_agreed = match form.agreed_day() {
        Ok(day) => day.map(|day| format!("{day}T00:00:00Z")),
        // A date that can't be read, said together with the person's problems.
        Err(problem) => {
            let mut problems = vec![problem];
            problems.extend(Contact::parse(&contact, "primaryContact.").err().unwrap_or_default());
            return Err(ServiceError::Validation(problems));
        }
    };
    let templates = ctx.store.templates().await?;
    let template = current_mca(&templates)?;
    Ok(ConfirmationInput {
        contact,
        contact_given: true,
        template_id: Some(template.template_id.clone()),
        date_agreed,
        agreement_type: None,
    })
}

/// The Account page's **Update**: a new confirmation through the API's use case (an identical one
/// is a duplicate, 600061); earlier ones stay.
pub async fn attest(
    ctx: &AppContext,
    signed_in: &SignedIn,
    customer_id: &CustomerId,
    form: &AttestationForm,
) -> ServiceResult<Agreement> {
    let permit = permit::<ops::ConfirmAcceptance>(signed_in.caller())?;
    super::refuse_nul(form, "attestation.")?;
    let input = confirmation_input(ctx, form).await?;
    check_all_at_once(ctx, form, &input).await?;
    in_unit!(ctx, |unit| confirm_acceptance(ctx, &permit, unit, customer_id, &input, ConfirmationCall::Live).await)
        .await
}

/// The confirmation's rules, with a date later than the clock allows said beside the other
/// problems (the API's rules stop at the first kind of problem; a form says them all at once).
pub(super) async fn check_all_at_once(
    ctx: &AppContext,
    form: &AttestationForm,
    input: &ConfirmationInput,
) -> ServiceResult<crate::domain::agreements::ValidConfirmation> {
    match check_confirmation(ctx, input).await {
        Err(ServiceError::Validation(mut problems)) => {
            if let Ok(Some(day)) = form.agreed_day() {
                let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
                if let Err(ServiceError::DateAgreedInFuture(_)) = check_date_not_future(ctx, start).await {
                    problems.push(FUTURE_DATE.to_string());
                }
            }
            Err(ServiceError::Validation(problems))
        }
        other => other,
    }
}

/// The future-date rule (600002) as a form's problem about the date.
pub const FUTURE_DATE: &str = "dateAgreed: Date of agreement cannot be greater than the current date. \
     Enter today's date (by the emulator clock) or an earlier one. (error 600002)";
