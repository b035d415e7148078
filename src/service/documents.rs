//! Short-lived links to the agreement document, for the API and the admin-center pages.

use chrono::Duration;

use crate::domain::agreements::AgreementTemplate;
use crate::domain::locales::{resolve_document_locale, LocaleError};
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;
use crate::store::DocumentLink;

pub const LINK_LIFETIME_MINUTES: i64 = 5;

/// The display and download addresses of a link.
pub struct DocumentUris {
    pub display: String,
    pub download: String,
}

pub fn document_uris(ctx: &AppContext, link: &DocumentLink) -> DocumentUris {
    let display = format!("{}/agreementdocuments/{}", ctx.public_base_url, link.id);
    DocumentUris { download: format!("{display}/download"), display }
}

/// Store a new link to `template`'s document in the resolved locale, valid for five minutes of
/// emulator time.
pub async fn issue_document_link(
    ctx: &AppContext,
    template: &AgreementTemplate,
    country: Option<&str>,
    language: Option<&str>,
) -> ApiResult<DocumentLink> {
    if !template.has_document {
        return Err(ApiError::NoDocumentForTemplate(template.template_id.clone()));
    }
    let locale = resolve_document_locale(country, language).map_err(|e| match e {
        LocaleError::UnknownCountry(c) => ApiError::UnknownCountry(c),
    })?;
    let link = DocumentLink {
        id: ctx.ids.token(40),
        template_id: template.template_id.clone(),
        country: locale.country.to_string(),
        language: locale.language.to_string(),
        expires_at: ctx.clock.now().await? + Duration::minutes(LINK_LIFETIME_MINUTES),
    };
    ctx.store.insert_document_link(&link).await?;
    Ok(link)
}
