//! Orders, placed behind the Microsoft Customer Agreement gate.

use chrono::{DateTime, Utc};

use super::conn::{on_conn, Expect, Value};
use super::rows::{corrupt, to_json, to_vec};
use super::{Store, StoreError, StoreResult, UnitOfWork};
use crate::domain::orders::Order;

/// An order; `$7` the cart whose checkout placed it, if one did.
const INSERT_ORDER: &str = "INSERT INTO orders (id, customer_id, partner_tenant_id, line_items, creation_date, \
     status, cart_id, billing_cycle, currency_code, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM orders))";

/// The orders the checkout of cart `$1` placed.
const ORDERS_OF_CART: &str = "SELECT id, customer_id, partner_tenant_id, line_items, creation_date, status, \
     billing_cycle, currency_code \
     FROM orders WHERE cart_id = $1 ORDER BY seq, id";

const ORDERS_OF_CUSTOMER: &str = "SELECT id, customer_id, partner_tenant_id, line_items, creation_date, status, \
     billing_cycle, currency_code \
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
    billing_cycle: Option<String>,
    currency_code: Option<String>,
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
            billing_cycle: row.billing_cycle,
            currency_code: row.currency_code,
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
        self.insert_order_of(o, None).await
    }

    /// An order the checkout of cart `cart_id` placed.
    pub async fn insert_order_of_cart(&mut self, o: &Order, cart_id: &str) -> StoreResult<()> {
        self.insert_order_of(o, Some(cart_id)).await
    }

    /// The orders the checkout of cart `cart_id` placed, read in the unit: a checkout that a
    /// concurrent one beat sees what that one placed.
    pub async fn orders_of_cart(&mut self, cart_id: &str) -> StoreResult<Vec<Order>> {
        let rows: Vec<OrderRow> = match self.one_statement_reader() {
            Some(reader) => sqlx::query_as(ORDERS_OF_CART).bind(cart_id).fetch_all(reader).await?,
            None => {
                let mut conn = self.conn().await?;
                on_conn!(&mut conn, |c| sqlx::query_as(ORDERS_OF_CART).bind(cart_id).fetch_all(&mut **c).await?)
            }
        };
        to_vec(rows)
    }

    async fn insert_order_of(&mut self, o: &Order, cart_id: Option<&str>) -> StoreResult<()> {
        let items = to_json("line_items", &o.line_items)?;
        let values = [
            Value::Text(&o.id),
            Value::Text(&o.customer_id),
            Value::Text(&o.partner_tenant_id),
            Value::Text(&items),
            Value::Time(o.creation_date),
            Value::Text(&o.status),
            Value::MaybeText(cart_id),
            Value::MaybeText(o.billing_cycle.as_deref()),
            Value::MaybeText(o.currency_code.as_deref()),
        ];
        self.write(INSERT_ORDER, &values, Expect::Rows(1)).await?;
        Ok(())
    }
}
