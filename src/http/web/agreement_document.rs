//! The agreement document's pages: what the short-lived links of
//! `GET /v1/agreementtemplates/{id}/document` show until they expire (five minutes by the
//! emulator clock). They are API routes (behind the API's pipeline, subject to faults) whose
//! answer is a page, with the security headers of every page; the download is the same page as an
//! attachment (its stylesheet is inline, so the saved file keeps its look).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use maud::html;

use super::acceptance::words::{brand, fill, shell, text, Key};
use super::agreement_text::agreement_text;
use super::kit::dates::{self, Lang};
use super::kit::layout::{compact_in, Content};
use super::kit::page::{respond, Policy};
use crate::app::AppState;
use crate::domain::documents::DocumentLink;
use crate::http::edge::error::ApiResult;
use crate::service::documents;

/// The document in its language (the pages' words when it is one of their six, else English).
fn document(link: &DocumentLink) -> Response {
    let lang = Lang::of(&link.language);
    let content = Content::new(
        text(lang, Key::Heading),
        html! {
            article.card {
                h1 { (text(lang, Key::Heading)) }
                (agreement_text(&link.template_id, &link.country, &link.language))
            }
            p.hint { (fill(lang, Key::ValidUntil, &[("date", dates::instant(link.expires_at, lang))])) }
        },
    );
    respond(StatusCode::OK, Policy::Static, compact_in(&brand(lang), &shell(lang), content))
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
