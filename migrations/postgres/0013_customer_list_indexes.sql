-- Customer lists that page in the database (GET /v1/customers and the dashboard's customers
-- page): a page starts after, or ends before, a position (seq, id) given as a row value, which an
-- index on both columns serves as a range in either direction, however deep the page is. It takes
-- the place of the index on seq alone. The searches (the company name and the domain starting
-- with a text, the Microsoft ID exactly) keep the prefix indexes of 0010 and the primary key.
CREATE INDEX customers_position ON customers (seq, id);
DROP INDEX customers_seq;
