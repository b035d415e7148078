-- Each relationship carries its customer's position in creation order (the customer's seq, which
-- never changes), with an index on (partner, that position), as on PostgreSQL, where a page of a
-- partner's customers is a range of its relationships (and its resellers') read by a function.
-- SQLite has neither functions nor LATERAL joins: its page still walks the customers in order and
-- checks each (see `customers_served_by!` in src/store/access.rs), and the index waits for a page
-- that reads it.
-- The default only fills the column as it is added; every insert sets it. (PostgreSQL then drops
-- it; SQLite cannot drop a column's default.)
ALTER TABLE customer_relationships ADD COLUMN customer_seq INTEGER NOT NULL DEFAULT 0;
UPDATE customer_relationships SET customer_seq = (SELECT c.seq FROM customers c WHERE c.id = customer_relationships.customer_id);
CREATE INDEX customer_relationships_position ON customer_relationships (partner_tenant_id, customer_seq, customer_id);
-- The partners acting for a partner: itself and the resellers it is the indirect provider of.
CREATE INDEX partners_indirect_provider ON partners (indirect_provider_id);
