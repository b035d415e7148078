//! Every statement the store runs, written once in the SQL that PostgreSQL and SQLite both
//! accept (`$N` placeholders, `ON CONFLICT`, `RETURNING`). The schema is in
//! `migrations/<backend>/`; the rows these statements read are in `rows.rs`.
//!
//! Tables that lists are read from carry a `seq` column, the insertion order, so that lists keep
//! it even while the emulator clock is frozen: an insert takes `MAX(seq) + 1` (indexed).

// --- settings and the clock ------------------------------------------------------------------

pub const INSERT_SETTING_IF_ABSENT: &str =
    "INSERT INTO emulator_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
pub const SETTING: &str = "SELECT value FROM emulator_settings WHERE key = $1";

pub const CLOCK: &str = "SELECT frozen_at_ms, offset_ms FROM emulator_clock WHERE id = 1";
pub const SET_CLOCK: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, $1, $2) \
     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = excluded.frozen_at_ms, offset_ms = excluded.offset_ms";
/// Moves a frozen clock's instant and a running clock's offset alike.
pub const ADVANCE_CLOCK: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, NULL, $1) \
     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = emulator_clock.frozen_at_ms + $1, \
     offset_ms = emulator_clock.offset_ms + $1";

/// The service-date setting, in the clock's row: NULL = the configured default.
pub const SERVICE_DATE: &str = "SELECT service_date FROM emulator_clock WHERE id = 1";
pub const SET_SERVICE_DATE: &str = "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms, service_date) \
     VALUES (1, NULL, 0, $1) ON CONFLICT (id) DO UPDATE SET service_date = excluded.service_date";

pub const PING: &str = "SELECT 1";

// --- partners and templates ----------------------------------------------------------------

pub const PARTNER_TIMES: &str =
    "SELECT partner_tenant_id, has_clock, offset_ms, frozen_at_ms, service_date FROM partner_time";
pub const SET_PARTNER_CLOCK: &str = "INSERT INTO partner_time (partner_tenant_id, has_clock, offset_ms, frozen_at_ms) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (partner_tenant_id) DO UPDATE SET has_clock = excluded.has_clock, \
     offset_ms = excluded.offset_ms, frozen_at_ms = excluded.frozen_at_ms";
pub const SET_PARTNER_SERVICE_DATE: &str =
    "INSERT INTO partner_time (partner_tenant_id, has_clock, offset_ms, service_date) \
     VALUES ($1, FALSE, 0, $2) ON CONFLICT (partner_tenant_id) DO UPDATE SET service_date = excluded.service_date";

pub const INSERT_PARTNER: &str =
    "INSERT INTO partners (tenant_id, name, partner_type, indirect_provider_id, created_at) \
     VALUES ($1, $2, $3, $4, $5)";
pub const PARTNER: &str =
    "SELECT tenant_id, name, partner_type, indirect_provider_id FROM partners WHERE tenant_id = $1";
pub const FIRST_PARTNERS: &str = "SELECT tenant_id, name, partner_type, indirect_provider_id FROM partners \
     ORDER BY created_at, tenant_id LIMIT $1";
pub const PARTNER_COUNT: &str = "SELECT COUNT(*) FROM partners";

// --- sign-in identities ---------------------------------------------------------------------------------
pub const INSERT_APP_REGISTRATION: &str = "INSERT INTO app_registrations \
     (client_id, partner_tenant_id, display_name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)";
pub const APP_REGISTRATION: &str = "SELECT client_id, partner_tenant_id, display_name, secret_hash, created_at \
     FROM app_registrations WHERE client_id = $1";
pub const APP_REGISTRATIONS_OF: &str = "SELECT client_id, partner_tenant_id, display_name, secret_hash, created_at \
     FROM app_registrations WHERE partner_tenant_id = $1 ORDER BY created_at, client_id";
pub const INSERT_PARTNER_USER: &str = "INSERT INTO partner_users \
     (id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const PARTNER_USER_BY_NAME: &str =
    "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE user_name = $1";
pub const PARTNER_USER: &str = "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE id = $1";
pub const PARTNER_USERS_OF: &str = "SELECT id, partner_tenant_id, user_name, display_name, password_hash, roles, mfa, \
     created_at FROM partner_users WHERE partner_tenant_id = $1 ORDER BY created_at, user_name";

pub const TEMPLATES: &str = "SELECT template_id, agreement_type, agreement_link, version_rank, accepts_confirmations, \
     has_document FROM agreement_templates ORDER BY agreement_type DESC, version_rank DESC, template_id";

// --- document links ----------------------------------------------------------------------------

/// Links that expired before `$1` are gone for good.
pub const DELETE_DOCUMENT_LINKS_EXPIRED_BEFORE: &str = "DELETE FROM document_links WHERE expires_at < $1";
pub const INSERT_DOCUMENT_LINK: &str =
    "INSERT INTO document_links (id, template_id, country, language, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const DOCUMENT_LINK: &str =
    "SELECT id, template_id, country, language, expires_at FROM document_links WHERE id = $1";

// --- customers and relationships ---------------------------------------------------------------

/// A taken domain or admin user name inserts nothing (a conflict, reported by the row count).
pub const INSERT_CUSTOMER: &str = "INSERT INTO customers (id, commerce_id, domain, company_name, \
     organization_registration_number, billing_profile, created_by, associated_partner_id, admin_user_name, \
     admin_password_hash, created_at, seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customers)) \
     ON CONFLICT DO NOTHING";
pub const CUSTOMER: &str = "SELECT id, commerce_id, domain, company_name, organization_registration_number, \
     billing_profile, created_by, associated_partner_id, admin_user_name, admin_password_hash, created_at \
     FROM customers WHERE id = $1";
/// `$1` is the user name in lower case.
pub const CUSTOMER_BY_ADMIN_USER: &str = "SELECT id, commerce_id, domain, company_name, \
     organization_registration_number, billing_profile, created_by, associated_partner_id, admin_user_name, \
     admin_password_hash, created_at FROM customers WHERE admin_user_name = $1";
/// Whether the partner `$partner` serves the customer `$customer` (SQL expressions): it has a
/// relationship with it, or one of its indirect resellers has. The one place of this rule: reads
/// check access in the statement that reads the data.
macro_rules! served_by {
    ($customer:literal, $partner:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM customer_relationships r JOIN partners p ON p.tenant_id = r.partner_tenant_id \
             WHERE r.customer_id = ",
            $customer,
            " AND (p.tenant_id = ",
            $partner,
            " OR p.indirect_provider_id = ",
            $partner,
            "))"
        )
    };
}

/// The customers partner `$1` serves.
/// Partner `$1`'s customers after position (`$2` seq, `$3` id), `$4` at most, in creation order.
pub const CUSTOMERS_SERVED_BY: &str = concat!(
    "SELECT c.seq AS position_seq, c.id, c.commerce_id, c.domain, c.company_name, c.organization_registration_number, \
     c.billing_profile, c.created_by, c.associated_partner_id, c.admin_user_name, c.admin_password_hash, c.created_at \
     FROM customers c WHERE ",
    served_by!("c.id", "$1"),
    " AND (c.seq > $2 OR (c.seq = $2 AND c.id > $3)) ORDER BY c.seq, c.id LIMIT $4"
);
/// Where customer `$1` stands in creation order.
pub const CUSTOMER_POSITION: &str = "SELECT seq FROM customers WHERE id = $1";
/// Customer `$1`, and whether partner `$2` serves it.
pub const CUSTOMER_SEEN_BY: &str = concat!(
    "SELECT c.id, c.commerce_id, c.domain, c.company_name, c.organization_registration_number, c.billing_profile, \
     c.created_by, c.associated_partner_id, c.admin_user_name, c.admin_password_hash, c.created_at, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1"
);
/// The agreements of customer `$1` if partner `$2` serves it, in the order recorded: one row per
/// agreement, each with whether the customer is served (`seen_served`), or a single row
/// without an agreement when there is none to show; no row when there is no such customer.
pub const AGREEMENTS_SEEN_BY: &str = concat!(
    "WITH seen AS MATERIALIZED (SELECT c.id, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1) \
     SELECT seen.served AS seen_served, a.id, a.customer_id, a.partner_tenant_id, \
     a.user_id, a.first_name, a.last_name, a.email, a.phone_number, a.template_id, a.agreement_type, a.date_agreed, \
     a.source, a.created_at, a.attestation_id \
     FROM seen LEFT JOIN agreements a ON a.customer_id = seen.id AND seen.served ORDER BY a.seq, a.id"
);
/// The orders of customer `$1` that partner `$2` may see, as `AGREEMENTS_SEEN_BY` reads agreements:
/// the orders it placed and, for an indirect provider, those its related resellers placed.
pub const ORDERS_SEEN_BY: &str = concat!(
    "WITH seen AS MATERIALIZED (SELECT c.id, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1) \
     SELECT seen.served AS seen_served, o.id, o.customer_id, o.partner_tenant_id, \
     o.line_items, o.creation_date, o.status \
     FROM seen LEFT JOIN orders o ON o.customer_id = seen.id AND seen.served AND (o.partner_tenant_id = $2 \
       OR EXISTS (SELECT 1 FROM customer_relationships r JOIN partners p ON p.tenant_id = r.partner_tenant_id \
         WHERE r.customer_id = o.customer_id AND r.partner_tenant_id = o.partner_tenant_id \
         AND p.indirect_provider_id = $2)) \
     ORDER BY o.seq, o.id"
);

pub const INSERT_RELATIONSHIP: &str =
    "INSERT INTO customer_relationships (customer_id, partner_tenant_id, created_at, seq) \
     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships))";
/// Recording a relationship again changes nothing.
pub const INSERT_RELATIONSHIP_IF_ABSENT: &str = "INSERT INTO customer_relationships \
     (customer_id, partner_tenant_id, created_at, seq) \
     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships)) \
     ON CONFLICT (customer_id, partner_tenant_id) DO NOTHING";
pub const RELATED_PARTNERS: &str = "SELECT p.tenant_id, p.name, p.partner_type, p.indirect_provider_id \
     FROM partners p JOIN customer_relationships r ON r.partner_tenant_id = p.tenant_id \
     WHERE r.customer_id = $1 ORDER BY r.seq, p.tenant_id";

// --- agreements, the outbox and orders -----------------------------------------------------------

/// `duplicate_key` and the unique index over (customer, type, source, duplicate key) are the
/// duplicate rule: two identical confirmations can never both be stored. A duplicate inserts
/// nothing (reported by the row count), so the transaction goes on.
pub const INSERT_AGREEMENT: &str = "INSERT INTO agreements (id, customer_id, partner_tenant_id, user_id, first_name, \
     last_name, email, phone_number, template_id, agreement_type, date_agreed, source, duplicate_key, created_at, \
     attestation_id, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM agreements)) ON CONFLICT DO NOTHING";
pub const AGREEMENTS_OF_CUSTOMER: &str = "SELECT id, customer_id, partner_tenant_id, user_id, first_name, last_name, \
     email, phone_number, template_id, agreement_type, date_agreed, source, created_at, attestation_id \
     FROM agreements WHERE customer_id = $1 ORDER BY seq, id";

pub const INSERT_OUTBOX_MESSAGE: &str = "INSERT INTO outbox (id, recipient, subject, body, partner_tenant_id, \
     customer_id, agreement_id, queued_at, deliver_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox))";
/// Each filter is left out when its parameter is NULL: `$1` recipient (any case), `$2` customer,
/// `$3` partner, `$4` delivered by this instant.
pub const OUTBOX: &str = "SELECT id, recipient, subject, body, partner_tenant_id, customer_id, agreement_id, \
     queued_at, deliver_at FROM outbox WHERE ($1 IS NULL OR lower(recipient) = lower($1)) \
     AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR partner_tenant_id = $3) \
     AND ($4 IS NULL OR deliver_at <= $4) ORDER BY seq, id";
pub const CLEAR_OUTBOX: &str = "DELETE FROM outbox";

pub const INSERT_ORDER: &str = "INSERT INTO orders (id, customer_id, partner_tenant_id, line_items, creation_date, \
     status, seq) VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM orders))";
pub const ORDERS_OF_CUSTOMER: &str = "SELECT id, customer_id, partner_tenant_id, line_items, creation_date, status \
     FROM orders WHERE customer_id = $1 ORDER BY seq, id";

// --- enhanced attestations --------------------------------------------------------------------------

pub const INSERT_ATTESTATION: &str = "INSERT INTO enhanced_attestations (id, partner_tenant_id, country, language, \
     company_name, signatory_first_name, signatory_last_name, signatory_email, signatory_phone_number, created_at, \
     expires_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM enhanced_attestations))";
pub const ATTESTATION: &str = "SELECT id, partner_tenant_id, country, language, company_name, signatory_first_name, \
     signatory_last_name, signatory_email, signatory_phone_number, created_at, expires_at, accepted_at, customer_id, \
     agreement_id FROM enhanced_attestations WHERE id = $1";
/// Accepted at `$2`, only while pending and unexpired.
pub const ACCEPT_ATTESTATION: &str = "UPDATE enhanced_attestations SET accepted_at = $2 \
     WHERE id = $1 AND accepted_at IS NULL AND expires_at > $2";
/// Bound to customer `$2` and agreement `$3` for good, only when accepted and not used yet.
pub const USE_ATTESTATION: &str = "UPDATE enhanced_attestations SET customer_id = $2, agreement_id = $3 \
     WHERE id = $1 AND accepted_at IS NOT NULL AND agreement_id IS NULL";
/// Undo `USE_ATTESTATION` for agreement `$2` (in the same transaction, when the agreement was refused).
pub const UNUSE_ATTESTATION: &str = "UPDATE enhanced_attestations SET customer_id = NULL, agreement_id = NULL \
     WHERE id = $1 AND agreement_id = $2";

// --- the sites' sessions, and the dashboard's one-time sign-in links ------------------------------------------

pub const INSERT_WEB_SESSION: &str = "INSERT INTO web_sessions (id, customer_id, partner_user_id, csrf_token, \
     expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const WEB_SESSION: &str =
    "SELECT id, customer_id, partner_user_id, csrf_token, expires_at FROM web_sessions WHERE id = $1";
pub const DELETE_WEB_SESSION: &str = "DELETE FROM web_sessions WHERE id = $1";
pub const INSERT_SIGN_IN_LINK: &str = "INSERT INTO partner_sign_in_links (id, user_id, expires_at) VALUES ($1, $2, $3)";
/// One statement: of two requests with the same link, one gets it.
pub const TAKE_SIGN_IN_LINK: &str = "DELETE FROM partner_sign_in_links WHERE id = $1 RETURNING id, user_id, expires_at";
/// The sites' sessions and the sign-in links that ended at or before `$1` (real time).
pub const FORGET_EXPIRED_SIGN_INS: [&str; 2] =
    ["DELETE FROM web_sessions WHERE expires_at <= $1", "DELETE FROM partner_sign_in_links WHERE expires_at <= $1"];

// --- kept answers (MS-RequestId) ---------------------------------------------------------------------

/// Rows with status 0 are claims left by an earlier version of the emulator: no answer.
pub const KEPT_ANSWER: &str = "SELECT partner_tenant_id, request_id, method, path, request_hash, status, body, \
     created_at, claimed_at_ms FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2 \
     AND status <> 0";
/// Written by the unit of work that holds the request id's lock, in the request's own transaction.
pub const KEEP_ANSWER: &str = "INSERT INTO idempotent_responses (partner_tenant_id, request_id, method, path, \
     request_hash, status, body, created_at, claimed_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (partner_tenant_id, request_id) DO UPDATE SET method = excluded.method, path = excluded.path, \
     request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
     created_at = excluded.created_at, claimed_at_ms = excluded.claimed_at_ms";
pub const FORGET_RESPONSES_BEFORE: &str = "DELETE FROM idempotent_responses WHERE created_at < $1";
/// PostgreSQL only: the request id's lock, held by the unit of work's transaction (so it goes
/// when the transaction ends, whoever ends it: a commit, a rollback, a crash of the emulator).
/// False when another transaction, on any replica, holds it.
pub const LOCK_REQUEST_ID: &str = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))";
/// PostgreSQL only: the same lock, waited for (within the transaction's lock timeout).
pub const WAIT_FOR_REQUEST_ID: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
/// PostgreSQL only: how long the transaction's statements wait for a lock ('0': as long as it takes).
pub const SET_LOCK_TIMEOUT: &str = "SELECT set_config('lock_timeout', $1, true)";

// --- fault rules ---------------------------------------------------------------------------------------

pub const INSERT_FAULT_RULE: &str = "INSERT INTO fault_rules (id, method, route, path_pattern, partner_tenant_id, \
     effect, delay_ms, retry_after_seconds, probability, max_hits, hits, created_at, seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, (SELECT COALESCE(MAX(seq), 0) + 1 FROM fault_rules))";
pub const FAULT_RULES: &str = "SELECT id, method, route, path_pattern, partner_tenant_id, effect, delay_ms, \
     retry_after_seconds, probability, max_hits, hits FROM fault_rules ORDER BY seq";
/// Counts a hit only while the rule has hits left, so a count holds across replicas.
pub const RECORD_FAULT_HIT: &str =
    "UPDATE fault_rules SET hits = hits + 1 WHERE id = $1 AND (max_hits IS NULL OR hits < max_hits)";
pub const DELETE_FAULT_RULE: &str = "DELETE FROM fault_rules WHERE id = $1";
pub const DELETE_FAULT_RULES: &str = "DELETE FROM fault_rules";

// --- sign-in lockout ----------------------------------------------------------------------------------

pub const SIGN_IN_FAILURES: &str = "SELECT failures, locked_until FROM sign_in_failures WHERE user_name = $1";
/// Count a failure of user name `$1`; the `$2`-th locks it until `$3` and the count starts again.
/// One statement: concurrent failures (on any replica) are all counted.
pub const RECORD_SIGN_IN_FAILURE: &str = "INSERT INTO sign_in_failures (user_name, failures, locked_until) \
     VALUES ($1, CASE WHEN 1 >= $2 THEN 0 ELSE 1 END, CASE WHEN 1 >= $2 THEN $3 ELSE NULL END) \
     ON CONFLICT (user_name) DO UPDATE SET \
     failures = CASE WHEN sign_in_failures.failures + 1 >= $2 THEN 0 ELSE sign_in_failures.failures + 1 END, \
     locked_until = CASE WHEN sign_in_failures.failures + 1 >= $2 THEN $3 ELSE sign_in_failures.locked_until END \
     RETURNING failures, locked_until";
pub const CLEAR_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures WHERE user_name = $1";
pub const CLEAR_ALL_SIGN_IN_FAILURES: &str = "DELETE FROM sign_in_failures";
pub const ALL_SIGN_IN_FAILURES: &str =
    "SELECT user_name, failures, locked_until FROM sign_in_failures ORDER BY user_name";

// --- reset ----------------------------------------------------------------------------------------------

/// A full reset: everything partners and customers did; the template catalog and the signing
/// key stay. In this order, inside one transaction.
pub const RESET_EVERYTHING: &[&str] = &[
    "DELETE FROM fault_rules",
    "DELETE FROM idempotent_responses",
    "DELETE FROM web_sessions",
    "DELETE FROM sign_in_failures",
    "DELETE FROM outbox",
    "DELETE FROM orders",
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

/// A reset of partner `$1`'s own state: its confirmations and attestations, orders, emails, kept
/// answers and relationships. A customer no partner has a relationship with any more goes too; one that
/// another partner still serves stays, with that partner's data.
pub const RESET_PARTNER: &[&str] = &[
    "DELETE FROM partner_time WHERE partner_tenant_id = $1",
    "DELETE FROM fault_rules WHERE partner_tenant_id = $1",
    "DELETE FROM idempotent_responses WHERE partner_tenant_id = $1",
    "DELETE FROM outbox WHERE partner_tenant_id = $1",
    "DELETE FROM orders WHERE partner_tenant_id = $1",
    "DELETE FROM agreements WHERE partner_tenant_id = $1",
    "DELETE FROM enhanced_attestations WHERE partner_tenant_id = $1",
    "DELETE FROM customer_relationships WHERE partner_tenant_id = $1",
    "UPDATE customers SET associated_partner_id = NULL WHERE associated_partner_id = $1",
    "DELETE FROM outbox WHERE customer_id IN (SELECT id FROM customers c WHERE NOT EXISTS \
       (SELECT 1 FROM customer_relationships r WHERE r.customer_id = c.id))",
    "DELETE FROM customers WHERE NOT EXISTS \
       (SELECT 1 FROM customer_relationships r WHERE r.customer_id = customers.id)",
];

pub const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";
pub const COMMIT: &str = "COMMIT";
pub const ROLLBACK: &str = "ROLLBACK";

/// PostgreSQL only: tell the other replicas that shared state changed (`store::notify`).
pub const NOTIFY: &str = "SELECT pg_notify($1, $2)";
