//! What a use case can refuse or fail with. It knows nothing of HTTP: each refusal carries its
//! Partner Center code, name and the description a client reads, plus a hint for the developer
//! (the request journal, start-up errors); its [`ErrorKind`] says what sort of failure it is.
//! The HTTP edge turns a `ServiceError` into a status and an error body in one place; the
//! admin center turns it into a sentence on a page.

use crate::auth::TokenError;
use crate::domain::agreements::ConfirmationError;
use crate::domain::permissions::{Refusal, Role};
use crate::store::StoreError;

/// What sort of failure an error is: the HTTP edge derives the status from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is wrong; sending it again will not help.
    Invalid,
    /// Who is calling could not be established.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// What the request names does not exist.
    NotFound,
    /// It clashes with what is stored.
    Conflict,
    /// It existed and has expired.
    Gone,
    /// The database is unreachable: retrying later may work.
    Unavailable,
    /// A bug or corrupt data.
    Internal,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    // --- Partner Center's own codes ---
    #[error("unauthenticated")]
    Unauthenticated(TokenError),
    #[error("role not allowed")]
    RoleNotAllowed(String),
    #[error("tenant not found")]
    TenantNotFound(String),
    #[error("no relationship")]
    NoRelationship(String),
    #[error("order gate")]
    AgreementRequiredForPurchase(String),
    #[error("duplicate confirmation")]
    PartnerConfirmedAgreementAlreadyExists,
    #[error("date agreed in future")]
    DateAgreedInFuture(String),
    /// An App+User token without an MFA claim, from the 2026-04-01 milestone on.
    #[error("mfa required")]
    MfaRequired,

    // --- The emulator's own codes (99xxxx) ---
    #[error("validation failed")]
    Validation(Vec<String>),
    #[error("unsupported agreement type")]
    UnsupportedAgreementType(String),
    /// `addressed`: the template is the resource the request addresses (it is in the path), so
    /// its absence is "not found" rather than a bad request.
    #[error("unknown template")]
    UnknownAgreementTemplate { id: String, hint: String, addressed: bool },
    #[error("type contradicts template")]
    AgreementTypeMismatch(String),
    #[error("template retired")]
    AgreementTemplateRetired { id: String, hint: String },
    #[error("no document")]
    NoDocumentForTemplate(String),
    #[error("unknown country")]
    UnknownCountry(String),
    #[error("document link expired")]
    DocumentLinkExpired,
    #[error("document link not found")]
    DocumentLinkNotFound,
    #[error("app+user token required")]
    AppUserTokenRequired,
    #[error("app-only token required")]
    AppOnlyTokenRequired,
    #[error("reseller cannot attest")]
    IndirectResellerCannotAttest,
    #[error("domain exists")]
    DomainAlreadyExists(String),
    #[error("invalid associated partner")]
    InvalidAssociatedPartner(String),
    #[error("customer must go through partner")]
    PartnerMustConfirmAcceptance,
    #[error("already accepted")]
    AlreadyAcceptedDirectly,
    #[error("partner not found")]
    PartnerNotFound(String),
    #[error("partner exists")]
    PartnerAlreadyExists(String),
    #[error("fault rule not found")]
    FaultRuleNotFound(String),
    /// A partner user with this user name exists (control plane).
    #[error("user name taken")]
    UserNameTaken(String),
    /// No user with this id belongs to the partner (control plane).
    #[error("user not found")]
    UserNotFound(String),
    /// An `MS-ContinuationToken` that was not issued here, was altered, or belongs to another
    /// partner.
    #[error("invalid continuation token")]
    InvalidContinuationToken(String),
    /// An `MS-ContinuationToken` whose page ended on a customer that no longer exists (a reset).
    #[error("stale continuation token")]
    StaleContinuationToken,
    /// Enhanced attestation does not exist yet on the service date. `addressed`: the request
    /// addressed an enhanced-attestation route (so it is "not found"), rather than naming an
    /// attestation in a body.
    #[error("enhanced attestation not available")]
    EnhancedAttestationNotAvailable { service_date: String, addressed: bool },
    #[error("2023 attestation retired")]
    LegacyAttestationRetired { service_date: String },
    #[error("attestation not accepted")]
    AttestationNotAccepted(String),
    #[error("attestation expired")]
    AttestationExpired(String),
    #[error("attestation already used")]
    AttestationAlreadyUsed(String),
    #[error("attestation not found")]
    AttestationNotFound(String),
    #[error("attestation of another partner")]
    AttestationOfAnotherPartner(String),
    #[error("attestation already accepted")]
    AttestationAlreadyAccepted(String),
    /// No cart of the customer has this id (or the caller may not see it).
    #[error("cart not found")]
    CartNotFound(String),
    /// No order of the customer that the caller may see has this id.
    #[error("order not found")]
    OrderNotFound(String),
    /// A cart past its expiry (7 days after its creation) changes no more.
    #[error("cart expired")]
    CartExpired { id: String, expired_at: String },
    /// A checked-out cart changes no more.
    #[error("cart already ordered")]
    CartAlreadyOrdered(String),

    // --- Seeds ---
    /// A seed entry was refused by a rule: the rule's own code, with the entry named.
    #[error("seed entry {entry} refused")]
    SeedEntryRefused { entry: String, cause: Box<ServiceError> },
    /// A seed entry names a record that is stored with other values.
    #[error("seed entry {entry} differs from what is stored")]
    SeedEntryDiffers { entry: String, detail: String },

    // --- Infrastructure ---
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

pub const ORDER_GATE_MESSAGE: &str = "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase";
pub const ASK_PARTNER_MESSAGE: &str =
    "Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement.";

/// The fixed parts of a refusal as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub kind: ErrorKind,
    pub code: u32,
    pub name: &'static str,
    pub description: String,
}

fn described(kind: ErrorKind, code: u32, name: &'static str, description: impl Into<String>) -> Described {
    Described { kind, code, name, description: description.into() }
}

impl ServiceError {
    /// Kind, code, name and the description a client reads.
    pub fn describe(&self) -> Described {
        use ErrorKind::*;
        match self {
            Self::Unauthenticated(_) => described(Unauthenticated, 800001, "Unauthorized", "Authentication failed: the access token is missing, invalid or expired."),
            Self::RoleNotAllowed(_) => described(Forbidden, 900150, "InsufficientRole", "The supplied role does not have the rights to perform the requested operation."),
            Self::TenantNotFound(_) => described(NotFound, 60003, "TenantNotFound", "Tenant not found"),
            Self::NoRelationship(_) => described(Forbidden, 20002, "NoRelationship", "No relationship between caller and account."),
            Self::AgreementRequiredForPurchase(_) => described(Forbidden, 13605, "CustomerAgreementNotAccepted", ORDER_GATE_MESSAGE),
            Self::PartnerConfirmedAgreementAlreadyExists => described(Conflict, 600061, "PartnerConfirmedAgreementAlreadyExists", "A partner confirmed agreement already exists for the customer."),
            Self::DateAgreedInFuture(_) => described(Invalid, 600002, "DateAgreedInFuture", "Date of agreement cannot be greater than the current date."),
            Self::MfaRequired => described(Unauthenticated, 900421, "MfaRequired", "Multi-factor authentication is required: the user of this App+User token did not sign in with MFA (its amr claim has no mfa)."),
            Self::Validation(_) => described(Invalid, 990401, "ValidationFailed", "The request is not valid; see data for each problem."),
            Self::UnsupportedAgreementType(t) => described(Invalid, 990410, "UnsupportedAgreementType", format!("Agreement type '{t}' is not supported. Use MicrosoftCustomerAgreement or MicrosoftCloudAgreement (or * to list every type).")),
            Self::UnknownAgreementTemplate { id, addressed, .. } => described(if *addressed { NotFound } else { Invalid }, 990411, "UnknownAgreementTemplate", format!("Agreement template '{id}' was not found.")),
            Self::AgreementTypeMismatch(_) => described(Invalid, 990412, "AgreementTypeMismatch", "The agreement type does not match the agreement template."),
            Self::AgreementTemplateRetired { id, .. } => described(Invalid, 990413, "AgreementTemplateRetired", format!("Microsoft Cloud Agreement Template ID '{id}' is no longer supported.")),
            Self::NoDocumentForTemplate(id) => described(NotFound, 990414, "NoDocumentForTemplate", format!("Agreement template '{id}' has no document; only the Microsoft Customer Agreement has one.")),
            Self::UnknownCountry(c) => described(Invalid, 990415, "UnknownCountry", format!("Country '{c}' is not supported (codes are case-sensitive ISO 3166 two-letter codes).")),
            Self::DocumentLinkExpired => described(Gone, 990416, "DocumentLinkExpired", "This agreement document link has expired; request a new one."),
            Self::DocumentLinkNotFound => described(NotFound, 990417, "DocumentLinkNotFound", "This agreement document link does not exist."),
            Self::AppUserTokenRequired => described(Forbidden, 990420, "AppUserTokenRequired", "This operation requires an App+User token; App-only tokens are not supported."),
            Self::AppOnlyTokenRequired => described(Forbidden, 990426, "AppOnlyTokenRequired", "This operation requires an App-only token; App+User tokens are not supported."),
            Self::IndirectResellerCannotAttest => described(Forbidden, 990421, "IndirectResellerCannotAttest", "Indirect resellers can't attest on behalf of their customers. Work with your indirect provider to confirm the customer's acceptance of the Microsoft Customer Agreement."),
            Self::DomainAlreadyExists(d) => described(Conflict, 990422, "DomainAlreadyExists", format!("The domain '{d}' is already in use.")),
            Self::InvalidAssociatedPartner(_) => described(Invalid, 990423, "InvalidAssociatedPartner", "associatedPartnerId must name one of the caller's own indirect resellers, and only an indirect provider may send it."),
            Self::PartnerMustConfirmAcceptance => described(Forbidden, 990424, "PartnerMustConfirmAcceptance", ASK_PARTNER_MESSAGE),
            Self::AlreadyAcceptedDirectly => described(Conflict, 990425, "AgreementAlreadyAccepted", "The customer has already accepted the Microsoft Customer Agreement."),
            Self::PartnerNotFound(id) => described(NotFound, 990430, "PartnerNotFound", format!("Partner '{id}' does not exist in this emulator.")),
            Self::PartnerAlreadyExists(id) => described(Conflict, 990431, "PartnerAlreadyExists", format!("A partner with tenant id '{id}' already exists.")),
            Self::UserNameTaken(name) => described(Conflict, 990439, "UserNameTaken", format!("A user named '{name}' already exists.")),
            Self::UserNotFound(id) => described(NotFound, 990449, "UserNotFound", format!("Partner user '{id}' does not exist for this partner.")),
            Self::InvalidContinuationToken(_) => described(Invalid, 990437, "InvalidContinuationToken", "The MS-ContinuationToken header is not a continuation token issued for this partner; see data."),
            Self::StaleContinuationToken => described(Invalid, 990438, "StaleContinuationToken", "The MS-ContinuationToken refers to a list that no longer exists (the emulator was reset since). Start again from the first page, without MS-ContinuationToken."),
            Self::FaultRuleNotFound(id) => described(NotFound, 990435, "FaultRuleNotFound", format!("Fault rule '{id}' does not exist.")),
            Self::EnhancedAttestationNotAvailable { service_date, addressed } => described(if *addressed { NotFound } else { Invalid }, 990440, "EnhancedAttestationNotAvailable", format!("Enhanced attestation is available from 2025-07-10 (general availability); the emulator's service date is {service_date}.")),
            Self::LegacyAttestationRetired { .. } => described(Invalid, 990441, "LegacyAttestationRetired", "Confirming customer acceptance without an attestation was retired on 2026-01-05. Use enhanced attestation: create an attestation (POST /v1/attestations/enhanced, App-only), have the customer accept it, then send its attestationId to POST /v1/customers/{customerId}/agreements."),
            Self::AttestationNotAccepted(id) => described(Conflict, 990442, "AttestationNotAccepted", format!("The customer has not accepted attestation '{id}' yet.")),
            Self::AttestationExpired(id) => described(Gone, 990443, "AttestationExpired", format!("Attestation '{id}' expired before the customer accepted it; create a new one.")),
            Self::AttestationAlreadyUsed(id) => described(Conflict, 990444, "AttestationAlreadyUsed", format!("Attestation '{id}' was already used to create an agreement.")),
            Self::AttestationNotFound(id) => described(NotFound, 990445, "AttestationNotFound", format!("Attestation '{id}' does not exist.")),
            Self::AttestationOfAnotherPartner(id) => described(Forbidden, 990446, "AttestationOfAnotherPartner", format!("Attestation '{id}' belongs to another partner.")),
            Self::AttestationAlreadyAccepted(id) => described(Conflict, 990447, "AttestationAlreadyAccepted", format!("Attestation '{id}' was already accepted.")),
            Self::CartNotFound(id) => described(NotFound, 990450, "CartNotFound", format!("Cart '{id}' does not exist for this customer.")),
            Self::OrderNotFound(id) => described(NotFound, 990451, "OrderNotFound", format!("Order '{id}' does not exist for this customer.")),
            Self::CartExpired { id, expired_at } => described(Gone, 990452, "CartExpired", format!("Cart '{id}' expired at {expired_at} (carts expire 7 days after their creation); create a new cart.")),
            Self::CartAlreadyOrdered(id) => described(Conflict, 990453, "CartAlreadyOrdered", format!("Cart '{id}' was checked out and cannot be changed; create a new cart.")),
            Self::SeedEntryRefused { cause, .. } => cause.describe(),
            Self::SeedEntryDiffers { .. } => described(Conflict, 990436, "SeedEntryDiffers", "A seed entry names a record that is already stored with other values; see data."),
            Self::Unavailable(_) => described(Unavailable, 990503, "ServiceUnavailable", "The service is temporarily unavailable. Retry later."),
            Self::Internal(_) => described(Internal, 990500, "InternalError", "An internal error occurred."),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.describe().kind
    }

    /// Field-level details sent to the client in `data`.
    pub fn data(&self) -> Vec<String> {
        match self {
            Self::Validation(problems) => problems.clone(),
            Self::SeedEntryRefused { entry, cause } => match cause.data() {
                problems if !problems.is_empty() => problems.into_iter().map(|p| format!("{entry}: {p}")).collect(),
                _ => vec![format!("{entry}: {}", cause.hint())],
            },
            Self::SeedEntryDiffers { entry, detail } => vec![format!("{entry}: {detail}")],
            Self::InvalidContinuationToken(why) => vec![why.clone()],
            _ => Vec::new(),
        }
    }

    /// What a developer should change (the request journal): never sent to clients for failures
    /// of the emulator itself.
    pub fn hint(&self) -> String {
        match self {
            Self::Unauthenticated(e) => e.explain().to_string(),
            Self::RoleNotAllowed(h)
            | Self::TenantNotFound(h)
            | Self::NoRelationship(h)
            | Self::AgreementRequiredForPurchase(h)
            | Self::DateAgreedInFuture(h)
            | Self::AgreementTypeMismatch(h)
            | Self::InvalidAssociatedPartner(h)
            | Self::InvalidContinuationToken(h)
            | Self::Internal(h) => h.clone(),
            Self::UnknownAgreementTemplate { hint, .. } | Self::AgreementTemplateRetired { hint, .. } => hint.clone(),
            Self::Validation(problems) => problems.join("; "),
            Self::SeedEntryRefused { .. } | Self::SeedEntryDiffers { .. } => self.data().join("; "),
            Self::Unavailable(e) => e.to_string(),
            Self::MfaRequired => "the token has no mfa in its amr claim and the service date is on or after 2026-04-01; \
                mint the token with \"mfa\": true (the default), or pin an earlier service date (PUT /_emulator/service-date)"
                .to_string(),
            Self::LegacyAttestationRetired { service_date } => format!(
                "the service date {service_date} is on or after 2026-01-05; use enhanced attestation, or pin an earlier \
                 service date (PUT /_emulator/service-date) for the 2023 flow"
            ),
            Self::EnhancedAttestationNotAvailable { service_date, .. } => format!(
                "the service date {service_date} is before 2025-07-10; pin a later service date or follow the clock \
                 (PUT /_emulator/service-date)"
            ),
            other => other.describe().description,
        }
    }

    /// One line naming the error and its details, for logs and start-up failures.
    pub fn summary(&self) -> String {
        let Described { code, name, description, .. } = self.describe();
        let data = self.data();
        if data.is_empty() {
            format!("{code} {name}: {description} ({})", self.hint())
        } else {
            format!("{code} {name}: {}", data.join("; "))
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ServiceError::Unavailable(e),
            StoreError::UnstorableText => {
                ServiceError::Validation(vec!["text values must not contain the NUL character (U+0000)".into()])
            }
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::AppUserTokenRequired => ServiceError::AppUserTokenRequired,
            Refusal::AppOnlyTokenRequired => ServiceError::AppOnlyTokenRequired,
            Refusal::IndirectResellerCannotAttest => ServiceError::IndirectResellerCannotAttest,
            Refusal::RoleNotAllowed(roles) => ServiceError::RoleNotAllowed(format!(
                "the token's roles do not include any of: {}",
                roles.iter().map(|r: &Role| r.as_str()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

impl From<ConfirmationError> for ServiceError {
    fn from(e: ConfirmationError) -> Self {
        let hint = e.hint();
        match e {
            ConfirmationError::Invalid(problems) => ServiceError::Validation(problems),
            ConfirmationError::UnknownAgreementType(t) => ServiceError::UnsupportedAgreementType(t),
            ConfirmationError::UnknownTemplate(id) => {
                ServiceError::UnknownAgreementTemplate { id, hint, addressed: false }
            }
            ConfirmationError::TemplateRetired(id) => ServiceError::AgreementTemplateRetired { id, hint },
            ConfirmationError::TypeContradictsTemplate { .. } => ServiceError::AgreementTypeMismatch(hint),
            ConfirmationError::DateAgreedInFuture { .. } => ServiceError::DateAgreedInFuture(hint),
        }
    }
}
