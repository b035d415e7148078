//! Carts: a partner's purchase for a customer, open to changes until it is checked out. Reading a
//! cart checks the caller's access in the same statement (`access.rs`); the writes here are
//! conditional on the cart being `Active`, so that of two requests that race, one changes it and
//! the other learns that it no longer may.

use chrono::{DateTime, Utc};

use super::conn::{Expect, Value};
use super::rows::{corrupt, to_json};
use super::{StoreError, StoreResult, UnitOfWork};
use crate::domain::carts::{Cart, CartStatus};

const INSERT_CART: &str = "INSERT INTO carts (id, customer_id, partner_tenant_id, line_items, status, created_at, \
     last_modified_at, last_modified_user, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Cart `$1`'s line items and who changed them when, if it is still `Active`.
const UPDATE_ACTIVE_CART: &str = "UPDATE carts SET line_items = $2, last_modified_at = $3, last_modified_user = $4 \
     WHERE id = $1 AND status = 'Active'";

/// Cart `$1` checked out, if it is still `Active`: no row when another checkout was first (on
/// PostgreSQL the statement waits for that checkout's transaction to end).
const CLAIM_CHECKOUT: &str = "UPDATE carts SET status = 'Ordered', last_modified_at = $2, last_modified_user = $3 \
     WHERE id = $1 AND status = 'Active'";

#[derive(sqlx::FromRow)]
pub(super) struct CartRow {
    id: String,
    customer_id: String,
    partner_tenant_id: String,
    /// The line items as JSON text.
    line_items: String,
    status: String,
    created_at: DateTime<Utc>,
    last_modified_at: DateTime<Utc>,
    last_modified_user: String,
    expires_at: DateTime<Utc>,
}

impl TryFrom<CartRow> for Cart {
    type Error = StoreError;

    fn try_from(row: CartRow) -> StoreResult<Self> {
        Ok(Cart {
            line_items: serde_json::from_str(&row.line_items).map_err(|e| corrupt("line_items", &e.to_string()))?,
            status: CartStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            id: row.id,
            customer_id: row.customer_id,
            partner_tenant_id: row.partner_tenant_id,
            created_at: row.created_at,
            last_modified_at: row.last_modified_at,
            last_modified_user: row.last_modified_user,
            expires_at: row.expires_at,
        })
    }
}

impl UnitOfWork {
    pub async fn insert_cart(&mut self, cart: &Cart) -> StoreResult<()> {
        let items = to_json("line_items", &cart.line_items)?;
        let values = [
            Value::Text(&cart.id),
            Value::Text(&cart.customer_id),
            Value::Text(&cart.partner_tenant_id),
            Value::Text(&items),
            Value::Text(cart.status.as_str()),
            Value::Time(cart.created_at),
            Value::Time(cart.last_modified_at),
            Value::Text(&cart.last_modified_user),
            Value::Time(cart.expires_at),
        ];
        self.write(INSERT_CART, &values, Expect::Rows(1)).await?;
        Ok(())
    }

    /// Store the cart's line items and who changed them when, if it is still `Active`; false when
    /// it is not (it was checked out in the meantime).
    pub async fn update_active_cart(&mut self, cart: &Cart) -> StoreResult<bool> {
        let items = to_json("line_items", &cart.line_items)?;
        let values = [
            Value::Text(&cart.id),
            Value::Text(&items),
            Value::Time(cart.last_modified_at),
            Value::Text(&cart.last_modified_user),
        ];
        Ok(self.write(UPDATE_ACTIVE_CART, &values, Expect::Rows(1)).await? == 1)
    }

    /// Claim cart `id`'s checkout: true when this unit checks it out (it is `Ordered` from its
    /// commit on), false when another checkout was first.
    pub async fn claim_checkout(&mut self, id: &str, at: DateTime<Utc>, user: &str) -> StoreResult<bool> {
        let values = [Value::Text(id), Value::Time(at), Value::Text(user)];
        Ok(self.write(CLAIM_CHECKOUT, &values, Expect::Rows(1)).await? == 1)
    }
}
