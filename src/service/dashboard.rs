//! The partner's side, as the emulated Partner Center dashboard sees it: the customer list, the
//! Add customer wizard, a customer's Account page with its agreement section, and the
//! reseller-relationship invitation. Every action goes through the same use cases, permission
//! rules and units of work as the API; what a page may offer follows from the same decisions.

use crate::domain::digest::sha256_hex;
use crate::domain::ids::CustomerId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::acceptance::{
    check_confirmation, confirm_acceptance, confirm_acceptance_of_new_customer, current_mca, live_confirmation_open,
    ConfirmationCall,
};
use super::access::{agreements_for, customer_for, ops, permit};
use super::customers::{check_domain_free, create_customer, invitation_url, list_customers, NewCustomer, PageRequest};
use super::dashboard_sessions::SignedIn;
use super::error::{ServiceError, ServiceResult};
use super::run_once::{claim, keep, kept_answer, Claim, OnceRequest, WhileRunning, ANSWERED};
use super::timeline::service_date;
use super::unit::in_unit;
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::{Agreement, AgreementSource, AgreementType, ConfirmationInput, ValidConfirmation};
use crate::domain::contact::ContactInput;
use crate::domain::customers::{validate_customer_profile, Address, BillingProfile, CompanyProfileInput, Customer};
use crate::domain::orders::{mca_standing, McaStanding};
use crate::domain::timeline::ServiceDate;

/// Customers per page of the list.
pub const PAGE_SIZE: usize = 20;

/// What the signed-in user may do about a customer's agreement: one decision, from the same
/// permission rule as the API's 2023 confirmation and the service date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationControl {
    /// The user may attest (the wizard's first choice, the Account page's Update).
    Open,
    /// The user's roles don't include Admin agent or Sales agent.
    NotForRole,
    /// Indirect resellers can't attest: their indirect provider (named) must.
    IndirectReseller { provider: String },
    /// On this service date the 2023 attestation is retired: attestation goes through the
    /// enhanced attestation API.
    Retired { service_date: String },
}

pub async fn attestation_control(ctx: &AppContext, caller: &Caller) -> ServiceResult<AttestationControl> {
    match permit::<ops::ConfirmAcceptance>(caller) {
        Ok(_) => {}
        Err(ServiceError::IndirectResellerCannotAttest) => {
            let provider = match &caller.partner.indirect_provider_id {
                Some(id) => ctx.store.partner(id).await?.map_or_else(|| id.clone(), |p| p.name),
                None => "your indirect provider".to_string(),
            };
            return Ok(AttestationControl::IndirectReseller { provider });
        }
        Err(ServiceError::RoleNotAllowed(_) | ServiceError::AppUserTokenRequired) => {
            return Ok(AttestationControl::NotForRole)
        }
        Err(e) => return Err(e),
    }
    match live_confirmation_open(ctx).await {
        Ok(()) => Ok(AttestationControl::Open),
        Err(ServiceError::LegacyAttestationRetired { service_date }) => {
            Ok(AttestationControl::Retired { service_date })
        }
        Err(e) => Err(e),
    }
}

/// The emulator clock's today (for the date fields' hints).
pub async fn today(ctx: &AppContext) -> ServiceResult<NaiveDate> {
    Ok(ctx.clock.now().await?.date_naive())
}

/// Whether the user may add customers (the API's customer-creation rule).
pub fn may_add_customers(caller: &Caller) -> bool {
    permit::<ops::CreateCustomer>(caller).is_ok()
}

/// Whether the user may read customers' agreements (the API's rule for their list): what the API
/// refuses a user, the pages do not show either, the agreement's state at a glance included.
pub fn may_read_agreements(caller: &Caller) -> bool {
    permit::<ops::ListCustomerAgreements>(caller).is_ok()
}

/// Whether the user may send reseller-relationship invitations (the API's rule for the link).
pub fn may_invite(caller: &Caller) -> bool {
    permit::<ops::GetRelationshipRequest>(caller).is_ok()
}

// --- Customers ----------------------------------------------------------------------------------

pub struct CustomerRow {
    pub customer: Customer,
    /// None when the user's roles may not read the customer's agreements (as in the API).
    pub standing: Option<McaStanding>,
}

pub struct CustomerList {
    pub rows: Vec<CustomerRow>,
    /// Customers matching the search, on every page.
    pub matching: usize,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
}

/// The customers the partner serves (itself or through its resellers), newest last, those whose
/// company name, domain or Microsoft ID contains `search` (any letter case), a page at a time.
pub async fn customers(
    ctx: &AppContext,
    signed_in: &SignedIn,
    search: &str,
    page: usize,
) -> ServiceResult<CustomerList> {
    let permit = permit::<ops::ListCustomers>(signed_in.caller())?;
    let all = list_customers(ctx, &permit, PageRequest::default()).await?.customers;
    let needle = search.trim().to_lowercase();
    let matching: Vec<Customer> = all
        .into_iter()
        .filter(|c| {
            needle.is_empty()
                || c.company_name.to_lowercase().contains(&needle)
                || c.domain.contains(&needle)
                || c.id.contains(&needle)
        })
        .collect();
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let today = service_date(ctx).await?;
    let shows_standing = may_read_agreements(signed_in.caller());
    let mut rows = Vec::new();
    for customer in matching.iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE) {
        let standing =
            if shows_standing { Some(mca_standing(&ctx.store.agreements(&customer.id).await?, today)) } else { None };
        rows.push(CustomerRow { standing, customer: customer.clone() });
    }
    Ok(CustomerList { rows, matching: matching.len(), page, pages })
}

// --- Account page -------------------------------------------------------------------------------

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
    /// The person an Update suggests: the customer's primary contact.
    pub primary_contact: ContactInput,
    pub today: NaiveDate,
}

pub async fn account(ctx: &AppContext, signed_in: &SignedIn, customer_id: &CustomerId) -> ServiceResult<AccountView> {
    let caller = signed_in.caller();
    let customer = customer_for(ctx, &permit::<ops::GetCustomer>(caller)?, customer_id).await?;
    let service_day = service_date(ctx).await?;
    let (standing, acceptances) = match permit::<ops::ListCustomerAgreements>(caller) {
        Ok(readable) => {
            let standing = mca_standing(&ctx.store.agreements(&customer.id).await?, service_day);
            let agreements = agreements_for(ctx, &readable, customer_id).await?;
            (Some(standing), Some(acceptance_entries(ctx, caller, agreements, service_day).await?))
        }
        Err(ServiceError::RoleNotAllowed(_)) => (None, None),
        Err(e) => return Err(e),
    };
    Ok(AccountView {
        primary_contact: customer.primary_contact(),
        customer,
        standing,
        acceptances,
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
async fn confirmation_input(ctx: &AppContext, form: &AttestationForm) -> ServiceResult<ConfirmationInput> {
    let date = form.date_agreed.trim();
    let date_agreed = if date.is_empty() {
        None
    } else {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            ServiceError::Validation(vec![format!("dateAgreed: '{date}' is not a date; enter it as YYYY-MM-DD")])
        })?;
        Some(format!("{day}T00:00:00Z"))
    };
    let templates = ctx.store.templates().await?;
    let template = current_mca(&templates)?;
    let optional = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
    Ok(ConfirmationInput {
        contact: ContactInput {
            first_name: Some(form.first_name.clone()),
            last_name: Some(form.last_name.clone()),
            email: Some(form.email.clone()),
            phone_number: optional(&form.phone_number),
        },
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
    let input = confirmation_input(ctx, form).await?;
    in_unit!(ctx, |unit| confirm_acceptance(ctx, &permit, unit, customer_id, &input, ConfirmationCall::Live).await)
        .await
}

// --- Add customer ---------------------------------------------------------------------------------

/// The Add customer form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerForm {
    pub company_name: String,
    /// The initial domain's prefix (`contoso` for `contoso.onmicrosoft.com`), or the whole name.
    pub domain: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    /// `en`, `de`, `es`, `fr`, `it` or `ja`; the culture follows from it.
    pub language: String,
    /// The partner attests (Some), or the customer will accept in the admin center (None).
    pub attestation: Option<AttestationForm>,
}

/// The culture of a language the form offers.
fn culture_of(language: &str) -> &'static str {
    match language {
        "de" => "de-DE",
        "es" => "es-ES",
        "fr" => "fr-FR",
        "it" => "it-IT",
        "ja" => "ja-JP",
        _ => "en-US",
    }
}

impl CustomerForm {
    fn optional(value: &str) -> Option<String> {
        Some(value.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// The form as the API's customer body.
    fn as_new_customer(&self) -> NewCustomer {
        let text = |v: &str| Some(v.to_string());
        NewCustomer {
            company_profile: Some(CompanyProfileInput {
                domain: text(&self.domain),
                company_name: text(&self.company_name),
                organization_registration_number: None,
            }),
            billing_profile: Some(BillingProfile {
                email: text(&self.email),
                culture: Some(culture_of(&self.language).to_string()),
                language: text(&self.language),
                company_name: text(&self.company_name),
                first_name: None,
                last_name: None,
                default_address: Some(Address {
                    first_name: text(&self.first_name),
                    last_name: text(&self.last_name),
                    address_line1: text(&self.address_line1),
                    address_line2: Self::optional(&self.address_line2),
                    city: text(&self.city),
                    state: text(&self.state),
                    postal_code: text(&self.postal_code),
                    country: text(&self.country),
                    phone_number: Self::optional(&self.phone_number),
                }),
            }),
            associated_partner_id: None,
            password: None,
        }
    }

    /// The primary contact the form names.
    fn primary_contact(&self) -> ContactInput {
        ContactInput {
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            email: Some(self.email.clone()),
            phone_number: Self::optional(&self.phone_number),
        }
    }

    /// The attestation with the person defaulted to the primary contact.
    pub fn attestation_with_person(&self) -> Option<AttestationForm> {
        self.attestation.as_ref().map(|a| a.or_contact(&self.primary_contact()))
    }
}

/// What **Next: Review** shows: the profile and the confirmation as they will be stored.
pub struct Review {
    pub domain: String,
    pub attestation: Option<ValidConfirmation>,
}

/// **Next: Review**: every rule of the API's customer creation and confirmation that can be
/// judged before anything is stored.
pub async fn review_new_customer(ctx: &AppContext, signed_in: &SignedIn, form: &CustomerForm) -> ServiceResult<Review> {
    let caller = signed_in.caller();
    permit::<ops::CreateCustomer>(caller)?;
    let new = form.as_new_customer();
    let profile = validate_customer_profile(new.company_profile.as_ref(), new.billing_profile.as_ref())
        .map_err(ServiceError::Validation)?;
    check_domain_free(ctx, &profile.domain).await?;
    let attestation = match attestation_input(ctx, caller, form).await? {
        Some(input) => Some(check_confirmation(ctx, &input).await?),
        None => None,
    };
    Ok(Review { domain: profile.domain, attestation })
}

/// The confirmation a form asks for, as the API's body, once the user may confirm the 2023 way
/// today; `None` when the customer will accept in the admin center.
async fn attestation_input(
    ctx: &AppContext,
    caller: &Caller,
    form: &CustomerForm,
) -> ServiceResult<Option<ConfirmationInput>> {
    let Some(attestation) = form.attestation_with_person() else { return Ok(None) };
    permit::<ops::ConfirmAcceptance>(caller)?;
    live_confirmation_open(ctx).await?;
    Ok(Some(confirmation_input(ctx, &attestation).await?))
}

/// What **Submit** made: the customer, its first admin's password (shown once, on the
/// Confirmation), and the confirmation when the partner attested.
pub struct Submitted {
    pub customer: Customer,
    pub password: String,
    pub confirmation: Option<Agreement>,
    pub link: AdminCenterLinks,
}

/// The admin-center links a partner sends its new customer.
pub struct AdminCenterLinks {
    pub sign_in: String,
    pub agreement: String,
}

pub fn admin_center_links(ctx: &AppContext) -> AdminCenterLinks {
    AdminCenterLinks {
        sign_in: format!("{}/AdminPortal/SignIn", ctx.public_base_url),
        agreement: format!("{}/AdminPortal/Home?ref=/BillingAccounts/agreement", ctx.public_base_url),
    }
}

/// What a submission's kept answer holds.
#[derive(Serialize, Deserialize)]
struct KeptSubmission {
    customer_id: String,
    password: String,
    confirmation_id: Option<String>,
}

/// **Submit**: the customer and, when the partner attests, its confirmation, in one unit of work
/// (both, or neither), run once under the form's submission id: a double click or a refresh gets
/// the first submission's customer and credentials, as an `MS-RequestId` retry does — after
/// waiting for the first Submit to end, if it still runs.
pub async fn submit_new_customer(
    ctx: &AppContext,
    signed_in: &SignedIn,
    submission_id: &str,
    form: &CustomerForm,
) -> ServiceResult<Submitted> {
    let caller = signed_in.caller();
    let create = permit::<ops::CreateCustomer>(caller)?;
    let request = OnceRequest {
        partner_tenant_id: caller.partner.tenant_id.clone(),
        request_id: submission_request_id(submission_id),
        verb: SUBMISSION.into(),
        target: ADD_CUSTOMER.into(),
        digest: form_hash(form),
    };
    let kept = in_unit!(ctx, |unit| {
        match claim(ctx, unit, request, WhileRunning::Wait).await? {
            Claim::Run(ticket) => {
                let created = create_customer(ctx, &create, unit, form.as_new_customer()).await?;
                let confirmation = match form.attestation_with_person() {
                    None => None,
                    Some(attestation) => {
                        let confirm = permit::<ops::ConfirmAcceptance>(caller)?;
                        let input = confirmation_input(ctx, &attestation).await?;
                        Some(confirm_acceptance_of_new_customer(ctx, &confirm, unit, &created.customer, &input).await?)
                    }
                };
                let kept = KeptSubmission {
                    customer_id: created.customer.id.clone(),
                    password: created.password,
                    confirmation_id: confirmation.map(|a| a.id),
                };
                let body = serde_json::to_string(&kept)
                    .map_err(|e| ServiceError::Internal(format!("a submission could not be kept: {e}")))?;
                keep(unit, ticket, ANSWERED, body).await?;
                Ok(kept)
            }
            Claim::Answered(answer) => read_kept(&answer.body),
            Claim::OtherRequest(_) => Err(ServiceError::Validation(vec![
                "form: this form was already submitted with other values; start again from Add customer".into(),
            ])),
            Claim::Running => Err(ServiceError::Validation(vec![
                "form: this form is still being submitted; reload the page in a moment to see its confirmation".into(),
            ])),
        }
    })
    .await?;
    submitted(ctx, kept).await
}

fn read_kept(body: &str) -> ServiceResult<KeptSubmission> {
    serde_json::from_str(body).map_err(|e| ServiceError::Internal(format!("a kept submission could not be read: {e}")))
}

/// What became of a form's submission id before this request.
pub enum EarlierSubmission {
    /// Never submitted: the form goes on to its review under the same id.
    None,
    /// Submitted with these very values: its Confirmation (a Back to the review after Submit shows
    /// it again rather than refusing the customer's domain as taken).
    Same(Box<Submitted>),
    /// Submitted with other values (the browser's Back past the Confirmation, then an edit): the
    /// edited form is a new customer, under a new submission id.
    OtherValues,
}

/// Whether this form's submission id was used, and with which values.
pub async fn earlier_submission(
    ctx: &AppContext,
    signed_in: &SignedIn,
    submission_id: &str,
    form: &CustomerForm,
) -> ServiceResult<EarlierSubmission> {
    permit::<ops::CreateCustomer>(signed_in.caller())?;
    let partner = &signed_in.partner.tenant_id;
    let request_id = submission_request_id(submission_id);
    let Some((kept, digest)) = kept_answer(ctx, partner, &request_id, SUBMISSION, ADD_CUSTOMER).await? else {
        return Ok(EarlierSubmission::None);
    };
    if digest != form_hash(form) {
        return Ok(EarlierSubmission::OtherValues);
    }
    match read_kept(&kept.body) {
        Ok(submission) => Ok(EarlierSubmission::Same(Box::new(submitted(ctx, submission).await?))),
        Err(_) => Ok(EarlierSubmission::None),
    }
}

/// SHA-256 of the form's values, in hex: what tells a repeat of a submission from an edited form.
fn form_hash(form: &CustomerForm) -> String {
    sha256_hex(serde_json::to_vec(form).unwrap_or_default())
}

/// Where a form submission's answer is kept: the partner's request ids, in a namespace of its own.
fn submission_request_id(submission_id: &str) -> String {
    format!("dashboard-{}", submission_id.trim())
}

/// What a submission is, to the run-once mechanism: the Add customer wizard's Submit.
const SUBMISSION: &str = "submit";
const ADD_CUSTOMER: &str = "add customer";

async fn submitted(ctx: &AppContext, kept: KeptSubmission) -> ServiceResult<Submitted> {
    let customer = ctx
        .store
        .customer(&kept.customer_id)
        .await?
        .ok_or_else(|| ServiceError::TenantNotFound(format!("customer {} no longer exists", kept.customer_id)))?;
    let confirmation = match &kept.confirmation_id {
        Some(id) => ctx.store.agreements(&customer.id).await?.into_iter().find(|a| &a.id == id),
        None => None,
    };
    Ok(Submitted { customer, password: kept.password, confirmation, link: admin_center_links(ctx) })
}

// --- Reseller relationship ----------------------------------------------------------------------

/// The invitation link of **Request a reseller relationship** (the API's
/// `GET /v1/customers/relationshiprequests`, with the delegated-admin choice).
pub fn relationship_request(ctx: &AppContext, signed_in: &SignedIn, delegated_admin: bool) -> ServiceResult<String> {
    let permit = permit::<ops::GetRelationshipRequest>(signed_in.caller())?;
    Ok(invitation_url(ctx, &permit.caller().partner.tenant_id, delegated_admin))
}
