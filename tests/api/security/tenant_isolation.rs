//! Tenant isolation, probed at random (proptest): a model of who may see what, against random partners and ids.

use super::*;

struct ModelPartner {
    tenant_id: String,
    token: String,
    reseller: bool,
    provider: Option<usize>,
}

struct ModelCustomer {
    id: String,
    commerce_id: String,
    domain: String,
    company: String,
    /// Partners with a relationship (creator, associated reseller).
    related: BTreeSet<usize>,
    /// First names of the confirmations on record.
    contacts: Vec<String>,
    /// (order id, placing partner).
    orders: Vec<(String, usize)>,
}

struct World {
    partners: Vec<ModelPartner>,
    customers: Vec<ModelCustomer>,
    next: usize,
}

impl World {
    /// README: a partner reaches a customer it has a relationship with; an indirect provider
    /// also reaches the customers of its own resellers.
    fn serves(&self, caller: usize, c: &ModelCustomer) -> bool {
        c.related.iter().any(|&p| p == caller || self.partners[p].provider == Some(caller))
    }

    /// A partner sees the orders it placed, and an indirect provider those of its own resellers.
    fn order_visible(&self, caller: usize, c: &ModelCustomer, placed_by: usize) -> bool {
        placed_by == caller || (c.related.contains(&placed_by) && self.partners[placed_by].provider == Some(caller))
    }

    /// Text that must never reach `caller`: everything of customers it does not serve, and the
    /// orders of served customers it may not see. `except` is the id the caller sent itself.
    fn forbidden_markers(&self, caller: usize, except: &str) -> Vec<String> {
        let mut markers = Vec::new();
        for c in &self.customers {
            if self.serves(caller, c) {
                for (order, by) in &c.orders {
                    if !self.order_visible(caller, c, *by) {
                        markers.push(order.clone());
                    }
                }
            } else {
                markers.extend([c.commerce_id.clone(), c.domain.clone(), c.company.clone()]);
                if !except.eq_ignore_ascii_case(&c.id) && !except.to_lowercase().contains(&c.id) {
                    markers.push(c.id.clone());
                }
                markers.extend(c.contacts.iter().cloned());
                markers.extend(c.orders.iter().map(|(o, _)| o.clone()));
            }
        }
        markers
    }
}

#[derive(Debug, Clone)]
enum Target {
    Customer(usize),
    UpperCase(usize),
    Braced(usize),
    CommerceId(usize),
    PartnerId(usize),
    RandomGuid(u128),
    RandomText(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Unknown,
    Foreign,
    Served(usize),
}

fn target_strategy(customers: usize, partners: usize) -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => (0..customers).prop_map(Target::Customer),
        1 => (0..customers).prop_map(Target::UpperCase),
        1 => (0..customers).prop_map(Target::Braced),
        1 => (0..customers).prop_map(Target::CommerceId),
        1 => (0..partners).prop_map(Target::PartnerId),
        1 => any::<u128>().prop_map(Target::RandomGuid),
        1 => "[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,39}"
            .prop_filter("another route", |s| !s.eq_ignore_ascii_case("relationshiprequests"))
            .prop_map(Target::RandomText),
    ]
}

async fn build_world(app: &TestApp) -> World {
    // 0 A (direct), 1 B (direct), 2 P (provider), 3 R (P's reseller), 4 P2 (provider), 5 R2 (P2's reseller)
    let mut partners: Vec<ModelPartner> = Vec::new();
    for (kind, provider) in [
        ("DirectBill", None),
        ("DirectBill", None),
        ("IndirectProvider", None),
        ("IndirectReseller", Some(2usize)),
        ("IndirectProvider", None),
        ("IndirectReseller", Some(4usize)),
    ] {
        let provider_tenant: Option<String> = provider.map(|i: usize| partners[i].tenant_id.clone());
        let tenant_id = app.create_partner(kind, provider_tenant.as_deref()).await;
        let token = app.mint(&tenant_id, &["AdminAgent"], false).await;
        partners.push(ModelPartner { tenant_id, token, reseller: provider.is_some(), provider });
    }
    // (creator, associated reseller, confirming partner)
    let plan: [(usize, Option<usize>, usize); 8] = [
        (0, None, 0),
        (0, None, 0),
        (1, None, 1),
        (2, None, 2),
        (2, Some(3), 2),
        (3, None, 2),
        (4, Some(5), 4),
        (5, None, 4),
    ];
    let mut world = World { partners, customers: Vec::new(), next: 0 };
    for (n, (creator, associated, confirmer)) in plan.into_iter().enumerate() {
        let domain = format!("iso{n}x{}", uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap());
        let company = format!("IsoCompany{n}Q{}", uuid::Uuid::new_v4().simple());
        let mut body = customer_body(&domain);
        body["billingProfile"]["companyName"] = json!(company);
        if let Some(r) = associated {
            body["associatedPartnerId"] = json!(world.partners[r].tenant_id);
        }
        let r = app.post("/v1/customers", &world.partners[creator].token, &body).await;
        assert_eq!(r.status(), 201, "create customer {n}");
        let c: Value = r.json().await.unwrap();
        let mut related = BTreeSet::from([creator]);
        related.extend(associated);
        world.customers.push(ModelCustomer {
            id: c["id"].as_str().unwrap().to_string(),
            commerce_id: c["commerceId"].as_str().unwrap().to_string(),
            domain: c["companyProfile"]["domain"].as_str().unwrap().to_string(),
            company,
            related,
            contacts: Vec::new(),
            orders: Vec::new(),
        });
        let first = world.fresh_name();
        let id = world.customers[n].id.clone();
        let r = app
            .confirm(
                &world.partners[confirmer].token,
                &id,
                &confirmation(&first, "c@contoso.example", "2025-01-01T00:00:00Z"),
            )
            .await;
        assert_eq!(r.status(), 201, "confirm customer {n}");
        world.customers[n].contacts.push(first);
        // every partner that serves the customer orders once
        for p in 0..world.partners.len() {
            if world.serves(p, &world.customers[n]) {
                let r = app.order(&world.partners[p].token, &id).await;
                assert_eq!(r.status(), 201, "order for customer {n} by partner {p}");
                let order: Value = r.json().await.unwrap();
                world.customers[n].orders.push((order["id"].as_str().unwrap().to_string(), p));
            }
        }
    }
    world
}

impl World {
    fn fresh_name(&mut self) -> String {
        self.next += 1;
        format!("Probe{}N{}", self.next, uuid::Uuid::new_v4().simple())
    }

    fn resolve(&self, caller: usize, target: &Target) -> (String, Expect) {
        let judge =
            |i: usize| if self.serves(caller, &self.customers[i]) { Expect::Served(i) } else { Expect::Foreign };
        match target {
            Target::Customer(i) => (self.customers[*i].id.clone(), judge(*i)),
            Target::UpperCase(i) => (self.customers[*i].id.to_uppercase(), judge(*i)),
            Target::Braced(i) => (format!("{{{}}}", self.customers[*i].id.to_uppercase()), judge(*i)),
            Target::CommerceId(i) => (self.customers[*i].commerce_id.clone(), Expect::Unknown),
            Target::PartnerId(p) => (self.partners[*p].tenant_id.clone(), Expect::Unknown),
            Target::RandomGuid(n) => (uuid::Uuid::from_u128(*n).to_string(), Expect::Unknown),
            Target::RandomText(s) => (s.clone(), Expect::Unknown),
        }
    }
}

/// One probe: `caller` on every customer-scoped route with `target`, then its customer list.
async fn probe(app: &TestApp, world: &RefCell<World>, caller: usize, target: &Target) -> Result<(), TestCaseError> {
    let (raw_id, expect) = world.borrow().resolve(caller, target);
    let token = world.borrow().partners[caller].token.clone();
    let reseller = world.borrow().partners[caller].reseller;
    let contact = world.borrow_mut().fresh_name();
    let routes: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "", None),
        (Method::GET, "/agreements?agreementType=*", None),
        (Method::GET, "/directSignedMicrosoftCustomerAgreementStatus", None),
        (Method::GET, "/orders", None),
        (Method::POST, "/agreements", Some(confirmation(&contact, "probe@contoso.example", "2025-06-01T00:00:00Z"))),
        (
            Method::POST,
            "/orders",
            Some(
                json!({"lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]}),
            ),
        ),
    ];
    for (method, suffix, body) in routes {
        let path = format!("/v1/customers/{raw_id}{suffix}");
        let mut request = app.request(method.clone(), &path, Some(&token));
        if let Some(b) = &body {
            request = request.json(b);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let what = format!("partner {caller} {method} {path} ({target:?}, expected {expect:?}): {status} {text}");
        for marker in world.borrow().forbidden_markers(caller, &raw_id) {
            prop_assert!(!text.contains(&marker), "leaked {marker}: {what}");
        }
        let body_json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let confirming = method == Method::POST && suffix == "/agreements";
        match expect {
            _ if confirming && reseller => {
                prop_assert_eq!(status, 403, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(990421), "{}", what);
            }
            Expect::Unknown => {
                prop_assert_eq!(status, 404, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(60003), "{}", what);
            }
            Expect::Foreign => {
                prop_assert_eq!(status, 403, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(20002), "{}", what);
            }
            Expect::Served(i) => {
                let mut w = world.borrow_mut();
                let id = w.customers[i].id.clone();
                match (method.as_str(), suffix) {
                    ("GET", "") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        prop_assert_eq!(&body_json["id"], &json!(id), "{}", what);
                        prop_assert_eq!(&body_json["commerceId"], &json!(w.customers[i].commerce_id), "{}", what);
                    }
                    ("GET", "/agreements?agreementType=*") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        let names: BTreeSet<String> = body_json["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|a| a["primaryContact"]["firstName"].as_str().unwrap().to_string())
                            .collect();
                        prop_assert_eq!(
                            names,
                            w.customers[i].contacts.iter().cloned().collect::<BTreeSet<_>>(),
                            "{}",
                            what
                        );
                    }
                    ("GET", "/directSignedMicrosoftCustomerAgreementStatus") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        prop_assert_eq!(&body_json, &json!({"isSigned": false}), "{}", what);
                    }
                    ("GET", "/orders") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        let seen: BTreeSet<String> = body_json["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|o| o["id"].as_str().unwrap().to_string())
                            .collect();
                        let c = &w.customers[i];
                        let visible: BTreeSet<String> = c
                            .orders
                            .iter()
                            .filter(|(_, by)| w.order_visible(caller, c, *by))
                            .map(|(o, _)| o.clone())
                            .collect();
                        prop_assert_eq!(seen, visible, "{}", what);
                    }
                    ("POST", "/agreements") => {
                        prop_assert_eq!(status, 201, "{}", what);
                        w.customers[i].contacts.push(contact.clone());
                    }
                    ("POST", "/orders") => {
                        prop_assert_eq!(status, 201, "{}", what);
                        prop_assert_eq!(&body_json["referenceCustomerId"], &json!(id), "{}", what);
                        w.customers[i].orders.push((body_json["id"].as_str().unwrap().to_string(), caller));
                    }
                    _ => unreachable!(),
                }
            }
        }
    }
    // the list holds exactly the customers the model says the caller serves
    let list: Value = app.get_json("/v1/customers", &token).await;
    let listed: BTreeSet<String> =
        list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    let w = world.borrow();
    let expected: BTreeSet<String> = w.customers.iter().filter(|c| w.serves(caller, c)).map(|c| c.id.clone()).collect();
    prop_assert_eq!(&listed, &expected, "customer list of partner {}", caller);
    let text = list.to_string();
    for marker in w.forbidden_markers(caller, "") {
        prop_assert!(!text.contains(&marker), "partner {} list leaked {}", caller, marker);
    }
    Ok(())
}

/// Random partners probing random ids (other partners' real ids, their case and brace
/// variants, commerce ids, partner ids, random GUIDs and random text) on every customer-scoped
/// route: 404/60003 for an unknown id, 403/20002 for another partner's customer (990421 when a
/// reseller attests), and a served customer's data exactly as the model says, never more.
#[test]
fn random_partners_with_random_ids_never_reach_another_partners_data() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt.block_on(TestApp::spawn_2023_flow());
    let world = RefCell::new(rt.block_on(build_world(&app)));
    let (partners, customers) = (world.borrow().partners.len(), world.borrow().customers.len());
    let config = ProptestConfig {
        cases: cases(128),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(0..partners, target_strategy(customers, partners)), |(caller, target)| {
        rt.block_on(probe(&app, &world, caller, &target))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    drop(app);
}
