//! The published contract matches the router: every route is in openapi.yaml and every
//! operation of openapi.yaml is a route; the server serves the spec and its docs page
//! (`landing_and_docs` covers the page's assets and policy).

use crate::helpers::*;
use reqwest::Method;
use std::collections::BTreeSet;

fn normalize(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}".to_string() } else { s.to_ascii_lowercase() })
        .collect::<Vec<_>>()
        .join("/")
}

fn spec_operations() -> BTreeSet<(String, String)> {
    let spec: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string("openapi.yaml").unwrap()).unwrap();
    assert_eq!(spec["openapi"].as_str().unwrap_or_default().get(..3), Some("3.1"));
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), normalize(path.as_str())));
            }
        }
    }
    ops
}

#[test]
fn every_route_is_in_the_spec_and_every_spec_operation_is_a_route() {
    let routes: BTreeSet<(String, String)> =
        partner_center_emulator::http::route_table().into_iter().map(|(m, p)| (m.to_string(), normalize(p))).collect();
    let spec = spec_operations();
    let missing_from_spec: Vec<_> = routes.difference(&spec).collect();
    let missing_from_router: Vec<_> = spec.difference(&routes).collect();
    assert!(missing_from_spec.is_empty(), "routes the spec lacks: {missing_from_spec:?}");
    assert!(missing_from_router.is_empty(), "spec operations the router lacks: {missing_from_router:?}");
}

/// A parameter of openapi.yaml, its `$ref` followed.
fn resolved<'a>(spec: &'a serde_json::Value, parameter: &'a serde_json::Value) -> &'a serde_json::Value {
    match parameter["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/parameters/")) {
        Some(name) => &spec["components"]["parameters"][name],
        None => parameter,
    }
}

#[test]
fn every_query_parameter_the_spec_documents_is_one_its_route_reads_and_no_other() {
    let spec: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string("openapi.yaml").unwrap()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let path = path.as_str();
        if !path.starts_with("/v1/") {
            continue;
        }
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(operation) = item.get(method) else { continue };
            let documented: BTreeSet<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| resolved(&spec, p))
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_ascii_lowercase())
                .collect();
            let (m, route) =
                partner_center_emulator::http::api::resolve_operation(&format!("{method} {path}")).unwrap();
            let read: BTreeSet<String> = partner_center_emulator::http::api::query_parameters(&m, &route)
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .collect();
            assert_eq!(documented, read, "{method} {path}: documented ⇄ read by the route");
            checked += 1;
        }
    }
    assert!(checked >= 13, "{checked}");
}

#[tokio::test]
async fn the_spec_and_its_docs_page_are_served() {
    let app = TestApp::spawn().await;
    let r = app.control(Method::GET, "/_emulator/openapi.yaml", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/yaml"));
    assert_eq!(r.text().await.unwrap(), std::fs::read_to_string("openapi.yaml").unwrap());
    let r = app.control(Method::GET, "/_emulator/docs", None).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"data-spec-url="/_emulator/openapi.yaml""#), "{page}");
    // scripts from this site only: no CDN
    for src in page.split("<script").skip(1).map(|s| s.split('"').nth(1).unwrap_or_default()) {
        assert!(src.starts_with("/_emulator/docs/assets/"), "script from {src}");
    }
}
