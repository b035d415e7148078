//! The agreement document's pages: what the short-lived links of
//! `GET /v1/agreementtemplates/{id}/document` show until they expire (five minutes by the
//! emulator clock). They are API routes (behind the API's pipeline, subject to faults) whose
//! answer is a page.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::agreement_text::agreement_text;
use crate::app::AppState;
use crate::domain::documents::DocumentLink;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::ApiResult;
use crate::service::documents;

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

pub async fn display(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Html<String>> {
    let link = documents::live_link(&ctx, &link_id).await?;
    Ok(Html(render_document(&link)))
}

pub async fn download(State(ctx): State<AppState>, Path(link_id): Path<String>) -> ApiResult<Response> {
    let link = documents::live_link(&ctx, &link_id).await?;
    let filename =
        format!("attachment; filename=\"MicrosoftCustomerAgreement_{}_{}.html\"", link.country, link.language);
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, filename)],
        render_document(&link),
    )
        .into_response())
}
