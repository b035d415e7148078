//! Orders, placed behind the Microsoft Customer Agreement gate.

use chrono::{DateTime, Utc};

use super::rows::{corrupt, to_json, to_vec};
use super::unit::on_conn;
use super::{Store, StoreError, StoreResult, UnitOfWork};
use crate::domain::orders::Order;

const INSERT_ORDER: &str = "INSERT INTO orders (id, customer_id, partner_tenant_id, line_items, creation_date, \
     status, seq) VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM orders))";

const ORDERS_OF_CUSTOMER: &str = "SELECT id, customer_id, partner_tenant_id, line_items, creation_date, status \
     FROM orders WHERE customer_id = $1 ORDER BY seq, id";

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
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

impl Store {
    pub async fn orders(&self, customer_id: &str) -> StoreResult<Vec<Order>> {
        let rows: Vec<OrderRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(ORDERS_OF_CUSTOMER).bind(customer_id).fetch_all(pool).await
        })?;
        to_vec(rows)
    }
}

impl UnitOfWork {
    pub async fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        let items = to_json("line_items", &o.line_items)?;
        on_conn!(conn, |c| {
            sqlx::query(INSERT_ORDER)
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
}
