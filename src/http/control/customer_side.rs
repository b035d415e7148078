//! The customer's side without a browser: accepting an enhanced attestation, or the agreement
//! directly, as the acceptance page and the admin center would.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::domain::agreements::DirectAcceptanceInput;
use crate::domain::contact::ContactInput;
use crate::domain::ids::{AttestationId, CustomerId};
use crate::http::api::wire;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::{OptionalPcJson, PcJson};
use crate::http::edge::RouteEntry;
use crate::service::attestations::AcceptedIn;
use crate::service::{agreements, attestations, control};

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("POST", "/_emulator/attestations/{attestation_id}/accept", post(accept_attestation)),
        ("POST", "/_emulator/customers/{customer_id}/direct-acceptance", post(direct_acceptance)),
    ]
}

/// What a script may say of an acceptance: the language the customer accepts in, as the page's
/// language choice does. Any other member is refused, never dropped.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttestationAcceptanceBody {
    language: Option<String>,
}

/// The customer accepts an enhanced attestation, without a browser: in the attestation's own
/// language, or the one the body names.
async fn accept_attestation(
    State(ctx): State<AppState>,
    Path(attestation_id): Path<AttestationId>,
    OptionalPcJson(body): OptionalPcJson<AttestationAcceptanceBody>,
) -> ApiResult<Json<Value>> {
    let language = body.and_then(|b| b.language);
    let language = language.as_deref().map_or(AcceptedIn::Page(None), AcceptedIn::Named);
    let accepted = attestations::accept_attestation(&ctx, &attestation_id, language).await?;
    Ok(Json(wire::attestation(&accepted)))
}

/// The members the control plane's other bodies take are all there is: an unknown (misspelt)
/// member is refused, never dropped (a `dateAgred` would otherwise accept on today's date).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DirectAcceptanceBody {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    date_agreed: Option<String>,
}

async fn direct_acceptance(
    State(ctx): State<AppState>,
    Path(customer_id): Path<CustomerId>,
    PcJson(body): PcJson<DirectAcceptanceBody>,
) -> ApiResult<Response> {
    let person = ContactInput {
        first_name: body.first_name,
        last_name: body.last_name,
        email: body.email,
        phone_number: body.phone_number,
    };
    let input = DirectAcceptanceInput { person: &person, date_agreed: body.date_agreed.as_deref() };
    let agreement = control::accept_for_customer(&ctx, &customer_id, input).await?;
    let listed = agreements::with_link(&ctx, agreement).await?;
    Ok((StatusCode::CREATED, Json(wire::listed_agreement(&listed))).into_response())
}
