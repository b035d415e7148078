//! The one implementation of [`Store`], for both backends. Each method is written once: it binds
//! a statement of `sql.rs`, runs it on the backend's pool and turns the rows of `rows.rs` into
//! domain values. The two macros below are the only glue: they run the same expression on the
//! PostgreSQL or the SQLite pool (their types differ, the code does not).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::cache::SharedCache;
use super::rows::{self, to_i64};
use super::{
    sql, DocumentLink, OutboxMessage, OutboxQuery, PartnerTimes, Seen, SignInLink, Store, StoreError, StoreResult,
    StoredClock, StoredResponse, UnitOfWork, WebSession,
};
use crate::domain::agreements::{Agreement, AgreementTemplate};
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::customers::Customer;
use crate::domain::faults::FaultRule;
use crate::domain::identities::{AppRegistration, PartnerUser};
use crate::domain::orders::Order;
use crate::domain::paging::Position;
use crate::domain::partners::Partner;
use crate::domain::sign_in::{SignInFailures, Signer};

/// A connected database.
pub(super) enum Db {
    Postgres(super::postgres::Postgres),
    Sqlite(super::sqlite::Sqlite),
}

/// `on_pool!(self, reader|writer, |pool| expression)`: the expression, run with `pool` bound to
/// the backend's pool for reads or for writes.
macro_rules! on_pool {
    ($store:expr, $which:ident, |$pool:ident| $body:expr) => {
        match &$store.db {
            Db::Postgres(db) => {
                let $pool = &db.$which;
                $body
            }
            Db::Sqlite(db) => {
                let $pool = &db.$which;
                $body
            }
        }
    };
}

/// `in_transaction!(self, |tx| block)`: the block, run in a transaction on the writer and
/// committed when it ends; a `?` inside it returns early and the transaction is rolled back.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.db {
            Db::Postgres(db) => {
                let mut $tx = db.writer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Db::Sqlite(db) => {
                let mut $tx = db.writer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

pub struct SqlStore {
    db: Db,
    /// The shared state every request reads (`cache.rs`).
    cache: Arc<SharedCache>,
}

impl SqlStore {
    pub(super) fn new(db: Db, cache: Arc<SharedCache>) -> Self {
        Self { db, cache }
    }

    /// Shared state changed: clear this replica's cache, and on PostgreSQL tell the others.
    async fn announce_change(&self) -> StoreResult<()> {
        self.cache.invalidate();
        match &self.db {
            Db::Postgres(db) => db.announce_change(&self.cache).await,
            Db::Sqlite(_) => Ok(()),
        }
    }
}

fn to_vec<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.db {
            Db::Postgres(_) => "postgres",
            Db::Sqlite(_) => "sqlite",
        }
    }

    async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Postgres(db) => db.migrate().await,
            Db::Sqlite(db) => db.migrate().await,
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, reader, |pool| {
            sqlx::query(sql::PING).execute(pool).await?;
        });
        Ok(())
    }

    async fn setting_or_insert(&self, key: &str, proposed: &str) -> StoreResult<String> {
        let row: rows::SettingRow = on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_SETTING_IF_ABSENT).bind(key).bind(proposed).execute(pool).await?;
            sqlx::query_as(sql::SETTING).bind(key).fetch_one(pool).await?
        });
        Ok(row.value)
    }

    async fn clock(&self) -> StoreResult<StoredClock> {
        if let Some(clock) = self.cache.clock() {
            return Ok(clock);
        }
        let generation = self.cache.generation();
        let row: Option<rows::ClockRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::CLOCK).fetch_optional(pool).await)?;
        let clock = row.map(StoredClock::from).unwrap_or_default();
        self.cache.put_clock(generation, clock);
        Ok(clock)
    }

    async fn set_clock(&self, clock: StoredClock) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::SET_CLOCK).bind(clock.frozen_at_ms).bind(clock.offset_ms).execute(pool).await?;
        });
        self.announce_change().await
    }

    async fn advance_clock(&self, by_ms: i64) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::ADVANCE_CLOCK).bind(by_ms).execute(pool).await?;
        });
        self.announce_change().await
    }

    async fn service_date_setting(&self) -> StoreResult<Option<String>> {
        if let Some(setting) = self.cache.service_date() {
            return Ok(setting);
        }
        let generation = self.cache.generation();
        let row: Option<rows::ServiceDateRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::SERVICE_DATE).fetch_optional(pool).await)?;
        let setting = row.and_then(|r| r.service_date);
        self.cache.put_service_date(generation, setting.clone());
        Ok(setting)
    }

    async fn set_service_date_setting(&self, setting: Option<&str>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::SET_SERVICE_DATE).bind(setting).execute(pool).await?;
        });
        self.announce_change().await
    }

    async fn partner_times(&self) -> StoreResult<Arc<PartnerTimes>> {
        if let Some(times) = self.cache.partner_times() {
            return Ok(times);
        }
        let generation = self.cache.generation();
        let rows: Vec<rows::PartnerTimeRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::PARTNER_TIMES).fetch_all(pool).await)?;
        let times = Arc::new(rows.into_iter().map(rows::PartnerTimeRow::into_time).collect::<PartnerTimes>());
        self.cache.put_partner_times(generation, times.clone());
        Ok(times)
    }

    async fn set_partner_clock(&self, partner_tenant_id: &str, clock: Option<StoredClock>) -> StoreResult<()> {
        let stored = clock.unwrap_or_default();
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::SET_PARTNER_CLOCK)
                .bind(partner_tenant_id)
                .bind(clock.is_some())
                .bind(stored.offset_ms)
                .bind(stored.frozen_at_ms)
                .execute(pool)
                .await?;
        });
        self.announce_change().await
    }

    async fn set_partner_service_date(&self, partner_tenant_id: &str, setting: Option<&str>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::SET_PARTNER_SERVICE_DATE).bind(partner_tenant_id).bind(setting).execute(pool).await?;
        });
        self.announce_change().await
    }

    async fn insert_app_registration(&self, app: &AppRegistration) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_APP_REGISTRATION)
                .bind(&app.client_id)
                .bind(&app.partner_tenant_id)
                .bind(&app.display_name)
                .bind(&app.secret_hash)
                .bind(app.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn app_registration(&self, client_id: &str) -> StoreResult<Option<AppRegistration>> {
        let row: Option<rows::AppRegistrationRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::APP_REGISTRATION).bind(client_id).fetch_optional(pool).await
        })?;
        Ok(row.map(AppRegistration::from))
    }

    async fn app_registrations(&self, partner_tenant_id: &str) -> StoreResult<Vec<AppRegistration>> {
        let rows: Vec<rows::AppRegistrationRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::APP_REGISTRATIONS_OF).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(AppRegistration::from).collect())
    }

    async fn insert_partner_user(&self, user: &PartnerUser) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_PARTNER_USER)
                .bind(&user.id)
                .bind(&user.partner_tenant_id)
                .bind(&user.user_name)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(rows::roles_column(&user.roles))
                .bind(user.mfa)
                .bind(user.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn partner_user_by_name(&self, user_name: &str) -> StoreResult<Option<PartnerUser>> {
        let row: Option<rows::PartnerUserRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::PARTNER_USER_BY_NAME).bind(user_name).fetch_optional(pool).await
        })?;
        row.map(PartnerUser::try_from).transpose()
    }

    async fn partner_user(&self, id: &str) -> StoreResult<Option<PartnerUser>> {
        let row: Option<rows::PartnerUserRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::PARTNER_USER).bind(id).fetch_optional(pool).await)?;
        row.map(PartnerUser::try_from).transpose()
    }

    async fn partner_users(&self, partner_tenant_id: &str) -> StoreResult<Vec<PartnerUser>> {
        let rows: Vec<rows::PartnerUserRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::PARTNER_USERS_OF).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        rows.into_iter().map(PartnerUser::try_from).collect()
    }

    async fn insert_partner(&self, partner: &Partner, at: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_PARTNER)
                .bind(&partner.tenant_id)
                .bind(&partner.name)
                .bind(partner.partner_type.as_str())
                .bind(&partner.indirect_provider_id)
                .bind(at)
                .execute(pool)
                .await?;
        });
        self.announce_change().await
    }

    async fn partner(&self, tenant_id: &str) -> StoreResult<Option<Partner>> {
        if let Some(partner) = self.cache.partner(tenant_id) {
            return Ok(partner);
        }
        let generation = self.cache.generation();
        let row: Option<rows::PartnerRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::PARTNER).bind(tenant_id).fetch_optional(pool).await)?;
        let partner = row.map(Partner::try_from).transpose()?;
        self.cache.put_partner(generation, tenant_id, partner.clone());
        Ok(partner)
    }

    async fn partners(&self, limit: u32) -> StoreResult<(Vec<Partner>, u64)> {
        let (rows, count): (Vec<rows::PartnerRow>, (i64,)) = on_pool!(self, reader, |pool| {
            let rows = sqlx::query_as(sql::FIRST_PARTNERS).bind(i64::from(limit)).fetch_all(pool).await?;
            let count = sqlx::query_as(sql::PARTNER_COUNT).fetch_one(pool).await?;
            (rows, count)
        });
        Ok((to_vec(rows)?, u64::try_from(count.0).unwrap_or_default()))
    }

    async fn templates(&self) -> StoreResult<Arc<[AgreementTemplate]>> {
        if let Some(templates) = self.cache.templates() {
            return Ok(templates);
        }
        let rows: Vec<rows::TemplateRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::TEMPLATES).fetch_all(pool).await)?;
        let templates: Arc<[AgreementTemplate]> = to_vec(rows)?.into();
        self.cache.put_templates(templates.clone());
        Ok(templates)
    }

    async fn insert_document_link(&self, link: &DocumentLink) -> StoreResult<()> {
        // Links that expired over a day (of emulator time) ago are gone for good.
        let forgotten_before = link.expires_at - chrono::Duration::days(1);
        // One transaction, one commit.
        in_transaction!(self, |tx| {
            sqlx::query(sql::DELETE_DOCUMENT_LINKS_EXPIRED_BEFORE).bind(forgotten_before).execute(&mut *tx).await?;
            sqlx::query(sql::INSERT_DOCUMENT_LINK)
                .bind(&link.id)
                .bind(&link.template_id)
                .bind(&link.country)
                .bind(&link.language)
                .bind(link.expires_at)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    async fn document_link(&self, id: &str) -> StoreResult<Option<DocumentLink>> {
        let row: Option<rows::DocumentLinkRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::DOCUMENT_LINK).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(DocumentLink::from))
    }

    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        let row: Option<rows::CustomerRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::CUSTOMER).bind(id).fetch_optional(pool).await)?;
        row.map(Customer::try_from).transpose()
    }

    async fn customer_by_admin_user(&self, user_name: &str) -> StoreResult<Option<Customer>> {
        let user_name = user_name.trim().to_lowercase();
        let row: Option<rows::CustomerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::CUSTOMER_BY_ADMIN_USER).bind(&user_name).fetch_optional(pool).await
        })?;
        row.map(Customer::try_from).transpose()
    }

    async fn related_partners(&self, customer_id: &str) -> StoreResult<Vec<Partner>> {
        let rows: Vec<rows::PartnerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::RELATED_PARTNERS).bind(customer_id).fetch_all(pool).await
        })?;
        to_vec(rows)
    }

    async fn customers_served_by(
        &self,
        partner_tenant_id: &str,
        after: Option<&Position>,
        limit: u32,
    ) -> StoreResult<Vec<(Position, Customer)>> {
        let (after_seq, after_id) = after.map_or((i64::MIN, ""), |p| (p.seq, p.id.as_str()));
        let rows: Vec<rows::PositionedCustomerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::CUSTOMERS_SERVED_BY)
                .bind(partner_tenant_id)
                .bind(after_seq)
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(rows::PositionedCustomerRow::into_pair).collect()
    }

    async fn customer_position(&self, id: &str) -> StoreResult<Option<Position>> {
        let seq: Option<i64> = on_pool!(self, reader, |pool| {
            sqlx::query_scalar(sql::CUSTOMER_POSITION).bind(id).fetch_optional(pool).await
        })?;
        Ok(seq.map(|seq| Position { seq, id: id.to_string() }))
    }

    async fn customer_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Customer>> {
        let row: Option<rows::SeenCustomerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::CUSTOMER_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_optional(pool).await
        })?;
        Ok(match row {
            None => Seen::NoSuchCustomer,
            Some(row) if !row.served => Seen::NotServed,
            Some(row) => Seen::Served(Customer::try_from(row.customer)?),
        })
    }

    async fn agreements_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Agreement>>> {
        let rows: Vec<rows::SeenRow<rows::AgreementRow>> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::AGREEMENTS_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        rows::seen_list(rows)
    }

    async fn orders_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Order>>> {
        let rows: Vec<rows::SeenRow<rows::OrderRow>> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::ORDERS_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        rows::seen_list(rows)
    }

    async fn attestation(&self, id: &str) -> StoreResult<Option<EnhancedAttestation>> {
        let row: Option<rows::AttestationRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::ATTESTATION).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(EnhancedAttestation::from))
    }

    async fn accept_attestation(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let accepted = on_pool!(self, writer, |pool| {
            sqlx::query(sql::ACCEPT_ATTESTATION).bind(id).bind(at).execute(pool).await?.rows_affected()
        });
        Ok(accepted == 1)
    }

    async fn agreements(&self, customer_id: &str) -> StoreResult<Vec<Agreement>> {
        let rows: Vec<rows::AgreementRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::AGREEMENTS_OF_CUSTOMER).bind(customer_id).fetch_all(pool).await
        })?;
        to_vec(rows)
    }

    async fn outbox(&self, q: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>> {
        let rows: Vec<rows::OutboxRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::OUTBOX)
                .bind(&q.recipient)
                .bind(&q.customer_id)
                .bind(&q.partner_tenant_id)
                .bind(q.delivered_by)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(OutboxMessage::from).collect())
    }

    async fn clear_outbox(&self) -> StoreResult<u64> {
        let done = on_pool!(self, writer, |pool| sqlx::query(sql::CLEAR_OUTBOX).execute(pool).await?.rows_affected());
        Ok(done)
    }

    async fn orders(&self, customer_id: &str) -> StoreResult<Vec<Order>> {
        let rows: Vec<rows::OrderRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::ORDERS_OF_CUSTOMER).bind(customer_id).fetch_all(pool).await
        })?;
        to_vec(rows)
    }

    async fn sign_in_failures(&self, user_name: &str) -> StoreResult<SignInFailures> {
        let row: Option<rows::SignInFailuresRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::SIGN_IN_FAILURES).bind(user_name).fetch_optional(pool).await
        })?;
        Ok(row.map(SignInFailures::from).unwrap_or_default())
    }

    async fn record_sign_in_failure(
        &self,
        user_name: &str,
        threshold: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<SignInFailures> {
        let threshold = i32::try_from(threshold).unwrap_or(i32::MAX);
        let row: rows::SignInFailuresRow = on_pool!(self, writer, |pool| {
            sqlx::query_as(sql::RECORD_SIGN_IN_FAILURE)
                .bind(user_name)
                .bind(threshold)
                .bind(lock_until)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into())
    }

    async fn clear_sign_in_failures(&self, user_name: Option<&str>) -> StoreResult<u64> {
        let cleared = on_pool!(self, writer, |pool| {
            match user_name {
                Some(name) => sqlx::query(sql::CLEAR_SIGN_IN_FAILURES).bind(name).execute(pool).await?.rows_affected(),
                None => sqlx::query(sql::CLEAR_ALL_SIGN_IN_FAILURES).execute(pool).await?.rows_affected(),
            }
        });
        Ok(cleared)
    }

    async fn all_sign_in_failures(&self) -> StoreResult<Vec<(String, SignInFailures)>> {
        let rows: Vec<rows::NamedSignInFailuresRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::ALL_SIGN_IN_FAILURES).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|r| (r.user_name, r.failures.into())).collect())
    }

    async fn insert_web_session(&self, s: &WebSession) -> StoreResult<()> {
        let (customer_id, partner_user_id) = match &s.signer {
            Signer::CustomerAdmin(id) => (Some(id), None),
            Signer::PartnerUser(id) => (None, Some(id)),
        };
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_WEB_SESSION)
                .bind(&s.id)
                .bind(customer_id)
                .bind(partner_user_id)
                .bind(&s.csrf_token)
                .bind(s.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn web_session(&self, id: &str) -> StoreResult<Option<WebSession>> {
        let row: Option<rows::WebSessionRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::WEB_SESSION).bind(id).fetch_optional(pool).await)?;
        row.map(WebSession::try_from).transpose()
    }

    async fn delete_web_session(&self, id: &str) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::DELETE_WEB_SESSION).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    async fn insert_sign_in_link(&self, link: &SignInLink) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_SIGN_IN_LINK)
                .bind(&link.id)
                .bind(&link.user_id)
                .bind(link.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn take_sign_in_link(&self, id: &str) -> StoreResult<Option<SignInLink>> {
        let row: Option<rows::SignInLinkRow> =
            on_pool!(self, writer, |pool| sqlx::query_as(sql::TAKE_SIGN_IN_LINK).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SignInLink::from))
    }

    async fn forget_expired_sign_ins(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut forgotten = 0;
        for statement in sql::FORGET_EXPIRED_SIGN_INS {
            forgotten += on_pool!(self, writer, |pool| {
                sqlx::query(statement).bind(now).execute(pool).await?.rows_affected()
            });
        }
        Ok(forgotten)
    }

    fn begin(&self) -> Box<dyn UnitOfWork> {
        match &self.db {
            Db::Postgres(db) => Box::new(db.unit()),
            Db::Sqlite(db) => Box::new(db.unit()),
        }
    }

    async fn kept_answer(&self, partner_tenant_id: &str, request_id: &str) -> StoreResult<Option<StoredResponse>> {
        let row: Option<rows::StoredResponseRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(sql::KEPT_ANSWER).bind(partner_tenant_id).bind(request_id).fetch_optional(pool).await
        })?;
        row.map(StoredResponse::try_from).transpose()
    }

    async fn forget_responses(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = on_pool!(self, writer, |pool| {
            sqlx::query(sql::FORGET_RESPONSES_BEFORE).bind(before).execute(pool).await?.rows_affected()
        });
        Ok(deleted)
    }

    async fn insert_fault_rule(&self, rule: &FaultRule, at: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(sql::INSERT_FAULT_RULE)
                .bind(&rule.id)
                .bind(&rule.method)
                .bind(&rule.route)
                .bind(&rule.path_pattern)
                .bind(&rule.partner_tenant_id)
                .bind(rule.effect.as_str())
                .bind(to_i64(rule.delay_ms))
                .bind(to_i64(rule.retry_after_seconds))
                .bind(rule.probability)
                .bind(rule.max_hits.map(to_i64))
                .bind(at)
                .execute(pool)
                .await?;
        });
        self.announce_change().await
    }

    async fn fault_rules(&self) -> StoreResult<Arc<Vec<FaultRule>>> {
        if let Some(rules) = self.cache.fault_rules() {
            return Ok(rules);
        }
        let generation = self.cache.generation();
        let rows: Vec<rows::FaultRuleRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(sql::FAULT_RULES).fetch_all(pool).await)?;
        let rules = Arc::new(to_vec(rows)?);
        self.cache.put_fault_rules(generation, rules.clone());
        Ok(rules)
    }

    async fn record_fault_hit(&self, id: &str) -> StoreResult<bool> {
        let updated = on_pool!(self, writer, |pool| {
            sqlx::query(sql::RECORD_FAULT_HIT).bind(id).execute(pool).await?.rows_affected()
        });
        // Hit counts are part of the cached rules: every replica reads them again.
        self.announce_change().await?;
        Ok(updated == 1)
    }

    async fn delete_fault_rules(&self, id: Option<&str>) -> StoreResult<u64> {
        let deleted = on_pool!(self, writer, |pool| match id {
            Some(id) => sqlx::query(sql::DELETE_FAULT_RULE).bind(id).execute(pool).await?.rows_affected(),
            None => sqlx::query(sql::DELETE_FAULT_RULES).execute(pool).await?.rows_affected(),
        });
        self.announce_change().await?;
        Ok(deleted)
    }

    async fn reset(&self, partner: Option<&str>) -> StoreResult<()> {
        let statements = if partner.is_some() { sql::RESET_PARTNER } else { sql::RESET_EVERYTHING };
        in_transaction!(self, |tx| {
            for statement in statements {
                let query = sqlx::query(statement);
                let query = match partner {
                    Some(p) if statement.contains("$1") => query.bind(p),
                    _ => query,
                };
                query.execute(&mut *tx).await?;
            }
        });
        self.announce_change().await
    }
}
