-- Customer search (GET /v1/customers?filter=): prefix searches (LIKE 'prefix%') on the company
-- name folded to lower case, on the domain (stored in lower case) and on the tenant ids of the
-- partners a customer is related to, each on an index that a prefix search can use whatever the
-- database's collation (PostgreSQL: text_pattern_ops; SQLite: NOCASE, which its LIKE needs). The
-- emulator folds the company names of customers stored before this migration when it starts.
ALTER TABLE customers ADD COLUMN company_name_folded TEXT;
CREATE INDEX customers_company_name_prefix ON customers (company_name_folded text_pattern_ops);
CREATE INDEX customers_domain_prefix ON customers (domain text_pattern_ops);
CREATE INDEX customer_relationships_partner_prefix ON customer_relationships (partner_tenant_id text_pattern_ops);

-- Carts, today's purchase path: a partner's cart for a customer, Active until it is checked out
-- (then Ordered), expiring 7 days after its creation by the emulator clock. The orders a checkout
-- placed name their cart, so that checking the cart out again answers them again.
CREATE TABLE carts (
    id                 TEXT PRIMARY KEY,
    customer_id        TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    partner_tenant_id  TEXT NOT NULL,
    line_items         TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('Active', 'Ordered')),
    created_at         TIMESTAMPTZ NOT NULL,
    last_modified_at   TIMESTAMPTZ NOT NULL,
    last_modified_user TEXT NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX carts_customer ON carts (customer_id);
CREATE INDEX carts_partner ON carts (partner_tenant_id);
ALTER TABLE orders ADD COLUMN cart_id TEXT REFERENCES carts (id) ON DELETE SET NULL;
CREATE INDEX orders_cart ON orders (cart_id);
