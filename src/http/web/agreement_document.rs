//! The agreement document's pages: what the short-lived links of
//! `GET /v1/agreementtemplates/{id}/document` show until they expire (five minutes by the
//! emulator clock). They are API routes (behind the API's pipeline, subject to faults) whose
//! answer is a page, with the security headers of every page; the download is the same page as an
//! attachment (its stylesheet is inline, so the saved file keeps its look).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use maud::html;

use super::agreement_text::{agreement_text, BRAND};
use super::kit::layout::{compact, Content};
use super::kit::page::{respond, Policy};
use crate::app::AppState;
use crate::domain::documents::DocumentLink;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::ApiResult;
use crate::service::documents;

fn document(link: &DocumentLink) -> Response {
    let content = Content::new(
        "Microsoft Customer Agreement",
        html! {
            article.card lang=(link.language) {
                h1 { "Microsoft Customer Agreement" }
                (agreement_text(&link.template_id, &link.country, &link.language))
            }
            p.hint { "Link valid until " (render_timestamp(link.expires_at)) " (emulator clock)." }
        },
    );
    respond(StatusCode::OK, Policy::Static, compact(&BRAND, content))
}

pub async fn display(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Response> {
    let link = documents::live_link(&ctx, &link_id).await?;
    Ok(document(&link))
}

pub async fn download(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Response> {
    let link = documents::live_link(&ctx, &link_id).await?;
    let mut response = document(&link);
    let filename =
        format!("attachment; filename=\"MicrosoftCustomerAgreement_{}_{}.html\"", link.country, link.language);
    if let Ok(value) = HeaderValue::from_str(&filename) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
