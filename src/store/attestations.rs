//! Enhanced attestations: created by a partner, accepted by the customer, then bound for good to
//! the customer and the agreement made with them.

use chrono::{DateTime, Utc};

use super::conn::{Expect, Value};
use super::{Store, StoreResult, UnitOfWork};
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::contact::Contact;

const INSERT_ATTESTATION: &str = "INSERT INTO enhanced_attestations (id, partner_tenant_id, country, language, \
     company_name, signatory_first_name, signatory_last_name, signatory_email, signatory_phone_number, created_at, \
     expires_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM enhanced_attestations))";

const ATTESTATION: &str = "SELECT id, partner_tenant_id, country, language, company_name, signatory_first_name, \
     signatory_last_name, signatory_email, signatory_phone_number, created_at, expires_at, accepted_at, accepted_language, \
     accepted_template_id, customer_id, agreement_id FROM enhanced_attestations WHERE id = $1";

/// Partner `$1`'s attestations for customer `$2`: those used for it, and those not used yet for
/// a company of its name `$3` (without case), newest first.
const ATTESTATIONS_FOR_CUSTOMER: &str = "SELECT id, partner_tenant_id, country, language, company_name, \
     signatory_first_name, signatory_last_name, signatory_email, signatory_phone_number, created_at, expires_at, \
     accepted_at, accepted_language, accepted_template_id, customer_id, agreement_id FROM enhanced_attestations WHERE partner_tenant_id = $1 \
     AND (customer_id = $2 OR (customer_id IS NULL AND LOWER(company_name) = LOWER($3))) \
     ORDER BY created_at DESC, id LIMIT 50";

/// Accepted at `$2` in language `$3` under template `$4`, only while pending and unexpired.
const ACCEPT_ATTESTATION: &str = "UPDATE enhanced_attestations SET accepted_at = $2, accepted_language = $3, \
     accepted_template_id = $4 \
     WHERE id = $1 AND accepted_at IS NULL AND expires_at > $2";

/// Bound to customer `$2` and agreement `$3` for good, only when accepted and not used yet.
const USE_ATTESTATION: &str = "UPDATE enhanced_attestations SET customer_id = $2, agreement_id = $3 \
     WHERE id = $1 AND accepted_at IS NOT NULL AND agreement_id IS NULL";

/// Undo `USE_ATTESTATION` for agreement `$2` (in the same transaction, when the agreement was refused).
const UNUSE_ATTESTATION: &str = "UPDATE enhanced_attestations SET customer_id = NULL, agreement_id = NULL \
     WHERE id = $1 AND agreement_id = $2";

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
    accepted_language: Option<String>,
    accepted_template_id: Option<String>,
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
            accepted_language: row.accepted_language,
            accepted_template_id: row.accepted_template_id,
            customer_id: row.customer_id,
            agreement_id: row.agreement_id,
        }
    }
}

impl Store {
    pub async fn attestation(&self, id: &str) -> StoreResult<Option<EnhancedAttestation>> {
        let row: Option<AttestationRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(ATTESTATION).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(EnhancedAttestation::from))
    }

    /// A partner's attestations for a customer (used for it, or not used yet and made for a company
    /// of its name), newest first, at most 50.
    pub async fn attestations_for_customer(
        &self,
        partner_tenant_id: &str,
        customer_id: &str,
        company_name: &str,
    ) -> StoreResult<Vec<EnhancedAttestation>> {
        let rows: Vec<AttestationRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(ATTESTATIONS_FOR_CUSTOMER)
                .bind(partner_tenant_id)
                .bind(customer_id)
                .bind(company_name)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(EnhancedAttestation::from).collect())
    }

    /// Record the customer's acceptance at `at` of the agreement in `language` under `template_id`;
    /// false when it is no longer pending or has expired.
    pub async fn accept_attestation(
        &self,
        id: &str,
        at: DateTime<Utc>,
        language: &str,
        template_id: &str,
    ) -> StoreResult<bool> {
        let accepted = on_pool!(self, writer, |pool| {
            sqlx::query(ACCEPT_ATTESTATION)
                .bind(id)
                .bind(at)
                .bind(language)
                .bind(template_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(accepted == 1)
    }
}

impl UnitOfWork {
    pub async fn insert_attestation(&mut self, at: &EnhancedAttestation) -> StoreResult<()> {
        let values = [
            Value::Text(&at.id),
            Value::Text(&at.partner_tenant_id),
            Value::Text(&at.country),
            Value::Text(&at.language),
            Value::Text(&at.company_name),
            Value::Text(&at.signatory.first_name),
            Value::Text(&at.signatory.last_name),
            Value::Text(&at.signatory.email),
            Value::MaybeText(at.signatory.phone_number.as_deref()),
            Value::Time(at.created_at),
            Value::Time(at.expires_at),
        ];
        self.write(INSERT_ATTESTATION, &values, Expect::Rows(1)).await?;
        Ok(())
    }
}

/// Bind an accepted, unused attestation to the customer and the agreement made with it (in the
/// agreement's unit); false when it is no longer accepted and unused.
pub(super) async fn bind_attestation(
    unit: &mut UnitOfWork,
    attestation_id: &str,
    customer_id: &str,
    agreement_id: &str,
) -> StoreResult<bool> {
    let values = [Value::Text(attestation_id), Value::Text(customer_id), Value::Text(agreement_id)];
    Ok(unit.write(USE_ATTESTATION, &values, Expect::Rows(1)).await? == 1)
}

/// Undo `bind_attestation` for agreement `agreement_id` (in the same unit, when the agreement was
/// refused).
pub(super) async fn unbind_attestation(
    unit: &mut UnitOfWork,
    attestation_id: &str,
    agreement_id: &str,
) -> StoreResult<()> {
    unit.write(UNUSE_ATTESTATION, &[Value::Text(attestation_id), Value::Text(agreement_id)], Expect::Any).await?;
    Ok(())
}
