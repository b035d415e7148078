//! The rows the statements of `sql.rs` read, column for column, and how each becomes a domain
//! value. A value the domain does not know (an agreement type, a source, a fault effect) means
//! the data is corrupt.

use chrono::{DateTime, Utc};

use super::{
    DocumentLink, OutboxMessage, Seen, SignInLink, StoreError, StoreResult, StoredClock, StoredResponse, WebSession,
};
use crate::domain::agreements::{Agreement, AgreementSource, AgreementTemplate, AgreementType};
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::contact::Contact;
use crate::domain::customers::Customer;
use crate::domain::faults::{FaultEffect, FaultRule};
use crate::domain::identities::{AppRegistration, PartnerUser};
use crate::domain::orders::Order;
use crate::domain::paging::Position;
use crate::domain::partners::{Partner, PartnerType};
use crate::domain::permissions::Role;
use crate::domain::sign_in::{SignInFailures, Signer};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn agreement_type(value: &str) -> StoreResult<AgreementType> {
    AgreementType::parse(value).ok_or_else(|| corrupt("agreement_type", value))
}

#[derive(sqlx::FromRow)]
pub struct SettingRow {
    pub value: String,
}

#[derive(sqlx::FromRow)]
pub struct ServiceDateRow {
    pub service_date: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct ClockRow {
    frozen_at_ms: Option<i64>,
    offset_ms: i64,
}

impl From<ClockRow> for StoredClock {
    fn from(row: ClockRow) -> Self {
        StoredClock { frozen_at_ms: row.frozen_at_ms, offset_ms: row.offset_ms }
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerRow {
    tenant_id: String,
    name: String,
    partner_type: String,
    indirect_provider_id: Option<String>,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;

    fn try_from(row: PartnerRow) -> StoreResult<Self> {
        Ok(Partner {
            partner_type: PartnerType::parse(&row.partner_type)
                .ok_or_else(|| corrupt("partner_type", &row.partner_type))?,
            tenant_id: row.tenant_id,
            name: row.name,
            indirect_provider_id: row.indirect_provider_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    template_id: String,
    agreement_type: String,
    agreement_link: String,
    version_rank: i32,
    accepts_confirmations: bool,
    has_document: bool,
}

impl TryFrom<TemplateRow> for AgreementTemplate {
    type Error = StoreError;

    fn try_from(row: TemplateRow) -> StoreResult<Self> {
        Ok(AgreementTemplate {
            agreement_type: agreement_type(&row.agreement_type)?,
            template_id: row.template_id,
            agreement_link: row.agreement_link,
            version_rank: row.version_rank,
            accepts_confirmations: row.accepts_confirmations,
            has_document: row.has_document,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct DocumentLinkRow {
    id: String,
    template_id: String,
    country: String,
    language: String,
    expires_at: DateTime<Utc>,
}

impl From<DocumentLinkRow> for DocumentLink {
    fn from(row: DocumentLinkRow) -> Self {
        DocumentLink {
            id: row.id,
            template_id: row.template_id,
            country: row.country,
            language: row.language,
            expires_at: row.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct CustomerRow {
    id: String,
    commerce_id: String,
    domain: String,
    company_name: String,
    organization_registration_number: Option<String>,
    /// The billing profile as JSON text.
    billing_profile: String,
    created_by: String,
    associated_partner_id: Option<String>,
    admin_user_name: String,
    admin_password_hash: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = StoreError;

    fn try_from(row: CustomerRow) -> StoreResult<Self> {
        Ok(Customer {
            billing_profile: serde_json::from_str(&row.billing_profile)
                .map_err(|e| corrupt("billing_profile", &e.to_string()))?,
            id: row.id,
            commerce_id: row.commerce_id,
            domain: row.domain,
            company_name: row.company_name,
            organization_registration_number: row.organization_registration_number,
            created_by: row.created_by,
            associated_partner_id: row.associated_partner_id,
            admin_user_name: row.admin_user_name,
            admin_password_hash: row.admin_password_hash,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AgreementRow {
    id: String,
    customer_id: String,
    partner_tenant_id: Option<String>,
    user_id: Option<String>,
    first_name: String,
    last_name: String,
    email: String,
    phone_number: Option<String>,
    template_id: String,
    agreement_type: String,
    date_agreed: DateTime<Utc>,
    source: String,
    created_at: DateTime<Utc>,
    attestation_id: Option<String>,
}

impl TryFrom<AgreementRow> for Agreement {
    type Error = StoreError;

    fn try_from(row: AgreementRow) -> StoreResult<Self> {
        Ok(Agreement {
            agreement_type: agreement_type(&row.agreement_type)?,
            source: AgreementSource::parse(&row.source).ok_or_else(|| corrupt("source", &row.source))?,
            id: row.id,
            customer_id: row.customer_id,
            partner_tenant_id: row.partner_tenant_id,
            user_id: row.user_id,
            contact: Contact {
                first_name: row.first_name,
                last_name: row.last_name,
                email: row.email,
                phone_number: row.phone_number,
            },
            template_id: row.template_id,
            date_agreed: row.date_agreed,
            created_at: row.created_at,
            attestation_id: row.attestation_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AttestationRow {
    id: String,
    partner_tenant_id: String,
    country: String,
    language: String,
    company_name: String,
    signatory_first_name: String,
    signatory_last_name: String,
    signatory_email: String,
    signatory_phone_number: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    customer_id: Option<String>,
    agreement_id: Option<String>,
}

impl From<AttestationRow> for EnhancedAttestation {
    fn from(row: AttestationRow) -> Self {
        EnhancedAttestation {
            id: row.id,
            partner_tenant_id: row.partner_tenant_id,
            country: row.country,
            language: row.language,
            company_name: row.company_name,
            signatory: Contact {
                first_name: row.signatory_first_name,
                last_name: row.signatory_last_name,
                email: row.signatory_email,
                phone_number: row.signatory_phone_number,
            },
            created_at: row.created_at,
            expires_at: row.expires_at,
            accepted_at: row.accepted_at,
            customer_id: row.customer_id,
            agreement_id: row.agreement_id,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    id: String,
    recipient: String,
    subject: String,
    body: String,
    partner_tenant_id: String,
    customer_id: String,
    agreement_id: String,
    queued_at: DateTime<Utc>,
    deliver_at: DateTime<Utc>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(row: OutboxRow) -> Self {
        OutboxMessage {
            id: row.id,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            partner_tenant_id: row.partner_tenant_id,
            customer_id: row.customer_id,
            agreement_id: row.agreement_id,
            queued_at: row.queued_at,
            deliver_at: row.deliver_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct OrderRow {
    id: String,
    customer_id: String,
    partner_tenant_id: String,
    /// The line items as JSON text.
    line_items: String,
    creation_date: DateTime<Utc>,
    status: String,
}

impl TryFrom<OrderRow> for Order {
    type Error = StoreError;

    fn try_from(row: OrderRow) -> StoreResult<Self> {
        Ok(Order {
            line_items: serde_json::from_str(&row.line_items).map_err(|e| corrupt("line_items", &e.to_string()))?,
            id: row.id,
            customer_id: row.customer_id,
            partner_tenant_id: row.partner_tenant_id,
            creation_date: row.creation_date,
            status: row.status,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct WebSessionRow {
    id: String,
    customer_id: Option<String>,
    partner_user_id: Option<String>,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

impl TryFrom<WebSessionRow> for WebSession {
    type Error = StoreError;

    fn try_from(row: WebSessionRow) -> StoreResult<Self> {
        let signer = match (row.customer_id, row.partner_user_id) {
            (Some(customer_id), None) => Signer::CustomerAdmin(customer_id),
            (None, Some(user_id)) => Signer::PartnerUser(user_id),
            _ => return Err(corrupt("web session signer", &row.id)),
        };
        Ok(WebSession { id: row.id, signer, csrf_token: row.csrf_token, expires_at: row.expires_at })
    }
}

#[derive(sqlx::FromRow)]
pub struct SignInLinkRow {
    id: String,
    user_id: String,
    expires_at: DateTime<Utc>,
}

impl From<SignInLinkRow> for SignInLink {
    fn from(row: SignInLinkRow) -> Self {
        SignInLink { id: row.id, user_id: row.user_id, expires_at: row.expires_at }
    }
}

#[derive(sqlx::FromRow)]
pub struct StoredResponseRow {
    partner_tenant_id: String,
    request_id: String,
    method: String,
    path: String,
    request_hash: String,
    status: i32,
    body: String,
    created_at: DateTime<Utc>,
    claimed_at_ms: i64,
}

impl TryFrom<StoredResponseRow> for StoredResponse {
    type Error = StoreError;

    fn try_from(row: StoredResponseRow) -> StoreResult<Self> {
        Ok(StoredResponse {
            status: u16::try_from(row.status).map_err(|_| corrupt("status", &row.status.to_string()))?,
            partner_tenant_id: row.partner_tenant_id,
            request_id: row.request_id,
            method: row.method,
            path: row.path,
            request_hash: row.request_hash,
            body: row.body,
            created_at: row.created_at,
            claimed_at_ms: row.claimed_at_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct FaultRuleRow {
    id: String,
    method: Option<String>,
    route: Option<String>,
    path_pattern: Option<String>,
    partner_tenant_id: Option<String>,
    effect: String,
    delay_ms: i64,
    retry_after_seconds: i64,
    probability: f64,
    max_hits: Option<i64>,
    hits: i64,
}

impl TryFrom<FaultRuleRow> for FaultRule {
    type Error = StoreError;

    fn try_from(row: FaultRuleRow) -> StoreResult<Self> {
        Ok(FaultRule {
            effect: FaultEffect::parse(&row.effect).ok_or_else(|| corrupt("effect", &row.effect))?,
            id: row.id,
            method: row.method,
            route: row.route,
            path_pattern: row.path_pattern,
            partner_tenant_id: row.partner_tenant_id,
            delay_ms: to_u64(row.delay_ms),
            retry_after_seconds: to_u64(row.retry_after_seconds),
            probability: row.probability,
            max_hits: row.max_hits.map(to_u64),
            hits: to_u64(row.hits),
        })
    }
}

/// A customer with its position in creation order.
#[derive(sqlx::FromRow)]
pub struct PositionedCustomerRow {
    position_seq: i64,
    #[sqlx(flatten)]
    customer: CustomerRow,
}

impl PositionedCustomerRow {
    pub fn into_pair(self) -> StoreResult<(Position, Customer)> {
        let customer = Customer::try_from(self.customer)?;
        Ok((Position { seq: self.position_seq, id: customer.id.clone() }, customer))
    }
}

#[derive(sqlx::FromRow)]
pub struct SeenCustomerRow {
    #[sqlx(flatten)]
    pub customer: CustomerRow,
    pub served: bool,
}

/// A row of a list read with its access check (`sql::AGREEMENTS_SEEN_BY`, `sql::ORDERS_SEEN_BY`):
/// whether the caller serves the customer, and an item unless the row stands for none.
pub struct SeenRow<T> {
    pub served: bool,
    pub item: Option<T>,
}

impl<'r, R, T> sqlx::FromRow<'r, R> for SeenRow<T>
where
    R: sqlx::Row,
    T: sqlx::FromRow<'r, R>,
    &'static str: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let item_id: Option<String> = row.try_get("id")?;
        Ok(SeenRow { served: row.try_get("seen_served")?, item: item_id.map(|_| T::from_row(row)).transpose()? })
    }
}

/// The rows of a list read with its access check, as the store answers it.
pub fn seen_list<R, T>(rows: Vec<SeenRow<R>>) -> StoreResult<Seen<Vec<T>>>
where
    T: TryFrom<R, Error = StoreError>,
{
    let Some(first) = rows.first() else { return Ok(Seen::NoSuchCustomer) };
    if !first.served {
        return Ok(Seen::NotServed);
    }
    let items = rows.into_iter().filter_map(|r| r.item).map(T::try_from).collect::<StoreResult<Vec<T>>>()?;
    Ok(Seen::Served(items))
}

#[derive(sqlx::FromRow)]
pub struct SignInFailuresRow {
    failures: i32,
    locked_until: Option<DateTime<Utc>>,
}

impl From<SignInFailuresRow> for SignInFailures {
    fn from(row: SignInFailuresRow) -> Self {
        SignInFailures { failures: u32::try_from(row.failures).unwrap_or(0), locked_until: row.locked_until }
    }
}

#[derive(sqlx::FromRow)]
pub struct NamedSignInFailuresRow {
    pub user_name: String,
    #[sqlx(flatten)]
    pub failures: SignInFailuresRow,
}

#[derive(sqlx::FromRow)]
pub struct AppRegistrationRow {
    client_id: String,
    partner_tenant_id: String,
    display_name: String,
    secret_hash: String,
    created_at: DateTime<Utc>,
}

impl From<AppRegistrationRow> for AppRegistration {
    fn from(row: AppRegistrationRow) -> Self {
        AppRegistration {
            client_id: row.client_id,
            partner_tenant_id: row.partner_tenant_id,
            display_name: row.display_name,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerUserRow {
    id: String,
    partner_tenant_id: String,
    user_name: String,
    display_name: String,
    password_hash: String,
    /// Comma separated.
    roles: String,
    mfa: bool,
    created_at: DateTime<Utc>,
}

/// Roles as the `roles` column keeps them.
pub fn roles_column(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

impl TryFrom<PartnerUserRow> for PartnerUser {
    type Error = StoreError;

    fn try_from(row: PartnerUserRow) -> StoreResult<Self> {
        let roles = row
            .roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| Role::parse(r).ok_or_else(|| corrupt("roles", r)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(PartnerUser {
            id: row.id,
            partner_tenant_id: row.partner_tenant_id,
            user_name: row.user_name,
            display_name: row.display_name,
            password_hash: row.password_hash,
            roles,
            mfa: row.mfa,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerTimeRow {
    pub partner_tenant_id: String,
    has_clock: bool,
    offset_ms: i64,
    frozen_at_ms: Option<i64>,
    service_date: Option<String>,
}

impl PartnerTimeRow {
    pub fn into_time(self) -> (String, super::PartnerTime) {
        let clock =
            self.has_clock.then_some(StoredClock { frozen_at_ms: self.frozen_at_ms, offset_ms: self.offset_ms });
        (self.partner_tenant_id, super::PartnerTime { clock, service_date: self.service_date })
    }
}
