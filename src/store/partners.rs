//! Partner personas and the agreement template catalog.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::rows::{agreement_type, corrupt, to_vec};
use super::{Store, StoreError, StoreResult};
use crate::domain::agreements::AgreementTemplate;
use crate::domain::partners::{Partner, PartnerType};

const INSERT_PARTNER: &str = "INSERT INTO partners (tenant_id, name, partner_type, indirect_provider_id, created_at) \
     VALUES ($1, $2, $3, $4, $5)";

const PARTNER: &str = "SELECT tenant_id, name, partner_type, indirect_provider_id FROM partners WHERE tenant_id = $1";

const FIRST_PARTNERS: &str = "SELECT tenant_id, name, partner_type, indirect_provider_id FROM partners \
     ORDER BY created_at, tenant_id LIMIT $1";

const PARTNER_COUNT: &str = "SELECT COUNT(*) FROM partners";

const TEMPLATES: &str = "SELECT template_id, agreement_type, agreement_link, version_rank, accepts_confirmations, \
     has_document FROM agreement_templates ORDER BY agreement_type DESC, version_rank DESC, template_id";

#[derive(sqlx::FromRow)]
pub(super) struct PartnerRow {
    tenant_id: String,
    name: String,
    partner_type: String,
    indirect_provider_id: Option<String>,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;

    fn try_from(row: PartnerRow) -> StoreResult<Self> {
        Ok(Partner {
            partner_type: PartnerType::parse(&row.partner_type)
                .ok_or_else(|| corrupt("partner_type", &row.partner_type))?,
            tenant_id: row.tenant_id,
            name: row.name,
            indirect_provider_id: row.indirect_provider_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TemplateRow {
    template_id: String,
    agreement_type: String,
    agreement_link: String,
    version_rank: i32,
    accepts_confirmations: bool,
    has_document: bool,
}

impl TryFrom<TemplateRow> for AgreementTemplate {
    type Error = StoreError;

    fn try_from(row: TemplateRow) -> StoreResult<Self> {
        Ok(AgreementTemplate {
            agreement_type: agreement_type(&row.agreement_type)?,
            template_id: row.template_id,
            agreement_link: row.agreement_link,
            version_rank: row.version_rank,
            accepts_confirmations: row.accepts_confirmations,
            has_document: row.has_document,
        })
    }
}

impl Store {
    pub async fn insert_partner(&self, partner: &Partner, at: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, writer, |pool| {
            sqlx::query(INSERT_PARTNER)
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

    pub async fn partner(&self, tenant_id: &str) -> StoreResult<Option<Partner>> {
        if let Some(partner) = self.cache.partner(tenant_id) {
            return Ok(partner);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.partner_from_database(tenant_id)).await
    }

    async fn partner_from_database(&self, tenant_id: &str) -> StoreResult<Option<Partner>> {
        let generation = self.cache.generation();
        let row: Option<PartnerRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(PARTNER).bind(tenant_id).fetch_optional(pool).await)?;
        let partner = row.map(Partner::try_from).transpose()?;
        self.cache.put_partner(generation, tenant_id, partner.clone());
        Ok(partner)
    }

    /// The first `limit` partners in the order they were created, and how many there are.
    pub async fn partners(&self, limit: u32) -> StoreResult<(Vec<Partner>, u64)> {
        let (rows, count): (Vec<PartnerRow>, (i64,)) = on_pool!(self, reader, |pool| {
            let rows = sqlx::query_as(FIRST_PARTNERS).bind(i64::from(limit)).fetch_all(pool).await?;
            let count = sqlx::query_as(PARTNER_COUNT).fetch_one(pool).await?;
            (rows, count)
        });
        Ok((to_vec(rows)?, u64::try_from(count.0).unwrap_or_default()))
    }

    pub async fn templates(&self) -> StoreResult<Arc<[AgreementTemplate]>> {
        if let Some(templates) = self.cache.templates() {
            return Ok(templates);
        }
        // The database is read on a miss only: boxed, so that the futures of the requests served
        // from the cache stay small.
        Box::pin(self.templates_from_database()).await
    }

    async fn templates_from_database(&self) -> StoreResult<Arc<[AgreementTemplate]>> {
        let rows: Vec<TemplateRow> = on_pool!(self, reader, |pool| sqlx::query_as(TEMPLATES).fetch_all(pool).await)?;
        let templates: Arc<[AgreementTemplate]> = to_vec(rows)?.into();
        self.cache.put_templates(templates.clone());
        Ok(templates)
    }
}
