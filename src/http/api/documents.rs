//! The agreement template document: a short-lived link per call, served by the emulator
//! itself until it expires (five minutes by the emulator clock).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::QueryParams;
use crate::http::edge::RouteEntry;
use crate::http::web::agreement_document;
use crate::service::access::{ops, permit};
use crate::service::documents::{self, document_uris};

/// `GET /v1/agreementtemplates/{templateId}/document?language=&country=`
pub async fn document_link(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(template_id): Path<String>,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetAgreementDocument>(&caller)?;
    let link =
        documents::document_link(&ctx, &permit, &template_id, query.get("country"), query.get("language")).await?;
    let uris = document_uris(&ctx, &link);
    Ok(Json(json!({
        "displayUri": uris.display,
        "downloadUri": uris.download,
        "language": link.language,
        "country": link.country,
    })))
}

/// The links' pages, shown by the web door's agreement document, behind the API's pipeline.
pub fn download_routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/agreementdocuments/{link_id}", get(agreement_document::display)),
        ("GET", "/agreementdocuments/{link_id}/download", get(agreement_document::download)),
    ]
}
