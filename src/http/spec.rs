//! The published contract: `openapi.yaml` compiled into the binary, served as is, and a docs
//! page rendered from it on the server (no CDN, no script).

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;
use std::sync::OnceLock;

pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

pub async fn openapi_yaml() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], OPENAPI_YAML).into_response()
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_yaml::from_str(OPENAPI_YAML).unwrap_or(Value::Null))
}

/// The method (upper case) and path of the operation with this `operationId` (any case).
pub fn operation_route(operation_id: &str) -> Option<(String, String)> {
    spec()["paths"].as_object()?.iter().find_map(|(path, item)| {
        METHODS.iter().find_map(|method| {
            let id = item.get(*method)?.get("operationId")?.as_str()?;
            id.eq_ignore_ascii_case(operation_id).then(|| (method.to_ascii_uppercase(), path.clone()))
        })
    })
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn operation(path: &str, method: &str, op: &Value) -> Markup {
    let anchor = format!("{method}-{}", path.replace(['/', '{', '}'], "-"));
    html! {
        section.op id=(anchor) {
            h3 { span class={ "m " (method) } { (method.to_uppercase()) } " " code { (path) } }
            @if let Some(summary) = op["summary"].as_str() { p { strong { (summary) } } }
            @if let Some(description) = op["description"].as_str() { pre.desc { (description) } }
            @if let Some(params) = op["parameters"].as_array() {
                @let named: Vec<&Value> = params.iter().filter(|p| p.get("name").is_some()).collect();
                @if !named.is_empty() {
                    h4 { "Parameters" }
                    ul { @for p in named { li { code { (text(&p["name"])) } " (" (text(&p["in"])) ") " (text(&p["description"])) } } }
                }
            }
            @if let Some(responses) = op["responses"].as_object() {
                h4 { "Responses" }
                ul { @for (status, r) in responses { li { code { (status) } " " (text(&r["description"])) } } }
            }
        }
    }
}

pub async fn docs() -> Html<String> {
    let spec = spec();
    let info = &spec["info"];
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (text(&info["title"])) " — API reference" }
                style { (PreEscaped("body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.45}\
                    .op{border-top:1px solid #ccc;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}\
                    .get{color:#0b6e0b}.post{color:#0f6cbd}.put{color:#8a5a00}.delete{color:#c50f1f}\
                    pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}code{overflow-wrap:anywhere}")) }
            }
            body {
                h1 { (text(&info["title"])) " " small { (text(&info["version"])) } }
                p { a href="/_emulator/openapi.yaml" { "Download openapi.yaml" } }
                nav aria-label="Operations" {
                    ul {
                        @for (path, item) in &paths {
                            @for m in METHODS {
                                @if item.get(m).is_some() {
                                    li { a href={ "#" (m) "-" (path.replace(['/', '{', '}'], "-")) } { (m.to_uppercase()) " " (path) } }
                                }
                            }
                        }
                    }
                }
                @if let Some(d) = info["description"].as_str() { details { summary { "About this API" } pre { (d) } } }
                main {
                    @for (path, item) in &paths {
                        @for m in METHODS {
                            @if let Some(op) = item.get(m) { (operation(path, m, op)) }
                        }
                    }
                }
            }
        }
    };
    Html(page.into_string())
}
