//! Customers and the reseller relationship request.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::customer_search::CustomerFilter;
use crate::domain::customers::{BillingProfile, CompanyProfileInput};
use crate::domain::ids::CustomerId;
use crate::domain::paging;
use crate::http::edge::error::{ApiError, ApiResult};
use crate::http::edge::extract::{QueryParams, RawJson, Unit};
use crate::service::access::{ops, permit};
use crate::service::customers::{self, NewCustomer, PageRequest};
use crate::service::ServiceError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerBody {
    company_profile: Option<CompanyProfileInput>,
    billing_profile: Option<BillingProfile>,
    associated_partner_id: Option<String>,
}

/// `POST /v1/customers`
pub async fn create_customer(
    State(ctx): State<AppState>,
    caller: Caller,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let permit = permit::<ops::CreateCustomer>(&caller)?;
    let body: CustomerBody = body.parse()?;
    let input = NewCustomer {
        company_profile: body.company_profile,
        billing_profile: body.billing_profile,
        associated_partner_id: body.associated_partner_id,
        password: None,
    };
    let created = customers::create_customer(&ctx, &permit, &mut unit, input).await?;
    let credentials = (created.customer.admin_user_name.as_str(), created.password.as_str());
    Ok((StatusCode::CREATED, Json(wire::customer(&created.customer, Some(true), Some(credentials)))))
}

/// The request header that carries a continuation token, as Partner Center names it.
pub const CONTINUATION_TOKEN_HEADER: &str = "MS-ContinuationToken";

/// `GET /v1/customers[?size=N][&filter=…][&seekOperation=Next]`, with `MS-ContinuationToken` for
/// the pages after the first.
pub async fn list_customers(
    State(ctx): State<AppState>,
    caller: Caller,
    query: QueryParams,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let permit = permit::<ops::ListCustomers>(&caller)?;
    let size = match query.get("size") {
        None => None,
        Some(raw) => paging::parse_page_size(raw).map_err(ApiError::InvalidQueryParameter)?,
    };
    let filter = match query.get("filter") {
        None => None,
        Some(raw) => {
            Some(CustomerFilter::parse(raw).map_err(|problems| ApiError::InvalidQueryParameter(problems.join("; ")))?)
        }
    };
    let continuation = match headers.get(CONTINUATION_TOKEN_HEADER) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| invalid_token())?.to_string()),
    };
    check_seek_operation(query.get("seekOperation"), continuation.is_some())?;
    let page = customers::list_customers(&ctx, &permit, PageRequest { size, continuation, filter }).await?;
    let items: Vec<Value> = page.customers.iter().map(|c| wire::customer(c, None, None)).collect();
    let self_uri = customers_uri(page.size, page.filter.as_ref());
    Ok(match page.size {
        None => Json(wire::collection(&items, &self_uri)).into_response(),
        Some(_) => Json(wire::page(&items, &self_uri, page.next.as_deref())).into_response(),
    })
}

/// `seekOperation` (the SDKs' seek queries): `Next` goes on from the `MS-ContinuationToken`, which
/// it needs; the customer list goes forward only, so no other operation is taken.
fn check_seek_operation(seek: Option<&str>, has_token: bool) -> ApiResult<()> {
    match seek.map(str::trim) {
        None => Ok(()),
        Some(op) if op.eq_ignore_ascii_case("next") && has_token => Ok(()),
        Some(op) if op.eq_ignore_ascii_case("next") => Err(ApiError::InvalidQueryParameter(
            "seekOperation: Next goes on from a page: send the MS-ContinuationToken of the page before".into(),
        )),
        Some(other) => Err(ApiError::InvalidQueryParameter(format!(
            "seekOperation: '{other}' is not supported: the customer list goes forward only, with seekOperation=Next \
             and the MS-ContinuationToken of the page before"
        ))),
    }
}

/// The list's URI as a `links` entry names it (relative to `/v1`): the page size and the search in
/// force, the filter URL-encoded as the SDKs send it.
fn customers_uri(size: Option<u32>, filter: Option<&CustomerFilter>) -> String {
    let mut query: Vec<(&str, String)> = Vec::new();
    query.extend(size.map(|size| ("size", size.to_string())));
    query.extend(filter.map(|f| ("filter", f.to_json())));
    match serde_urlencoded::to_string(&query) {
        Ok(query) if !query.is_empty() => format!("/customers?{query}"),
        _ => "/customers".to_string(),
    }
}

fn invalid_token() -> ApiError {
    ApiError::Service(ServiceError::InvalidContinuationToken(paging::TokenProblem::NotIssuedHere.explain().to_string()))
}

/// `GET /v1/customers/{id}`
pub async fn get_customer(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetCustomer>(&caller)?;
    let seen = customers::get_customer(&ctx, &permit, &customer_id).await?;
    Ok(Json(wire::customer(&seen.customer, Some(seen.delegated_admin), None)))
}

/// `GET /v1/customers/relationshiprequests`: the invitation link, on this emulator's admin center.
/// Microsoft documents three parameters that ask for another link: one for an indirect reseller's
/// customer (`indirectResellerId`, `indirectCloudSolutionProviderId`) or a dual-role relationship
/// (`dualRoleIndirectRelationship=true`). The emulator's admin center has no such invitation, so
/// they are refused, naming what to do instead, rather than read as the caller's own link.
pub async fn relationship_request(
    State(ctx): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetRelationshipRequest>(&caller)?;
    for name in ["indirectResellerId", "indirectCloudSolutionProviderId"] {
        if query.get(name).is_some() {
            return Err(ApiError::InvalidQueryParameter(format!(
                "{name}: the invitation of a customer for an indirect reseller and its indirect provider is not \
                 emulated (this link would not name them); the indirect reseller asks for its own link, which makes \
                 the customer its customer and, through it, its indirect provider's"
            )));
        }
    }
    match query.get("dualRoleIndirectRelationship").map(str::trim) {
        None => {}
        Some(raw) if raw.eq_ignore_ascii_case("false") => {}
        Some(raw) if raw.eq_ignore_ascii_case("true") => {
            return Err(ApiError::InvalidQueryParameter(
                "dualRoleIndirectRelationship: the invitation of a dual-role indirect relationship is not emulated; \
                 leave it out (or send false) for the reseller relationship link"
                    .into(),
            ))
        }
        Some(raw) => {
            return Err(ApiError::InvalidQueryParameter(format!(
                "dualRoleIndirectRelationship: '{raw}' is not true or false"
            )))
        }
    }
    let url = customers::relationship_request_url(&ctx, &permit);
    Ok(Json(json!({ "url": url, "attributes": {"objectType": "RelationshipRequest"} })))
}
