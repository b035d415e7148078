//! Response bodies as Partner Center renders them: camelCase, `attributes` where the real
//! service sends them, the collection envelope, timestamps in UTC.

use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::agreements::{Agreement, AgreementTemplate};
use crate::domain::customers::Customer;
use crate::domain::orders::Order;
use crate::domain::time::render_timestamp;
use crate::service::agreements::ListedAgreement;
use crate::service::attestations::AttestationState;
use crate::service::seed::SeedSummary;

/// `{"totalCount", "items", "links": {"self"}, "attributes": {"objectType": "Collection"}}`.
/// The content type of every JSON answer, with its charset as Partner Center sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

pub fn collection<T: Serialize>(items: &[T], self_uri: &str) -> Value {
    json!({
        "totalCount": items.len(),
        "items": items,
        "links": {"self": {"uri": self_uri, "method": "GET", "headers": []}},
        "attributes": {"objectType": "Collection"},
    })
}

pub fn agreement_metadata(t: &AgreementTemplate) -> Value {
    json!({
        "templateId": t.template_id,
        "agreementType": t.agreement_type.as_str(),
        "agreementLink": t.agreement_link,
        "versionRank": t.version_rank,
    })
}

/// An agreement as the confirm operation returns it (no `agreementLink`, no `attributes`).
pub fn agreement(a: &Agreement) -> Value {
    json!({
        "userId": a.user_id,
        "primaryContact": a.contact,
        "templateId": a.template_id,
        "dateAgreed": render_timestamp(a.date_agreed),
        "type": a.agreement_type.as_str(),
    })
}

/// An agreement in the confirmations list: adds `agreementLink`, its template's link.
pub fn listed_agreement(listed: &ListedAgreement) -> Value {
    let mut v = agreement(&listed.agreement);
    v["agreementLink"] = json!(listed.agreement_link);
    v
}

pub fn customer(c: &Customer, credentials: Option<(&str, &str)>) -> Value {
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
        "allowDelegatedAccess": true,
        "links": {"self": {"uri": format!("/customers/{}", c.id), "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    });
    if let Some(associated) = &c.associated_partner_id {
        v["associatedPartnerId"] = json!(associated);
    }
    if let Some((user_name, password)) = credentials {
        v["userCredentials"] = json!({"userName": user_name, "password": password});
    }
    v
}

pub fn order(o: &Order) -> Value {
    json!({
        "id": o.id,
        "referenceCustomerId": o.customer_id,
        "lineItems": o.line_items,
        "creationDate": render_timestamp(o.creation_date),
        "status": o.status,
        "links": {"self": {"uri": format!("/customers/{}/orders/{}", o.customer_id, o.id), "method": "GET", "headers": []}},
        "attributes": {"objectType": "Order"},
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
        "customerId": a.customer_id,
        "acceptanceUrl": state.acceptance_url,
        "attributes": {"objectType": "EnhancedAttestation"},
    });
    if let Some(phone) = &a.signatory.phone_number {
        v["signatoryPhoneNumber"] = json!(phone);
    }
    v
}
