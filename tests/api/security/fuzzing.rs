//! Bodies fuzzed over HTTP: never a 5xx, documented codes only, 201s keep what was sent.

use super::*;

#[derive(Debug, Clone)]
enum Edit {
    Set(Value),
    Remove,
    Null,
    PascalCase,
}

#[derive(Debug, Clone)]
enum FuzzBody {
    Bytes(Vec<u8>),
    Json(Value),
    /// A valid body with edits at (member index, edit).
    Edited(Vec<(usize, Edit)>),
}

fn fuzz_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        proptest::sample::select(INJECTIONS).prop_map(|s| json!(s)),
        Just(json!("2025-01-01T00:00:00Z")),
        Just(json!(MCA_TEMPLATE)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-zA-Z]{1,12}", inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn fuzz_body() -> impl Strategy<Value = FuzzBody> {
    let edit = prop_oneof![
        3 => fuzz_json().prop_map(Edit::Set),
        1 => Just(Edit::Remove),
        1 => Just(Edit::Null),
        1 => Just(Edit::PascalCase),
    ];
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(FuzzBody::Bytes),
        1 => fuzz_json().prop_map(FuzzBody::Json),
        4 => proptest::collection::vec((any::<usize>(), edit), 0..4).prop_map(FuzzBody::Edited),
    ]
}

/// Paths (lists of member names) of every member of `v`, depth first.
fn member_paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            prefix.push(k.clone());
            out.push(prefix.clone());
            member_paths(child, prefix, out);
            prefix.pop();
        }
    }
}

fn apply_edit(body: &mut Value, path: &[String], edit: &Edit) {
    let (last, parents) = path.split_last().unwrap();
    let mut slot = body;
    for p in parents {
        match slot.get_mut(p) {
            Some(next) => slot = next,
            None => return,
        }
    }
    let Some(map) = slot.as_object_mut() else { return };
    match edit {
        Edit::Set(v) => {
            map.insert(last.clone(), v.clone());
        }
        Edit::Remove => {
            map.remove(last);
        }
        Edit::Null => {
            map.insert(last.clone(), Value::Null);
        }
        Edit::PascalCase => {
            if let Some(v) = map.remove(last) {
                let mut chars = last.chars();
                let pascal =
                    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default();
                map.insert(pascal, v);
            }
        }
    }
}

/// Arbitrary bytes, arbitrary JSON and valid bodies with random edits (members replaced by any
/// JSON, removed, nulled, PascalCased) to every `/v1` POST and the control plane's body routes:
/// never a 5xx; every refusal in the error shape with a documented code; every 201 keeps what
/// was sent.
#[test]
fn fuzzed_bodies_get_a_documented_answer_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt.block_on(TestApp::spawn_2023_flow());
    let (persona, customer) = rt.block_on(async {
        let p = app.persona("DirectBill").await;
        let c = app.create_customer(&p.token, &unique("fuzz")).await;
        let id = c["id"].as_str().unwrap().to_string();
        let r = app.confirm(&p.token, &id, &confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
        assert_eq!(r.status(), 201);
        (p, id)
    });
    let routes: Vec<(&str, String, Value, bool)> = vec![
        ("/v1/customers", "/v1/customers".into(), full_customer_body("fuzzdomain"), true),
        (
            "/v1/customers/{id}/agreements",
            format!("/v1/customers/{customer}/agreements"),
            confirmation("Fuzz", "fuzz@contoso.example", "2025-01-01T00:00:00Z"),
            true,
        ),
        (
            "/v1/customers/{id}/orders",
            format!("/v1/customers/{customer}/orders"),
            json!({"referenceCustomerId": customer, "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001", "quantity": 1}]}),
            true,
        ),
        (
            "/_emulator/partners",
            "/_emulator/partners".into(),
            json!({"name": "Fuzz", "partnerType": "IndirectReseller", "indirectProviderId": persona.tenant_id}),
            false,
        ),
        (
            "/_emulator/tokens",
            "/_emulator/tokens".into(),
            json!({"partnerTenantId": persona.tenant_id, "roles": ["AdminAgent"], "expiresInSeconds": 60}),
            false,
        ),
        (
            "/_emulator/customers/{id}/direct-acceptance",
            format!("/_emulator/customers/{customer}/direct-acceptance"),
            json!({"firstName": "Fuzz", "lastName": "Lee", "email": "f@contoso.example", "dateAgreed": "2025-01-01T00:00:00Z"}),
            false,
        ),
    ];
    // Partner Center's and the emulator's documented 400/409 codes a body can cause.
    let documented: BTreeSet<u64> =
        [990400, 990401, 990410, 990411, 990412, 990413, 600002, 600061, 990422, 990423, 990425, 990430]
            .into_iter()
            .collect();
    let content_types = ["application/json", "application/json; charset=utf-8", "application/vnd.pce+json"];
    let config = ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (0..routes.len(), fuzz_body(), 0..content_types.len());
    let result = runner.run(&strategy, |(route, body, content_type)| {
        let (name, path, valid, v1) = &routes[route];
        let bytes = match &body {
            FuzzBody::Bytes(b) => b.clone(),
            FuzzBody::Json(v) => serde_json::to_vec(v).unwrap(),
            FuzzBody::Edited(edits) => {
                let mut v = valid.clone();
                if *name == "/v1/customers" {
                    v["companyProfile"]["domain"] = json!(unique("fz"));
                }
                for (at, edit) in edits {
                    let mut paths = Vec::new();
                    member_paths(&v, &mut Vec::new(), &mut paths);
                    if !paths.is_empty() {
                        apply_edit(&mut v, &paths[at % paths.len()], edit);
                    }
                }
                serde_json::to_vec(&v).unwrap()
            }
        };
        rt.block_on(async {
            let mut request = app.request(Method::POST, path, if *v1 { Some(persona.token.as_str()) } else { None });
            request = request.header("content-type", content_types[content_type]).body(bytes.clone());
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let content = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
            let text = r.text().await.unwrap();
            let what = format!("POST {name} with {}: {status} {text}", String::from_utf8_lossy(&bytes));
            prop_assert!(status < 500, "{}", what);
            prop_assert_eq!(content.as_deref(), Some("application/json; charset=utf-8"), "{}", what);
            let answer: Value = serde_json::from_str(&text).unwrap();
            let sent: Option<Value> = serde_json::from_slice(&bytes).ok();
            if status >= 400 {
                prop_assert!(matches!(status, 400 | 404 | 409), "{}", what);
                let code = answer["code"].as_u64().unwrap_or_default();
                prop_assert!(documented.contains(&code), "undocumented code: {}", what);
                prop_assert!(answer["description"].as_str().is_some_and(|d| !d.is_empty()), "{}", what);
                prop_assert!(answer["data"].is_array(), "{}", what);
                if code == 990401 {
                    prop_assert!(!answer["data"].as_array().unwrap().is_empty(), "{}", what);
                }
                if !sent.as_ref().is_some_and(Value::is_object) {
                    prop_assert_eq!(code, 990400, "{}", what);
                }
            } else {
                prop_assert!(status == 200 || status == 201, "{}", what);
                let sent = sent.unwrap();
                let sent = partner_center_emulator::http::edge::extract::normalize_keys(sent)
                    .expect("a body taken gives each member once");
                match *name {
                    "/v1/customers/{id}/agreements" | "/_emulator/customers/{id}/direct-acceptance" => {
                        let contact =
                            if *name == "/v1/customers/{id}/agreements" { &sent["primaryContact"] } else { &sent };
                        for field in ["firstName", "lastName", "email"] {
                            let given = contact[field].as_str().map(str::trim);
                            prop_assert_eq!(answer["primaryContact"][field].as_str(), given, "{}", what);
                        }
                    }
                    "/v1/customers" => {
                        for field in CUSTOMER_TEXT_FIELDS.iter().filter(|f| f.starts_with("/billingProfile")) {
                            prop_assert_eq!(answer.pointer(field), sent.pointer(field), "{}: {}", field, what);
                        }
                    }
                    "/v1/customers/{id}/orders" => {
                        let items = sent["lineItems"].as_array().unwrap();
                        prop_assert_eq!(answer["lineItems"].as_array().unwrap().len(), items.len(), "{}", what);
                    }
                    "/_emulator/partners" => {
                        prop_assert_eq!(answer["name"].as_str(), sent["name"].as_str().map(str::trim), "{}", what)
                    }
                    _ => {}
                }
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // the wrong content type and no content type are 415 whatever the body
    rt.block_on(async {
        for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
            let mut r = app.request(Method::POST, "/v1/customers", Some(&persona.token)).body("{}");
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            assert_error(r.send().await.unwrap(), 415, 990402).await;
        }
    });
    drop(app);
}
