//! The writes of a unit of work, written once for both backends: each runs the statements of
//! `sql.rs` on the unit's connection, inside its transaction. A rule the database holds (a taken
//! domain, a duplicate confirmation, an attestation used in the meantime) is reported without
//! aborting the transaction, so that the unit can still keep the refusal as the request's answer.

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use super::rows;
use super::{sql, OutboxMessage, StoreError, StoreResult, StoredResponse};
use crate::domain::agreements::Agreement;
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::customers::Customer;
use crate::domain::orders::Order;

/// The connection of a unit of work, on either backend.
pub(super) enum WriteConn<'a> {
    Postgres(&'a mut PgConnection),
    Sqlite(&'a mut SqliteConnection),
}

/// `on_conn!(conn, |c| expression)`: the expression, with `c` the backend's connection.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            WriteConn::Postgres($c) => $body,
            WriteConn::Sqlite($c) => $body,
        }
    };
}

fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A customer and its relationships; a taken domain or admin user name is a `Conflict`.
pub(super) async fn insert_customer(
    conn: &mut WriteConn<'_>,
    customer: &Customer,
    related_partners: &[String],
) -> StoreResult<()> {
    let billing = to_json("billing_profile", &customer.billing_profile)?;
    let inserted = on_conn!(conn, |c| {
        sqlx::query(sql::INSERT_CUSTOMER)
            .bind(&customer.id)
            .bind(&customer.commerce_id)
            .bind(&customer.domain)
            .bind(&customer.company_name)
            .bind(&customer.organization_registration_number)
            .bind(&billing)
            .bind(&customer.created_by)
            .bind(&customer.associated_partner_id)
            .bind(&customer.admin_user_name)
            .bind(&customer.admin_password_hash)
            .bind(customer.created_at)
            .execute(&mut **c)
            .await?
            .rows_affected()
    });
    if inserted == 0 {
        return Err(StoreError::Conflict);
    }
    for partner in related_partners {
        on_conn!(conn, |c| {
            sqlx::query(sql::INSERT_RELATIONSHIP)
                .bind(&customer.id)
                .bind(partner)
                .bind(customer.created_at)
                .execute(&mut **c)
                .await?;
        });
    }
    Ok(())
}

/// An agreement and the notification email it triggers. A duplicate is a `Conflict`; an agreement
/// made with an attestation binds it to the customer, and an attestation no longer accepted and
/// unused is `Changed`. Either way nothing of it is written.
pub(super) async fn insert_agreement(
    conn: &mut WriteConn<'_>,
    a: &Agreement,
    notice: Option<&OutboxMessage>,
) -> StoreResult<()> {
    if let Some(attestation_id) = &a.attestation_id {
        let bound = on_conn!(conn, |c| {
            sqlx::query(sql::USE_ATTESTATION)
                .bind(attestation_id)
                .bind(&a.customer_id)
                .bind(&a.id)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        if bound != 1 {
            return Err(StoreError::Changed);
        }
    }
    let inserted = on_conn!(conn, |c| {
        sqlx::query(sql::INSERT_AGREEMENT)
            .bind(&a.id)
            .bind(&a.customer_id)
            .bind(&a.partner_tenant_id)
            .bind(&a.user_id)
            .bind(&a.contact.first_name)
            .bind(&a.contact.last_name)
            .bind(&a.contact.email)
            .bind(&a.contact.phone_number)
            .bind(&a.template_id)
            .bind(a.agreement_type.as_str())
            .bind(a.date_agreed)
            .bind(a.source.as_str())
            .bind(a.duplicate_key())
            .bind(a.created_at)
            .bind(&a.attestation_id)
            .execute(&mut **c)
            .await?
            .rows_affected()
    });
    if inserted == 0 {
        if let Some(attestation_id) = &a.attestation_id {
            // Undo the binding: the attestation stays accepted and unused.
            on_conn!(conn, |c| {
                sqlx::query(sql::UNUSE_ATTESTATION).bind(attestation_id).bind(&a.id).execute(&mut **c).await?;
            });
        }
        return Err(StoreError::Conflict);
    }
    if let Some(m) = notice {
        on_conn!(conn, |c| {
            sqlx::query(sql::INSERT_OUTBOX_MESSAGE)
                .bind(&m.id)
                .bind(&m.recipient)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(&m.partner_tenant_id)
                .bind(&m.customer_id)
                .bind(&m.agreement_id)
                .bind(m.queued_at)
                .bind(m.deliver_at)
                .execute(&mut **c)
                .await?;
        });
    }
    Ok(())
}

pub(super) async fn insert_order(conn: &mut WriteConn<'_>, o: &Order) -> StoreResult<()> {
    let items = to_json("line_items", &o.line_items)?;
    on_conn!(conn, |c| {
        sqlx::query(sql::INSERT_ORDER)
            .bind(&o.id)
            .bind(&o.customer_id)
            .bind(&o.partner_tenant_id)
            .bind(&items)
            .bind(o.creation_date)
            .bind(&o.status)
            .execute(&mut **c)
            .await?;
    });
    Ok(())
}

pub(super) async fn insert_attestation(conn: &mut WriteConn<'_>, at: &EnhancedAttestation) -> StoreResult<()> {
    on_conn!(conn, |c| {
        sqlx::query(sql::INSERT_ATTESTATION)
            .bind(&at.id)
            .bind(&at.partner_tenant_id)
            .bind(&at.country)
            .bind(&at.language)
            .bind(&at.company_name)
            .bind(&at.signatory.first_name)
            .bind(&at.signatory.last_name)
            .bind(&at.signatory.email)
            .bind(&at.signatory.phone_number)
            .bind(at.created_at)
            .bind(at.expires_at)
            .execute(&mut **c)
            .await?;
    });
    Ok(())
}

pub(super) async fn add_relationship(
    conn: &mut WriteConn<'_>,
    customer_id: &str,
    partner_tenant_id: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    on_conn!(conn, |c| {
        sqlx::query(sql::INSERT_RELATIONSHIP_IF_ABSENT)
            .bind(customer_id)
            .bind(partner_tenant_id)
            .bind(at)
            .execute(&mut **c)
            .await?;
    });
    Ok(())
}

/// Keep the final answer of a request (replacing whatever an earlier version of the emulator left
/// under the same id: the unit holds the id's lock).
pub(super) async fn keep_answer(conn: &mut WriteConn<'_>, r: &StoredResponse) -> StoreResult<()> {
    on_conn!(conn, |c| {
        sqlx::query(sql::KEEP_ANSWER)
            .bind(&r.partner_tenant_id)
            .bind(&r.request_id)
            .bind(&r.method)
            .bind(&r.path)
            .bind(&r.request_hash)
            .bind(i32::from(r.status))
            .bind(&r.body)
            .bind(r.created_at)
            .bind(r.claimed_at_ms)
            .execute(&mut **c)
            .await?;
    });
    Ok(())
}

/// The answer kept under a request id, if any (a claim left by an earlier version, status 0, is
/// none).
pub(super) async fn kept_answer(
    conn: &mut WriteConn<'_>,
    partner: &str,
    request_id: &str,
) -> StoreResult<Option<StoredResponse>> {
    let row: Option<rows::StoredResponseRow> = on_conn!(conn, |c| {
        sqlx::query_as(sql::KEPT_ANSWER).bind(partner).bind(request_id).fetch_optional(&mut **c).await?
    });
    row.map(StoredResponse::try_from).transpose()
}
