//! Customer search, `GET /v1/customers?filter=` (contract §2.6): the four fields, `starts_with`
//! without regard to case, paging with tokens bound to their search, the partner's scope, a 400
//! that names what is wrong with a filter, and the requests the SDKs send, byte for byte.

use crate::helpers::*;
use crate::sdk_shapes::follow_link;
use reqwest::Method;
use serde_json::{json, Value};

/// A customer with this company name; its id.
pub(crate) async fn customer_named(app: &TestApp, token: &str, domain: &str, company_name: &str) -> String {
    let mut body = customer_body(domain);
    body["companyProfile"]["companyName"] = json!(company_name);
    let r = app.post("/v1/customers", token, &body).await;
    assert_eq!(r.status(), 201, "create {domain}");
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// `/v1/customers?…filter=…` for a filter of `field` starting with `value`.
fn search(field: &str, value: &str, size: Option<u32>) -> String {
    let filter = json!({"Field": field, "Value": value, "Operator": "starts_with"}).to_string();
    let mut query = Vec::new();
    if let Some(size) = size {
        query.push(("size", size.to_string()));
    }
    query.push(("filter", filter));
    format!("/v1/customers?{}", serde_urlencoded::to_string(query).unwrap())
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["companyProfile"]["companyName"].as_str().unwrap().into())
        .collect()
}

#[tokio::test]
async fn a_search_finds_the_customers_whose_field_starts_with_the_value_in_any_case() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    customer_named(&app, &p.token, "contosoeu", "Contoso Europe").await;
    customer_named(&app, &p.token, "fabrikam", "Fabrikam").await;
    customer_named(&app, &p.token, "contosous", "CONTOSO US").await;
    customer_named(&app, &p.token, "ecole", "École 100% Cloud").await;
    customer_named(&app, &p.token, "ecole2", "École 1000 Cloud").await;
    customer_named(&app, &p.token, "under", "Under_score").await;
    customer_named(&app, &p.token, "underx", "Underxscore").await;
    customer_named(&app, &other.token, "contosoother", "Contoso of another partner").await;

    let found = app.get_json(&search("CompanyName", "cont", None), &p.token).await;
    assert_eq!(names(&found), ["Contoso Europe", "CONTOSO US"], "in creation order, the other partner's left out");
    assert_eq!(found["totalCount"], 2);
    assert_eq!(names(&app.get_json(&search("companyname", "CONTOSO u", None), &p.token).await), ["CONTOSO US"]);
    // Unicode letters fold too; % and _ are letters of the name, not wildcards.
    assert_eq!(names(&app.get_json(&search("CompanyName", "école 100%", None), &p.token).await), ["École 100% Cloud"]);
    assert_eq!(names(&app.get_json(&search("CompanyName", "under_", None), &p.token).await), ["Under_score"]);
    assert_eq!(
        names(&app.get_json(&search("Domain", "Contoso", None), &p.token).await),
        ["Contoso Europe", "CONTOSO US"]
    );
    assert_eq!(names(&app.get_json(&search("Domain", "contosous.onmicrosoft", None), &p.token).await), ["CONTOSO US"]);
    let none = app.get_json(&search("CompanyName", "Northwind", None), &p.token).await;
    assert_eq!((none["totalCount"].as_u64(), none["items"].as_array().map(Vec::len)), (Some(0), Some(0)));
    // The whole list is still the whole list.
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 7);
}

#[tokio::test]
async fn the_sdks_simple_query_sends_size_0_and_gets_the_search_in_one_answer() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    customer_named(&app, &p.token, "contoso", "Contoso").await;
    customer_named(&app, &p.token, "fabrikam", "Fabrikam").await;
    customer_named(&app, &p.token, "contoso2", "Contoso Two").await;
    // The Java SDK's query(buildSimpleQuery(new SimpleFieldFilter("CompanyName", "starts_with", "cont"))), as sent.
    let path = "/v1/customers?size=0&filter=%7B%22Field%22%3A%22CompanyName%22%2C%22Value%22%3A%22cont%22%2C%22Operator%22%3A%22starts_with%22%7D";
    let r = app
        .request(Method::GET, path, Some(&p.token))
        .header("MS-Contract-Version", "v1")
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let found: Value = r.json().await.unwrap();
    assert_eq!(names(&found), ["Contoso", "Contoso Two"]);
    assert!(found.get("continuationToken").is_none(), "size=0: no page size, every match at once");
    assert_eq!(
        found["links"]["self"]["uri"],
        "/customers?filter=%7B%22Field%22%3A%22CompanyName%22%2C%22Value%22%3A%22cont%22%2C%22Operator%22%3A%22starts_with%22%7D"
    );
    assert_eq!(
        follow_link(&app, &found["links"]["self"], &p.token).send().await.unwrap().json::<Value>().await.unwrap(),
        found
    );
}

#[tokio::test]
async fn a_search_pages_with_tokens_bound_to_it() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for (domain, name) in
        [("c1", "Contoso 1"), ("f1", "Fabrikam"), ("c2", "Contoso 2"), ("c3", "contoso 3"), ("c4", "Contoso 4")]
    {
        customer_named(&app, &p.token, domain, name).await;
    }
    // The Java enumerator: the first page, then links.next joined to /v1/ (a doubled slash) with its headers.
    let mut page = app.get_json(&search("CompanyName", "contoso", Some(2)), &p.token).await;
    let mut seen = names(&page);
    let next = page["links"]["next"].clone();
    assert_eq!(page["links"]["self"]["uri"], next["uri"]);
    assert!(next["uri"].as_str().unwrap().starts_with("/customers?size=2&filter=%7B%22Field%22"), "{next}");
    while page["links"].get("next").is_some() {
        let r = follow_link(&app, &page["links"]["next"], &p.token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        page = r.json().await.unwrap();
        seen.extend(names(&page));
    }
    assert_eq!(seen, ["Contoso 1", "Contoso 2", "contoso 3", "Contoso 4"]);

    let first = app.get_json(&search("CompanyName", "contoso", Some(2)), &p.token).await;
    let token = first["continuationToken"].as_str().unwrap();
    let with_token =
        |path: String| app.request(Method::GET, &path, Some(&p.token)).header("MS-ContinuationToken", token).send();
    // The .NET and Java seek queries: seekOperation=Next with the token, no filter: the token carries it.
    for path in ["/v1/customers?seekOperation=Next", "/v1/customers?seekoperation=next", "/v1/customers"] {
        let r = with_token(path.into()).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let page: Value = r.json().await.unwrap();
        assert_eq!(names(&page), ["contoso 3", "Contoso 4"], "{path}");
        assert!(page["links"]["self"]["uri"].as_str().unwrap().contains("filter="), "the links carry the search");
    }
    // The same search in other letters goes on; another search, or none, is refused.
    assert_eq!(
        names(&with_token(search("companyName", "CONTOSO", Some(2))).await.unwrap().json().await.unwrap()).len(),
        2
    );
    for other in [search("CompanyName", "fab", Some(2)), search("Domain", "contoso", Some(2))] {
        let e = assert_error(with_token(other).await.unwrap(), 400, 990437).await;
        assert!(e["data"][0].as_str().unwrap().contains("another search"), "{e}");
    }
    let whole_list =
        app.get_json("/v1/customers?size=2", &p.token).await["continuationToken"].as_str().unwrap().to_string();
    let r = app
        .request(Method::GET, &search("CompanyName", "contoso", Some(2)), Some(&p.token))
        .header("MS-ContinuationToken", whole_list)
        .send()
        .await
        .unwrap();
    assert_error(r, 400, 990437).await;
    // seekOperation needs a token, and only goes forward.
    let e = assert_error(app.get("/v1/customers?seekOperation=Next", &p.token).await, 400, 990406).await;
    assert!(e["data"][0].as_str().unwrap().contains("MS-ContinuationToken"), "{e}");
    let e = assert_error(with_token("/v1/customers?seekOperation=Previous".into()).await.unwrap(), 400, 990406).await;
    assert!(e["data"][0].as_str().unwrap().contains("'Previous' is not supported"), "{e}");
}

#[tokio::test]
async fn a_filter_that_cannot_be_searched_is_refused_with_its_problem_named() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    customer_named(&app, &p.token, "contoso", "Contoso").await;
    let encoded =
        |filter: &str| format!("/v1/customers?{}", serde_urlencoded::to_string([("filter", filter)]).unwrap());
    let cases = [
        ("", "filter: is empty"),
        ("CompanyName eq 'Contoso'", "is not a JSON object"),
        (r#"{"Field":"Name","Value":"c","Operator":"starts_with"}"#, "filter.Field: 'Name' is not a field"),
        (
            r#"{"Field":"CompanyName","Value":"c","Operator":"contains"}"#,
            "filter.Operator: 'contains' is not supported",
        ),
        (r#"{"Field":"CompanyName","Value":"c"}"#, "filter.Operator: is required"),
        (r#"{"Field":"CompanyName","Value":"","Operator":"starts_with"}"#, "filter.Value: must not be empty"),
        (r#"{"Filters":[{"Field":"CompanyName","Value":"c","Operator":"starts_with"}],"Operator":"and"}"#, "'Filters'"),
    ];
    for (filter, problem) in cases {
        let e = assert_error(app.get(&encoded(filter), &p.token).await, 400, 990406).await;
        assert!(e["data"][0].as_str().unwrap().contains(problem), "{filter}: {e}");
    }
    // Every problem of a filter at once.
    let e =
        assert_error(app.get(&encoded(r#"{"Field":"Name","Operator":"equals"}"#), &p.token).await, 400, 990406).await;
    let data = e["data"][0].as_str().unwrap();
    assert!(data.contains("filter.Field") && data.contains("filter.Operator") && data.contains("filter.Value"), "{e}");
    // A bad size with a filter is still a bad size.
    let e = assert_error(app.get(&search("CompanyName", "c", Some(501)), &p.token).await, 400, 990406).await;
    assert!(e["data"][0].as_str().unwrap().contains("size"), "{e}");
}

#[tokio::test]
async fn a_filter_member_given_twice_is_refused_not_merged() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    customer_named(&app, &p.token, "fabrikam", "Fabrikam").await;
    let encoded =
        |filter: &str| format!("/v1/customers?{}", serde_urlencoded::to_string([("filter", filter)]).unwrap());
    for (filter, problem) in [
        (r#"{"Field":"CompanyName","Value":"zzz","Value":"fab","Operator":"starts_with"}"#, "filter.Value:"),
        (r#"{"Field":"CompanyName","Value":"zzz","VALUE":"fab","Operator":"starts_with"}"#, "filter.Value:"),
        (r#"{"Field":"CompanyName","Value":"fab","Operator":"starts_with","Operator":"contains"}"#, "filter.Operator:"),
    ] {
        let e = assert_error(app.get(&encoded(filter), &p.token).await, 400, 990406).await;
        let data = e["data"][0].as_str().unwrap();
        assert!(data.contains(&format!("{problem} is given more than once")), "{filter}: {e}");
    }
    let found = app.get_json(&search("CompanyName", "fab", None), &p.token).await;
    assert_eq!(names(&found), ["Fabrikam"], "each member once is searched");
}

#[tokio::test]
async fn a_search_keeps_to_the_partners_scope_and_finds_by_reseller_and_provider() {
    let app = TestApp::spawn().await;
    let provider = app.create_partner("IndirectProvider", None).await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider)).await;
    let second = app.create_partner("IndirectReseller", Some(&provider)).await;
    let stranger = app.persona("DirectBill").await;
    let provider_token = app.mint(&provider, &["AdminAgent"], false).await;
    let reseller_token = app.mint(&reseller, &["AdminAgent"], false).await;
    for (domain, name, of) in [("viaone", "Contoso via one", &reseller), ("viatwo", "Contoso via two", &second)] {
        let mut body = customer_body(domain);
        body["companyProfile"]["companyName"] = json!(name);
        body["associatedPartnerId"] = json!(of);
        assert_eq!(app.post("/v1/customers", &provider_token, &body).await.status(), 201);
    }
    customer_named(&app, &provider_token, "ownprov", "Contoso of the provider").await;
    customer_named(&app, &reseller_token, "ownres", "Contoso of the reseller").await;
    customer_named(&app, &stranger.token, "strange", "Contoso elsewhere").await;

    // The provider searches its own customers and its resellers'.
    let all = names(&app.get_json(&search("CompanyName", "contoso", None), &provider_token).await);
    assert_eq!(all, ["Contoso via one", "Contoso via two", "Contoso of the provider", "Contoso of the reseller"]);
    // By reseller: the customers related to that reseller (the whole tenant id, in any spelling, or its start).
    let upper = format!("{{{}}}", reseller.to_uppercase());
    for value in [reseller.as_str(), upper.as_str(), &reseller[..8]] {
        let found = names(&app.get_json(&search("IndirectReseller", value, None), &provider_token).await);
        assert_eq!(found, ["Contoso via one", "Contoso of the reseller"], "{value}");
    }
    // By provider: the customers related to that provider, as the reseller sees them.
    let found = names(&app.get_json(&search("IndirectCloudSolutionProvider", &provider, None), &reseller_token).await);
    assert_eq!(found, ["Contoso via one"]);
    // A reseller sees its own; a stranger finds nothing of theirs, whatever it searches.
    let found = names(&app.get_json(&search("CompanyName", "Contoso", None), &reseller_token).await);
    assert_eq!(found, ["Contoso via one", "Contoso of the reseller"]);
    let found = names(&app.get_json(&search("IndirectReseller", &reseller, None), &stranger.token).await);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn a_query_parameter_no_route_reads_is_answered_as_if_absent_and_journaled_as_ignored() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for i in 0..3 {
        app.create_customer(&p.token, &format!("ignored{i}")).await;
    }
    // A misspelt size: Partner Center ignores it, and so does the emulator (the whole list) …
    let r = app.get("/v1/customers?sise=1&Size=2&top=1&top=2", &p.token).await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["totalCount"], 2, "Size is size: names are read without regard to case");
    // … and the journal says it had no effect.
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let entry = &journal["items"][0];
    assert_eq!(entry["path"], "/v1/customers");
    assert_eq!(entry["ignoredQueryParameters"], json!(["sise", "top"]), "{entry}");
    // Parameters a route reads are not listed; entries without ignored ones have no list.
    app.get_json("/v1/agreements?AgreementType=*", &p.token).await;
    app.get_json("/v1/customers?size=1", &p.token).await;
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    for entry in journal["items"].as_array().unwrap().iter().take(2) {
        assert!(entry.get("ignoredQueryParameters").is_none(), "{entry}");
    }
    // A route that reads none: all of them are ignored.
    let id = page["items"][0]["id"].as_str().unwrap();
    app.get_json(&format!("/v1/customers/{id}?expand=true"), &p.token).await;
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    assert_eq!(journal["items"][0]["ignoredQueryParameters"], json!(["expand"]));
}
