-- What an order was bought with: its billing cycle (an order has one: a cart's checkout places one
-- order per order group and billing cycle) and, for a checkout, the cart's currency. Null for orders
-- that named none, and for those stored before. The line items' own choices (term, friendly name,
-- partner of record, provisioning context) are in their JSON.
ALTER TABLE orders ADD COLUMN billing_cycle TEXT;
ALTER TABLE orders ADD COLUMN currency_code TEXT;
