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
use partner_center_emulator::domain::customers::{BillingProfile, Customer};
use partner_center_emulator::domain::faults::{FaultEffect, FaultRule};
use partner_center_emulator::domain::orders::{LineItem, Order};
use partner_center_emulator::domain::partners::{Partner, PartnerType};
use partner_center_emulator::store::{
    self, AdminSession, DocumentLink, OutboxMessage, OutboxQuery, Store, StoreError, StoredClock, StoredResponse,
};

const MCA: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";

async fn fresh_store() -> Arc<dyn Store> {
    let store = store::connect(&database::fresh_database_url().await).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
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
async fn store_with_customer() -> Arc<dyn Store> {
    let store = fresh_store().await;
    store.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_customer(&customer("c1", "contoso", "p1"), &["p1".into()]).await.unwrap();
    store
}

#[tokio::test]
async fn a_setting_keeps_its_first_value() {
    let store = fresh_store().await;
    assert_eq!(store.setting_or_insert("k", "first").await.unwrap(), "first");
    assert_eq!(store.setting_or_insert("k", "second").await.unwrap(), "first");
}

#[tokio::test]
async fn the_clock_is_set_and_advanced_frozen_or_running() {
    let store = fresh_store().await;
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
    let store = fresh_store().await;
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
async fn the_template_catalog_lists_the_customer_agreement_first() {
    let store = fresh_store().await;
    let templates = store.templates().await.unwrap();
    let ids: Vec<&str> = templates.iter().map(|t| t.template_id.as_str()).collect();
    assert_eq!(ids, [MCA, "998b88de-aa99-4388-a42c-1b3517d49490"]);
    assert!(templates[0].accepts_confirmations && templates[0].has_document);
    assert!(!templates[1].accepts_confirmations && !templates[1].has_document);
}

#[tokio::test]
async fn document_links_are_kept_until_a_day_after_they_expire() {
    let store = fresh_store().await;
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
    let store = store_with_customer().await;
    let stored = store.customer("c1").await.unwrap().unwrap();
    assert_eq!(stored, customer("c1", "contoso", "p1"));
    let by_user = store.customer_by_admin_user("  ADMIN@contoso.onmicrosoft.com ").await.unwrap();
    assert_eq!(by_user.map(|c| c.id), Some("c1".to_string()), "user names compare trimmed, without case");
    let taken = customer("c2", "contoso", "p1");
    assert!(matches!(store.insert_customer(&taken, &["p1".into()]).await, Err(StoreError::Conflict)));
    assert_eq!(store.customer("c2").await.unwrap(), None, "nothing of a refused customer is stored");
    assert_eq!(store.related_partners("c1").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_provider_is_served_its_resellers_customers_in_creation_order() {
    let store = fresh_store().await;
    store.insert_partner(&partner("prov", PartnerType::IndirectProvider, None), at(0)).await.unwrap();
    store.insert_partner(&partner("res", PartnerType::IndirectReseller, Some("prov")), at(0)).await.unwrap();
    store.insert_partner(&partner("other", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_customer(&customer("b", "second", "prov"), &["prov".into(), "res".into()]).await.unwrap();
    store.insert_customer(&customer("a", "third", "other"), &["other".into()]).await.unwrap();
    store.insert_customer(&customer("c", "fourth", "res"), &["res".into()]).await.unwrap();
    let ids = |list: Vec<Customer>| list.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(store.customers_served_by("prov").await.unwrap()), ["b", "c"]);
    assert_eq!(ids(store.customers_served_by("res").await.unwrap()), ["b", "c"]);
    assert_eq!(ids(store.customers_served_by("other").await.unwrap()), ["a"]);
    store.add_relationship("a", "res", at(1)).await.unwrap();
    store.add_relationship("a", "res", at(2)).await.unwrap();
    let related: Vec<String> = store.related_partners("a").await.unwrap().into_iter().map(|p| p.tenant_id).collect();
    assert_eq!(related, ["other", "res"], "in the order the relationships began, each once");
}

#[tokio::test]
async fn a_duplicate_confirmation_is_a_conflict_and_stores_nothing_not_even_its_email() {
    let store = store_with_customer().await;
    let first = confirmation("a1", "c1", "p1", "Ana");
    store.insert_agreement(&first, Some(&notice("m1", &first, at(0)))).await.unwrap();
    let mut again = confirmation("a2", "c1", "p1", "ANA");
    again.contact.email = " ana@CONTOSO.example".into();
    let refused = store.insert_agreement(&again, Some(&notice("m2", &again, at(0)))).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "names and email compare without case");
    let other = confirmation("a3", "c1", "p1", "Bo");
    store.insert_agreement(&other, None).await.unwrap();
    let ids: Vec<String> = store.agreements("c1").await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["a1", "a3"]);
    let all = OutboxQuery::default();
    let outbox: Vec<String> = store.outbox(&all).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(outbox, ["m1"], "the refused confirmation's email went with it");
    assert_eq!(store.agreements("c1").await.unwrap()[0], first);
}

#[tokio::test]
async fn the_outbox_filters_by_recipient_customer_partner_and_delivery_time() {
    let store = store_with_customer().await;
    let a = confirmation("a1", "c1", "p1", "Ana");
    let b = confirmation("a2", "c1", "p1", "Bo");
    store.insert_agreement(&a, Some(&notice("m1", &a, at(0)))).await.unwrap();
    store.insert_agreement(&b, Some(&notice("m2", &b, at(30)))).await.unwrap();
    let ids = |list: Vec<OutboxMessage>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let query = |recipient: Option<&str>, customer: Option<&str>, partner: Option<&str>, by: Option<DateTime<Utc>>| {
        OutboxQuery {
            recipient: recipient.map(Into::into),
            customer_id: customer.map(Into::into),
            partner_tenant_id: partner.map(Into::into),
            delivered_by: by,
        }
    };
    assert_eq!(ids(store.outbox(&query(None, None, None, None)).await.unwrap()), ["m1", "m2"]);
    assert_eq!(ids(store.outbox(&query(Some("BO@contoso.example"), None, None, None)).await.unwrap()), ["m2"]);
    assert_eq!(ids(store.outbox(&query(None, Some("c1"), Some("p1"), Some(at(29)))).await.unwrap()), ["m1"]);
    assert!(store.outbox(&query(None, Some("other"), None, None)).await.unwrap().is_empty());
    assert_eq!(store.clear_outbox().await.unwrap(), 2);
    assert!(store.outbox(&query(None, None, None, None)).await.unwrap().is_empty());
}

#[tokio::test]
async fn orders_and_sessions_are_read_back_as_written() {
    let store = store_with_customer().await;
    for (i, id) in ["o2", "o1"].into_iter().enumerate() {
        let order = Order {
            id: id.into(),
            customer_id: "c1".into(),
            partner_tenant_id: "p1".into(),
            line_items: vec![LineItem { line_item_number: 0, offer_id: "offer".into(), quantity: i as i64 + 1 }],
            creation_date: at(0),
            status: "completed".into(),
        };
        store.insert_order(&order).await.unwrap();
    }
    let orders = store.orders("c1").await.unwrap();
    assert_eq!(orders.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["o2", "o1"], "in the order placed");
    assert_eq!(orders[1].line_items[0].quantity, 2);
    let session = AdminSession { id: "s".into(), customer_id: "c1".into(), csrf_token: "t".into(), expires_at: at(60) };
    store.insert_session(&session).await.unwrap();
    assert_eq!(store.session("s").await.unwrap(), Some(session));
    store.delete_session("s").await.unwrap();
    assert_eq!(store.session("s").await.unwrap(), None);
}

#[tokio::test]
async fn a_request_id_is_claimed_once_answered_released_or_forgotten() {
    let store = fresh_store().await;
    let claim = |request_id: &str, created_at| StoredResponse {
        partner_tenant_id: "p1".into(),
        request_id: request_id.into(),
        method: "POST".into(),
        path: "/v1/customers".into(),
        request_hash: "hash".into(),
        status: 0,
        body: String::new(),
        created_at,
        claimed_at_ms: 42,
    };
    assert!(store.claim_response(&claim("r1", at(0))).await.unwrap());
    assert!(!store.claim_response(&claim("r1", at(0))).await.unwrap(), "claimed already");
    assert_eq!(store.stored_response("p1", "r1").await.unwrap(), Some(claim("r1", at(0))));
    let answered = StoredResponse { status: 201, body: "{\"id\":1}".into(), ..claim("r1", at(0)) };
    store.complete_response(&answered).await.unwrap();
    store.release_response("p1", "r1").await.unwrap();
    assert_eq!(store.stored_response("p1", "r1").await.unwrap(), Some(answered), "an answer is not released");
    assert!(store.claim_response(&claim("r2", at(10))).await.unwrap());
    store.release_response("p1", "r2").await.unwrap();
    assert_eq!(store.stored_response("p1", "r2").await.unwrap(), None, "a claim is");
    assert!(store.claim_response(&claim("r3", at(10))).await.unwrap());
    assert_eq!(store.forget_responses(at(5)).await.unwrap(), 1, "only r1 was made before");
    assert_eq!(store.stored_response("p1", "r1").await.unwrap(), None);
    store.forget_response("p1", "r3").await.unwrap();
    assert_eq!(store.stored_response("p1", "r3").await.unwrap(), None);
}

#[tokio::test]
async fn a_fault_rule_counts_its_hits_up_to_its_limit() {
    let store = fresh_store().await;
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
    let store = fresh_store().await;
    store.insert_partner(&partner("p1", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_partner(&partner("p2", PartnerType::DirectBill, None), at(0)).await.unwrap();
    store.insert_customer(&customer("own", "own", "p1"), &["p1".into()]).await.unwrap();
    store.insert_customer(&customer("shared", "shared", "p1"), &["p1".into(), "p2".into()]).await.unwrap();
    let mine = confirmation("a1", "shared", "p1", "Ana");
    let theirs = confirmation("a2", "shared", "p2", "Bo");
    store.insert_agreement(&mine, Some(&notice("m1", &mine, at(0)))).await.unwrap();
    store.insert_agreement(&theirs, Some(&notice("m2", &theirs, at(0)))).await.unwrap();
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
    let store = fresh_store().await;
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
        customer_id: None,
        agreement_id: None,
    }
}

#[tokio::test]
async fn an_attestation_is_accepted_once_before_it_expires_and_used_once() {
    let store = store_with_customer().await;
    store.insert_attestation(&attestation("at1", "p1")).await.unwrap();
    assert_eq!(store.attestation("at1").await.unwrap(), Some(attestation("at1", "p1")));
    assert!(!store.accept_attestation("at1", at(60)).await.unwrap(), "expired at 60");
    assert!(store.accept_attestation("at1", at(59)).await.unwrap());
    assert!(!store.accept_attestation("at1", at(59)).await.unwrap(), "accepted already");
    let mut agreement = confirmation("a1", "c1", "p1", "Megan");
    agreement.attestation_id = Some("at1".into());
    store.insert_agreement(&agreement, None).await.unwrap();
    let used = store.attestation("at1").await.unwrap().unwrap();
    assert_eq!((used.customer_id.as_deref(), used.agreement_id.as_deref()), (Some("c1"), Some("a1")));
    assert_eq!(used.accepted_at, Some(at(59)));
    assert_eq!(store.agreements("c1").await.unwrap()[0].attestation_id.as_deref(), Some("at1"));
    let mut again = confirmation("a2", "c1", "p1", "Other");
    again.attestation_id = Some("at1".into());
    assert!(matches!(store.insert_agreement(&again, None).await, Err(StoreError::Changed)), "used once");
    // a pending attestation cannot make an agreement, and a refused agreement leaves it as it was
    store.insert_attestation(&attestation("at2", "p1")).await.unwrap();
    let mut pending = confirmation("a3", "c1", "p1", "Pending");
    pending.attestation_id = Some("at2".into());
    assert!(matches!(store.insert_agreement(&pending, None).await, Err(StoreError::Changed)));
    store.accept_attestation("at2", at(1)).await.unwrap();
    let mut duplicate = confirmation("a4", "c1", "p1", "Megan");
    duplicate.attestation_id = Some("at2".into());
    assert!(matches!(store.insert_agreement(&duplicate, None).await, Err(StoreError::Conflict)));
    assert_eq!(store.attestation("at2").await.unwrap().unwrap().agreement_id, None, "rolled back with it");
    assert_eq!(store.agreements("c1").await.unwrap().len(), 1);
    store.reset(Some("p1")).await.unwrap();
    assert_eq!(store.attestation("at2").await.unwrap(), None, "a partner reset takes its attestations");
}

#[tokio::test]
async fn an_acceptance_before_the_2023_refresh_is_no_duplicate_of_a_later_one() {
    let store = store_with_customer().await;
    let mut old = confirmation("a1", "c1", "p1", "Ana");
    old.date_agreed = Utc.with_ymd_and_hms(2023, 3, 31, 23, 59, 59).unwrap();
    store.insert_agreement(&old, None).await.unwrap();
    let mut refreshed = confirmation("a2", "c1", "p1", "Ana");
    refreshed.date_agreed = Utc.with_ymd_and_hms(2023, 4, 1, 0, 0, 0).unwrap();
    store.insert_agreement(&refreshed, None).await.unwrap();
    let mut again = confirmation("a3", "c1", "p1", "Ana");
    again.date_agreed = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(store.insert_agreement(&again, None).await, Err(StoreError::Conflict)));
}
