//! The published contract, `openapi.yaml`, compiled into the binary: served as is by the control
//! plane, rendered by the API reference page, and read for the `operationId` of each route (fault
//! rules may name an operation by it).

use serde_json::Value;
use std::sync::OnceLock;

pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// The contract, parsed once.
pub fn document() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_saphyr::from_str(OPENAPI_YAML).unwrap_or(Value::Null))
}

/// The method (upper case) and path of the operation with this `operationId` (any case).
pub fn operation_route(operation_id: &str) -> Option<(String, String)> {
    document()["paths"].as_object()?.iter().find_map(|(path, item)| {
        METHODS.iter().find_map(|method| {
            let id = item.get(*method)?.get("operationId")?.as_str()?;
            id.eq_ignore_ascii_case(operation_id).then(|| (method.to_ascii_uppercase(), path.clone()))
        })
    })
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// What `openapi.yaml` documents a route to read: its query parameters and whether it takes a body.
struct Reads {
    query: Vec<String>,
    body: bool,
}

/// What each documented route reads, keyed by upper-case method and route shape.
fn reads(method: &str, route: &str) -> Option<&'static Reads> {
    static TABLE: OnceLock<std::collections::HashMap<(String, String), Reads>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let document = document();
        let mut table = std::collections::HashMap::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                let Some(operation) = item.get(method) else { continue };
                let parameters = item["parameters"].as_array().into_iter().flatten();
                let query = parameters
                    .chain(operation["parameters"].as_array().into_iter().flatten())
                    .map(|p| resolve(document, p))
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect();
                let body = operation.get("requestBody").is_some();
                table.insert((method.to_ascii_uppercase(), route_shape(path)), Reads { query, body });
            }
        }
        table
    });
    table.get(&(method.to_string(), route_shape(route)))
}

/// The query parameters `openapi.yaml` documents for `method route` (upper-case method; the
/// route's placeholders in any spelling), or `None` for a route it does not document. The control
/// plane reads no others: it refuses them (a misspelt scope would otherwise widen a change to the
/// whole emulator).
pub fn documented_query_parameters(method: &str, route: &str) -> Option<&'static [String]> {
    reads(method, route).map(|r| r.query.as_slice())
}

/// Whether `openapi.yaml` documents a request body for `method route`, or `None` for a route it
/// does not document. The control plane refuses a body on a route that reads none (it would be
/// dropped unsaid).
pub fn documents_a_body(method: &str, route: &str) -> Option<bool> {
    reads(method, route).map(|r| r.body)
}

/// A parameter as written, or the one its `$ref` names.
fn resolve<'a>(document: &'a Value, parameter: &'a Value) -> &'a Value {
    match parameter["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/parameters/")) {
        Some(name) => &document["components"]["parameters"][name],
        None => parameter,
    }
}

/// `/a/{id}/b` and `/a/{customer_id}/b` alike: `/a/{}/b`.
fn route_shape(route: &str) -> String {
    route.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routes_documented_query_parameters_are_found_in_either_spelling_of_its_placeholders() {
        assert_eq!(documented_query_parameters("POST", "/_emulator/reset").unwrap(), ["partnerTenantId"]);
        let by_router = documented_query_parameters("GET", "/v1/customers/{customer_id}/agreements").unwrap();
        assert_eq!(by_router, ["agreementType"]);
        assert!(documented_query_parameters("GET", "/_emulator/no-such-route").is_none());
    }

    #[test]
    fn whether_a_route_takes_a_body_is_what_the_contract_says() {
        assert_eq!(documents_a_body("POST", "/v1/customers/{customer_id}/agreements"), Some(true));
        assert_eq!(documents_a_body("POST", "/_emulator/attestations/{attestation_id}/accept"), Some(true));
        assert_eq!(documents_a_body("POST", "/_emulator/partners/{t}/users/{u}/sign-in-links"), Some(false));
        assert_eq!(documents_a_body("DELETE", "/_emulator/outbox"), Some(false));
        assert_eq!(documents_a_body("POST", "/_emulator/no-such-route"), None);
    }
}
