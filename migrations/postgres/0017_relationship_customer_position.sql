-- A partner's customers read from the partner's side (GET /v1/customers and the dashboard's
-- customers page): each relationship carries its customer's position in creation order (the
-- customer's seq, which never changes), and an index on (partner, that position) serves a page of
-- a partner's customers as a range of its own relationships, whatever the other partners hold.
-- Before, a page walked all customers in order and checked each: a partner with 5 customers
-- among 100,000 of another partner read them all for every page (276 ms a page).
-- The default only fills the column as it is added, and is then dropped: an insert that does not
-- set the column (a replica of an earlier version, during an upgrade) is refused rather than
-- stored at the head of every list. (SQLite cannot drop a column's default: its inserts are the
-- same statements.)
ALTER TABLE customer_relationships ADD COLUMN customer_seq BIGINT NOT NULL DEFAULT 0;
UPDATE customer_relationships SET customer_seq = (SELECT c.seq FROM customers c WHERE c.id = customer_relationships.customer_id);
ALTER TABLE customer_relationships ALTER COLUMN customer_seq DROP DEFAULT;
CREATE INDEX customer_relationships_position ON customer_relationships (partner_tenant_id, customer_seq, customer_id);
-- The partners acting for a partner: itself and the resellers it is the indirect provider of.
CREATE INDEX partners_indirect_provider ON partners (indirect_provider_id);

-- A page of the customers partner `partner` serves (the rule of `served_by!` in
-- src/store/access.rs: a relationship of the partner, or of one of its indirect resellers): at
-- most `max_rows`, those after the position (`after_seq`, `after_id`) in creation order, or with
-- `backwards` those just before it, the nearest first. For each partner acting for `partner`, its
-- next `max_rows` relationships (a range of the index above); of those, each customer once, the
-- first `max_rows`; then each one's row by its key. The subqueries are fenced (`OFFSET 0`, a
-- `LIMIT`), so the plan is that whatever PostgreSQL estimates. It is planned once per connection
-- (a generic plan): a prepared statement of the same query was planned again on every call at
-- 100,000 customers, because its generic plan's estimate (a tenth of the rows for a `LIMIT` given
-- as a parameter) looked dearer than the plan made for the first page, and that planning was most
-- of a page's cost in the database.
CREATE FUNCTION pce_customers_page(partner TEXT, after_seq BIGINT, after_id TEXT, max_rows BIGINT, backwards BOOLEAN)
RETURNS SETOF customers
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    IF backwards THEN
        RETURN QUERY
        SELECT c.* FROM (
            SELECT DISTINCT x.customer_seq, x.customer_id FROM partners p CROSS JOIN LATERAL (
                SELECT r.customer_seq, r.customer_id FROM customer_relationships r
                WHERE r.partner_tenant_id = p.tenant_id AND (r.customer_seq, r.customer_id) < (after_seq, after_id)
                ORDER BY r.customer_seq DESC, r.customer_id DESC LIMIT max_rows) x
            WHERE p.tenant_id = partner OR p.indirect_provider_id = partner
            ORDER BY x.customer_seq DESC, x.customer_id DESC LIMIT max_rows) page
        CROSS JOIN LATERAL (SELECT * FROM customers k WHERE k.id = page.customer_id OFFSET 0) c
        ORDER BY page.customer_seq DESC, page.customer_id DESC;
    ELSE
        RETURN QUERY
        SELECT c.* FROM (
            SELECT DISTINCT x.customer_seq, x.customer_id FROM partners p CROSS JOIN LATERAL (
                SELECT r.customer_seq, r.customer_id FROM customer_relationships r
                WHERE r.partner_tenant_id = p.tenant_id AND (r.customer_seq, r.customer_id) > (after_seq, after_id)
                ORDER BY r.customer_seq, r.customer_id LIMIT max_rows) x
            WHERE p.tenant_id = partner OR p.indirect_provider_id = partner
            ORDER BY x.customer_seq, x.customer_id LIMIT max_rows) page
        CROSS JOIN LATERAL (SELECT * FROM customers k WHERE k.id = page.customer_id OFFSET 0) c
        ORDER BY page.customer_seq, page.customer_id;
    END IF;
END
$$;
