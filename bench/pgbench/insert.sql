-- The storage floor of POST /v1/customers/{id}/agreements: one prepared single-row INSERT of a
-- confirmation into the emulator's own agreements table (its foreign key and unique index are
-- checked), for one of the write customers. Run by bench/run with -M prepared.
\set c random(1, :customers)
INSERT INTO agreements (seq, id, customer_id, partner_tenant_id, user_id, first_name, last_name, email, phone_number,
  template_id, agreement_type, date_agreed, source, duplicate_key, created_at)
VALUES (:c, gen_random_uuid()::text, 'w' || :c, 'bench-partner', 'bench-user', 'Bench', 'User', 'user@bench.example', NULL,
  '117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', '2024-01-01T00:00:00Z', 'PartnerConfirmation',
  gen_random_uuid()::text, now());
