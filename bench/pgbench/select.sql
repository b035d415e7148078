-- The storage floor of GET /v1/customers/{id}/agreements: one prepared indexed SELECT of one read
-- customer's confirmations (10 rows), in the emulator's order. Run by bench/run with -M prepared.
\set c random(1, :customers)
SELECT * FROM agreements WHERE customer_id = 'r' || :c ORDER BY seq, id;
