//! Fault rules, shared by every replica, with their hit counts.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::rows::{corrupt, to_i64, to_u64, to_vec};
use super::{Store, StoreError, StoreResult};
use crate::domain::faults::{FaultEffect, FaultRule};

const INSERT_FAULT_RULE: &str = "INSERT INTO fault_rules (id, method, route, path_pattern, partner_tenant_id, \
     effect, delay_ms, retry_after_seconds, probability, max_hits, hits, created_at, seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, (SELECT COALESCE(MAX(seq), 0) + 1 FROM fault_rules))";

const FAULT_RULES: &str = "SELECT id, method, route, path_pattern, partner_tenant_id, effect, delay_ms, \
     retry_after_seconds, probability, max_hits, hits FROM fault_rules ORDER BY seq";

/// Counts a hit only while the rule has hits left, so a count holds across replicas.
const RECORD_FAULT_HIT: &str =
    "UPDATE fault_rules SET hits = hits + 1 WHERE id = $1 AND (max_hits IS NULL OR hits < max_hits)";

const DELETE_FAULT_RULE: &str = "DELETE FROM fault_rules WHERE id = $1";

const DELETE_FAULT_RULES: &str = "DELETE FROM fault_rules";

#[derive(sqlx::FromRow)]
pub struct FaultRuleRow {
    id: String,
    method: Option<String>,
    route: Option<String>,
    path_pattern: Option<String>,
    partner_tenant_id: Option<String>,
    effect: String,
    delay_ms: i64,
    retry_after_seconds: i64,
    probability: f64,
    max_hits: Option<i64>,
    hits: i64,
}

impl TryFrom<FaultRuleRow> for FaultRule {
    type Error = StoreError;

    fn try_from(row: FaultRuleRow) -> StoreResult<Self> {
        Ok(FaultRule {
            effect: FaultEffect::parse(&row.effect).ok_or_else(|| corrupt("effect", &row.effect))?,
            id: row.id,
            method: row.method,
            route: row.route,
            path_pattern: row.path_pattern,
            partner_tenant_id: row.partner_tenant_id,
            delay_ms: to_u64(row.delay_ms),
            retry_after_seconds: to_u64(row.retry_after_seconds),
            probability: row.probability,
            max_hits: row.max_hits.map(to_u64),
            hits: to_u64(row.hits),
        })
    }
}

impl Store {
    pub async fn insert_fault_rule(&self, rule: &FaultRule, at: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_FAULT_RULE)
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

    /// Every fault rule, in the order they were added.
    pub async fn fault_rules(&self) -> StoreResult<Arc<Vec<FaultRule>>> {
        if let Some(rules) = self.cache.fault_rules() {
            return Ok(rules);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.fault_rules_from_database()).await
    }

    async fn fault_rules_from_database(&self) -> StoreResult<Arc<Vec<FaultRule>>> {
        let generation = self.cache.generation();
        let rows: Vec<FaultRuleRow> = on_pool!(self, reader, |pool| sqlx::query_as(FAULT_RULES).fetch_all(pool).await)?;
        let rules = Arc::new(to_vec(rows)?);
        self.cache.put_fault_rules(generation, rules.clone());
        Ok(rules)
    }

    /// Count a hit; false when the rule is gone or has used up its count (atomic across replicas).
    pub async fn record_fault_hit(&self, id: &str) -> StoreResult<bool> {
        let updated = on_pool!(self, writer, |pool| {
            sqlx::query(RECORD_FAULT_HIT).bind(id).execute(pool).await?.rows_affected()
        });
        // Hit counts are part of the cached rules: every replica reads them again.
        self.announce_change().await?;
        Ok(updated == 1)
    }

    /// Delete one rule, or all of them; returns how many went.
    pub async fn delete_fault_rules(&self, id: Option<&str>) -> StoreResult<u64> {
        let deleted = on_pool!(self, writer, |pool| match id {
            Some(id) => sqlx::query(DELETE_FAULT_RULE).bind(id).execute(pool).await?.rows_affected(),
            None => sqlx::query(DELETE_FAULT_RULES).execute(pool).await?.rows_affected(),
        });
        self.announce_change().await?;
        Ok(deleted)
    }
}
