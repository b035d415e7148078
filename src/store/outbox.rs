//! The outbox: the notification emails Partner Center would have sent.

use chrono::{DateTime, Utc};

use super::conn::{Expect, Value};
use super::{Store, StoreResult, UnitOfWork};
use crate::domain::outbox::OutboxMessage;

#[derive(Debug, Clone, Default)]
pub struct OutboxQuery {
    pub recipient: Option<String>,
    pub customer_id: Option<String>,
    pub partner_tenant_id: Option<String>,
}

const INSERT_OUTBOX_MESSAGE: &str = "INSERT INTO outbox (id, recipient, subject, body, partner_tenant_id, \
     customer_id, agreement_id, queued_at, deliver_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox))";

/// Each filter is left out when its parameter is NULL: `$1` recipient (any case), `$2` customer,
/// `$3` partner.
const OUTBOX: &str = "SELECT id, recipient, subject, body, partner_tenant_id, customer_id, agreement_id, \
     queued_at, deliver_at FROM outbox WHERE ($1 IS NULL OR lower(recipient) = lower($1)) \
     AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR partner_tenant_id = $3) ORDER BY seq, id";

const CLEAR_OUTBOX: &str = "DELETE FROM outbox";

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

impl Store {
    pub async fn outbox(&self, q: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>> {
        let rows: Vec<OutboxRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(OUTBOX)
                .bind(&q.recipient)
                .bind(&q.customer_id)
                .bind(&q.partner_tenant_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(OutboxMessage::from).collect())
    }

    pub async fn clear_outbox(&self) -> StoreResult<u64> {
        let done = on_pool!(self, writer, |pool| sqlx::query(CLEAR_OUTBOX).execute(pool).await?.rows_affected());
        Ok(done)
    }
}

/// Queue an email, in the unit of the write that triggers it.
pub(super) async fn insert_message(unit: &mut UnitOfWork, m: &OutboxMessage) -> StoreResult<()> {
    let values = [
        Value::Text(&m.id),
        Value::Text(&m.recipient),
        Value::Text(&m.subject),
        Value::Text(&m.body),
        Value::Text(&m.partner_tenant_id),
        Value::Text(&m.customer_id),
        Value::Text(&m.agreement_id),
        Value::Time(m.queued_at),
        Value::Time(m.deliver_at),
    ];
    unit.write(INSERT_OUTBOX_MESSAGE, &values, Expect::Rows(1)).await?;
    Ok(())
}
