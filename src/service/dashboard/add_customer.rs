//! The Add customer wizard: the form, **Next: Review** (every rule that can be judged before
//! anything is stored), and **Submit** (the customer and its confirmation in one unit of work, run
//! once under the form's submission id).

use serde::{Deserialize, Serialize};

use super::account::{check_all_at_once, confirmation_input, AttestationForm};
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::{Agreement, ConfirmationInput, ValidConfirmation};
use crate::domain::contact::ContactInput;
use crate::domain::customers::{
    parse_domain, validate_customer_profile, Address, BillingProfile, CompanyProfileInput, Customer,
};
use crate::domain::digest::sha256_hex;
use crate::service::acceptance::{confirm_acceptance_of_new_customer, live_confirmation_open};
use crate::service::access::{ops, permit};
use crate::service::customers::{check_domain_free, create_customer, NewCustomer};
use crate::service::dashboard_sessions::SignedIn;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::run_once::{claim, keep, kept_answer, put_kept, Claim, OnceRequest, WhileRunning, ANSWERED};
use crate::service::unit::in_unit;

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
    /// The choice made in **Customer agreement**; None when neither was chosen.
    pub agreement: Option<AgreementChoice>,
    /// The confirmation's fields (date, person who accepted) as typed, whatever the choice: a
    /// confirmation typed under the other choice is refused, never dropped.
    pub confirmation: AttestationForm,
}

/// The two choices of the wizard's **Customer agreement** section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgreementChoice {
    /// "Customer has accepted the Microsoft Customer Agreement, and I confirm it".
    PartnerConfirms,
    /// "Customer will be asked to accept … in Microsoft 365 Admin Center".
    CustomerWillAccept,
}

/// The wizard's words for its two choices, on the form and on Review.
pub const PARTNER_CONFIRMS: &str =
    "Customer has accepted the Microsoft Customer Agreement, and I confirm it on the customer's behalf";
pub const CUSTOMER_WILL_ACCEPT: &str =
    "Customer will be asked to accept Microsoft Customer Agreement in Microsoft 365 Admin Center";

/// The confirmation's fields in the form's order, in the API's names.
const CONFIRMATION_FIELDS: [&str; 5] = [
    "dateAgreed",
    "primaryContact.firstName",
    "primaryContact.lastName",
    "primaryContact.email",
    "primaryContact.phoneNumber",
];

/// The languages the form offers: code, name (in the language) and the culture it stands for.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("en", "English", "en-US"),
    ("de", "Deutsch", "de-DE"),
    ("es", "Español", "es-ES"),
    ("fr", "Français", "fr-FR"),
    ("it", "Italiano", "it-IT"),
    ("ja", "日本語", "ja-JP"),
];

/// The culture of a language the form offers; none for any other.
fn culture_of(language: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(code, _, _)| *code == language).map(|(_, _, culture)| *culture)
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
                culture: culture_of(self.language.trim()).map(str::to_string),
                language: text(self.language.trim()),
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

    /// The confirmation, when the partner chose to confirm.
    pub fn attestation(&self) -> Option<&AttestationForm> {
        (self.agreement == Some(AgreementChoice::PartnerConfirms)).then_some(&self.confirmation)
    }

    /// The attestation with the person defaulted to the primary contact.
    pub fn attestation_with_person(&self) -> Option<AttestationForm> {
        self.attestation().map(|a| a.or_contact(&self.primary_contact()))
    }

    /// What is wrong with the form's choices: a language the form does not offer (a form made by
    /// hand: its culture cannot be told), no agreement choice made, or a confirmation typed in
    /// under "Customer will be asked" (refused at its first filled field, never silently dropped).
    pub fn choice_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let language = self.language.trim();
        if !language.is_empty() && culture_of(language).is_none() {
            let offered: Vec<&str> = LANGUAGES.iter().map(|(_, name, _)| *name).collect();
            problems.push(format!(
                "billingProfile.language: '{language}' is not one of the languages offered: choose {}",
                offered.join(", ")
            ));
        }
        problems.extend(self.agreement_problems());
        problems
    }

    fn agreement_problems(&self) -> Vec<String> {
        match self.agreement {
            None => {
                vec!["agreement: choose whether the customer has accepted the agreement or will be asked to accept it"
                    .to_string()]
            }
            Some(AgreementChoice::CustomerWillAccept) if !self.confirmation.is_blank() => {
                let c = &self.confirmation;
                let typed = [&c.date_agreed, &c.first_name, &c.last_name, &c.email, &c.phone_number];
                let first = typed.iter().position(|v| !v.trim().is_empty()).unwrap_or(0);
                vec![format!(
                    "{}: you chose \"Customer will be asked to accept\", so the confirmation's fields are not \
                     used: choose \"Customer has accepted\" or clear these fields",
                    CONFIRMATION_FIELDS[first]
                )]
            }
            Some(_) => Vec::new(),
        }
    }
}

/// What **Next: Review** shows: the profile and the confirmation as they will be stored.
pub struct Review {
    pub domain: String,
    pub attestation: Option<ValidConfirmation>,
}

/// **Next: Review**: every rule of the API's customer creation and confirmation that can be
/// judged before anything is stored, all at once: the form's problems (one `Validation` with
/// every field's) and the other refusals (a domain in use, a future date, a role), or a failure.
pub async fn review_new_customer(
    ctx: &AppContext,
    signed_in: &SignedIn,
    form: &CustomerForm,
) -> Result<Review, Vec<ServiceError>> {
    let caller = signed_in.caller();
    permit::<ops::CreateCustomer>(caller).map_err(|e| vec![e])?;
    let mut found = Found::default();
    found.take(super::refuse_nul(form, ""));
    let new = form.as_new_customer();
    let choices = form.choice_problems();
    // A language the list does not offer is said once, at its field: not again as a missing
    // culture or a language that is no language.
    let language_refused = choices.iter().any(|p| p.starts_with("billingProfile.language:"));
    let domain = match validate_customer_profile(new.company_profile.as_ref(), new.billing_profile.as_ref()) {
        Ok(profile) => Some(profile.domain),
        Err(problems) => {
            let of_the_language =
                |p: &String| p.starts_with("billingProfile.culture:") || p.starts_with("billingProfile.language:");
            found.problems.extend(problems.into_iter().filter(|p| !(language_refused && of_the_language(p))));
            parse_domain(form.domain.trim()).ok()
        }
    };
    if let Some(domain) = &domain {
        found.take(check_domain_free(ctx, domain).await);
    }
    found.problems.extend(choices);
    let attestation = match found.take(attestation_input(ctx, caller, form).await).flatten() {
        Some((typed, input)) => found.take(check_all_at_once(ctx, &typed, &input).await),
        None => None,
    };
    let refused = found.into_refusals();
    match (domain, refused.is_empty()) {
        (Some(domain), true) => Ok(Review { domain, attestation }),
        _ => Err(refused),
    }
}

/// What Review found: the form's problems (shown at their fields, in one `Validation`) and the
/// other refusals beside them.
#[derive(Default)]
struct Found {
    problems: Vec<String>,
    refused: Vec<ServiceError>,
}

impl Found {
    /// The value of a check that passed; a refusal is kept with the others found.
    fn take<T>(&mut self, result: ServiceResult<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(ServiceError::Validation(problems)) => {
                self.problems.extend(problems);
                None
            }
            Err(e) => {
                self.refused.push(e);
                None
            }
        }
    }

    /// Every refusal, the form's problems first.
    fn into_refusals(self) -> Vec<ServiceError> {
        let mut refused = self.refused;
        if !self.problems.is_empty() {
            refused.insert(0, ServiceError::Validation(self.problems));
        }
        refused
    }
}

/// The confirmation a form asks for, as the API's body, once the user may confirm the 2023 way
/// today; `None` when the customer will accept in the admin center.
async fn attestation_input(
    ctx: &AppContext,
    caller: &Caller,
    form: &CustomerForm,
) -> ServiceResult<Option<(AttestationForm, ConfirmationInput)>> {
    let Some(attestation) = form.attestation_with_person() else { return Ok(None) };
    permit::<ops::ConfirmAcceptance>(caller)?;
    live_confirmation_open(ctx).await?;
    let input = confirmation_input(ctx, &attestation).await?;
    Ok(Some((attestation, input)))
}

/// What **Submit** made: the customer, its first admin's password (shown once, on the
/// Confirmation), and the confirmation when the partner attested.
pub struct Submitted {
    pub customer: Customer,
    /// Shown once: on the Confirmation after Submit (and its refresh); None when the
    /// Confirmation is opened again from the customer's Account.
    pub password: Option<String>,
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
    super::refuse_nul(form, "")?;
    let choice = form.choice_problems();
    if !choice.is_empty() {
        return Err(ServiceError::Validation(choice));
    }
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
                if !keep(unit, ticket, ANSWERED, body, &[]).await? {
                    // Held by this unit's lock: no other request can have answered it.
                    return Err(ServiceError::Internal("a submission's answer was kept by another request".into()));
                }
                Ok(kept)
            }
            Claim::Answered(answer) => read_kept(&answer.body),
            Claim::OtherRequest(_) => Err(ServiceError::Validation(vec![format!(
                "{SUBMISSION_ID_FIELD}: this form was already submitted with other values; start again from Add customer"
            )])),
            Claim::Running => Err(ServiceError::Validation(vec![format!(
                "{SUBMISSION_ID_FIELD}: this form is still being submitted; reload the page in a moment to see its confirmation"
            )])),
        }
    })
    .await?;
    submitted(ctx, kept).await
}

/// The field a refusal of the submission id itself is reported at: not the form's values but what
/// became of the id (already used by other values, or its first Submit still running).
const SUBMISSION_ID_FIELD: &str = "form";

/// Whether a Submit was refused for what became of its submission id rather than for the form's
/// values: a Review of the same id tells what it is (the earlier submission, or the form again
/// with a Submit that waits for the first), where a fresh Review would find nothing wrong.
pub fn refused_for_its_submission_id(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Validation(problems)
        if problems.iter().all(|p| p.split_once(':').is_some_and(|(field, _)| field == SUBMISSION_ID_FIELD)))
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

/// Where a wizard's form is kept between its steps: under its submission id, beside (not in)
/// the submission's answer.
fn draft_request_id(submission_id: &str) -> String {
    format!("dashboard-draft-{}", submission_id.trim())
}

const DRAFT: &str = "draft";

/// Keep the wizard's form under its submission id (Next: Review), so that the Review, Back and
/// Submit read it from the server rather than from the page or the URL.
pub async fn save_draft(
    ctx: &AppContext,
    signed_in: &SignedIn,
    submission_id: &str,
    form: &CustomerForm,
) -> ServiceResult<()> {
    permit::<ops::CreateCustomer>(signed_in.caller())?;
    let body =
        serde_json::to_string(form).map_err(|e| ServiceError::Internal(format!("a form could not be kept: {e}")))?;
    let request = OnceRequest {
        partner_tenant_id: signed_in.partner.tenant_id.clone(),
        request_id: draft_request_id(submission_id),
        verb: DRAFT.into(),
        target: ADD_CUSTOMER.into(),
        digest: form_hash(form),
    };
    put_kept(ctx, request, body).await
}

/// The wizard's form kept under its submission id, if any (for 24 hours of emulator time).
pub async fn draft(ctx: &AppContext, signed_in: &SignedIn, submission_id: &str) -> ServiceResult<Option<CustomerForm>> {
    permit::<ops::CreateCustomer>(signed_in.caller())?;
    let partner = &signed_in.partner.tenant_id;
    let kept = kept_answer(ctx, partner, &draft_request_id(submission_id), DRAFT, ADD_CUSTOMER).await?;
    Ok(kept.and_then(|(answer, _)| serde_json::from_str(&answer.body).ok()))
}

/// What a submission id's Submit made, if it was submitted: its Confirmation, with the password.
pub async fn submission(
    ctx: &AppContext,
    signed_in: &SignedIn,
    submission_id: &str,
) -> ServiceResult<Option<Submitted>> {
    permit::<ops::CreateCustomer>(signed_in.caller())?;
    let partner = &signed_in.partner.tenant_id;
    let request_id = submission_request_id(submission_id);
    let Some((kept, _)) = kept_answer(ctx, partner, &request_id, SUBMISSION, ADD_CUSTOMER).await? else {
        return Ok(None);
    };
    match read_kept(&kept.body) {
        Ok(kept) => Ok(Some(submitted(ctx, kept).await?)),
        Err(_) => Ok(None),
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
    Ok(Submitted { customer, password: Some(kept.password), confirmation, link: admin_center_links(ctx) })
}
