//! Resets: everything partners and customers did, or one partner's own state.

use super::{Store, StoreResult};

/// A full reset: everything partners and customers did; the template catalog and the signing
/// key stay. In this order, inside one transaction.
const RESET_EVERYTHING: &[&str] = &[
    "DELETE FROM fault_rules",
    "DELETE FROM idempotent_responses",
    "DELETE FROM web_sessions",
    "DELETE FROM sign_in_failures",
    "DELETE FROM outbox",
    "DELETE FROM orders",
    "DELETE FROM carts",
    "DELETE FROM agreements",
    "DELETE FROM enhanced_attestations",
    "DELETE FROM customer_relationships",
    "DELETE FROM customers",
    "DELETE FROM document_links",
    "UPDATE partners SET indirect_provider_id = NULL",
    "DELETE FROM partner_time",
    "DELETE FROM app_registrations",
    "DELETE FROM partner_sign_in_links",
    "DELETE FROM partner_users",
    "DELETE FROM partners",
    "DELETE FROM emulator_clock",
];

/// A reset of partner `$1`'s own state: its confirmations and attestations, orders, carts, emails, kept
/// answers and relationships. A customer no partner has a relationship with any more goes too; one that
/// another partner still serves stays, with that partner's data.
const RESET_PARTNER: &[&str] = &[
    "DELETE FROM partner_time WHERE partner_tenant_id = $1",
    "DELETE FROM fault_rules WHERE partner_tenant_id = $1",
    "DELETE FROM idempotent_responses WHERE partner_tenant_id = $1",
    "DELETE FROM outbox WHERE partner_tenant_id = $1",
    "DELETE FROM orders WHERE partner_tenant_id = $1",
    "DELETE FROM carts WHERE partner_tenant_id = $1",
    "DELETE FROM agreements WHERE partner_tenant_id = $1",
    "DELETE FROM enhanced_attestations WHERE partner_tenant_id = $1",
    "DELETE FROM customer_relationships WHERE partner_tenant_id = $1",
    "UPDATE customers SET associated_partner_id = NULL WHERE associated_partner_id = $1",
    "DELETE FROM outbox WHERE customer_id IN (SELECT id FROM customers c WHERE NOT EXISTS \
       (SELECT 1 FROM customer_relationships r WHERE r.customer_id = c.id))",
    "DELETE FROM customers WHERE NOT EXISTS \
       (SELECT 1 FROM customer_relationships r WHERE r.customer_id = customers.id)",
];

impl Store {
    /// Forget everything partners and customers did (templates, signing key stay), or only what
    /// belongs to one partner. Atomic.
    pub async fn reset(&self, partner: Option<&str>) -> StoreResult<()> {
        let statements = if partner.is_some() { RESET_PARTNER } else { RESET_EVERYTHING };
        in_transaction!(self, |tx| {
            for statement in statements {
                let query = sqlx::query(statement);
                let query = match partner {
                    Some(p) if statement.contains("$1") => query.bind(p),
                    _ => query,
                };
                query.execute(&mut *tx).await?;
            }
        });
        self.announce_change().await
    }
}
