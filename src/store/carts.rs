//! Carts: a partner's purchase for a customer, open to changes until it is checked out. Reading a
//! cart checks the caller's access in the same statement (`access.rs`); the writes here are
//! conditional on the cart being `Active`, so that of two requests that race, one changes it and
//! the other learns that it no longer may.

use chrono::{DateTime, Utc};

use super::conn::on_conn;
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
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        let items = to_json("line_items", &cart.line_items)?;
        on_conn!(conn, |c| {
            sqlx::query(INSERT_CART)
                .bind(&cart.id)
                .bind(&cart.customer_id)
                .bind(&cart.partner_tenant_id)
                .bind(&items)
                .bind(cart.status.as_str())
                .bind(cart.created_at)
                .bind(cart.last_modified_at)
                .bind(&cart.last_modified_user)
                .bind(cart.expires_at)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// Store the cart's line items and who changed them when, if it is still `Active`; false when
    /// it is not (it was checked out in the meantime).
    pub async fn update_active_cart(&mut self, cart: &Cart) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        let items = to_json("line_items", &cart.line_items)?;
        let changed = on_conn!(conn, |c| {
            sqlx::query(UPDATE_ACTIVE_CART)
                .bind(&cart.id)
                .bind(&items)
                .bind(cart.last_modified_at)
                .bind(&cart.last_modified_user)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Claim cart `id`'s checkout: true when this unit checks it out (it is `Ordered` from its
    /// commit on), false when another checkout was first.
    pub async fn claim_checkout(&mut self, id: &str, at: DateTime<Utc>, user: &str) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let conn = &mut conn;
        let claimed = on_conn!(conn, |c| {
            sqlx::query(CLAIM_CHECKOUT).bind(id).bind(at).bind(user).execute(&mut **c).await?.rows_affected()
        });
        Ok(claimed == 1)
    }
}
