//! Requests shaped exactly as the official SDKs send them, responses read the way they parse them.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

fn assert_camel_case(v: &Value, path: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let first = k.chars().next().unwrap();
                assert!(first.is_ascii_lowercase(), "key {path}.{k} is not camelCase");
                assert_camel_case(child, &format!("{path}.{k}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| assert_camel_case(i, path)),
        _ => {}
    }
}

#[tokio::test]
async fn dotnet_sdk_pascal_case_with_explicit_nulls_and_no_type() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let customer = json!({
        "CompanyProfile": {"Domain": "dotnetcustomer", "CompanyName": null, "Attributes": {"ObjectType": "CustomerCompanyProfile"}},
        "BillingProfile": {
            "Email": "ap@contoso.example", "Culture": "en-US", "Language": "en", "CompanyName": "Dotnet Ltd",
            "FirstName": null, "LastName": null,
            "DefaultAddress": {"FirstName": "Ana", "LastName": "Lee", "AddressLine1": "1 Way", "AddressLine2": null,
                "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US", "PhoneNumber": null}
        },
        "Id": null, "CommerceId": null, "Links": null, "Attributes": {"ObjectType": "Customer"}
    });
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "application/json; charset=utf-8")
        .header("MS-PartnerCenter-Client", "Partner Center .NET SDK")
        .header("MS-SdkVersion", "3.4.0")
        .header("Expect", "100-continue")
        .body(customer.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_camel_case(&c, "customer");
    let id = c["id"].as_str().unwrap();

    let agreement = json!({
        "PrimaryContact": {"FirstName": "Ana", "LastName": "Lee", "Email": "ana@contoso.example", "PhoneNumber": null},
        "TemplateId": MCA_TEMPLATE,
        "DateAgreed": "2020-05-01T09:30:00.1234567Z",
        "Type": null, "UserId": null, "AgreementLink": null, "Attributes": null
    });
    let r = app.post(&format!("/v1/Customers/{id}/Agreements"), &p.token, &agreement).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_camel_case(&a, "agreement");
    assert_eq!(a["type"], "MicrosoftCustomerAgreement");
    assert_eq!(a["dateAgreed"], "2020-05-01T09:30:00.123Z");
    assert!(a.get("attributes").is_none());
}

#[tokio::test]
async fn java_sdk_camel_case_with_attributes_and_contract_version() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "javacustomer").await;
    let id = c["id"].as_str().unwrap();
    let agreement = json!({
        "primaryContact": {"firstName": "Ana", "lastName": "Lee", "email": "ana@contoso.example", "phoneNumber": "4255550100"},
        "templateId": MCA_TEMPLATE,
        "dateAgreed": "2020-05-01T09:30:00Z",
        "type": "MicrosoftCustomerAgreement",
        "attributes": {"objectType": "Agreement"}
    });
    let r = app
        .request(Method::POST, &format!("/v1/customers/{id}/agreements"), Some(&p.token))
        .header("MS-Contract-Version", "v1")
        .header("X-Locale", "en-US")
        .header("Accept", "application/json")
        .header("content-type", "application/json; charset=utf-8")
        .body(agreement.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let text = r.text().await.unwrap();
    assert!(!text.is_empty(), "never an empty success body");
    let list = app
        .request(
            Method::GET,
            &format!("/v1/customers/{id}/agreements?agreementType=MicrosoftCustomerAgreement"),
            Some(&p.token),
        )
        .header("MS-Contract-Version", "v1")
        .send()
        .await
        .unwrap();
    let list: Value = list.json().await.unwrap();
    assert_camel_case(&list, "collection");
    assert_eq!(list["totalCount"].as_u64(), Some(list["items"].as_array().unwrap().len() as u64));
}
