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
