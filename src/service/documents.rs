//! Short-lived links to the agreement document, for the API and the admin-center pages.

use chrono::Duration;

use super::access::{ops, Permit};
use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::domain::agreements::{current_template, find_template, AgreementTemplate, AgreementType};
use crate::domain::customers::Customer;
use crate::domain::documents::DocumentLink;
use crate::domain::locales::{resolve_document_locale, LocaleError};
use crate::domain::time::later;
use crate::ids::IdKind;

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

/// `GET /v1/agreementtemplates/{templateId}/document?language=&country=`
pub async fn document_link(
    ctx: &AppContext,
    _permit: &Permit<'_, ops::GetAgreementDocument>,
    template_id: &str,
    country: Option<&str>,
    language: Option<&str>,
) -> ServiceResult<DocumentLink> {
    let templates = ctx.store.templates().await?;
    let template = find_template(&templates, template_id).ok_or_else(|| ServiceError::UnknownAgreementTemplate {
        hint: format!("template '{template_id}' is not in the catalog (ids are case-sensitive)"),
        id: template_id.to_string(),
        addressed: true,
    })?;
    issue_document_link(ctx, template, country, language).await
}

/// A fresh link to the current Customer Agreement document for a customer: in its country when
/// the document table knows it, else the United States'.
pub async fn customer_document_link(ctx: &AppContext, customer: &Customer) -> ServiceResult<DocumentLink> {
    let templates = ctx.store.templates().await?;
    let template = current_template(&templates, AgreementType::MicrosoftCustomerAgreement)
        .ok_or_else(|| ServiceError::Internal("no current Customer Agreement template".into()))?;
    let country = customer.billing_profile.default_address.as_ref().and_then(|a| a.country.as_deref());
    match issue_document_link(ctx, template, country, None).await {
        Err(ServiceError::UnknownCountry(_)) => issue_document_link(ctx, template, None, None).await,
        issued => issued,
    }
}

/// Store a new link to `template`'s document in the resolved locale, valid for five minutes of
/// emulator time.
async fn issue_document_link(
    ctx: &AppContext,
    template: &AgreementTemplate,
    country: Option<&str>,
    language: Option<&str>,
) -> ServiceResult<DocumentLink> {
    if !template.has_document {
        return Err(ServiceError::NoDocumentForTemplate(template.template_id.clone()));
    }
    let locale = resolve_document_locale(country, language).map_err(|e| match e {
        LocaleError::UnknownCountry(c) => ServiceError::UnknownCountry(c),
    })?;
    let link = DocumentLink {
        id: ctx.ids.token(IdKind::DocumentLink, 40),
        template_id: template.template_id.clone(),
        country: locale.country.to_string(),
        language: locale.language.to_string(),
        // Opened without a token, so judged by the emulator's clock: minted by it too.
        expires_at: later(ctx.clock.emulator_now().await?, Duration::minutes(LINK_LIFETIME_MINUTES)),
    };
    ctx.store.insert_document_link(&link).await?;
    Ok(link)
}

/// A link that exists and has not expired by the emulator's clock (never a partner's own).
pub async fn live_link(ctx: &AppContext, link_id: &str) -> ServiceResult<DocumentLink> {
    let link = ctx.store.document_link(link_id).await?.ok_or(ServiceError::DocumentLinkNotFound)?;
    if ctx.clock.emulator_now().await? >= link.expires_at {
        return Err(ServiceError::DocumentLinkExpired);
    }
    Ok(link)
}
