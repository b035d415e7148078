//! The store's own suite: the same cases against whichever backend is under test
//! (`PCE_TEST_BACKEND=postgres` for PostgreSQL, SQLite otherwise), each on a fresh database,
//! through the `Store` trait only. The API suite covers the same behaviour through HTTP; this one
//! pins down what the use cases may rely on: conflicts, atomic writes, orders of lists, filters,
//! claims and resets.

#[path = "../support/database.rs"]
mod database;

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;

use partner_center_emulator::domain::agreements::{Agreement, AgreementSource, AgreementType};
use partner_center_emulator::domain::attestations::EnhancedAttestation;
use partner_center_emulator::domain::contact::Contact;
use partner_center_emulator::domain::customer_search::{CustomerFilter, QuickSearch, SearchField};
use partner_center_emulator::domain::customers::{BillingProfile, Customer};
use partner_center_emulator::domain::documents::DocumentLink;
use partner_center_emulator::domain::faults::{FaultEffect, FaultRule};
use partner_center_emulator::domain::identities::PartnerUser;
use partner_center_emulator::domain::orders::{LineItem, Order};
use partner_center_emulator::domain::outbox::OutboxMessage;
use partner_center_emulator::domain::paging::{Keyset, Position};
use partner_center_emulator::domain::partners::{Partner, PartnerType};
use partner_center_emulator::domain::permissions::Role;
use partner_center_emulator::domain::sign_in::Signer;
use partner_center_emulator::store::{
    self, OutboxQuery, RequestLock, Seen, SignInLink, Store, StoreError, StoreResult, StoredClock, StoredResponse,
    WebSession,
};

const MCA: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";

/// A migrated store on a fresh database, with the database's handle: the test keeps it (as
/// `_database`) so the database is dropped when the test ends, and not before.
/// A fresh store on PostgreSQL, or None when the suite runs on SQLite (for what only PostgreSQL
/// has: replicas sharing a database, a server that drops connections, units sent as one statement).
async fn postgres_store() -> Option<(Arc<Store>, Arc<database::TestDatabase>)> {
    let database = database::fresh_database().await;
    if !database.url.starts_with("postgres") {
        return None;
    }
    let store = store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    Some((store, database))
}

async fn fresh_store() -> (Arc<Store>, Arc<database::TestDatabase>) {
    let database = database::fresh_database().await;
    let store = store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, database)
}

// The writes of the use cases go through units of work: each helper is one unit, committed.

async fn insert_customer(store: &Arc<Store>, customer: &Customer, related: &[String]) -> StoreResult<()> {
    let mut unit = store.begin();
    unit.insert_customer(customer, related).await?;
    unit.commit().await
}

async fn insert_agreement(store: &Arc<Store>, a: &Agreement, notice: Option<&OutboxMessage>) -> StoreResult<()> {
    let mut unit = store.begin();
    unit.insert_agreement(a, notice).await?;
    unit.commit().await
}

async fn insert_order(store: &Arc<Store>, order: &Order) -> StoreResult<()> {
    let mut unit = store.begin();
    unit.insert_order(order).await?;
    unit.commit().await
}

async fn insert_attestation(store: &Arc<Store>, attestation: &EnhancedAttestation) -> StoreResult<()> {
    let mut unit = store.begin();
    unit.insert_attestation(attestation).await?;
    unit.commit().await
}

async fn add_relationship(
    store: &Arc<Store>,
    customer: &str,
    partner: &str,
    at: DateTime<Utc>,
    delegated_admin: bool,
) -> StoreResult<()> {
    let mut unit = store.begin();
    unit.add_relationship(customer, partner, at, delegated_admin).await?;
    unit.commit().await
}

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn partner(id: &str, partner_type: PartnerType, provider: Option<&str>) -> Partner {
    Partner {
        tenant_id: id.into(),
        name: format!("partner {id}"),
        partner_type,
        indirect_provider_id: provider.map(Into::into),
    }
}

fn customer(id: &str, domain: &str, created_by: &str) -> Customer {
    Customer {
        id: id.into(),
        commerce_id: format!("commerce-{id}"),
        domain: format!("{domain}.onmicrosoft.com"),
        company_name: format!("{domain} Ltd"),
        organization_registration_number: None,
        billing_profile: BillingProfile { email: Some(format!("ap@{domain}.example")), ..Default::default() },
        created_by: created_by.into(),
        associated_partner_id: None,
        admin_user_name: format!("admin@{domain}.onmicrosoft.com"),
        admin_password_hash: "$argon2id$stand-in".into(),
        created_at: at(0),
    }
}

fn confirmation(id: &str, customer_id: &str, partner_id: &str, first_name: &str) -> Agreement {
    Agreement {
        id: id.into(),
        customer_id: customer_id.into(),
        partner_tenant_id: Some(partner_id.into()),
        user_id: Some("user".into()),
        contact: Contact {
            first_name: first_name.into(),
            last_name: "Lee".into(),
            email: format!("{}@contoso.example", first_name.to_lowercase()),
            phone_number: None,
        },
        template_id: MCA.into(),
        agreement_type: AgreementType::MicrosoftCustomerAgreement,
        date_agreed: at(-60),
        source: AgreementSource::PartnerConfirmation,
        created_at: at(0),
        attestation_id: None,
        language: None,
    }
}

fn notice(id: &str, agreement: &Agreement, deliver_at: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage {
        id: id.into(),
        recipient: agreement.contact.email.clone(),
        subject: "confirmed".into(),
        body: "body".into(),
        partner_tenant_id: agreement.partner_tenant_id.clone().unwrap_or_default(),
        customer_id: agreement.customer_id.clone(),
        agreement_id: agreement.id.clone(),
        queued_at: at(0),
        deliver_at,
    }
}

/// A store with a direct-bill partner `p1` serving customer `c1`.
async fn store_with_customer() -> (Arc<Store>, Arc<database::TestDatabase>) {
    let (store, database) = fresh_store().await;
    store.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    insert_customer(&store, &customer("c1", "contoso", "p1"), &["p1".into()]).await.unwrap();
    (store, database)
}

#[tokio::test]
async fn a_setting_keeps_its_first_value() {
    let (store, _database) = fresh_store().await;
    assert_eq!(store.setting_or_insert("k", "first").await.unwrap(), "first");
    assert_eq!(store.setting_or_insert("k", "second").await.unwrap(), "first");
}

#[tokio::test]
async fn the_clock_is_set_and_advanced_frozen_or_running() {
    let (store, _database) = fresh_store().await;
    assert_eq!(store.clock().await.unwrap(), StoredClock::default());
    store.set_clock(StoredClock { frozen_at_ms: Some(1_000), offset_ms: 0 }).await.unwrap();
    store.advance_clock(500).await.unwrap();
    assert_eq!(store.clock().await.unwrap(), StoredClock { frozen_at_ms: Some(1_500), offset_ms: 500 });
    store.set_clock(StoredClock { frozen_at_ms: None, offset_ms: -10 }).await.unwrap();
    store.advance_clock(20).await.unwrap();
    assert_eq!(store.clock().await.unwrap(), StoredClock { frozen_at_ms: None, offset_ms: 10 });
}

#[tokio::test]
async fn partners_are_stored_once_and_read_back() {
    let (store, _database) = fresh_store().await;
    assert_eq!(store.partner("p1").await.unwrap(), None, "an unknown partner is none, and remembered as such");
    let p1 = partner("p1", PartnerType::IndirectProvider, None);
    store.insert_partner(&p1, at(0)).await.unwrap();
    assert_eq!(store.partner("p1").await.unwrap(), Some(p1.clone()), "the cache forgot the unknown partner");
    let reseller = partner("r1", PartnerType::IndirectReseller, Some("p1"));
    store.insert_partner(&reseller, at(0)).await.unwrap();
    assert_eq!(store.partner("r1").await.unwrap(), Some(reseller));
    assert!(matches!(store.insert_partner(&p1, at(1)).await, Err(StoreError::Conflict)));
}

#[tokio::test]
async fn partners_are_listed_in_the_order_they_were_created_with_their_count() {
    let (store, _database) = fresh_store().await;
    assert_eq!(store.partners(20).await.unwrap(), (vec![], 0));
    let (a, b, c) = (
        partner("b-second", PartnerType::DirectBill, None),
        partner("a-third", PartnerType::DirectBill, None),
        partner("c-first", PartnerType::IndirectProvider, None),
    );
    store.insert_partner(&a, at(1)).await.unwrap();
    store.insert_partner(&b, at(2)).await.unwrap();
    store.insert_partner(&c, at(0)).await.unwrap();
    assert_eq!(store.partners(20).await.unwrap(), (vec![c.clone(), a.clone(), b], 3));
    assert_eq!(store.partners(2).await.unwrap(), (vec![c, a], 3), "the first ones, and how many there are");
}

#[tokio::test]
async fn the_template_catalog_lists_the_customer_agreement_first() {
    let (store, _database) = fresh_store().await;
    let templates = store.templates().await.unwrap();
    let ids: Vec<&str> = templates.iter().map(|t| t.template_id.as_str()).collect();
    assert_eq!(ids, [MCA, "998b88de-aa99-4388-a42c-1b3517d49490"]);
    assert!(templates[0].accepts_confirmations && templates[0].has_document);
    assert!(!templates[1].accepts_confirmations && !templates[1].has_document);
}

#[tokio::test]
async fn document_links_are_kept_until_a_day_after_they_expire() {
    let (store, _database) = fresh_store().await;
    let link = |id: &str, expires_at| DocumentLink {
        id: id.into(),
        template_id: MCA.into(),
        country: "AT".into(),
        language: "de-DE".into(),
        expires_at,
    };
    store.insert_document_link(&link("old", at(0))).await.unwrap();
    assert_eq!(store.document_link("old").await.unwrap(), Some(link("old", at(0))));
    store.insert_document_link(&link("new", at(60 * 24 + 1))).await.unwrap();
    assert_eq!(store.document_link("old").await.unwrap(), None, "expired over a day before the newest");
    assert!(store.document_link("new").await.unwrap().is_some());
}

#[tokio::test]
async fn a_customer_is_stored_with_its_relationships_and_a_domain_only_once() {
    let (store, _database) = store_with_customer().await;
    let stored = store.customer("c1").await.unwrap().unwrap();
    assert_eq!(stored, customer("c1", "contoso", "p1"));
    let by_user = store.customer_by_admin_user("  ADMIN@contoso.onmicrosoft.com ").await.unwrap();
    assert_eq!(by_user.map(|c| c.id), Some("c1".to_string()), "user names compare trimmed, without case");
    let taken = customer("c2", "contoso", "p1");
    assert!(matches!(insert_customer(&store, &taken, &["p1".into()]).await, Err(StoreError::Conflict)));
    assert_eq!(store.customer("c2").await.unwrap(), None, "nothing of a refused customer is stored");
    assert_eq!(store.related_partners("c1").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_provider_is_served_its_resellers_customers_in_creation_order() {
    let (store, _database) = fresh_store().await;
    store.insert_partner(&partner("prov", PartnerType::IndirectProvider, None), at(0)).await.unwrap();
    store.insert_partner(&partner("res", PartnerType::IndirectReseller, Some("prov")), at(0)).await.unwrap();
    store.insert_partner(&partner("other", PartnerType::DirectBill, None), at(0)).await.unwrap();
    insert_customer(&store, &customer("b", "second", "prov"), &["prov".into(), "res".into()]).await.unwrap();
    insert_customer(&store, &customer("a", "third", "other"), &["other".into()]).await.unwrap();
    insert_customer(&store, &customer("c", "fourth", "res"), &["res".into()]).await.unwrap();
    let ids = |list: Vec<(Position, Customer)>| list.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>();
    assert_eq!(ids(store.customers_served_by("prov", None, u32::MAX, None).await.unwrap()), ["b", "c"]);
    assert_eq!(ids(store.customers_served_by("res", None, u32::MAX, None).await.unwrap()), ["b", "c"]);
    assert_eq!(ids(store.customers_served_by("other", None, u32::MAX, None).await.unwrap()), ["a"]);
    // A page: at most `limit`, after a position, which names its customer.
    let first = store.customers_served_by("prov", None, 1, None).await.unwrap();
    assert_eq!(ids(first.clone()), ["b"]);
    assert_eq!(store.customer_position("b").await.unwrap().as_ref(), Some(&first[0].0));
    assert_eq!(ids(store.customers_served_by("prov", Some(&first[0].0), 5, None).await.unwrap()), ["c"]);
    assert_eq!(store.customer_position("nobody").await.unwrap(), None);
    add_relationship(&store, "a", "res", at(1), false).await.unwrap();
    add_relationship(&store, "a", "res", at(2), false).await.unwrap();
    let related: Vec<String> =
        store.related_partners("a").await.unwrap().into_iter().map(|r| r.partner.tenant_id).collect();
    assert_eq!(related, ["other", "res"], "in the order the relationships began, each once");
}

fn filter(field: SearchField, value: &str) -> CustomerFilter {
    CustomerFilter { field, value: value.into() }
}

#[tokio::test]
async fn a_search_finds_by_prefix_without_regard_to_case_within_the_partners_scope() {
    let (store, _database) = fresh_store().await;
    store.insert_partner(&partner("prov", PartnerType::IndirectProvider, None), at(0)).await.unwrap();
    store.insert_partner(&partner("res", PartnerType::IndirectReseller, Some("prov")), at(0)).await.unwrap();
    store.insert_partner(&partner("other", PartnerType::DirectBill, None), at(0)).await.unwrap();
    let named = |id: &str, domain: &str, name: &str, by: &str| Customer {
        company_name: name.into(),
        ..customer(id, domain, by)
    };
    insert_customer(&store, &named("a", "contoso", "Contoso", "prov"), &["prov".into(), "res".into()]).await.unwrap();
    insert_customer(&store, &named("b", "ecole", "ÉCOLE_1", "res"), &["res".into()]).await.unwrap();
    insert_customer(&store, &named("c", "contosob", "contoso b", "other"), &["other".into()]).await.unwrap();
    insert_customer(&store, &named("d", "ecolex", "écolex1", "prov"), &["prov".into()]).await.unwrap();
    let found = |partner: &'static str, f: CustomerFilter| {
        let store = store.clone();
        async move {
            let found = store.customers_served_by(partner, None, 10, Some(&f)).await.unwrap();
            found.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("prov", filter(SearchField::CompanyName, "CONT")).await, ["a"]);
    assert_eq!(found("other", filter(SearchField::CompanyName, "cont")).await, ["c"]);
    assert_eq!(found("prov", filter(SearchField::CompanyName, "école_")).await, ["b"], "_ is no wildcard");
    assert_eq!(found("prov", filter(SearchField::Domain, "Contoso")).await, ["a"]);
    assert_eq!(found("prov", filter(SearchField::IndirectReseller, "re")).await, ["a", "b"]);
    assert_eq!(found("res", filter(SearchField::IndirectCloudSolutionProvider, "prov")).await, ["a"]);
    assert_eq!(found("prov", filter(SearchField::IndirectReseller, "prov")).await, Vec::<String>::new());
    // Pages of a search: after a position.
    let e = filter(SearchField::CompanyName, "é");
    let first = store.customers_served_by("prov", None, 1, Some(&e)).await.unwrap();
    let rest = store.customers_served_by("prov", Some(&first[0].0), 5, Some(&e)).await.unwrap();
    assert_eq!(rest.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>(), ["d"]);
}

#[tokio::test]
async fn customers_stored_before_searches_are_folded_at_start_up() {
    let database = database::fresh_database().await;
    let url = database.url.clone();
    let store = store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.insert_partner(&partner("p", PartnerType::DirectBill, None), at(0)).await.unwrap();
    let old = Customer { company_name: "ÉCOLE Ancienne".into(), ..customer("c", "ecole", "p") };
    insert_customer(&store, &old, &["p".into()]).await.unwrap();
    // As a customer stored before migration 0010 was: no folded name.
    use sqlx::Connection;
    let unfold = "UPDATE customers SET company_name_folded = NULL";
    if url.starts_with("postgres") {
        sqlx::query(unfold).execute(&mut sqlx::PgConnection::connect(&url).await.unwrap()).await.unwrap();
    } else {
        sqlx::query(unfold).execute(&mut sqlx::SqliteConnection::connect(&url).await.unwrap()).await.unwrap();
    }
    let search = filter(SearchField::CompanyName, "école a");
    assert!(store.customers_served_by("p", None, 10, Some(&search)).await.unwrap().is_empty());
    let restarted = store::connect(&url).await.unwrap();
    restarted.migrate().await.unwrap();
    assert_eq!(restarted.customers_served_by("p", None, 10, Some(&search)).await.unwrap().len(), 1);
}

/// `count` customers of partner `p`, in one unit, and the database's statistics brought up to date.
async fn many_customers(store: &Arc<Store>, database_url: &str, count: usize) {
    let mut unit = store.begin();
    for i in 0..count {
        let c = Customer {
            company_name: format!("Company {i:05}"),
            ..customer(&format!("c{i:05}"), &format!("d{i:05}"), "p")
        };
        unit.insert_customer(&c, &["p".into()]).await.unwrap();
    }
    unit.commit().await.unwrap();
    use sqlx::Connection;
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    }
}

#[tokio::test]
async fn a_search_is_an_index_lookup_not_a_scan() {
    let database = database::fresh_database().await;
    let url = database.url.clone();
    let store = store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.insert_partner(&partner("p", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_partner(&partner("r0123", PartnerType::IndirectReseller, None), at(0)).await.unwrap();
    many_customers(&store, &url, 3000).await;
    add_relationship(&store, "c00042", "r0123", at(1), false).await.unwrap();
    let expected = [
        (SearchField::CompanyName, "company 0004", "customers_company_name_prefix"),
        (SearchField::Domain, "d0004", "customers_domain_prefix"),
        (SearchField::IndirectReseller, "r01", "customer_relationships_partner_prefix"),
    ];
    for (field, value, index) in expected {
        let plan = store.customer_search_plan("p", &filter(field, value)).await.unwrap().join("\n");
        assert!(plan.contains(index), "{field:?} uses {index}:\n{plan}");
        let found = store.customers_served_by("p", None, 100, Some(&filter(field, value))).await.unwrap();
        assert_eq!(found.len(), if field == SearchField::IndirectReseller { 1 } else { 10 }, "{field:?}");
    }
}

#[tokio::test]
async fn a_page_however_deep_and_the_dashboards_search_are_index_lookups_not_scans() {
    let database = database::fresh_database().await;
    let url = database.url.clone();
    let store = store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.insert_partner(&partner("p", PartnerType::DirectBill, None), at(0)).await.unwrap();
    many_customers(&store, &url, 3000).await;
    let deep = store.customers_page("p", Keyset::First, 2501, None).await.unwrap().pop().unwrap().0;
    // PostgreSQL reads the partner's relationships in its customers' order, in a function (whose
    // reads the next test counts); SQLite, the customers.
    let position_index = if url.starts_with("postgres") { "pce_customers_page" } else { "customers_position" };
    for at in [Keyset::After(&deep), Keyset::Before(&deep)] {
        let plan = store.customers_page_plan("p", at, None).await.unwrap().join("\n");
        assert!(plan.contains(position_index), "{at:?} reads {position_index}:\n{plan}");
        let page = store.customers_page("p", at, 20, None).await.unwrap();
        let seqs: Vec<i64> = page.iter().map(|(p, _)| p.seq).collect();
        let expected: Vec<i64> = match at {
            Keyset::After(_) => (deep.seq + 1..deep.seq + 21).collect(),
            _ => (deep.seq - 20..deep.seq).collect(),
        };
        assert_eq!(seqs, expected, "{at:?}: in creation order either way");
    }
    for typed in ["COMPANY 0004", "d0004", "4f1c2a10-0000-4000-8000-0000000000aa"] {
        let search = QuickSearch::new(typed).unwrap();
        let plan = store.customers_page_plan("p", Keyset::After(&deep), Some(&search)).await.unwrap().join("\n");
        for index in ["customers_company_name_prefix", "customers_domain_prefix"] {
            assert!(plan.contains(index), "{typed} uses {index}:\n{plan}");
        }
        let found = store.customers_page("p", Keyset::First, 100, Some(&search)).await.unwrap();
        assert_eq!(found.len(), if typed.starts_with('4') { 0 } else { 10 }, "{typed}");
    }
}

#[tokio::test]
async fn a_partners_page_holds_its_own_customers_and_its_resellers_each_once_however_many_others_have() {
    let database = database::fresh_database().await;
    let url = database.url.clone();
    let store = store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.insert_partner(&partner("p", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_partner(&partner("few", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_partner(&partner("v", PartnerType::IndirectProvider, None), at(0)).await.unwrap();
    store.insert_partner(&partner("r", PartnerType::IndirectReseller, Some("v")), at(0)).await.unwrap();
    many_customers(&store, &url, 3000).await;
    for customer in ["c00007", "c00600", "c01200", "c01800", "c02400"] {
        add_relationship(&store, customer, "few", at(1), false).await.unwrap();
    }
    // The provider's customers: its own, its reseller's, and one related to both.
    for (customer, partner) in [("c02999", "v"), ("c00020", "r"), ("c00010", "v"), ("c00010", "r")] {
        add_relationship(&store, customer, partner, at(1), false).await.unwrap();
    }
    let ids = |page: Vec<(Position, Customer)>| page.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>();
    let first = store.customers_page("few", Keyset::First, 3, None).await.unwrap();
    let last = first.last().unwrap().0.clone();
    assert_eq!(ids(first), ["c00007", "c00600", "c01200"]);
    let next = store.customers_page("few", Keyset::After(&last), 3, None).await.unwrap();
    assert_eq!(ids(next.clone()), ["c01800", "c02400"]);
    let back = store.customers_page("few", Keyset::Before(&next[0].0), 2, None).await.unwrap();
    assert_eq!(ids(back), ["c00600", "c01200"], "the page before, in creation order");
    let listed = store.customers_served_by("few", Some(&last), 10, None).await.unwrap();
    assert_eq!(ids(listed), ["c01800", "c02400"], "the API's list reads the same page");
    let provider = store.customers_page("v", Keyset::First, 10, None).await.unwrap();
    assert_eq!(ids(provider), ["c00010", "c00020", "c02999"], "each customer once");
    let provider = store.customers_page("v", Keyset::First, 2, None).await.unwrap();
    assert_eq!(ids(provider), ["c00010", "c00020"], "a page holds as many as asked");
    if url.starts_with("postgres") {
        // What a page reads (forward from the start, backward from the end), counted by
        // PostgreSQL in the transaction that reads it, on a connection of its own.
        use sqlx::Connection;
        let pages: [(bool, i64, &[&str]); 2] =
            [(false, i64::MIN, &["c00007", "c00600", "c01200"]), (true, i64::MAX, &["c02400", "c01800", "c01200"])];
        for (backwards, from, expected) in pages {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            let page: Vec<String> = sqlx::query_scalar("SELECT id FROM pce_customers_page('few', $1, '', 3, $2)")
                .bind(from)
                .bind(backwards)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            assert_eq!(page, expected, "backwards: {backwards}, the nearest first");
            // Rows read by walking a table; entries read from the tables' indexes.
            let (scans, entries): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(pg_stat_get_xact_numscans(c.oid)) FILTER (WHERE c.relkind = 'r'), 0)::BIGINT, \
                 COALESCE(SUM(pg_stat_get_xact_tuples_returned(c.oid)) FILTER (WHERE c.relkind = 'i'), 0)::BIGINT \
                 FROM pg_class c WHERE c.relname IN ('customers', 'customer_relationships') \
                 OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
                 WHERE t.relname IN ('customers', 'customer_relationships'))",
            )
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            assert_eq!(scans, 0, "no table is walked");
            assert!(entries <= 10, "three relationships and three customers read by their keys, not {entries}");
        }
    }

    // Customers stored by a unit sent as one statement (their relationships in the same
    // statement) take their places at the end of each related partner's list, in order.
    let mut unit = store.begin_one_statement();
    unit.insert_customer(&customer("late", "late", "few"), &["few".into(), "r".into()]).await.unwrap();
    unit.insert_customer(&customer("later", "later", "few"), &["few".into(), "r".into()]).await.unwrap();
    unit.commit().await.unwrap();
    let positions = [
        store.customer_position("late").await.unwrap().unwrap(),
        store.customer_position("later").await.unwrap().unwrap(),
    ];
    for partner in ["few", "v"] {
        let page = store.customers_page(partner, Keyset::First, 10, None).await.unwrap();
        let last: Vec<Position> = page[page.len() - 2..].iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(last, positions, "{partner}: the new customers come last, in order");
        let back = store.customers_page(partner, Keyset::Before(&positions[1]), 1, None).await.unwrap();
        assert_eq!(back[0].0, positions[0], "{partner}: the page before the last holds the one before");
    }
}

#[tokio::test]
async fn a_duplicate_confirmation_is_a_conflict_and_stores_nothing_not_even_its_email() {
    let (store, _database) = store_with_customer().await;
    let first = confirmation("a1", "c1", "p1", "Ana");
    insert_agreement(&store, &first, Some(&notice("m1", &first, at(0)))).await.unwrap();
    let mut again = confirmation("a2", "c1", "p1", "ANA");
    again.contact.email = " ana@CONTOSO.example".into();
    let refused = insert_agreement(&store, &again, Some(&notice("m2", &again, at(0)))).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "names and email compare without case");
    let other = confirmation("a3", "c1", "p1", "Bo");
    insert_agreement(&store, &other, None).await.unwrap();
    let ids: Vec<String> = store.agreements("c1").await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["a1", "a3"]);
    let all = OutboxQuery::default();
    let outbox: Vec<String> = store.outbox(&all).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(outbox, ["m1"], "the refused confirmation's email went with it");
    assert_eq!(store.agreements("c1").await.unwrap()[0], first);
}

#[tokio::test]
async fn the_outbox_filters_by_recipient_customer_and_partner() {
    let (store, _database) = store_with_customer().await;
    let a = confirmation("a1", "c1", "p1", "Ana");
    let b = confirmation("a2", "c1", "p1", "Bo");
    insert_agreement(&store, &a, Some(&notice("m1", &a, at(0)))).await.unwrap();
    insert_agreement(&store, &b, Some(&notice("m2", &b, at(30)))).await.unwrap();
    let ids = |list: Vec<OutboxMessage>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let query = |recipient: Option<&str>, customer: Option<&str>, partner: Option<&str>| OutboxQuery {
        recipient: recipient.map(Into::into),
        customer_id: customer.map(Into::into),
        partner_tenant_id: partner.map(Into::into),
    };
    let all = store.outbox(&query(None, None, None)).await.unwrap();
    let delivered: Vec<&str> = all.iter().filter(|m| m.delivered_by(at(29))).map(|m| m.id.as_str()).collect();
    assert_eq!(delivered, ["m1"], "delivered by its time");
    assert_eq!(ids(all), ["m1", "m2"]);
    assert_eq!(ids(store.outbox(&query(Some("BO@contoso.example"), None, None)).await.unwrap()), ["m2"]);
    assert_eq!(ids(store.outbox(&query(None, Some("c1"), Some("p1"))).await.unwrap()), ["m1", "m2"]);
    assert!(store.outbox(&query(None, Some("other"), None)).await.unwrap().is_empty());
    assert_eq!(store.clear_outbox().await.unwrap(), 2);
    assert!(store.outbox(&query(None, None, None)).await.unwrap().is_empty());
}

#[tokio::test]
async fn orders_and_sessions_are_read_back_as_written() {
    let (store, _database) = store_with_customer().await;
    for (i, id) in ["o2", "o1"].into_iter().enumerate() {
        let mut item = LineItem::of(0, "offer", i as i64 + 1);
        item.term_duration = Some("P1Y".into());
        let order = Order {
            billing_cycle: Some("annual".into()),
            currency_code: Some("EUR".into()),
            ..Order::completed(id.into(), "c1", "p1", vec![item], at(0))
        };
        insert_order(&store, &order).await.unwrap();
    }
    let orders = store.orders("c1").await.unwrap();
    assert_eq!(orders.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["o2", "o1"], "in the order placed");
    assert_eq!(orders[1].line_items[0].quantity, 2);
    assert_eq!((orders[1].billing_cycle.as_deref(), orders[1].currency_code.as_deref()), (Some("annual"), Some("EUR")));
    assert_eq!(orders[1].line_items[0].term_duration.as_deref(), Some("P1Y"));
    let session = web_session("s", Signer::CustomerAdmin("c1".into()), at(60));
    store.insert_web_session(&session).await.unwrap();
    assert_eq!(store.web_session("s").await.unwrap(), Some(session));
    store.delete_web_session("s").await.unwrap();
    assert_eq!(store.web_session("s").await.unwrap(), None);
}

fn web_session(id: &str, signer: Signer, expires_at: DateTime<Utc>) -> WebSession {
    WebSession { id: id.into(), signer, csrf_token: "t".into(), expires_at }
}

#[tokio::test]
async fn a_session_belongs_to_one_signer_and_ends_with_it() {
    let (store, _database) = store_with_customer().await;
    store.insert_partner_user(&partner_user("u1")).await.unwrap();
    store.insert_web_session(&web_session("admin", Signer::CustomerAdmin("c1".into()), at(60))).await.unwrap();
    store.insert_web_session(&web_session("agent", Signer::PartnerUser("u1".into()), at(60))).await.unwrap();
    assert_eq!(store.web_session("agent").await.unwrap().unwrap().signer, Signer::PartnerUser("u1".into()));
    // A reset of the partner removes the customer only it served: its admin's session goes with it.
    store.reset(Some("p1")).await.unwrap();
    assert_eq!(store.web_session("admin").await.unwrap(), None, "the customer is gone, and its sessions");
    assert!(store.web_session("agent").await.unwrap().is_some(), "the partner's users stay signed in");
    store.reset(None).await.unwrap();
    assert_eq!(store.web_session("agent").await.unwrap(), None, "a full reset ends every session");
}

fn partner_user(id: &str) -> PartnerUser {
    PartnerUser {
        id: id.into(),
        partner_tenant_id: "p1".into(),
        user_name: format!("agent-{id}@p1.example"),
        display_name: "Agent".into(),
        password_hash: "not-a-hash".into(),
        roles: vec![Role::AdminAgent],
        mfa: true,
        created_at: at(0),
    }
}

#[tokio::test]
async fn ended_sessions_and_sign_in_links_are_forgotten_and_live_ones_kept() {
    let (store, _database) = store_with_customer().await;
    store.insert_partner_user(&partner_user("u1")).await.unwrap();
    for (id, ends) in [("ended", at(10)), ("live", at(11))] {
        let admin = web_session(&format!("admin-{id}"), Signer::CustomerAdmin("c1".into()), ends);
        store.insert_web_session(&admin).await.unwrap();
        let agent = web_session(&format!("agent-{id}"), Signer::PartnerUser("u1".into()), ends);
        store.insert_web_session(&agent).await.unwrap();
        store.insert_sign_in_link(&SignInLink { id: id.into(), user_id: "u1".into(), expires_at: ends }).await.unwrap();
    }
    assert_eq!(store.forget_expired_sign_ins(at(10)).await.unwrap(), 3, "one of each ended at that instant");
    assert_eq!(store.web_session("admin-ended").await.unwrap(), None);
    assert_eq!(store.web_session("agent-ended").await.unwrap(), None);
    assert_eq!(store.take_sign_in_link("ended").await.unwrap(), None);
    assert!(store.web_session("admin-live").await.unwrap().is_some());
    assert!(store.web_session("agent-live").await.unwrap().is_some());
    assert!(store.take_sign_in_link("live").await.unwrap().is_some());
    assert_eq!(store.forget_expired_sign_ins(at(60)).await.unwrap(), 2, "the link was taken; two sessions left");

    // Fractions of a second order as instants do (SQLite keeps the timestamps as text).
    let half_past = at(70) + Duration::milliseconds(500);
    store
        .insert_sign_in_link(&SignInLink { id: "ms".into(), user_id: "u1".into(), expires_at: half_past })
        .await
        .unwrap();
    assert_eq!(store.forget_expired_sign_ins(at(70)).await.unwrap(), 0, "not yet at the whole second before");
    assert_eq!(store.forget_expired_sign_ins(half_past - Duration::microseconds(1)).await.unwrap(), 0);
    assert_eq!(store.forget_expired_sign_ins(at(70) + Duration::milliseconds(600)).await.unwrap(), 1);
}

fn answer(request_id: &str, created_at: DateTime<Utc>) -> StoredResponse {
    StoredResponse {
        partner_tenant_id: "p1".into(),
        request_id: request_id.into(),
        method: "POST".into(),
        path: "/v1/customers".into(),
        request_hash: "hash".into(),
        status: 201,
        body: "{\"id\":1}".into(),
        created_at,
        claimed_at_ms: 42,
        // Read back as kept: a retry is replayed only to a caller permitted to perform it.
        operation: Some("CreateCustomer".into()),
    }
}

async fn lock(unit: &mut store::UnitOfWork, request_id: &str) -> RequestLock {
    unit.lock_request("p1", request_id, false).await.unwrap()
}

#[tokio::test]
async fn a_request_id_is_held_by_one_unit_at_a_time_and_its_answer_kept_with_the_writes() {
    let (store, _database) = store_with_customer().await;
    let mut first = store.begin();
    assert!(matches!(lock(&mut first, "r1").await, RequestLock::Locked(None)));
    let mut retry = store.begin();
    assert!(matches!(lock(&mut retry, "r1").await, RequestLock::Busy), "held by the first");
    let mut other_partner = store.begin();
    assert!(matches!(other_partner.lock_request("p2", "r1", false).await.unwrap(), RequestLock::Locked(None)));
    drop(other_partner);
    let agreement = confirmation("a1", "c1", "p1", "Ana");
    first.insert_agreement(&agreement, None).await.unwrap();
    first.keep_answer(&answer("r1", at(0))).await.unwrap();
    assert!(store.agreements("c1").await.unwrap().is_empty(), "nothing is seen before the commit");
    first.commit().await.unwrap();
    drop(retry);
    let mut retry = store.begin();
    match lock(&mut retry, "r1").await {
        RequestLock::Locked(Some(kept)) => assert_eq!(kept, answer("r1", at(0))),
        other => panic!("the answer was committed with the agreement: {other:?}"),
    }
    assert_eq!(store.agreements("c1").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_unit_that_waits_for_a_request_id_gets_it_once_the_holder_ends_with_what_it_kept() {
    let (store, _database) = store_with_customer().await;
    let mut first = store.begin();
    assert!(matches!(lock(&mut first, "r1").await, RequestLock::Locked(None)));
    let waiting = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut second = store.begin();
            let started = std::time::Instant::now();
            let lock = second.lock_request("p1", "r1", true).await.unwrap();
            (lock, started.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second unit waits while the first holds the id");
    first.keep_answer(&answer("r1", at(0))).await.unwrap();
    first.commit().await.unwrap();
    let (held, waited) = waiting.await.unwrap();
    match held {
        RequestLock::Locked(Some(kept)) => assert_eq!(kept, answer("r1", at(0))),
        other => panic!("the waiting unit reads the first one's answer: {other:?}"),
    }
    assert!(waited >= std::time::Duration::from_millis(250), "it waited: {waited:?}");

    // A holder that ends without a commit lets the waiting unit run with nothing kept.
    let mut failing = store.begin();
    assert!(matches!(lock(&mut failing, "r2").await, RequestLock::Locked(None)));
    let waiting = {
        let store = store.clone();
        tokio::spawn(async move { store.begin().lock_request("p1", "r2", true).await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    drop(failing);
    assert!(matches!(waiting.await.unwrap(), RequestLock::Locked(None)));
}

#[tokio::test]
async fn a_unit_dropped_before_its_commit_stores_nothing_and_lets_its_request_id_go() {
    let (store, _database) = store_with_customer().await;
    let mut failed = store.begin();
    assert!(matches!(lock(&mut failed, "r1").await, RequestLock::Locked(None)));
    failed.insert_agreement(&confirmation("a1", "c1", "p1", "Ana"), None).await.unwrap();
    failed.keep_answer(&answer("r1", at(0))).await.unwrap();
    drop(failed);
    // On PostgreSQL the rollback runs on its own task: the id comes free within moments.
    let mut retry = store.begin();
    for _ in 0..100 {
        match lock(&mut retry, "r1").await {
            RequestLock::Locked(kept) => {
                assert_eq!(kept, None, "no answer was kept");
                break;
            }
            RequestLock::Busy => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                retry = store.begin();
            }
        }
    }
    retry.insert_agreement(&confirmation("a2", "c1", "p1", "Ana"), None).await.unwrap();
    retry.commit().await.unwrap();
    let ids: Vec<String> = store.agreements("c1").await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["a2"], "the dropped unit's agreement is gone, so the retry's is no duplicate");
}

#[tokio::test]
async fn a_refused_write_leaves_its_unit_usable_for_the_refusal_to_be_kept() {
    let (store, _database) = store_with_customer().await;
    let mut unit = store.begin();
    assert!(matches!(lock(&mut unit, "r1").await, RequestLock::Locked(None)));
    let taken = customer("c2", "contoso", "p1");
    assert!(matches!(unit.insert_customer(&taken, &["p1".into()]).await, Err(StoreError::Conflict)));
    let refusal = StoredResponse { status: 409, ..answer("r1", at(0)) };
    unit.keep_answer(&refusal).await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!(store.customer("c2").await.unwrap(), None);
    match lock(&mut store.begin(), "r1").await {
        RequestLock::Locked(Some(kept)) => assert_eq!(kept.status, 409),
        other => panic!("the refusal was kept: {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_units_commit_together_and_a_failed_one_takes_none_of_the_others_down() {
    let (store, _database) = store_with_customer().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut unit = store.begin();
            unit.insert_agreement(&confirmation(&format!("a{i:02}"), "c1", "p1", &format!("P{i:02}")), None).await?;
            if i % 5 == 0 {
                return Ok(false); // dropped: rolled back
            }
            unit.commit().await.map(|()| true)
        }));
    }
    let mut committed = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if task.await.unwrap().unwrap() {
            committed.push(format!("a{i:02}"));
        }
    }
    let mut stored: Vec<String> = store.agreements("c1").await.unwrap().into_iter().map(|a| a.id).collect();
    stored.sort();
    assert_eq!(stored, committed);
    assert_eq!(stored.len(), 19);
}

#[tokio::test]
async fn answers_are_forgotten_by_age() {
    let (store, _database) = fresh_store().await;
    for (id, minutes) in [("r1", 0), ("r2", 10)] {
        let mut unit = store.begin();
        assert!(matches!(lock(&mut unit, id).await, RequestLock::Locked(None)));
        unit.keep_answer(&answer(id, at(minutes))).await.unwrap();
        unit.commit().await.unwrap();
    }
    assert_eq!(store.forget_responses(at(5)).await.unwrap(), 1, "only r1 was made before");
    assert!(matches!(lock(&mut store.begin(), "r1").await, RequestLock::Locked(None)));
    assert!(matches!(lock(&mut store.begin(), "r2").await, RequestLock::Locked(Some(_))));
}

#[tokio::test]
async fn a_fault_rule_counts_its_hits_up_to_its_limit() {
    let (store, _database) = fresh_store().await;
    let rule = |id: &str, max_hits| FaultRule {
        id: id.into(),
        method: Some("GET".into()),
        route: Some("/v1/agreements".into()),
        path_pattern: None,
        partner_tenant_id: None,
        effect: FaultEffect::Throttle,
        delay_ms: 0,
        retry_after_seconds: 7,
        probability: 0.5,
        max_hits,
        hits: 0,
    };
    store.insert_fault_rule(&rule("f2", Some(2)), at(0)).await.unwrap();
    store.insert_fault_rule(&rule("f1", None), at(0)).await.unwrap();
    assert_eq!(*store.fault_rules().await.unwrap(), vec![rule("f2", Some(2)), rule("f1", None)]);
    assert!(store.record_fault_hit("f2").await.unwrap());
    assert!(store.record_fault_hit("f2").await.unwrap());
    assert!(!store.record_fault_hit("f2").await.unwrap(), "used up");
    assert!(!store.record_fault_hit("nope").await.unwrap());
    let rules = store.fault_rules().await.unwrap();
    assert_eq!((rules[0].hits, rules[0].exhausted()), (2, true), "the cached rules were read again");
    assert_eq!(store.delete_fault_rules(Some("f2")).await.unwrap(), 1);
    assert_eq!(store.delete_fault_rules(None).await.unwrap(), 1);
    assert!(store.fault_rules().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_partner_reset_keeps_what_other_partners_serve_and_a_full_reset_keeps_nothing() {
    let (store, _database) = fresh_store().await;
    store.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_partner(&partner("p2", PartnerType::DirectBill, None), at(0)).await.unwrap();
    insert_customer(&store, &customer("own", "own", "p1"), &["p1".into()]).await.unwrap();
    insert_customer(&store, &customer("shared", "shared", "p1"), &["p1".into(), "p2".into()]).await.unwrap();
    let mine = confirmation("a1", "shared", "p1", "Ana");
    let theirs = confirmation("a2", "shared", "p2", "Bo");
    insert_agreement(&store, &mine, Some(&notice("m1", &mine, at(0)))).await.unwrap();
    insert_agreement(&store, &theirs, Some(&notice("m2", &theirs, at(0)))).await.unwrap();
    store.set_clock(StoredClock { frozen_at_ms: Some(7), offset_ms: 0 }).await.unwrap();

    store.reset(Some("p1")).await.unwrap();
    assert!(store.partner("p1").await.unwrap().is_some(), "the persona stays");
    assert_eq!(store.customer("own").await.unwrap(), None, "no partner serves it any more");
    let left: Vec<String> = store.agreements("shared").await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(left, ["a2"]);
    let outbox: Vec<String> = store.outbox(&OutboxQuery::default()).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(outbox, ["m2"]);
    assert_eq!(store.clock().await.unwrap().frozen_at_ms, Some(7), "the clock is everyone's");

    store.reset(None).await.unwrap();
    assert_eq!(store.partner("p2").await.unwrap(), None);
    assert_eq!(store.customer("shared").await.unwrap(), None);
    assert_eq!(store.clock().await.unwrap(), StoredClock::default());
    assert_eq!(store.templates().await.unwrap().len(), 2, "the catalog stays");
}

#[tokio::test]
async fn the_service_date_setting_sits_beside_the_clock_and_a_reset_clears_it() {
    let (store, _database) = fresh_store().await;
    assert_eq!(store.service_date_setting().await.unwrap(), None);
    store.set_service_date_setting(Some("2025-03-01")).await.unwrap();
    store.set_clock(StoredClock { frozen_at_ms: Some(5), offset_ms: 0 }).await.unwrap();
    store.advance_clock(5).await.unwrap();
    assert_eq!(store.service_date_setting().await.unwrap().as_deref(), Some("2025-03-01"), "clock changes keep it");
    store.set_service_date_setting(Some("clock")).await.unwrap();
    assert_eq!(store.service_date_setting().await.unwrap().as_deref(), Some("clock"));
    assert_eq!(store.clock().await.unwrap().frozen_at_ms, Some(10), "and it keeps the clock");
    store.reset(None).await.unwrap();
    assert_eq!(store.service_date_setting().await.unwrap(), None);
}

fn attestation(id: &str, partner: &str) -> EnhancedAttestation {
    EnhancedAttestation {
        id: id.into(),
        partner_tenant_id: partner.into(),
        country: "AT".into(),
        language: "de-DE".into(),
        company_name: "Fabrikam GmbH".into(),
        signatory: Contact {
            first_name: "Megan".into(),
            last_name: "Bowen".into(),
            email: "megan@fabrikam.example".into(),
            phone_number: Some("+43 1 555 0100".into()),
        },
        created_at: at(0),
        expires_at: at(60),
        accepted_at: None,
        accepted_language: None,
        accepted_template_id: None,
        customer_id: None,
        agreement_id: None,
    }
}

#[tokio::test]
async fn an_attestation_is_accepted_once_before_it_expires_and_used_once() {
    let (store, _database) = store_with_customer().await;
    insert_attestation(&store, &attestation("at1", "p1")).await.unwrap();
    assert_eq!(store.attestation("at1").await.unwrap(), Some(attestation("at1", "p1")));
    assert!(!store.accept_attestation("at1", at(60), "en-US", "t").await.unwrap(), "expired at 60");
    assert!(store.accept_attestation("at1", at(59), "en-US", "t").await.unwrap());
    assert!(!store.accept_attestation("at1", at(59), "en-US", "t").await.unwrap(), "accepted already");
    let mut agreement = confirmation("a1", "c1", "p1", "Megan");
    agreement.attestation_id = Some("at1".into());
    agreement.language = Some("en-US".into());
    insert_agreement(&store, &agreement, None).await.unwrap();
    let used = store.attestation("at1").await.unwrap().unwrap();
    assert_eq!((used.customer_id.as_deref(), used.agreement_id.as_deref()), (Some("c1"), Some("a1")));
    assert_eq!(used.accepted_at, Some(at(59)));
    let accepted = (used.accepted_language.as_deref(), used.accepted_template_id.as_deref());
    assert_eq!(accepted, (Some("en-US"), Some("t")), "what the customer accepted is kept");
    let stored = &store.agreements("c1").await.unwrap()[0];
    assert_eq!((stored.attestation_id.as_deref(), stored.language.as_deref()), (Some("at1"), Some("en-US")));
    let mut again = confirmation("a2", "c1", "p1", "Other");
    again.attestation_id = Some("at1".into());
    assert!(matches!(insert_agreement(&store, &again, None).await, Err(StoreError::Changed)), "used once");
    // a pending attestation cannot make an agreement, and a refused agreement leaves it as it was
    insert_attestation(&store, &attestation("at2", "p1")).await.unwrap();
    let mut pending = confirmation("a3", "c1", "p1", "Pending");
    pending.attestation_id = Some("at2".into());
    assert!(matches!(insert_agreement(&store, &pending, None).await, Err(StoreError::Changed)));
    store.accept_attestation("at2", at(1), "en-US", "t").await.unwrap();
    let mut duplicate = confirmation("a4", "c1", "p1", "Megan");
    duplicate.attestation_id = Some("at2".into());
    assert!(matches!(insert_agreement(&store, &duplicate, None).await, Err(StoreError::Conflict)));
    assert_eq!(store.attestation("at2").await.unwrap().unwrap().agreement_id, None, "rolled back with it");
    assert_eq!(store.agreements("c1").await.unwrap().len(), 1);
    store.reset(Some("p1")).await.unwrap();
    assert_eq!(store.attestation("at2").await.unwrap(), None, "a partner reset takes its attestations");
}

#[tokio::test]
async fn an_acceptance_before_the_2023_refresh_is_no_duplicate_of_a_later_one() {
    let (store, _database) = store_with_customer().await;
    let mut old = confirmation("a1", "c1", "p1", "Ana");
    old.date_agreed = Utc.with_ymd_and_hms(2023, 3, 31, 23, 59, 59).unwrap();
    insert_agreement(&store, &old, None).await.unwrap();
    let mut refreshed = confirmation("a2", "c1", "p1", "Ana");
    refreshed.date_agreed = Utc.with_ymd_and_hms(2023, 4, 1, 0, 0, 0).unwrap();
    insert_agreement(&store, &refreshed, None).await.unwrap();
    let mut again = confirmation("a3", "c1", "p1", "Ana");
    again.date_agreed = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(insert_agreement(&store, &again, None).await, Err(StoreError::Conflict)));
}

/// PostgreSQL: a second replica on the same database sees the id held by the first.
#[tokio::test]
async fn a_request_id_held_on_one_replica_is_busy_on_another() {
    // An SQLite file belongs to one emulator process: there is no second replica to ask.
    let Some((first, database)) = postgres_store().await else { return };
    let second = store::connect(&database.url).await.unwrap();
    let mut holding = first.begin();
    assert!(matches!(lock(&mut holding, "r1").await, RequestLock::Locked(None)));
    let mut retry = second.begin();
    assert!(matches!(lock(&mut retry, "r1").await, RequestLock::Busy), "held on the other replica");
    holding.keep_answer(&answer("r1", at(0))).await.unwrap();
    holding.commit().await.unwrap();
    drop(retry);
    assert!(matches!(lock(&mut second.begin(), "r1").await, RequestLock::Locked(Some(_))));
}

/// PostgreSQL: the database drops the unit's connection between its statements (as a restart
/// or a failover would). Nothing of the unit is stored, its id is free, and the retry runs anew.
#[tokio::test]
async fn a_unit_whose_connection_dies_between_statements_stores_nothing() {
    use sqlx::Connection;
    // SQLite runs in the emulator's process: it dies with it (the kill -9 check of the
    // reliability script).
    let Some((store, database)) = postgres_store().await else { return };
    let url = database.url.clone();
    store.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    let mut unit = store.begin();
    assert!(matches!(lock(&mut unit, "r1").await, RequestLock::Locked(None)));
    unit.insert_customer(&customer("c1", "contoso", "p1"), &["p1".into()]).await.unwrap();
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!killed.is_empty());
    let kept = unit.keep_answer(&answer("r1", at(0))).await;
    assert!(matches!(kept, Err(StoreError::Unavailable(_))), "{kept:?}");
    drop(unit);
    let mut retry = store.begin();
    assert!(matches!(lock(&mut retry, "r1").await, RequestLock::Locked(None)), "no answer, and the id is free");
    assert_eq!(store.customer("c1").await.unwrap(), None, "nothing of the unit was stored");
    retry.insert_customer(&customer("c1", "contoso", "p1"), &["p1".into()]).await.unwrap();
    retry.keep_answer(&answer("r1", at(0))).await.unwrap();
    retry.commit().await.unwrap();
    assert!(store.customer("c1").await.unwrap().is_some());
}

/// Reads check access in the statement that reads the data: a partner serves a customer it has a
/// relationship with, and an indirect provider the customers of its own resellers.
#[tokio::test]
async fn reads_come_with_their_access_check() {
    let (store, _database) = fresh_store().await;
    store.insert_partner(&partner("prov", PartnerType::IndirectProvider, None), at(0)).await.unwrap();
    store.insert_partner(&partner("res", PartnerType::IndirectReseller, Some("prov")), at(0)).await.unwrap();
    store.insert_partner(&partner("other", PartnerType::DirectBill, None), at(0)).await.unwrap();
    insert_customer(&store, &customer("c1", "shared", "res"), &["res".into()]).await.unwrap();
    add_relationship(&store, "c1", "other", at(1), false).await.unwrap();
    insert_customer(&store, &customer("c2", "empty", "res"), &["res".into()]).await.unwrap();
    for (i, by) in ["res", "other", "prov"].into_iter().enumerate() {
        let order = Order::completed(format!("o{i}-{by}"), "c1", by, vec![LineItem::of(0, "offer", 1)], at(0));
        insert_order(&store, &order).await.unwrap();
    }
    let agreement = confirmation("a1", "c1", "res", "Ana");
    insert_agreement(&store, &agreement, None).await.unwrap();

    // Delegated admin privileges are the partner's own: the creator holds them, a relationship
    // accepted without them holds none, and a provider serving through its reseller holds none.
    for (partner, delegated_admin) in [("res", true), ("prov", false), ("other", false)] {
        let seen = store.customer_seen_by("c1", partner).await.unwrap();
        assert!(
            matches!(&seen, Seen::Served(c) if c.customer.id == "c1" && c.delegated_admin == delegated_admin),
            "{partner}: {seen:?}"
        );
        assert_eq!(store.agreements_seen_by("c1", partner).await.unwrap(), Seen::Served(vec![agreement.clone()]));
    }
    // Accepted again: the grant can be added, never taken away.
    add_relationship(&store, "c1", "other", at(2), true).await.unwrap();
    add_relationship(&store, "c1", "other", at(3), false).await.unwrap();
    assert!(matches!(store.customer_seen_by("c1", "other").await.unwrap(), Seen::Served(c) if c.delegated_admin));
    let stranger = partner("stranger", PartnerType::DirectBill, None);
    store.insert_partner(&stranger, at(0)).await.unwrap();
    assert_eq!(store.customer_seen_by("c1", "stranger").await.unwrap(), Seen::NotServed);
    assert_eq!(store.agreements_seen_by("c1", "stranger").await.unwrap(), Seen::NotServed);
    assert_eq!(store.orders_seen_by("c1", "stranger").await.unwrap(), Seen::NotServed);
    assert_eq!(store.customer_seen_by("nope", "res").await.unwrap(), Seen::NoSuchCustomer);
    assert_eq!(store.agreements_seen_by("nope", "res").await.unwrap(), Seen::NoSuchCustomer);
    assert_eq!(store.orders_seen_by("nope", "res").await.unwrap(), Seen::NoSuchCustomer);
    assert_eq!(store.agreements_seen_by("c2", "res").await.unwrap(), Seen::Served(vec![]), "served, with none");
    assert_eq!(store.orders_seen_by("c2", "prov").await.unwrap(), Seen::Served(vec![]));

    let order_ids = |seen: Seen<Vec<Order>>| match seen {
        Seen::Served(orders) => orders.into_iter().map(|o| o.id).collect::<Vec<_>>(),
        other => panic!("served: {other:?}"),
    };
    // each partner sees the orders it placed; the provider also those of its own reseller
    assert_eq!(order_ids(store.orders_seen_by("c1", "res").await.unwrap()), ["o0-res"]);
    assert_eq!(order_ids(store.orders_seen_by("c1", "other").await.unwrap()), ["o1-other"]);
    assert_eq!(order_ids(store.orders_seen_by("c1", "prov").await.unwrap()), ["o0-res", "o2-prov"]);
}

/// Requests are cancelled at any await (a client hangs up, the request timeout), and SQLite runs a
/// statement even when the future that sent it is gone: units cancelled at every point of their
/// work leave the writer usable, for units and for the store's other writes alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_cancelled_at_any_point_leave_the_writer_usable() {
    let (store, _database) = store_with_customer().await;
    for i in 0..300u64 {
        let store = store.clone();
        let task = tokio::spawn(async move {
            let mut unit = store.begin();
            let _ = unit.lock_request("p1", &format!("r{i}"), false).await;
            let _ = unit.insert_agreement(&confirmation(&format!("c{i}"), "c1", "p1", &format!("C{i}")), None).await;
            let _ = unit.keep_answer(&answer(&format!("r{i}"), at(0))).await;
            let _ = unit.commit().await;
        });
        // Cancel it after a varying time: before, during or after any of its statements.
        tokio::time::sleep(std::time::Duration::from_micros(i * 37 % 1500)).await;
        task.abort();
        let _ = task.await;
    }
    let done = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        insert_agreement(&store, &confirmation("after", "c1", "p1", "After"), None).await.unwrap();
        store.insert_partner(&partner("p9", PartnerType::DirectBill, None), at(0)).await.unwrap();
    })
    .await;
    assert!(done.is_ok(), "the writer was left stuck");
    assert!(store.agreements("c1").await.unwrap().iter().any(|a| a.id == "after"));
}

/// PostgreSQL: a unit sent as one statement (the API's) stores nothing before its commit, and at
/// its commit stores all of its writes or, when a concurrent unit changed what it read, none.
#[tokio::test]
async fn a_unit_sent_as_one_statement_stores_everything_or_nothing_when_what_it_read_changed() {
    // SQLite's units are one transaction on the one writer (group commit): nothing to race.
    let Some((first, database)) = postgres_store().await else { return };
    let url = database.url.clone();
    first.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    insert_customer(&first, &customer("c1", "contoso", "p1"), &["p1".into()]).await.unwrap();
    let second = store::connect(&url).await.unwrap();

    // Two replicas run one request id at once, each recording the same confirmation.
    let mut late = first.begin_one_statement();
    assert!(matches!(lock(&mut late, "r1").await, RequestLock::Locked(None)));
    let mut retry = first.begin_one_statement();
    assert!(matches!(lock(&mut retry, "r1").await, RequestLock::Busy), "held on its replica");
    drop(retry);
    let theirs = confirmation("a1", "c1", "p1", "Ana");
    late.insert_agreement(&theirs, Some(&notice("m1", &theirs, at(0)))).await.unwrap();
    late.keep_answer(&answer("r1", at(0))).await.unwrap();
    assert!(first.agreements("c1").await.unwrap().is_empty(), "nothing is sent before the commit");
    let mut early = second.begin_one_statement();
    assert!(matches!(lock(&mut early, "r1").await, RequestLock::Locked(None)), "another replica's memory");
    let ours = confirmation("a2", "c1", "p1", "Ana");
    early.insert_agreement(&ours, None).await.unwrap();
    early.keep_answer(&StoredResponse { body: "{\"id\":2}".into(), ..answer("r1", at(0)) }).await.unwrap();
    early.commit().await.unwrap();
    assert!(matches!(late.commit().await, Err(StoreError::Changed)), "what the late unit read changed");
    let ids: Vec<String> = first.agreements("c1").await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["a2"], "nothing of the late unit was stored");
    assert!(first.outbox(&OutboxQuery::default()).await.unwrap().is_empty(), "not even its email");

    // Run again (in a unit that sees each write's outcome), the late request finds the early one's
    // answer; a duplicate sent as one statement stores nothing, and is a conflict run again.
    let mut again = first.begin();
    match lock(&mut again, "r1").await {
        RequestLock::Locked(Some(kept)) => assert_eq!(kept.body, "{\"id\":2}"),
        other => panic!("the early answer is there: {other:?}"),
    }
    drop(again);
    let mut duplicate = first.begin_one_statement();
    duplicate.insert_agreement(&confirmation("a3", "c1", "p1", "Ana"), None).await.unwrap();
    duplicate.insert_customer(&customer("c2", "tailspin", "p1"), &["p1".into()]).await.unwrap();
    assert!(matches!(duplicate.commit().await, Err(StoreError::Changed)));
    assert_eq!(first.customer("c2").await.unwrap(), None, "nothing of a failed statement is stored");
    let mut exact = first.begin();
    let refused = exact.insert_agreement(&confirmation("a3", "c1", "p1", "Ana"), None).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");

    // A write whose customer went meanwhile (a reset): the statement stores nothing, to run again.
    let mut orphan = first.begin_one_statement();
    orphan.insert_agreement(&confirmation("a9", "gone", "p1", "Zed"), None).await.unwrap();
    assert!(matches!(orphan.commit().await, Err(StoreError::Changed)));

    // A transaction's unit learns at once that another replica's statement answered its id first.
    let mut exact = first.begin();
    assert!(matches!(lock(&mut exact, "r2").await, RequestLock::Locked(None)));
    let mut other = second.begin_one_statement();
    assert!(matches!(lock(&mut other, "r2").await, RequestLock::Locked(None)), "no lock in the database");
    other.keep_answer(&answer("r2", at(0))).await.unwrap();
    other.commit().await.unwrap();
    assert!(matches!(exact.keep_answer(&answer("r2", at(0))).await, Err(StoreError::Changed)));
    drop(exact);

    // A customer with two relationships, one statement: each row in its own place of the order.
    let mut unit = first.begin_one_statement();
    first.insert_partner(&partner("p2", PartnerType::DirectBill, None), at(0)).await.unwrap();
    unit.insert_customer(&customer("c3", "fabrikam", "p1"), &["p1".into(), "p2".into()]).await.unwrap();
    unit.commit().await.unwrap();
    let seqs: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM customer_relationships WHERE customer_id = 'c3' ORDER BY seq")
            .fetch_all(&mut <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap())
            .await
            .unwrap();
    assert_eq!(seqs.len(), 2);
    assert_eq!(seqs[1], seqs[0] + 1, "{seqs:?}");
}
