//! The queries of both backends. PostgreSQL and SQLite both accept this SQL (including `$N`
//! placeholders, `ON CONFLICT` and `RETURNING`), so it is written once and expanded for each
//! backend's pool type by `sql_store!`.

/// Implements `Store` for `$store`: a struct with `pool` and `writer` (`sqlx::Pool<$db>`; statements
/// that write use `writer`), a `cache: SharedCache` and an `announce_change` method.
macro_rules! sql_store {
    ($store:ty, $db:ty, $backend:literal) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use sqlx::Row;

        use crate::domain::agreements::{Agreement, AgreementSource, AgreementTemplate, AgreementType};
        use crate::domain::contact::Contact;
        use crate::domain::customers::Customer;
        use crate::domain::faults::{FaultEffect, FaultRule};
        use crate::domain::orders::Order;
        use crate::domain::partners::{Partner, PartnerType};
        use crate::store::{
            AdminSession, DocumentLink, OutboxMessage, OutboxQuery, Store, StoreError, StoreResult, StoredClock,
            StoredResponse,
        };

        type DbRow = <$db as sqlx::Database>::Row;

        const CUSTOMER_COLUMNS: &str = "c.id, c.commerce_id, c.domain, c.company_name, \
            c.organization_registration_number, c.billing_profile, c.created_by, c.associated_partner_id, \
            c.admin_user_name, c.admin_password_hash, c.created_at";

        fn to_i64(value: u64) -> i64 {
            i64::try_from(value).unwrap_or(i64::MAX)
        }

        fn to_u64(value: i64) -> u64 {
            u64::try_from(value).unwrap_or(0)
        }

        fn corrupt(what: &str, value: &str) -> StoreError {
            StoreError::Corrupt(format!("{what}: {value}"))
        }

        fn partner_from_row(row: &DbRow) -> StoreResult<Partner> {
            let partner_type: String = row.try_get("partner_type")?;
            Ok(Partner {
                tenant_id: row.try_get("tenant_id")?,
                name: row.try_get("name")?,
                partner_type: PartnerType::parse(&partner_type).ok_or_else(|| corrupt("partner_type", &partner_type))?,
                indirect_provider_id: row.try_get("indirect_provider_id")?,
            })
        }

        fn agreement_type(value: String) -> StoreResult<AgreementType> {
            AgreementType::parse(&value).ok_or_else(|| corrupt("agreement_type", &value))
        }

        fn customer_from_row(row: &DbRow) -> StoreResult<Customer> {
            let billing: String = row.try_get("billing_profile")?;
            Ok(Customer {
                id: row.try_get("id")?,
                commerce_id: row.try_get("commerce_id")?,
                domain: row.try_get("domain")?,
                company_name: row.try_get("company_name")?,
                organization_registration_number: row.try_get("organization_registration_number")?,
                billing_profile: serde_json::from_str(&billing).map_err(|e| corrupt("billing_profile", &e.to_string()))?,
                created_by: row.try_get("created_by")?,
                associated_partner_id: row.try_get("associated_partner_id")?,
                admin_user_name: row.try_get("admin_user_name")?,
                admin_password_hash: row.try_get("admin_password_hash")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn agreement_from_row(row: &DbRow) -> StoreResult<Agreement> {
            let source: String = row.try_get("source")?;
            Ok(Agreement {
                id: row.try_get("id")?,
                customer_id: row.try_get("customer_id")?,
                partner_tenant_id: row.try_get("partner_tenant_id")?,
                user_id: row.try_get("user_id")?,
                contact: Contact {
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    email: row.try_get("email")?,
                    phone_number: row.try_get("phone_number")?,
                },
                template_id: row.try_get("template_id")?,
                agreement_type: agreement_type(row.try_get("agreement_type")?)?,
                date_agreed: row.try_get("date_agreed")?,
                source: AgreementSource::parse(&source).ok_or_else(|| corrupt("source", &source))?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn outbox_from_row(row: &DbRow) -> StoreResult<OutboxMessage> {
            Ok(OutboxMessage {
                id: row.try_get("id")?,
                recipient: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                partner_tenant_id: row.try_get("partner_tenant_id")?,
                customer_id: row.try_get("customer_id")?,
                agreement_id: row.try_get("agreement_id")?,
                queued_at: row.try_get("queued_at")?,
                deliver_at: row.try_get("deliver_at")?,
            })
        }

        fn order_from_row(row: &DbRow) -> StoreResult<Order> {
            let items: String = row.try_get("line_items")?;
            Ok(Order {
                id: row.try_get("id")?,
                customer_id: row.try_get("customer_id")?,
                partner_tenant_id: row.try_get("partner_tenant_id")?,
                line_items: serde_json::from_str(&items).map_err(|e| corrupt("line_items", &e.to_string()))?,
                creation_date: row.try_get("creation_date")?,
                status: row.try_get("status")?,
            })
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> StoreResult<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn setting_or_insert(&self, key: &str, proposed: &str) -> StoreResult<String> {
                sqlx::query("INSERT INTO emulator_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(proposed)
                    .execute(&self.writer)
                    .await?;
                let row = sqlx::query("SELECT value FROM emulator_settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(&self.writer)
                    .await?;
                Ok(row.try_get("value")?)
            }

            async fn clock(&self) -> StoreResult<StoredClock> {
                if let Some(clock) = self.cache.clock() {
                    return Ok(clock);
                }
                let generation = self.cache.generation();
                let row = sqlx::query("SELECT frozen_at_ms, offset_ms FROM emulator_clock WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await?;
                let clock = match row {
                    None => StoredClock::default(),
                    Some(row) => StoredClock {
                        frozen_at_ms: row.try_get("frozen_at_ms")?,
                        offset_ms: row.try_get("offset_ms")?,
                    },
                };
                self.cache.put_clock(generation, clock);
                Ok(clock)
            }

            async fn set_clock(&self, clock: StoredClock) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = excluded.frozen_at_ms, offset_ms = excluded.offset_ms",
                )
                .bind(clock.frozen_at_ms)
                .bind(clock.offset_ms)
                .execute(&self.writer)
                .await?;
                self.announce_change().await
            }

            async fn advance_clock(&self, by_ms: i64) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO emulator_clock (id, frozen_at_ms, offset_ms) VALUES (1, NULL, $1) \
                     ON CONFLICT (id) DO UPDATE SET frozen_at_ms = emulator_clock.frozen_at_ms + $1, \
                     offset_ms = emulator_clock.offset_ms + $1",
                )
                .bind(by_ms)
                .execute(&self.writer)
                .await?;
                self.announce_change().await
            }

            async fn insert_partner(&self, partner: &Partner, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO partners (tenant_id, name, partner_type, indirect_provider_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&partner.tenant_id)
                .bind(&partner.name)
                .bind(partner.partner_type.as_str())
                .bind(&partner.indirect_provider_id)
                .bind(at)
                .execute(&self.writer)
                .await?;
                self.announce_change().await
            }

            async fn partner(&self, tenant_id: &str) -> StoreResult<Option<Partner>> {
                if let Some(partner) = self.cache.partner(tenant_id) {
                    return Ok(partner);
                }
                let generation = self.cache.generation();
                let partner = sqlx::query("SELECT * FROM partners WHERE tenant_id = $1")
                    .bind(tenant_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(partner_from_row)
                    .transpose()?;
                self.cache.put_partner(generation, tenant_id, partner.clone());
                Ok(partner)
            }

            async fn templates(&self) -> StoreResult<Vec<AgreementTemplate>> {
                if let Some(templates) = self.cache.templates() {
                    return Ok(templates);
                }
                let rows = sqlx::query("SELECT * FROM agreement_templates ORDER BY agreement_type DESC, version_rank DESC, template_id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok(AgreementTemplate {
                            template_id: row.try_get("template_id")?,
                            agreement_type: agreement_type(row.try_get("agreement_type")?)?,
                            agreement_link: row.try_get("agreement_link")?,
                            version_rank: row.try_get("version_rank")?,
                            accepts_confirmations: row.try_get("accepts_confirmations")?,
                            has_document: row.try_get("has_document")?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()
                    .inspect(|templates| self.cache.put_templates(templates.clone()))
            }

            async fn insert_document_link(&self, link: &DocumentLink) -> StoreResult<()> {
                // Links that expired over a day (of emulator time) ago are gone for good.
                sqlx::query("DELETE FROM document_links WHERE expires_at < $1")
                    .bind(link.expires_at - chrono::Duration::days(1))
                    .execute(&self.writer)
                    .await?;
                sqlx::query(
                    "INSERT INTO document_links (id, template_id, country, language, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&link.id)
                .bind(&link.template_id)
                .bind(&link.country)
                .bind(&link.language)
                .bind(link.expires_at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn document_link(&self, id: &str) -> StoreResult<Option<DocumentLink>> {
                let row = sqlx::query("SELECT * FROM document_links WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| {
                    Ok(DocumentLink {
                        id: row.try_get("id")?,
                        template_id: row.try_get("template_id")?,
                        country: row.try_get("country")?,
                        language: row.try_get("language")?,
                        expires_at: row.try_get("expires_at")?,
                    })
                })
                .transpose()
            }

            async fn insert_customer(&self, customer: &Customer, related_partners: &[String]) -> StoreResult<()> {
                let billing = serde_json::to_string(&customer.billing_profile)
                    .map_err(|e| corrupt("billing_profile", &e.to_string()))?;
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO customers (id, commerce_id, domain, company_name, organization_registration_number, \
                     billing_profile, created_by, associated_partner_id, admin_user_name, admin_password_hash, created_at, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customers))",
                )
                .bind(&customer.id)
                .bind(&customer.commerce_id)
                .bind(&customer.domain)
                .bind(&customer.company_name)
                .bind(&customer.organization_registration_number)
                .bind(billing)
                .bind(&customer.created_by)
                .bind(&customer.associated_partner_id)
                .bind(&customer.admin_user_name)
                .bind(&customer.admin_password_hash)
                .bind(customer.created_at)
                .execute(&mut *tx)
                .await?;
                for partner in related_partners {
                    sqlx::query(
                        "INSERT INTO customer_relationships (customer_id, partner_tenant_id, created_at, seq) \
                         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships))",
                    )
                    .bind(&customer.id)
                    .bind(partner)
                    .bind(customer.created_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
                sqlx::query(&format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(customer_from_row)
                    .transpose()
            }

            async fn customer_by_admin_user(&self, user_name: &str) -> StoreResult<Option<Customer>> {
                sqlx::query(&format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.admin_user_name = $1"))
                    .bind(user_name.trim().to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(customer_from_row)
                    .transpose()
            }

            async fn related_partners(&self, customer_id: &str) -> StoreResult<Vec<Partner>> {
                sqlx::query(
                    "SELECT p.* FROM partners p JOIN customer_relationships r ON r.partner_tenant_id = p.tenant_id \
                     WHERE r.customer_id = $1 ORDER BY r.seq, p.tenant_id",
                )
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(partner_from_row)
                .collect()
            }

            async fn customers_served_by(&self, partner_tenant_id: &str) -> StoreResult<Vec<Customer>> {
                sqlx::query(&format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE EXISTS ( \
                       SELECT 1 FROM customer_relationships r JOIN partners p ON p.tenant_id = r.partner_tenant_id \
                       WHERE r.customer_id = c.id AND (p.tenant_id = $1 OR p.indirect_provider_id = $1)) \
                     ORDER BY c.seq, c.id"
                ))
                .bind(partner_tenant_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(customer_from_row)
                .collect()
            }

            async fn add_relationship(&self, customer_id: &str, partner_tenant_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO customer_relationships (customer_id, partner_tenant_id, created_at, seq) \
                     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships)) \
                     ON CONFLICT (customer_id, partner_tenant_id) DO NOTHING",
                )
                .bind(customer_id)
                .bind(partner_tenant_id)
                .bind(at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn insert_agreement(&self, a: &Agreement, notice: Option<&OutboxMessage>) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO agreements (id, customer_id, partner_tenant_id, user_id, first_name, last_name, email, \
                     phone_number, template_id, agreement_type, date_agreed, source, duplicate_key, created_at, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM agreements))",
                )
                .bind(&a.id)
                .bind(&a.customer_id)
                .bind(&a.partner_tenant_id)
                .bind(&a.user_id)
                .bind(&a.contact.first_name)
                .bind(&a.contact.last_name)
                .bind(&a.contact.email)
                .bind(&a.contact.phone_number)
                .bind(&a.template_id)
                .bind(a.agreement_type.as_str())
                .bind(a.date_agreed)
                .bind(a.source.as_str())
                .bind(a.duplicate_key())
                .bind(a.created_at)
                .execute(&mut *tx)
                .await?;
                if let Some(m) = notice {
                    sqlx::query(
                        "INSERT INTO outbox (id, recipient, subject, body, partner_tenant_id, customer_id, agreement_id, \
                         queued_at, deliver_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox))",
                    )
                    .bind(&m.id)
                    .bind(&m.recipient)
                    .bind(&m.subject)
                    .bind(&m.body)
                    .bind(&m.partner_tenant_id)
                    .bind(&m.customer_id)
                    .bind(&m.agreement_id)
                    .bind(m.queued_at)
                    .bind(m.deliver_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn agreements(&self, customer_id: &str) -> StoreResult<Vec<Agreement>> {
                sqlx::query("SELECT * FROM agreements WHERE customer_id = $1 ORDER BY seq, id")
                    .bind(customer_id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(agreement_from_row)
                    .collect()
            }

            async fn outbox(&self, q: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>> {
                sqlx::query(
                    "SELECT * FROM outbox WHERE ($1 IS NULL OR lower(recipient) = lower($1)) \
                     AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR partner_tenant_id = $3) \
                     AND ($4 IS NULL OR deliver_at <= $4) ORDER BY seq, id",
                )
                .bind(&q.recipient)
                .bind(&q.customer_id)
                .bind(&q.partner_tenant_id)
                .bind(q.delivered_by)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(outbox_from_row)
                .collect()
            }

            async fn clear_outbox(&self) -> StoreResult<u64> {
                Ok(sqlx::query("DELETE FROM outbox").execute(&self.writer).await?.rows_affected())
            }

            async fn insert_order(&self, o: &Order) -> StoreResult<()> {
                let items = serde_json::to_string(&o.line_items).map_err(|e| corrupt("line_items", &e.to_string()))?;
                sqlx::query(
                    "INSERT INTO orders (id, customer_id, partner_tenant_id, line_items, creation_date, status, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM orders))",
                )
                .bind(&o.id)
                .bind(&o.customer_id)
                .bind(&o.partner_tenant_id)
                .bind(items)
                .bind(o.creation_date)
                .bind(&o.status)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn orders(&self, customer_id: &str) -> StoreResult<Vec<Order>> {
                sqlx::query("SELECT * FROM orders WHERE customer_id = $1 ORDER BY seq, id")
                    .bind(customer_id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(order_from_row)
                    .collect()
            }

            async fn insert_session(&self, s: &AdminSession) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO admin_sessions (id, customer_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(&s.id)
                .bind(&s.customer_id)
                .bind(&s.csrf_token)
                .bind(s.expires_at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn session(&self, id: &str) -> StoreResult<Option<AdminSession>> {
                let row = sqlx::query("SELECT * FROM admin_sessions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| {
                    Ok(AdminSession {
                        id: row.try_get("id")?,
                        customer_id: row.try_get("customer_id")?,
                        csrf_token: row.try_get("csrf_token")?,
                        expires_at: row.try_get("expires_at")?,
                    })
                })
                .transpose()
            }

            async fn delete_session(&self, id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM admin_sessions WHERE id = $1").bind(id).execute(&self.writer).await?;
                Ok(())
            }

            async fn stored_response(&self, partner: &str, request_id: &str) -> StoreResult<Option<StoredResponse>> {
                let row = sqlx::query("SELECT * FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2")
                    .bind(partner)
                    .bind(request_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| {
                    let status: i32 = row.try_get("status")?;
                    Ok(StoredResponse {
                        partner_tenant_id: row.try_get("partner_tenant_id")?,
                        request_id: row.try_get("request_id")?,
                        method: row.try_get("method")?,
                        path: row.try_get("path")?,
                        request_hash: row.try_get("request_hash")?,
                        status: u16::try_from(status).map_err(|_| corrupt("status", &status.to_string()))?,
                        body: row.try_get("body")?,
                        created_at: row.try_get("created_at")?,
                        claimed_at_ms: row.try_get("claimed_at_ms")?,
                    })
                })
                .transpose()
            }

            async fn claim_response(&self, r: &StoredResponse) -> StoreResult<bool> {
                let claimed = sqlx::query(
                    "INSERT INTO idempotent_responses (partner_tenant_id, request_id, method, path, request_hash, status, body, \
                     created_at, claimed_at_ms) VALUES ($1, $2, $3, $4, $5, 0, '', $6, $7) \
                     ON CONFLICT (partner_tenant_id, request_id) DO NOTHING",
                )
                .bind(&r.partner_tenant_id)
                .bind(&r.request_id)
                .bind(&r.method)
                .bind(&r.path)
                .bind(&r.request_hash)
                .bind(r.created_at)
                .bind(r.claimed_at_ms)
                .execute(&self.writer)
                .await?
                .rows_affected();
                Ok(claimed == 1)
            }

            async fn complete_response(&self, r: &StoredResponse) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE idempotent_responses SET status = $3, body = $4 WHERE partner_tenant_id = $1 AND request_id = $2",
                )
                .bind(&r.partner_tenant_id)
                .bind(&r.request_id)
                .bind(i32::from(r.status))
                .bind(&r.body)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn forget_responses(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let deleted = sqlx::query("DELETE FROM idempotent_responses WHERE created_at < $1")
                    .bind(before)
                    .execute(&self.writer)
                    .await?;
                Ok(deleted.rows_affected())
            }

            async fn forget_response(&self, partner: &str, request_id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2")
                    .bind(partner)
                    .bind(request_id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn release_response(&self, partner: &str, request_id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM idempotent_responses WHERE partner_tenant_id = $1 AND request_id = $2 AND status = 0")
                    .bind(partner)
                    .bind(request_id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn insert_fault_rule(&self, rule: &FaultRule, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO fault_rules (id, method, route, path_pattern, partner_tenant_id, effect, delay_ms, \
                     retry_after_seconds, probability, max_hits, hits, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                     $8, $9, $10, 0, $11, (SELECT COALESCE(MAX(seq), 0) + 1 FROM fault_rules))",
                )
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
                .execute(&self.writer)
                .await?;
                self.announce_change().await
            }

            async fn fault_rules(&self) -> StoreResult<std::sync::Arc<Vec<FaultRule>>> {
                if let Some(rules) = self.cache.fault_rules() {
                    return Ok(rules);
                }
                let generation = self.cache.generation();
                let rows = sqlx::query("SELECT * FROM fault_rules ORDER BY seq").fetch_all(&self.pool).await?;
                let rules = rows.iter()
                    .map(|row| {
                        let effect: String = row.try_get("effect")?;
                        Ok(FaultRule {
                            id: row.try_get("id")?,
                            method: row.try_get("method")?,
                            route: row.try_get("route")?,
                            path_pattern: row.try_get("path_pattern")?,
                            partner_tenant_id: row.try_get("partner_tenant_id")?,
                            effect: FaultEffect::parse(&effect).ok_or_else(|| corrupt("effect", &effect))?,
                            delay_ms: to_u64(row.try_get("delay_ms")?),
                            retry_after_seconds: to_u64(row.try_get("retry_after_seconds")?),
                            probability: row.try_get("probability")?,
                            max_hits: row.try_get::<Option<i64>, _>("max_hits")?.map(to_u64),
                            hits: to_u64(row.try_get("hits")?),
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                let rules = std::sync::Arc::new(rules);
                self.cache.put_fault_rules(generation, rules.clone());
                Ok(rules)
            }

            async fn record_fault_hit(&self, id: &str) -> StoreResult<bool> {
                let updated = sqlx::query(
                    "UPDATE fault_rules SET hits = hits + 1 WHERE id = $1 AND (max_hits IS NULL OR hits < max_hits)",
                )
                .bind(id)
                .execute(&self.writer)
                .await?
                .rows_affected();
                // Hit counts are part of the cached rules: every replica reads them again.
                self.announce_change().await?;
                Ok(updated == 1)
            }

            async fn delete_fault_rules(&self, id: Option<&str>) -> StoreResult<u64> {
                let deleted = match id {
                    Some(id) => sqlx::query("DELETE FROM fault_rules WHERE id = $1").bind(id).execute(&self.writer).await?,
                    None => sqlx::query("DELETE FROM fault_rules").execute(&self.writer).await?,
                };
                self.announce_change().await?;
                Ok(deleted.rows_affected())
            }

            async fn reset(&self, partner: Option<&str>) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                let statements: &[&str] = match partner {
                    None => &[
                        "DELETE FROM fault_rules",
                        "DELETE FROM idempotent_responses",
                        "DELETE FROM admin_sessions",
                        "DELETE FROM outbox",
                        "DELETE FROM orders",
                        "DELETE FROM agreements",
                        "DELETE FROM customer_relationships",
                        "DELETE FROM customers",
                        "DELETE FROM document_links",
                        "UPDATE partners SET indirect_provider_id = NULL",
                        "DELETE FROM partners",
                        "DELETE FROM emulator_clock",
                    ],
                    // One partner's own state: its confirmations, orders, emails, kept answers and
                    // relationships. A customer no partner has a relationship with any more goes too;
                    // one that another partner still serves stays, with that partner's data.
                    Some(_) => &[
                        "DELETE FROM fault_rules WHERE partner_tenant_id = $1",
                        "DELETE FROM idempotent_responses WHERE partner_tenant_id = $1",
                        "DELETE FROM outbox WHERE partner_tenant_id = $1",
                        "DELETE FROM orders WHERE partner_tenant_id = $1",
                        "DELETE FROM agreements WHERE partner_tenant_id = $1",
                        "DELETE FROM customer_relationships WHERE partner_tenant_id = $1",
                        "UPDATE customers SET associated_partner_id = NULL WHERE associated_partner_id = $1",
                        "DELETE FROM outbox WHERE customer_id IN (SELECT id FROM customers c WHERE NOT EXISTS \
                           (SELECT 1 FROM customer_relationships r WHERE r.customer_id = c.id))",
                        "DELETE FROM customers WHERE NOT EXISTS \
                           (SELECT 1 FROM customer_relationships r WHERE r.customer_id = customers.id)",
                    ],
                };
                for statement in statements {
                    let query = sqlx::query(statement);
                    let query = match partner {
                        Some(p) if statement.contains("$1") => query.bind(p),
                        _ => query,
                    };
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                self.announce_change().await
            }
        }
    };
}

pub(crate) use sql_store;
