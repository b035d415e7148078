//! Carts and checkout, today's purchase path (contract §2.10): create, read, change and check out
//! a cart; the Microsoft Customer Agreement gate at checkout; a checked-out cart answers its orders
//! again and changes no more; expiry after 7 days by the emulator clock; `MS-RequestId` on POST and
//! PUT; access by the partner's scope; concurrent checkouts place the orders once.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const ITEM: &str = "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC";
const RESERVATION: &str = "DZH318Z0BQ3Q:0007:DZH318Z0BQ1T";

fn line(catalog_item_id: &str, quantity: i64, order_group: Option<&str>) -> Value {
    json!({"catalogItemId": catalog_item_id, "quantity": quantity, "billingCycle": "monthly", "termDuration": "P1M",
           "currencyCode": "USD", "orderGroup": order_group})
}

/// A token that outlives the clock moves of a test (30 days).
async fn long_token(app: &TestApp, tenant: &str, roles: &[&str], app_only: bool) -> String {
    let body = json!({"partnerTenantId": tenant, "roles": roles, "appOnly": app_only, "expiresInSeconds": 2_592_000});
    app.control_json(Method::POST, "/_emulator/tokens", Some(&body)).await["access_token"].as_str().unwrap().to_string()
}

async fn advance(app: &TestApp, seconds: i64) {
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": seconds}))).await;
}

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.request(Method::PUT, path, Some(token)).json(body).send().await.unwrap()
}

/// A partner with a token, a customer of it and a cart of two order groups.
async fn cart_of_new_customer(app: &TestApp, domain: &str) -> (String, String, Value) {
    let (_, token, customer, cart) = partner_with_cart(app, domain).await;
    (token, customer, cart)
}

/// As `cart_of_new_customer`, with the partner's tenant id first.
async fn partner_with_cart(app: &TestApp, domain: &str) -> (String, String, String, Value) {
    let tenant = app.create_partner("DirectBill", None).await;
    let token = long_token(app, &tenant, &["AdminAgent"], false).await;
    let customer = app.create_customer(&token, domain).await["id"].as_str().unwrap().to_string();
    let body = json!({"lineItems": [line(ITEM, 2, None), line(RESERVATION, 1, Some("reserved")), line(ITEM, 1, None)]});
    let r = app.post(&format!("/v1/customers/{customer}/carts"), &token, &body).await;
    assert_eq!(r.status(), 201);
    (tenant, token, customer, r.json().await.unwrap())
}

#[tokio::test]
async fn a_cart_is_created_read_changed_and_checked_out_into_its_orders() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let (token, customer, cart) = cart_of_new_customer(&app, "cartflow").await;
    let id = cart["id"].as_str().unwrap();
    let path = format!("/v1/customers/{customer}/carts/{id}");
    assert_eq!(cart["status"], "Active");
    assert_eq!(cart["creationTimestamp"], "2026-03-01T12:00:00.000Z");
    assert_eq!(cart["lastModifiedTimestamp"], "2026-03-01T12:00:00.000Z");
    assert_eq!(cart["expirationTimestamp"], "2026-03-08T12:00:00.000Z", "7 days after creation");
    assert!(cart["lastModifiedUser"].as_str().is_some_and(|u| !u.is_empty()));
    assert_eq!(cart["attributes"]["objectType"], "Cart");
    assert_eq!(
        cart["links"]["self"],
        json!({"uri": format!("/customers/{customer}/carts/{id}"), "method": "GET", "headers": []})
    );
    assert_eq!(
        cart["lineItems"][0],
        json!({"id": 0, "catalogItemId": ITEM, "quantity": 2, "billingCycle": "monthly", "termDuration": "P1M",
               "currencyCode": "USD", "orderGroup": "0"})
    );
    assert_eq!(cart["lineItems"][1]["orderGroup"], "reserved");
    assert_eq!(app.get_json(&path, &token).await, cart, "read back as created (any spelling of the id too)");
    assert_eq!(app.get_json(&path.to_uppercase().replace("/V1/CUSTOMERS", "/v1/customers"), &token).await, cart);

    // The .NET SDK sends back the cart it read, changed, in PascalCase with nulls.
    advance(&app, 60).await;
    let changed = json!({
        "Id": id, "CreationTimestamp": "2026-03-01T12:00:00Z", "Status": "Ordered", "Links": null,
        "LineItems": [
            {"Id": 7, "CatalogItemId": ITEM, "Quantity": 3, "BillingCycle": "Monthly", "TermDuration": "P1M",
             "Participants": null, "ProvisioningContext": {"SubscriptionId": "s-1", "Note": null}, "OrderGroup": null,
             "Error": null},
            {"Id": 8, "CatalogItemId": RESERVATION, "Quantity": 1, "BillingCycle": "annual", "TermDuration": "p1y",
             "OrderGroup": "reserved", "Participants": [{"key": "transaction_reseller", "value": "1234567"}]}
        ],
        "Attributes": {"ObjectType": "Cart"}
    });
    let r = put(&app, &path, &token, &changed).await;
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["status"], "Active", "the status is the service's, not the body's");
    assert_eq!(updated["lastModifiedTimestamp"], "2026-03-01T12:01:00.000Z");
    assert_eq!(updated["creationTimestamp"], cart["creationTimestamp"]);
    assert_eq!(updated["expirationTimestamp"], cart["expirationTimestamp"], "a change does not extend the expiry");
    let items = updated["lineItems"].as_array().unwrap();
    assert_eq!(
        (items.len(), &items[0]["id"], &items[0]["quantity"], &items[1]["id"]),
        (2, &json!(0), &json!(3), &json!(1))
    );
    assert_eq!(items[1]["termDuration"], "P1Y");
    assert_eq!(items[1]["participants"], json!([{"key": "transaction_reseller", "value": "1234567"}]));
    assert_eq!(app.get_json(&path, &token).await, updated);

    // The agreement gate, as for orders: the cart stays Active, to be checked out once it is on record.
    let checkout = format!("{path}/checkout");
    let e = assert_error(app.post(&checkout, &token, &json!({})).await, 403, 13605).await;
    assert!(e["description"].as_str().unwrap().starts_with("Either a partner confirmation"), "{e}");
    assert_eq!(app.get_json(&path, &token).await["status"], "Active");
    app.accept_directly(&customer).await;
    let r = app.request(Method::POST, &checkout, Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200, "a checkout needs no body");
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["attributes"]["objectType"], "CartCheckoutResult");
    assert_eq!(result["orderErrors"], json!([]));
    let orders = result["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "one order per order group: {result}");
    // Each order carries what was chosen in the cart: its billing cycle, and each line item's term,
    // friendly name, partner of record (the transaction_reseller participant) and provisioning context.
    assert_eq!(
        orders[0]["lineItems"],
        json!([{"lineItemNumber": 0, "offerId": ITEM, "quantity": 3, "termDuration": "P1M",
                "provisioningContext": {"SubscriptionId": "s-1", "Note": null}}]),
        "a provisioning context is the caller's own dictionary: its keys kept as sent, a null as null"
    );
    assert_eq!(orders[0]["billingCycle"], "monthly");
    assert_eq!(
        orders[1]["lineItems"],
        json!([{"lineItemNumber": 0, "offerId": RESERVATION, "quantity": 1, "termDuration": "P1Y",
                "partnerIdOnRecord": "1234567"}])
    );
    assert_eq!(orders[1]["billingCycle"], "annual");
    assert_eq!(orders[0]["referenceCustomerId"], customer.as_str());
    let cart = app.get_json(&path, &token).await;
    assert_eq!(cart["status"], "Ordered");
    let listed = app.get_json(&format!("/v1/customers/{customer}/orders"), &token).await;
    assert_eq!(listed["items"].as_array().unwrap(), orders, "the orders are the customer's orders");
    let order_id = orders[0]["id"].as_str().unwrap();
    assert_eq!(app.get_json(&format!("/v1/customers/{customer}/orders/{order_id}"), &token).await, orders[0]);

    // Checked out: a checkout again answers the same orders and places none; a change is refused.
    let again = app.post(&checkout, &token, &json!({})).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap(), result);
    assert_eq!(app.get_json(&format!("/v1/customers/{customer}/orders"), &token).await["totalCount"], 2);
    let e = assert_error(put(&app, &path, &token, &changed).await, 409, 990453).await;
    assert!(e["description"].as_str().unwrap().contains("was checked out"), "{e}");
}

#[tokio::test]
async fn what_a_cart_holds_is_checked_and_every_problem_named() {
    let app = TestApp::spawn().await;
    let (token, customer, cart) = cart_of_new_customer(&app, "cartchecks").await;
    let carts = format!("/v1/customers/{customer}/carts");
    let e = assert_error(app.post(&carts, &token, &json!({})).await, 400, 990401).await;
    assert_eq!(e["data"], json!(["lineItems: at least one line item is required"]));
    let bad = json!({"lineItems": [
        {"catalogItemId": "CFQ7TTC0LH18:0001", "quantity": 0, "billingCycle": "annual", "termDuration": "P1M"},
        {"catalogItemId": ITEM, "quantity": 1, "billingCycle": "weekly", "termDuration": "P2Y", "currencyCode": "$"},
        {"quantity": 1}
    ]});
    let e = assert_error(app.post(&carts, &token, &bad).await, 400, 990401).await;
    let data: Vec<&str> = e["data"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    for problem in [
        "lineItems[0].catalogItemId: 'CFQ7TTC0LH18:0001' is not a catalogue item id product:sku:availability",
        "lineItems[0].quantity: must be between 1 and 100000",
        "lineItems[0].billingCycle: annual billing needs a term of at least 12 months, not P1M",
        "lineItems[1].billingCycle: 'weekly' is not a billing cycle",
        "lineItems[1].termDuration: 'P2Y' is not a term",
        "lineItems[1].currencyCode: '$' is not a three-letter ISO 4217 code",
        "lineItems[2].catalogItemId: is required",
        "lineItems[2].billingCycle: is required",
    ] {
        assert!(data.iter().any(|d| d.starts_with(problem)), "{problem} in {data:?}");
    }
    assert_error(app.post(&carts, &token, &json!({"lineItems": "many"})).await, 400, 990401).await;
    let r = app.request(Method::POST, &carts, Some(&token)).header("content-type", "application/json").body("{").send();
    assert_error(r.await.unwrap(), 400, 990400).await;
    // A refused change leaves the cart as it was.
    let path = format!("{carts}/{}", cart["id"].as_str().unwrap());
    assert_error(put(&app, &path, &token, &bad).await, 400, 990401).await;
    assert_eq!(app.get_json(&path, &token).await, cart);
    // Unknown carts and customers, and another partner's customer.
    let unknown = format!("{carts}/00000000-0000-4000-8000-000000000000");
    for r in [
        app.get(&unknown, &token).await,
        put(&app, &unknown, &token, &json!({"lineItems": [line(ITEM, 1, None)]})).await,
        app.post(&format!("{unknown}/checkout"), &token, &json!({})).await,
        app.get(&format!("{carts}/not-a-guid"), &token).await,
    ] {
        assert_error(r, 404, 990450).await;
    }
    let nobody = "/v1/customers/00000000-0000-4000-8000-000000000000/carts";
    assert_error(app.post(nobody, &token, &json!({"lineItems": [line(ITEM, 1, None)]})).await, 404, 60003).await;
    let stranger = app.persona("DirectBill").await;
    assert_error(app.get(&path, &stranger.token).await, 403, 20002).await;
    let theirs = app.create_customer(&stranger.token, "strangers").await["id"].as_str().unwrap().to_string();
    let wrong_customer = format!("/v1/customers/{theirs}/carts/{}", cart["id"].as_str().unwrap());
    assert_error(app.get(&wrong_customer, &stranger.token).await, 404, 990450).await;
    let e = assert_error(app.get(&format!("/v1/customers/{customer}/orders/nope"), &token).await, 404, 990451).await;
    assert!(e["description"].as_str().unwrap().contains("'nope'"), "{e}");
}

#[tokio::test]
async fn carts_follow_the_order_roles_app_only_included() {
    let app = TestApp::spawn().await;
    let (partner_tenant, _, customer, cart) = partner_with_cart(&app, "cartroles").await;
    let carts = format!("/v1/customers/{customer}/carts");
    let path = format!("{carts}/{}", cart["id"].as_str().unwrap());
    let helpdesk = app.mint(&partner_tenant, &["HelpdeskAgent"], false).await;
    let sales = app.mint(&partner_tenant, &["SalesAgent"], false).await;
    let global = app.mint(&partner_tenant, &["GlobalAdmin"], false).await;
    let app_only = app.mint(&partner_tenant, &[], true).await;
    let body = json!({"lineItems": [line(ITEM, 1, None)]});
    assert_error(app.post(&carts, &helpdesk, &body).await, 403, 900150).await;
    assert_error(put(&app, &path, &helpdesk, &body).await, 403, 900150).await;
    assert_error(app.post(&format!("{path}/checkout"), &helpdesk, &json!({})).await, 403, 900150).await;
    assert_eq!(app.get(&path, &helpdesk).await.status(), 200, "reading is for the helpdesk too");
    assert_error(app.get(&path, &global).await, 403, 900150).await;
    // A role refusal comes before the body is read.
    let r = app.request(Method::POST, &carts, Some(&helpdesk)).header("content-type", "application/json").body("{");
    assert_error(r.send().await.unwrap(), 403, 900150).await;
    assert_eq!(app.post(&carts, &sales, &body).await.status(), 201);
    let r = app.post(&carts, &app_only, &body).await;
    assert_eq!(r.status(), 201);
    let by_app: Value = r.json().await.unwrap();
    assert_eq!(put(&app, &format!("{carts}/{}", by_app["id"].as_str().unwrap()), &app_only, &body).await.status(), 200);
}

#[tokio::test]
async fn a_cart_expires_seven_days_after_its_creation_by_the_emulator_clock() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let (token, customer, cart) = cart_of_new_customer(&app, "cartexpiry").await;
    app.accept_directly(&customer).await;
    let path = format!("/v1/customers/{customer}/carts/{}", cart["id"].as_str().unwrap());
    let body = json!({"lineItems": [line(ITEM, 5, None)]});
    advance(&app, 7 * 86_400 - 1).await;
    assert_eq!(put(&app, &path, &token, &body).await.status(), 200, "the last second of its life");
    advance(&app, 1).await;
    let e = assert_error(put(&app, &path, &token, &body).await, 410, 990452).await;
    assert!(e["description"].as_str().unwrap().contains("expired at 2026-03-08T12:00:00.000Z"), "{e}");
    assert_error(app.post(&format!("{path}/checkout"), &token, &json!({})).await, 410, 990452).await;
    let expired = app.get_json(&path, &token).await;
    assert_eq!((expired["status"].as_str(), &expired["lineItems"][0]["quantity"]), (Some("Active"), &json!(5)));
    assert_eq!(app.get_json(&format!("/v1/customers/{customer}/orders"), &token).await["totalCount"], 0);
}

#[tokio::test]
async fn checkouts_and_changes_are_run_once_under_their_request_id() {
    let app = TestApp::spawn().await;
    let (token, customer, cart) = cart_of_new_customer(&app, "cartretries").await;
    let path = format!("/v1/customers/{customer}/carts/{}", cart["id"].as_str().unwrap());
    let send = |method: Method, path: String, body: Value, id: &'static str| {
        app.request(method, &path, Some(&token)).header("MS-RequestId", id).json(&body).send()
    };
    // A PUT is kept and replayed like a POST: the retry changes nothing.
    let body = json!({"lineItems": [line(ITEM, 4, None)]});
    let first = send(Method::PUT, path.clone(), body.clone(), "5c0c0c0c-0000-4000-8000-000000000001").await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    advance(&app, 30).await;
    let retry = send(Method::PUT, path.clone(), body.clone(), "5c0c0c0c-0000-4000-8000-000000000001").await.unwrap();
    assert_eq!((retry.status().as_u16(), retry.headers()["x-pce-replayed"].to_str().unwrap()), (200, "true"));
    assert_eq!(retry.json::<Value>().await.unwrap(), first);
    assert_eq!(app.get_json(&path, &token).await["lastModifiedTimestamp"], first["lastModifiedTimestamp"]);
    let other = json!({"lineItems": [line(ITEM, 9, None)]});
    assert_error(
        send(Method::PUT, path.clone(), other, "5c0c0c0c-0000-4000-8000-000000000001").await.unwrap(),
        409,
        990409,
    )
    .await;
    // A refused checkout is kept too: once the agreement is on record, a new id checks out.
    let checkout = format!("{path}/checkout");
    let refused =
        send(Method::POST, checkout.clone(), json!({}), "5c0c0c0c-0000-4000-8000-000000000002").await.unwrap();
    assert_error(refused, 403, 13605).await;
    app.accept_directly(&customer).await;
    let replayed =
        send(Method::POST, checkout.clone(), json!({}), "5c0c0c0c-0000-4000-8000-000000000002").await.unwrap();
    assert_eq!(replayed.headers()["x-pce-replayed"], "true");
    assert_error(replayed, 403, 13605).await;
    let r = send(Method::POST, checkout.clone(), json!({}), "5c0c0c0c-0000-4000-8000-000000000003").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["orders"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_checkouts_of_one_cart_place_its_orders_once() {
    let app = TestApp::spawn().await;
    let (token, customer, cart) = cart_of_new_customer(&app, "cartburst").await;
    app.accept_directly(&customer).await;
    let checkout = format!("/v1/customers/{customer}/carts/{}/checkout", cart["id"].as_str().unwrap());
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..10 {
        sends.spawn(app.request(Method::POST, &checkout, Some(&token)).json(&json!({})).send());
    }
    let mut answers = Vec::new();
    while let Some(answer) = sends.join_next().await {
        let answer = answer.unwrap().unwrap();
        assert_eq!(answer.status(), 200);
        answers.push(answer.json::<Value>().await.unwrap());
    }
    let orders = app.get_json(&format!("/v1/customers/{customer}/orders"), &token).await;
    assert_eq!(orders["totalCount"], 2, "two order groups, ordered once: {orders}");
    for answer in answers {
        assert_eq!(
            answer["orders"], orders["items"],
            "every checkout answers the orders the one that placed them placed"
        );
    }
}

#[tokio::test]
async fn a_provider_sees_its_resellers_carts_and_no_partner_sees_anothers() {
    let app = TestApp::spawn().await;
    let provider = app.create_partner("IndirectProvider", None).await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider)).await;
    let provider_token = app.mint(&provider, &["AdminAgent"], false).await;
    let reseller_token = app.mint(&reseller, &["AdminAgent"], false).await;
    let mut body = customer_body("shared");
    body["associatedPartnerId"] = json!(reseller);
    let r = app.post("/v1/customers", &provider_token, &body).await;
    let customer = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let carts = format!("/v1/customers/{customer}/carts");
    let items = json!({"lineItems": [line(ITEM, 1, None)]});
    let of_reseller: Value = app.post(&carts, &reseller_token, &items).await.json().await.unwrap();
    let of_provider: Value = app.post(&carts, &provider_token, &items).await.json().await.unwrap();
    let path = |cart: &Value| format!("{carts}/{}", cart["id"].as_str().unwrap());
    assert_eq!(app.get(&path(&of_reseller), &provider_token).await.status(), 200);
    assert_error(app.get(&path(&of_provider), &reseller_token).await, 404, 990450).await;
    assert_error(put(&app, &path(&of_provider), &reseller_token, &items).await, 404, 990450).await;
    // A reset of the reseller takes its carts; the provider's stays.
    let reset = json!({"partnerTenantId": reseller});
    assert_eq!(app.control(Method::POST, "/_emulator/reset", Some(&reset)).await.status(), 200);
    assert_error(app.get(&path(&of_reseller), &provider_token).await, 404, 990450).await;
    assert_eq!(app.get(&path(&of_provider), &provider_token).await.status(), 200);
}

/// Microsoft documents four more choices of a cart's line item, which its order's line item takes
/// too: `promotionId`, `customTermEndDate`, `renewsTo` and `attestationAccepted`. They were read as
/// unknown members and dropped, so a cart that chose them answered 201 without them and its order
/// bought without them. Now they are kept, answered, carried to the order at checkout, and checked;
/// `addOnItems` (add-ons bought with their base item) is refused as not emulated, not dropped.
#[tokio::test]
async fn a_line_items_promotion_term_end_renewal_and_attestation_reach_the_order() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let tenant = app.create_partner("DirectBill", None).await;
    let token = long_token(&app, &tenant, &["AdminAgent"], false).await;
    let customer = app.create_customer(&token, "cartchoices").await["id"].as_str().unwrap().to_string();
    let mut chosen = line(ITEM, 5, None);
    chosen["termDuration"] = json!("P1Y");
    chosen["PromotionId"] = json!(" 39NFJQT1Q5KQ:0001:39NFJQT1Q5KQ-P ");
    chosen["customTermEndDate"] = json!("2027-01-31");
    chosen["billingCycle"] = json!("annual");
    chosen["renewsTo"] = json!({"termDuration": "p3y"});
    chosen["attestationAccepted"] = json!(true);
    chosen["addOnItems"] = json!([]);
    let r = app.post(&format!("/v1/customers/{customer}/carts"), &token, &json!({"lineItems": [chosen]})).await;
    assert_eq!(r.status(), 201);
    let cart: Value = r.json().await.unwrap();
    let item = &cart["lineItems"][0];
    assert_eq!(item["promotionId"], "39NFJQT1Q5KQ:0001:39NFJQT1Q5KQ-P");
    assert_eq!(item["customTermEndDate"], "2027-01-31T00:00:00.000Z");
    assert_eq!(item["renewsTo"], json!({"termDuration": "P3Y"}));
    assert_eq!(item["attestationAccepted"], true);
    assert!(item.get("addOnItems").is_none(), "{item}");
    let path = format!("/v1/customers/{customer}/carts/{}", cart["id"].as_str().unwrap());
    assert_eq!(app.get_json(&path, &token).await, cart, "kept");

    app.accept_directly(&customer).await;
    let result: Value = app.post(&format!("{path}/checkout"), &token, &json!({})).await.json().await.unwrap();
    let ordered = &result["orders"][0]["lineItems"][0];
    for member in ["promotionId", "customTermEndDate", "renewsTo", "attestationAccepted"] {
        assert_eq!(ordered[member], item[member], "{member} reaches the order: {ordered}");
    }

    // An order made directly takes them alike.
    let body = json!({"lineItems": [{"offerId": ITEM, "quantity": 1, "termDuration": "P1M",
                                     "promotionId": "PROMO-1", "renewsTo": {"termDuration": "P1Y"},
                                     "customTermEndDate": "2026-03-31T00:00:00Z", "attestationAccepted": false}]});
    let r = app.post(&format!("/v1/customers/{customer}/orders"), &token, &body).await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    assert_eq!(
        order["lineItems"][0],
        json!({"lineItemNumber": 0, "offerId": ITEM, "quantity": 1, "termDuration": "P1M", "promotionId": "PROMO-1",
               "renewsTo": {"termDuration": "P1Y"}, "customTermEndDate": "2026-03-31T00:00:00.000Z",
               "attestationAccepted": false})
    );

    // What cannot be right is named, and nothing is made.
    let mut bad = line(ITEM, 1, None);
    bad["customTermEndDate"] = json!("end of the month");
    bad["renewsTo"] = json!({"termDuration": "P2Y"});
    bad["promotionId"] = json!("x".repeat(300));
    // the .NET SDK's spelling of addOnItems
    bad["AddonItems"] = json!([{"CatalogItemId": RESERVATION, "Quantity": 1}]);
    let e = assert_error(
        app.post(&format!("/v1/customers/{customer}/carts"), &token, &json!({"lineItems": [bad]})).await,
        400,
        990401,
    )
    .await;
    let data: Vec<&str> = e["data"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for field in ["customTermEndDate", "renewsTo.termDuration", "promotionId", "addOnItems"] {
        assert!(data.iter().any(|p| p.starts_with(&format!("lineItems[0].{field}: "))), "{field}: {data:?}");
    }
    // an end before the purchase or beyond its first term; a renewal the billing cycle does not fit
    let mut outside = line(ITEM, 1, None);
    outside["customTermEndDate"] = json!("2026-02-28");
    let mut beyond = line(ITEM, 1, None);
    beyond["customTermEndDate"] = json!("2026-04-02");
    let mut monthly_renewal = line(ITEM, 1, None);
    monthly_renewal["billingCycle"] = json!("annual");
    monthly_renewal["termDuration"] = json!("P1Y");
    monthly_renewal["renewsTo"] = json!({"termDuration": "P1M"});
    let body = json!({"lineItems": [outside, beyond, monthly_renewal]});
    let e = assert_error(app.post(&format!("/v1/customers/{customer}/carts"), &token, &body).await, 400, 990401).await;
    let data = e["data"].to_string();
    assert!(data.contains("lineItems[0].customTermEndDate: ends the first term: after the purchase (2026-03-01T12:00:00.000Z) and no later than one term after it (2026-04-01T12:00:00.000Z)"), "{data}");
    assert!(data.contains("lineItems[1].customTermEndDate: ends the first term"), "{data}");
    assert!(
        data.contains("lineItems[2].renewsTo.termDuration: annual billing needs a term of at least 12 months"),
        "{data}"
    );
    let renews_nothing = json!({"lineItems": [{"offerId": ITEM, "quantity": 1, "renewsTo": {},
                                               "customTermEndDate": "2026-03-31"}]});
    let e =
        assert_error(app.post(&format!("/v1/customers/{customer}/orders"), &token, &renews_nothing).await, 400, 990401)
            .await;
    let data = e["data"].to_string();
    assert!(data.contains("lineItems[0].renewsTo.termDuration: is required"), "{data}");
    assert!(data.contains("lineItems[0].customTermEndDate: ends the first term"), "{data}");
    let listed = app.get_json(&format!("/v1/customers/{customer}/orders"), &token).await;
    assert_eq!(listed["totalCount"], 2, "the refused order was not placed: {listed}");
}
