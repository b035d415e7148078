//! Response bodies as Partner Center renders them: camelCase, `attributes` where the real
//! service sends them, the collection envelope, timestamps in UTC.

use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::agreements::{Agreement, AgreementTemplate};
use crate::domain::carts::Cart;
use crate::domain::customers::Customer;
use crate::domain::orders::Order;
use crate::domain::time::render_timestamp;
use crate::service::agreements::ListedAgreement;
use crate::service::attestations::AttestationState;
use crate::service::carts::CheckoutResult;
use crate::service::seed::SeedSummary;

/// The content type of every JSON answer, with its charset as Partner Center sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

// The answers read most often are rendered from typed shapes rather than built as `Value` trees
// first. Their fields are declared in alphabetical order: the order every answer's keys have
// (serde_json's maps are sorted), so that both renderings give the same bytes.

/// `{"attributes": {"objectType": "Collection"}, "items", "links": {"self"}, "totalCount"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection<'a, T: Serialize> {
    attributes: ObjectType,
    items: &'a [T],
    links: SelfLink<'a>,
    total_count: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectType {
    object_type: &'static str,
}

#[derive(Serialize)]
struct SelfLink<'a> {
    #[serde(rename = "self")]
    this: Link<'a>,
}

#[derive(Serialize)]
struct Link<'a> {
    headers: [(); 0],
    method: &'static str,
    uri: &'a str,
}

pub fn collection<'a, T: Serialize>(items: &'a [T], self_uri: &'a str) -> Collection<'a, T> {
    Collection {
        attributes: ObjectType { object_type: "Collection" },
        items,
        links: SelfLink { this: Link { headers: [], method: "GET", uri: self_uri } },
        total_count: items.len(),
    }
}

/// One page of a paged collection: the collection envelope with, when more remain, the
/// `continuationToken` and a `links.next` that carries it in the `MS-ContinuationToken` header.
pub fn page(items: &[Value], self_uri: &str, next: Option<&str>) -> Value {
    let link = |headers: Value| json!({"headers": headers, "method": "GET", "uri": self_uri});
    let mut links = json!({"self": link(json!([]))});
    let mut body = json!({
        "attributes": {"objectType": "Collection"},
        "items": items,
        "totalCount": items.len(),
    });
    if let Some(token) = next {
        links["next"] = link(json!([{"key": "MS-ContinuationToken", "value": token}]));
        body["continuationToken"] = json!(token);
    }
    body["links"] = links;
    body
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateAnswer<'a> {
    agreement_link: &'a str,
    agreement_type: &'static str,
    template_id: &'a str,
    version_rank: i32,
}

pub fn agreement_metadata(t: &AgreementTemplate) -> TemplateAnswer<'_> {
    TemplateAnswer {
        agreement_link: &t.agreement_link,
        agreement_type: t.agreement_type.as_str(),
        template_id: &t.template_id,
        version_rank: t.version_rank,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementAnswer<'a> {
    /// Only in lists (where it may be null): absent from the confirm operation's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    agreement_link: Option<Option<&'a str>>,
    date_agreed: String,
    primary_contact: ContactAnswer<'a>,
    template_id: &'a str,
    #[serde(rename = "type")]
    agreement_type: &'static str,
    user_id: Option<&'a str>,
    /// Only for an agreement made from an enhanced attestation: the language its customer accepted
    /// it in (ours).
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContactAnswer<'a> {
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
}

/// An agreement as the confirm operation returns it (no `agreementLink`, no `attributes`).
pub fn agreement(a: &Agreement) -> AgreementAnswer<'_> {
    AgreementAnswer {
        agreement_link: None,
        date_agreed: render_timestamp(a.date_agreed),
        primary_contact: ContactAnswer {
            email: &a.contact.email,
            first_name: &a.contact.first_name,
            last_name: &a.contact.last_name,
            phone_number: a.contact.phone_number.as_deref(),
        },
        template_id: &a.template_id,
        agreement_type: a.agreement_type.as_str(),
        user_id: a.user_id.as_deref(),
        language: a.language.as_deref(),
    }
}

/// An agreement in the confirmations list: adds `agreementLink`, its template's link.
pub fn listed_agreement(listed: &ListedAgreement) -> AgreementAnswer<'_> {
    AgreementAnswer { agreement_link: Some(listed.agreement_link.as_deref()), ..agreement(&listed.agreement) }
}

/// A customer as Partner Center renders it. `delegated_access` is `allowDelegatedAccess`: whether
/// the customer granted the caller's partner delegated admin privileges, which Partner Center
/// answers only for one customer read by id (and on creation), never in a list (`None`).
pub fn customer(c: &Customer, delegated_access: Option<bool>, credentials: Option<(&str, &str)>) -> Value {
    let mut billing = serde_json::to_value(&c.billing_profile).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut billing {
        map.insert("id".into(), json!(c.commerce_id));
        if let Some(Value::Object(address)) = map.get_mut("defaultAddress") {
            address.retain(|_, v| !v.is_null());
        }
        map.retain(|_, v| !v.is_null());
        map.insert("attributes".into(), json!({"objectType": "CustomerBillingProfile"}));
    }
    let mut company = json!({
        "tenantId": c.id,
        "domain": c.domain,
        "companyName": c.company_name,
        "attributes": {"objectType": "CustomerCompanyProfile"},
    });
    if let Some(number) = &c.organization_registration_number {
        company["organizationRegistrationNumber"] = json!(number);
    }
    let mut v = json!({
        "id": c.id,
        "commerceId": c.commerce_id,
        "companyProfile": company,
        "billingProfile": billing,
        "relationshipToPartner": "reseller",
        "links": {"self": {"uri": format!("/customers/{}", c.id), "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    });
    if let Some(granted) = delegated_access {
        v["allowDelegatedAccess"] = json!(granted);
    }
    if let Some(associated) = &c.associated_partner_id {
        v["associatedPartnerId"] = json!(associated);
    }
    if let Some((user_name, password)) = credentials {
        v["userCredentials"] = json!({"userName": user_name, "password": password});
    }
    v
}

pub fn order(o: &Order) -> Value {
    let mut order = json!({
        "id": o.id,
        "referenceCustomerId": o.customer_id,
        "lineItems": o.line_items,
        "creationDate": render_timestamp(o.creation_date),
        "status": o.status,
        "links": {"self": {"uri": format!("/customers/{}/orders/{}", o.customer_id, o.id), "method": "GET", "headers": []}},
        "attributes": {"objectType": "Order"},
    });
    // What the order was bought with, when it named it.
    if let Some(cycle) = &o.billing_cycle {
        order["billingCycle"] = json!(cycle);
    }
    if let Some(currency) = &o.currency_code {
        order["currencyCode"] = json!(currency);
    }
    order
}

/// A cart, as Partner Center renders it.
pub fn cart(c: &Cart) -> Value {
    json!({
        "id": c.id,
        "creationTimestamp": render_timestamp(c.created_at),
        "lastModifiedTimestamp": render_timestamp(c.last_modified_at),
        "expirationTimestamp": render_timestamp(c.expires_at),
        "lastModifiedUser": c.last_modified_user,
        "status": c.status.as_str(),
        "lineItems": c.line_items,
        "links": {"self": {"uri": format!("/customers/{}/carts/{}", c.customer_id, c.id), "method": "GET", "headers": []}},
        "attributes": {"objectType": "Cart"},
    })
}

/// What a checkout answers: the orders placed and the order groups that failed.
pub fn checkout_result(r: &CheckoutResult) -> Value {
    let errors: Vec<Value> = r
        .order_errors
        .iter()
        .map(|e| json!({"orderGroupId": e.order_group_id, "code": e.code, "description": e.description}))
        .collect();
    json!({
        "orders": r.orders.iter().map(order).collect::<Vec<_>>(),
        "orderErrors": errors,
        "attributes": {"objectType": "CartCheckoutResult"},
    })
}

/// What a seed created: counts, the id given to each key, and each customer's credentials.
pub fn seed_summary(s: &SeedSummary) -> Value {
    let credentials: serde_json::Map<String, Value> = s
        .credentials
        .iter()
        .map(|(key, c)| (key.clone(), json!({"userName": c.user_name, "password": c.password})))
        .collect();
    json!({
        "partners": s.partners,
        "customers": s.customers,
        "agreements": s.agreements,
        "directAcceptances": s.direct_acceptances,
        "orders": s.orders,
        "enhancedAttestations": s.enhanced_attestations,
        "unchanged": s.unchanged,
        "ids": s.ids,
        "credentials": credentials,
    })
}

/// An enhanced attestation (the shape is ours: Microsoft's is not public).
pub fn attestation(state: &AttestationState) -> Value {
    let a = &state.attestation;
    let mut v = json!({
        "id": a.id,
        "status": state.status.as_str(),
        "country": a.country,
        "language": a.language,
        "companyName": a.company_name,
        "signatoryFirstName": a.signatory.first_name,
        "signatoryLastName": a.signatory.last_name,
        "signatoryEmail": a.signatory.email,
        "createdDateTime": render_timestamp(a.created_at),
        "expirationDateTime": render_timestamp(a.expires_at),
        "acceptedDateTime": a.accepted_at.map(render_timestamp),
        "acceptedLanguage": a.accepted_language,
        "acceptedTemplateId": a.accepted_template_id,
        "customerId": a.customer_id,
        "acceptanceUrl": state.acceptance_url,
        "attributes": {"objectType": "EnhancedAttestation"},
    });
    if let Some(phone) = &a.signatory.phone_number {
        v["signatoryPhoneNumber"] = json!(phone);
    }
    v
}
