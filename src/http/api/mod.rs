//! The front door of the emulated Partner Center API: the `/v1` operations and the agreement
//! document links they hand out, behind the API's pipeline (token, faults, running a POST once).
//! Handlers translate between the wire and the use cases and hold no rules.

mod agreements;
mod attestations;
mod carts;
mod customers;
mod documents;
mod orders;
pub mod pipeline;
pub mod wire;

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::Router;

use crate::http::edge::around::Around;

use super::edge::extract::QueryParams;
use super::edge::RouteEntry;
use crate::app::AppState;
use crate::auth::Caller;

/// The `/v1` routes of the emulated Partner Center API (paths in the router's lower-case spelling;
/// requests are matched without regard to case by `edge::layers::rewrite_request_path`), and the
/// document links.
pub fn routes() -> Vec<RouteEntry> {
    let mut routes = vec![
        ("GET", "/v1/agreements", {
            let rendered = agreements::RenderedCatalog::default();
            get(move |State(ctx): State<AppState>, caller: Caller, query: QueryParams| {
                agreements::agreement_metadata(ctx, caller, query, rendered.clone())
            })
        }),
        ("GET", "/v1/agreementtemplates/{template_id}/document", get(documents::document_link)),
        ("GET", "/v1/customers", get(customers::list_customers)),
        ("POST", "/v1/customers", post(customers::create_customer)),
        ("GET", "/v1/customers/relationshiprequests", get(customers::relationship_request)),
        ("GET", "/v1/customers/{customer_id}", get(customers::get_customer)),
        ("GET", "/v1/customers/{customer_id}/agreements", get(agreements::list_customer_agreements)),
        ("POST", "/v1/customers/{customer_id}/agreements", post(agreements::confirm_acceptance)),
        (
            "GET",
            "/v1/customers/{customer_id}/directsignedmicrosoftcustomeragreementstatus",
            get(agreements::direct_sign_status),
        ),
        ("GET", "/v1/customers/{customer_id}/orders", get(orders::list_orders)),
        ("POST", "/v1/customers/{customer_id}/orders", post(orders::create_order)),
        ("GET", "/v1/customers/{customer_id}/orders/{order_id}", get(orders::get_order)),
        ("POST", "/v1/customers/{customer_id}/carts", post(carts::create_cart)),
        ("GET", "/v1/customers/{customer_id}/carts/{cart_id}", get(carts::get_cart)),
        ("PUT", "/v1/customers/{customer_id}/carts/{cart_id}", put(carts::update_cart)),
        ("POST", "/v1/customers/{customer_id}/carts/{cart_id}/checkout", post(carts::check_out_cart)),
        ("POST", "/v1/attestations/enhanced", post(attestations::create_attestation)),
        ("GET", "/v1/attestations/enhanced/{attestation_id}", get(attestations::get_attestation)),
    ];
    routes.extend(documents::download_routes());
    routes
}

/// The query parameters each API route reads (names compared without regard to case), as
/// openapi.yaml documents them (a test holds the two together). Any other parameter a request
/// sends has no effect, as on Partner Center, and the request journal says so.
const QUERY_PARAMETERS: &[(&str, &str, &[&str])] = &[
    ("GET", "/v1/agreements", &["agreementType"]),
    ("GET", "/v1/agreementtemplates/{template_id}/document", &["language", "country"]),
    ("GET", "/v1/customers", &["size", "filter", "seekOperation"]),
    ("GET", "/v1/customers/{customer_id}/agreements", &["agreementType"]),
    ("GET", "/v1/customers/{customer_id}/orders", &["billingType"]),
    (
        "GET",
        "/v1/customers/relationshiprequests",
        &["indirectResellerId", "indirectCloudSolutionProviderId", "dualRoleIndirectRelationship"],
    ),
];

/// The query parameters the route `method route` (in the router's spelling) reads.
pub fn query_parameters(method: &str, route: &str) -> &'static [&'static str] {
    QUERY_PARAMETERS.iter().find(|(m, r, _)| *m == method && *r == route).map_or(&[], |(_, _, names)| names)
}

/// The API's routes behind its pipeline.
pub fn router(state: AppState) -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| router.route(path, handler))
        .route_layer(Around::new(state, |s, r, n| Box::pin(pipeline::api_request(s, r, n))))
}

/// `METHOD /route` (any spelling of the route's placeholders) or an `operationId` of
/// openapi.yaml → the API route it names, as (method, route in the router's spelling). Only API
/// routes can be named: the control plane is never faulted.
pub fn resolve_operation(operation: &str) -> Option<(String, String)> {
    let shape = |path: &str| {
        path.split('/')
            .map(|s| if s.starts_with('{') { "{}".to_string() } else { s.to_ascii_lowercase() })
            .collect::<Vec<_>>()
            .join("/")
    };
    let (method, path) = match operation.split_once(' ') {
        Some((method, path)) => (method.trim().to_ascii_uppercase(), shape(path.trim())),
        None => crate::contract::operation_route(operation).map(|(method, path)| (method, shape(&path)))?,
    };
    routes()
        .into_iter()
        .map(|(m, route, _)| (m, route))
        .find(|(m, route)| *m == method && shape(route) == path)
        .map(|(m, route)| (m.to_string(), route.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract lists a fault rule's `operation` as the enumeration it is: every name in the
    /// list resolves, and every API route has its names in it.
    #[test]
    fn the_contracts_list_of_fault_operations_is_every_api_route() {
        let listed = &crate::contract::document()["components"]["schemas"]["FaultRuleRequest"]["properties"]
            ["operation"]["enum"];
        let names: Vec<&str> = listed.as_array().expect("an enum").iter().filter_map(|v| v.as_str()).collect();
        let resolved: Vec<(String, String)> =
            names.iter().map(|n| resolve_operation(n).unwrap_or_else(|| panic!("{n} resolves to no route"))).collect();
        for (method, route, _) in routes() {
            let by = resolved.iter().filter(|(m, r)| m == method && r == route).count();
            assert_eq!(by, 2, "{method} {route}: by its operationId and by its route");
        }
        assert_eq!(names.len(), 2 * routes().len());
    }

    #[test]
    fn operations_resolve_by_route_or_operation_id() {
        let confirm = Some(("POST".to_string(), "/v1/customers/{customer_id}/agreements".to_string()));
        assert_eq!(resolve_operation("POST /v1/customers/{customer_id}/agreements"), confirm);
        assert_eq!(resolve_operation("post /V1/Customers/{customer-tenant-id}/Agreements"), confirm);
        assert_eq!(resolve_operation("confirmCustomerAcceptance"), confirm);
        assert_eq!(resolve_operation("GET /v1/agreements").map(|(m, _)| m), Some("GET".to_string()));
        assert_eq!(resolve_operation("reset"), None, "the control plane is never faulted");
        assert_eq!(resolve_operation("DELETE /v1/agreements"), None);
        assert_eq!(resolve_operation("noSuchOperation"), None);
    }

    #[test]
    fn the_query_parameters_are_declared_for_routes_that_exist() {
        let routes: Vec<(&str, &str)> = routes().into_iter().map(|(m, r, _)| (m, r)).collect();
        for (method, route, _) in QUERY_PARAMETERS {
            assert!(routes.contains(&(*method, *route)), "{method} {route} is no route");
        }
        assert_eq!(query_parameters("GET", "/v1/customers"), ["size", "filter", "seekOperation"]);
        assert!(query_parameters("POST", "/v1/customers").is_empty());
    }
}
