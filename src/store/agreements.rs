//! Agreements: partner confirmations, direct acceptances and agreements made with an enhanced
//! attestation. `duplicate_key` and the unique index over (customer, type, source, duplicate key)
//! are the duplicate rule: two identical confirmations can never both be stored.

use chrono::{DateTime, Utc};

use super::attestations::{bind_attestation, unbind_attestation};
use super::conn::{Expect, Value};
use super::outbox::insert_message;
use super::rows::{agreement_type, corrupt, to_vec};
use super::{Store, StoreError, StoreResult, UnitOfWork};
use crate::domain::agreements::{Agreement, AgreementSource};
use crate::domain::contact::Contact;
use crate::domain::outbox::OutboxMessage;

/// `duplicate_key` and the unique index over (customer, type, source, duplicate key) are the
/// duplicate rule: two identical confirmations can never both be stored. A duplicate inserts
/// nothing (reported by the row count), so the transaction goes on.
const INSERT_AGREEMENT: &str = "INSERT INTO agreements (id, customer_id, partner_tenant_id, user_id, first_name, \
     last_name, email, phone_number, template_id, agreement_type, date_agreed, source, duplicate_key, created_at, \
     attestation_id, language, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM agreements)) ON CONFLICT DO NOTHING";

const AGREEMENTS_OF_CUSTOMER: &str = "SELECT id, customer_id, partner_tenant_id, user_id, first_name, last_name, \
     email, phone_number, template_id, agreement_type, date_agreed, source, created_at, attestation_id, \
     language FROM agreements WHERE customer_id = $1 ORDER BY seq, id";

#[derive(sqlx::FromRow)]
pub(super) struct AgreementRow {
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
    language: Option<String>,
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
            language: row.language,
        })
    }
}

impl Store {
    pub async fn agreements(&self, customer_id: &str) -> StoreResult<Vec<Agreement>> {
        let rows: Vec<AgreementRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(AGREEMENTS_OF_CUSTOMER).bind(customer_id).fetch_all(pool).await
        })?;
        to_vec(rows)
    }
}

impl UnitOfWork {
    /// An agreement and the notification it triggers; a duplicate (same customer, type, source and
    /// duplicate key) is a `Conflict`. An agreement made with an enhanced attestation binds it to
    /// the customer: `Changed` when the attestation is no longer accepted and unused. A refused
    /// agreement writes nothing, and the unit goes on.
    pub async fn insert_agreement(&mut self, a: &Agreement, notice: Option<&OutboxMessage>) -> StoreResult<()> {
        let duplicate_key = a.duplicate_key();
        let (agreement_type, source) = (a.agreement_type.as_str(), a.source.as_str());
        if let Some(attestation_id) = &a.attestation_id {
            if !bind_attestation(self, attestation_id, &a.customer_id, &a.id).await? {
                return Err(StoreError::Changed);
            }
        }
        let values = [
            Value::Text(&a.id),
            Value::Text(&a.customer_id),
            Value::MaybeText(a.partner_tenant_id.as_deref()),
            Value::MaybeText(a.user_id.as_deref()),
            Value::Text(&a.contact.first_name),
            Value::Text(&a.contact.last_name),
            Value::Text(&a.contact.email),
            Value::MaybeText(a.contact.phone_number.as_deref()),
            Value::Text(&a.template_id),
            Value::Text(agreement_type),
            Value::Time(a.date_agreed),
            Value::Text(source),
            Value::Text(&duplicate_key),
            Value::Time(a.created_at),
            Value::MaybeText(a.attestation_id.as_deref()),
            Value::MaybeText(a.language.as_deref()),
        ];
        if self.write(INSERT_AGREEMENT, &values, Expect::Rows(1)).await? == 0 {
            if let Some(attestation_id) = &a.attestation_id {
                // Undo the binding: the attestation stays accepted and unused.
                unbind_attestation(self, attestation_id, &a.id).await?;
            }
            return Err(StoreError::Conflict);
        }
        if let Some(m) = notice {
            insert_message(self, m).await?;
        }
        Ok(())
    }
}
