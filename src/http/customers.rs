//! Customers and the reseller relationship request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::extract::RawJson;
use super::{wire, AppState};
use crate::auth::Caller;
use crate::domain::customers::{BillingProfile, CompanyProfileInput};
use crate::domain::permissions::{authorize, Operation};
use crate::service::access::customer_for;
use crate::service::customers::{create_customer as create, NewCustomer};

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
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    authorize(Operation::CreateCustomer, &caller.facts())?;
    let body: CustomerBody = body.parse()?;
    let input = NewCustomer {
        company_profile: body.company_profile,
        billing_profile: body.billing_profile,
        associated_partner_id: body.associated_partner_id,
        password: None,
    };
    let created = create(&ctx, &caller, input).await?;
    let credentials = (created.customer.admin_user_name.as_str(), created.password.as_str());
    Ok((StatusCode::CREATED, Json(wire::customer(&created.customer, Some(credentials)))))
}

/// `GET /v1/customers`
pub async fn list_customers(State(ctx): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    authorize(Operation::ListCustomers, &caller.facts())?;
    let customers = ctx.store.customers_served_by(&caller.partner.tenant_id).await?;
    let items: Vec<Value> = customers.iter().map(|c| wire::customer(c, None)).collect();
    Ok(Json(wire::collection(&items, "/customers")))
}

/// `GET /v1/customers/{id}`
pub async fn get_customer(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let customer = customer_for(&ctx, &caller, Operation::GetCustomer, &customer_id).await?;
    Ok(Json(wire::customer(&customer, None)))
}

/// `GET /v1/customers/relationshiprequests`: the invitation link, on this emulator's admin center.
pub async fn relationship_request(State(ctx): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    authorize(Operation::GetRelationshipRequest, &caller.facts())?;
    let url = format!(
        "{}/AdminPortal/Home?invType=ResellerRelationship&partnerId={}&msppId=0&DAP=false#/BillingAccounts/partner-invitation",
        ctx.public_base_url, caller.partner.tenant_id
    );
    Ok(Json(json!({ "url": url, "attributes": {"objectType": "RelationshipRequest"} })))
}
