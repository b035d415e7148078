//! Customers: the profile a partner sends when creating one, its rules, and who may see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::contact::{is_valid_email, ContactInput, MAX_NAME_LEN};
use super::locales;
use super::partners::{Partner, PartnerType};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingProfile {
    pub email: Option<String>,
    pub culture: Option<String>,
    pub language: Option<String>,
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub default_address: Option<Address>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfileInput {
    pub domain: Option<String>,
    pub company_name: Option<String>,
    pub organization_registration_number: Option<String>,
}

/// A customer as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub commerce_id: String,
    pub domain: String,
    pub company_name: String,
    pub organization_registration_number: Option<String>,
    pub billing_profile: BillingProfile,
    /// The partner whose call created it.
    pub created_by: String,
    /// The reseller it was created for by an indirect provider, if any.
    pub associated_partner_id: Option<String>,
    pub admin_user_name: String,
    pub admin_password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A customer as one partner sees it: with whether the customer granted that partner delegated
/// admin privileges (Partner Center's `allowDelegatedAccess`, answered per partner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOfPartner {
    pub customer: Customer,
    pub delegated_admin: bool,
}

impl Customer {
    /// The customer's primary contact as its profile gives it: the billing profile's names (or
    /// the default address's), its email and the address's phone number. The person a partner
    /// attests for, and the one the admin center suggests, unless changed.
    pub fn primary_contact(&self) -> ContactInput {
        let address = self.billing_profile.default_address.clone().unwrap_or_default();
        ContactInput {
            first_name: self.billing_profile.first_name.clone().or(address.first_name),
            last_name: self.billing_profile.last_name.clone().or(address.last_name),
            email: self.billing_profile.email.clone(),
            phone_number: address.phone_number,
        }
    }
}

/// A customer profile that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomerProfile {
    pub domain: String,
    pub company_name: String,
    pub organization_registration_number: Option<String>,
    pub billing_profile: BillingProfile,
}

const DOMAIN_SUFFIX: &str = ".onmicrosoft.com";

/// The customer's initial domain: `prefix` or `prefix.onmicrosoft.com`, the prefix 1 to 27
/// letters or digits. Returned in lower case with the suffix.
pub fn parse_domain(raw: &str) -> Result<String, String> {
    let lower = raw.trim().to_ascii_lowercase();
    let prefix = lower.strip_suffix(DOMAIN_SUFFIX).unwrap_or(&lower);
    if prefix.is_empty() || prefix.len() > 27 || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "companyProfile.domain: '{raw}' must be 1 to 27 letters or digits, optionally followed by {DOMAIN_SUFFIX}"
        ));
    }
    Ok(format!("{prefix}{DOMAIN_SUFFIX}"))
}

fn require(value: &Option<String>, field: &str, problems: &mut Vec<String>) {
    if value.as_deref().map(str::trim).unwrap_or_default().is_empty() {
        problems.push(format!("{field}: is required"));
    }
}

/// Every text of a profile holds at most [`MAX_NAME_LEN`] characters as sent, as the contacts'
/// names do: nothing a client sends is stored unbounded.
fn too_long(company: Option<&CompanyProfileInput>, billing: &BillingProfile, problems: &mut Vec<String>) {
    let a = billing.default_address.clone().unwrap_or_default();
    let texts = [
        ("companyProfile.companyName", company.and_then(|c| c.company_name.as_deref())),
        (
            "companyProfile.organizationRegistrationNumber",
            company.and_then(|c| c.organization_registration_number.as_deref()),
        ),
        ("billingProfile.email", billing.email.as_deref()),
        ("billingProfile.culture", billing.culture.as_deref()),
        ("billingProfile.language", billing.language.as_deref()),
        ("billingProfile.companyName", billing.company_name.as_deref()),
        ("billingProfile.firstName", billing.first_name.as_deref()),
        ("billingProfile.lastName", billing.last_name.as_deref()),
        ("billingProfile.defaultAddress.firstName", a.first_name.as_deref()),
        ("billingProfile.defaultAddress.lastName", a.last_name.as_deref()),
        ("billingProfile.defaultAddress.addressLine1", a.address_line1.as_deref()),
        ("billingProfile.defaultAddress.addressLine2", a.address_line2.as_deref()),
        ("billingProfile.defaultAddress.city", a.city.as_deref()),
        ("billingProfile.defaultAddress.state", a.state.as_deref()),
        ("billingProfile.defaultAddress.postalCode", a.postal_code.as_deref()),
        ("billingProfile.defaultAddress.phoneNumber", a.phone_number.as_deref()),
    ];
    for (field, value) in texts {
        if value.is_some_and(|v| v.chars().count() > MAX_NAME_LEN) {
            problems.push(format!("{field}: must be at most {MAX_NAME_LEN} characters"));
        }
    }
}

/// Validate a create-customer body and report every problem at once.
pub fn validate_customer_profile(
    company: Option<&CompanyProfileInput>,
    billing: Option<&BillingProfile>,
) -> Result<ValidCustomerProfile, Vec<String>> {
    let mut problems = Vec::new();
    let domain = match company.and_then(|c| c.domain.as_deref()).map(str::trim) {
        None | Some("") => {
            problems.push("companyProfile.domain: is required".to_string());
            None
        }
        Some(raw) => parse_domain(raw).map_err(|p| problems.push(p)).ok(),
    };
    let Some(billing) = billing else {
        problems.push("billingProfile: is required".to_string());
        return Err(problems);
    };
    require(&billing.email, "billingProfile.email", &mut problems);
    if let Some(email) = billing.email.as_deref().filter(|e| !e.trim().is_empty()) {
        if !is_valid_email(email.trim()) {
            problems.push("billingProfile.email: not a valid email address".to_string());
        }
    }
    require(&billing.culture, "billingProfile.culture", &mut problems);
    if let Some(culture) = billing.culture.as_deref().filter(|c| !c.trim().is_empty()) {
        if !locales::is_language_tag(culture, true) {
            problems.push(format!(
                "billingProfile.culture: '{culture}' is not a culture: a language and a country or region, such as en-US"
            ));
        }
    }
    require(&billing.language, "billingProfile.language", &mut problems);
    if let Some(language) = billing.language.as_deref().filter(|l| !l.trim().is_empty()) {
        if !locales::is_language_tag(language, false) {
            problems.push(format!(
                "billingProfile.language: '{language}' is not a language: a two- or three-letter code, such as en"
            ));
        }
    }
    require(&billing.company_name, "billingProfile.companyName", &mut problems);
    match &billing.default_address {
        None => problems.push("billingProfile.defaultAddress: is required".to_string()),
        Some(a) => {
            let p = "billingProfile.defaultAddress";
            require(&a.first_name, &format!("{p}.firstName"), &mut problems);
            require(&a.last_name, &format!("{p}.lastName"), &mut problems);
            require(&a.address_line1, &format!("{p}.addressLine1"), &mut problems);
            require(&a.city, &format!("{p}.city"), &mut problems);
            require(&a.state, &format!("{p}.state"), &mut problems);
            require(&a.postal_code, &format!("{p}.postalCode"), &mut problems);
            require(&a.country, &format!("{p}.country"), &mut problems);
            if let Some(c) = a.country.as_deref().filter(|c| !c.trim().is_empty()) {
                if locales::country(c.trim()).is_none() {
                    problems.push(format!("{p}.country: '{c}' is not an ISO 3166 two-letter country code"));
                }
            }
        }
    }
    too_long(company, billing, &mut problems);
    match (domain, problems.is_empty()) {
        (Some(domain), true) => {
            let company_name = company
                .and_then(|c| c.company_name.clone())
                .filter(|n| !n.trim().is_empty())
                .or_else(|| billing.company_name.clone())
                .unwrap_or_default();
            Ok(ValidCustomerProfile {
                domain,
                company_name,
                organization_registration_number: company.and_then(|c| c.organization_registration_number.clone()),
                billing_profile: billing.clone(),
            })
        }
        _ => Err(problems),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssociatedPartnerError {
    /// Only indirect providers may name a reseller.
    CallerIsNotIndirectProvider,
    /// The named partner is not one of the caller's indirect resellers.
    NotOwnReseller(String),
}

/// `associatedPartnerId` is allowed only for an indirect provider naming one of its own resellers.
pub fn check_associated_partner(
    caller: &Partner,
    associated_id: Option<&str>,
    associated: Option<&Partner>,
) -> Result<(), AssociatedPartnerError> {
    let Some(id) = associated_id else { return Ok(()) };
    if caller.partner_type != PartnerType::IndirectProvider {
        return Err(AssociatedPartnerError::CallerIsNotIndirectProvider);
    }
    match associated {
        Some(r)
            if r.partner_type == PartnerType::IndirectReseller
                && r.indirect_provider_id.as_deref() == Some(caller.tenant_id.as_str()) =>
        {
            Ok(())
        }
        _ => Err(AssociatedPartnerError::NotOwnReseller(id.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn billing() -> BillingProfile {
        BillingProfile {
            email: Some("ap@contoso.com".into()),
            culture: Some("en-US".into()),
            language: Some("en".into()),
            company_name: Some("Contoso".into()),
            first_name: None,
            last_name: None,
            default_address: Some(Address {
                first_name: Some("Ana".into()),
                last_name: Some("Lee".into()),
                address_line1: Some("1 Main St".into()),
                city: Some("Redmond".into()),
                state: Some("WA".into()),
                postal_code: Some("98052".into()),
                country: Some("US".into()),
                ..Default::default()
            }),
        }
    }

    fn partner(id: &str, t: PartnerType, provider: Option<&str>) -> Partner {
        Partner {
            tenant_id: id.into(),
            name: id.into(),
            partner_type: t,
            indirect_provider_id: provider.map(Into::into),
        }
    }

    #[test]
    fn domain_prefix_rules() {
        assert_eq!(parse_domain("Contoso").unwrap(), "contoso.onmicrosoft.com");
        assert_eq!(parse_domain("contoso2.onmicrosoft.com").unwrap(), "contoso2.onmicrosoft.com");
        assert!(parse_domain("con-toso").is_err());
        assert!(parse_domain(&"a".repeat(28)).is_err());
    }

    #[test]
    fn every_missing_field_is_named() {
        let company = CompanyProfileInput { domain: Some("contoso".into()), ..Default::default() };
        let ok = validate_customer_profile(Some(&company), Some(&billing())).unwrap();
        assert_eq!(ok.company_name, "Contoso");
        let mut b = billing();
        b.email = Some("x".into());
        b.default_address.as_mut().unwrap().city = None;
        b.default_address.as_mut().unwrap().country = Some("XX".into());
        assert_eq!(
            validate_customer_profile(None, Some(&b)).unwrap_err(),
            vec![
                "companyProfile.domain: is required",
                "billingProfile.email: not a valid email address",
                "billingProfile.defaultAddress.city: is required",
                "billingProfile.defaultAddress.country: 'XX' is not an ISO 3166 two-letter country code",
            ]
        );
        assert_eq!(validate_customer_profile(Some(&company), None).unwrap_err(), vec!["billingProfile: is required"]);
    }

    #[test]
    fn only_indirect_providers_name_their_own_resellers() {
        let provider = partner("prov", PartnerType::IndirectProvider, None);
        let own = partner("r1", PartnerType::IndirectReseller, Some("prov"));
        let other = partner("r2", PartnerType::IndirectReseller, Some("elsewhere"));
        let direct = partner("d", PartnerType::DirectBill, None);
        assert_eq!(check_associated_partner(&provider, None, None), Ok(()));
        assert_eq!(check_associated_partner(&provider, Some("r1"), Some(&own)), Ok(()));
        assert_eq!(
            check_associated_partner(&provider, Some("r2"), Some(&other)),
            Err(AssociatedPartnerError::NotOwnReseller("r2".into()))
        );
        assert_eq!(
            check_associated_partner(&provider, Some("zz"), None),
            Err(AssociatedPartnerError::NotOwnReseller("zz".into()))
        );
        assert_eq!(
            check_associated_partner(&direct, Some("r1"), Some(&own)),
            Err(AssociatedPartnerError::CallerIsNotIndirectProvider)
        );
    }
}
