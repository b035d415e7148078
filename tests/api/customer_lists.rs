//! Customer lists that page in the database (issue 29, point 5): the dashboard's customers page
//! searches as the API does (company name or domain starting with the text, or the Microsoft ID,
//! any letter case; a part inside a name finds nothing) and pages by position with "Next page" and
//! "Previous page", whose plain addresses survive Back and refresh; customers added between two
//! pages neither repeat nor push one out. The API's paged search likewise.

use crate::customer_search::customer_named;
use crate::helpers::*;
use crate::partner_dashboard::PartnerUser;
use reqwest::Method;
use serde_json::{json, Value};

/// The address of the page's "Next page" (`rel` next) or "Previous page" (prev) link.
pub(crate) fn pager_link(page: &str, rel: &str) -> Option<String> {
    let end = page.find(&format!("\" rel=\"{rel}\""))?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].replace("&amp;", "&"))
}

/// The domains a dashboard page lists, in order.
fn domains(page: &str) -> Vec<String> {
    page.match_indices(".onmicrosoft.com</td>")
        .map(|(end, _)| {
            let start = page[..end].rfind("<td>").unwrap() + "<td>".len();
            format!("{}.onmicrosoft.com", &page[start..end])
        })
        .collect()
}

fn search_path(q: &str) -> String {
    format!("/dashboard/customers?{}", serde_urlencoded::to_string([("q", q)]).unwrap())
}

#[tokio::test]
async fn the_customers_page_searches_by_prefix_of_name_or_domain_or_by_whole_id_in_any_case() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    customer_named(&app, &p.token, "contosoeu", "Contoso Europe").await;
    let fabrikam = customer_named(&app, &p.token, "fabrikam", "Fabrikam").await;
    customer_named(&app, &p.token, "northwind", "The Northwind Contoso").await;
    customer_named(&app, &p.token, "under", "Under_score").await;
    customer_named(&app, &p.token, "underx", "Underxscore").await;
    customer_named(&app, &other.token, "contosoother", "Contoso of another partner").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;

    let cases: &[(&str, &[&str])] = &[
        ("cont", &["contosoeu"]),      // the company name's start, not "The Northwind Contoso"
        ("CONTOSO e", &["contosoeu"]), // any letter case
        ("NORTHW", &["northwind"]),    // the domain's start
        ("the north", &["northwind"]), // the company name's start
        ("northwind.onmicrosoft", &["northwind"]),
        ("under_", &["under"]),     // `_` is a letter, not a wildcard
        ("toso", &[]),              // inside a name: not found
        ("wind", &[]),              // inside a domain: not found
        (&fabrikam[..8], &[]),      // a part of a Microsoft ID: not found
        (&fabrikam, &["fabrikam"]), // the whole Microsoft ID
        (&fabrikam.to_uppercase(), &["fabrikam"]),
        (&format!("{{{fabrikam}}}"), &["fabrikam"]),
    ];
    for (q, expected) in cases {
        let page = user.page(&search_path(q)).await;
        let expected: Vec<String> = expected.iter().map(|d| format!("{d}.onmicrosoft.com")).collect();
        assert_eq!(domains(&page), expected, "q={q}");
        if expected.is_empty() {
            assert!(page.contains("No customer's company name or domain starts with"), "q={q}: {page}");
        }
    }
    // Another partner's customer is not found by its id either.
    let theirs = app.get_json("/v1/customers", &other.token).await["items"][0]["id"].as_str().unwrap().to_string();
    assert!(domains(&user.page(&search_path(&theirs)).await).is_empty());
}

#[tokio::test]
async fn the_customers_page_pages_by_position_without_repeats_or_skips_when_customers_are_added() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for n in 0..25 {
        app.create_customer(&p.token, &format!("keyset{n:02}")).await;
    }
    app.create_customer(&p.token, "elsewhere").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["HelpdeskAgent"]).await;
    let want = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|n| format!("keyset{n:02}.onmicrosoft.com")).collect()
    };

    for q in ["", "KeySet"] {
        let first_path = if q.is_empty() { "/dashboard/customers".to_string() } else { search_path(q) };
        let first = user.page(&first_path).await;
        assert_eq!(domains(&first)[..20], want(0..20)[..], "q={q}");
        assert_eq!(pager_link(&first, "prev"), None, "the first page has no previous page");
        let next = pager_link(&first, "next").expect("a next page");
        if !q.is_empty() {
            assert!(next.contains("q=KeySet"), "the search goes with the page: {next}");
        }

        // Customers added while the first page is shown come after the rest, once.
        let added = if q.is_empty() { "keyset25" } else { "keyset26" };
        app.create_customer(&p.token, added).await;
        let second = user.page(&next).await;
        let mut expected = want(20..25);
        if q.is_empty() {
            expected.push("elsewhere.onmicrosoft.com".into());
        }
        expected.extend(want(25..if q.is_empty() { 26 } else { 27 }));
        assert_eq!(domains(&second), expected, "q={q}");
        assert_eq!(pager_link(&second, "next"), None, "q={q}: the last page");
        // Refresh (or Back to it): the same page from its address.
        assert_eq!(domains(&user.page(&next).await), expected, "q={q}");

        // Previous: the first page again, whole.
        let previous = pager_link(&second, "prev").expect("a previous page");
        let again = user.page(&previous).await;
        assert_eq!(domains(&again)[..20], want(0..20)[..], "q={q}");
        assert_eq!(pager_link(&again, "prev"), None, "q={q}");
    }

    // Previous from further on: the 20 just before, and a previous page only while there is one.
    let small = app.persona("DirectBill").await;
    for n in 0..45 {
        app.create_customer(&small.token, &format!("deep{n:02}")).await;
    }
    let agent = PartnerUser::signed_in(&app, &small.tenant_id, &["HelpdeskAgent"]).await;
    let first = agent.page("/dashboard/customers").await;
    let second = agent.page(&pager_link(&first, "next").unwrap()).await;
    let third = agent.page(&pager_link(&second, "next").unwrap()).await;
    let deep = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|n| format!("deep{n:02}.onmicrosoft.com")).collect()
    };
    assert_eq!(domains(&third), deep(40..45));
    let back = agent.page(&pager_link(&third, "prev").unwrap()).await;
    assert_eq!(domains(&back), deep(20..40));
    assert!(pager_link(&back, "prev").is_some() && pager_link(&back, "next").is_some());
    let back = agent.page(&pager_link(&back, "prev").unwrap()).await;
    assert_eq!(domains(&back), deep(0..20));
    assert_eq!(pager_link(&back, "prev"), None);
}

#[tokio::test]
async fn the_apis_paged_search_is_a_prefix_and_goes_on_without_repeats_or_skips_when_customers_are_added() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for n in 0..5 {
        customer_named(&app, &p.token, &format!("alpha{n}"), &format!("Alpha {n}")).await;
    }
    let search = |field: &str, value: &str| {
        let filter = json!({"Field": field, "Value": value, "Operator": "starts_with"}).to_string();
        format!("/v1/customers?{}", serde_urlencoded::to_string([("size", "2"), ("filter", &filter)]).unwrap())
    };
    for (field, inside) in [("CompanyName", "lpha"), ("Domain", "lpha")] {
        let none = app.get_json(&search(field, inside), &p.token).await;
        assert_eq!(none["totalCount"], 0, "{field} {inside}: a part inside is not a prefix");
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["companyProfile"]["companyName"].as_str().unwrap().into())
            .collect()
    };
    let mut page = app.get_json(&search("CompanyName", "ALPHA"), &p.token).await;
    let mut seen = names(&page);
    let mut added = 5;
    while let Some(token) = page["continuationToken"].as_str().map(str::to_string) {
        // A customer the search finds, added between two pages, is listed once, at the end.
        if added < 7 {
            customer_named(&app, &p.token, &format!("alpha{added}"), &format!("Alpha {added}")).await;
            added += 1;
        }
        let r = app.request(Method::GET, "/v1/customers", Some(&p.token)).header("MS-ContinuationToken", token).send();
        let r = r.await.unwrap();
        assert_eq!(r.status(), 200);
        page = r.json().await.unwrap();
        assert!(page["totalCount"].as_u64().unwrap() <= 2, "totalCount counts the page: {page}");
        seen.extend(names(&page));
    }
    let expected: Vec<String> = (0..7).map(|n| format!("Alpha {n}")).collect();
    assert_eq!(seen, expected);
}
