//! The agreement template document: a short-lived link per call, served by the emulator
//! itself until it expires (five minutes by the emulator clock).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};

use super::agreement_text::agreement_text;
use super::error::ApiResult;
use super::extract::QueryParams;
use super::RouteEntry;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::time::render_timestamp;
use crate::service::access::{ops, permit};
use crate::service::documents::{self, document_uris};
use crate::store::DocumentLink;

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

pub fn download_routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/agreementdocuments/{link_id}", get(display_document)),
        ("GET", "/agreementdocuments/{link_id}/download", get(download_document)),
    ]
}

fn render_document(link: &DocumentLink) -> String {
    maud::html! {
        (maud::DOCTYPE)
        html lang=(link.language) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Microsoft Customer Agreement" }
            }
            body style="font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5" {
                h1 { "Microsoft Customer Agreement" }
                (agreement_text(&link.template_id, &link.country, &link.language))
                p { small { "Link valid until " (render_timestamp(link.expires_at)) " (emulator clock)." } }
            }
        }
    }
    .into_string()
}

async fn display_document(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Html<String>> {
    let link = documents::live_link(&ctx, &link_id).await?;
    Ok(Html(render_document(&link)))
}

async fn download_document(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Response> {
    let link = documents::live_link(&ctx, &link_id).await?;
    let filename =
        format!("attachment; filename=\"MicrosoftCustomerAgreement_{}_{}.html\"", link.country, link.language);
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, filename)],
        render_document(&link),
    )
        .into_response())
}
