//! The agreement document's short-lived links.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult};
use crate::domain::documents::DocumentLink;

/// Links that expired before `$1` are gone for good.
const DELETE_DOCUMENT_LINKS_EXPIRED_BEFORE: &str = "DELETE FROM document_links WHERE expires_at < $1";

const INSERT_DOCUMENT_LINK: &str =
    "INSERT INTO document_links (id, template_id, country, language, expires_at) VALUES ($1, $2, $3, $4, $5)";

const DOCUMENT_LINK: &str = "SELECT id, template_id, country, language, expires_at FROM document_links WHERE id = $1";

#[derive(sqlx::FromRow)]
pub struct DocumentLinkRow {
    id: String,
    template_id: String,
    country: String,
    language: String,
    expires_at: DateTime<Utc>,
}

impl From<DocumentLinkRow> for DocumentLink {
    fn from(row: DocumentLinkRow) -> Self {
        DocumentLink {
            id: row.id,
            template_id: row.template_id,
            country: row.country,
            language: row.language,
            expires_at: row.expires_at,
        }
    }
}

impl Store {
    pub async fn insert_document_link(&self, link: &DocumentLink) -> StoreResult<()> {
        // Links that expired over a day (of emulator time) ago are gone for good.
        let forgotten_before = link.expires_at - chrono::Duration::days(1);
        // One transaction, one commit.
        in_transaction!(self, |tx| {
            sqlx::query(DELETE_DOCUMENT_LINKS_EXPIRED_BEFORE).bind(forgotten_before).execute(&mut *tx).await?;
            sqlx::query(INSERT_DOCUMENT_LINK)
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

    pub async fn document_link(&self, id: &str) -> StoreResult<Option<DocumentLink>> {
        let row: Option<DocumentLinkRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(DOCUMENT_LINK).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(DocumentLink::from))
    }
}
