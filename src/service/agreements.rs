//! Reading agreements: the template catalog, a customer's confirmations and its direct-sign status.

use super::access::{agreements_for, ops, Permit};
use super::error::{ServiceError, ServiceResult};
use super::timeline::service_date;
use crate::app::AppContext;
use crate::domain::agreements::{find_template, Agreement, AgreementTemplate, AgreementTypeFilter};
use crate::domain::ids::CustomerId;
use crate::domain::orders::mca_signed_directly;

/// The `agreementType` parameter: omitted means the Cloud Agreement, `*` every type.
fn type_filter(agreement_type: Option<&str>) -> ServiceResult<AgreementTypeFilter> {
    AgreementTypeFilter::parse(agreement_type).map_err(ServiceError::UnsupportedAgreementType)
}

/// The `agreementType` parameter of `GET /v1/agreements`, checked.
pub fn catalog_filter(agreement_type: Option<&str>) -> ServiceResult<AgreementTypeFilter> {
    type_filter(agreement_type)
}

/// `GET /v1/agreements?agreementType=`: the templates of the catalog of that type. The catalog
/// does not change while the emulator runs: the same filter always gives the same templates.
pub async fn agreement_metadata(
    ctx: &AppContext,
    _permit: &Permit<'_, ops::GetAgreementMetadata>,
    filter: AgreementTypeFilter,
) -> ServiceResult<Vec<AgreementTemplate>> {
    let templates = ctx.store.templates().await?;
    Ok(templates.iter().filter(|t| filter.matches(t.agreement_type)).cloned().collect())
}

/// An agreement in a customer's list, with the link of its template.
pub struct ListedAgreement {
    pub agreement: Agreement,
    pub agreement_link: Option<String>,
}

/// A customer's agreements of one type (or every type), in the order they were recorded.
pub struct CustomerAgreements {
    pub customer_id: String,
    pub items: Vec<ListedAgreement>,
}

/// `GET /v1/customers/{id}/agreements?agreementType=`
pub async fn customer_agreements(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ListCustomerAgreements>,
    customer_id: &CustomerId,
    agreement_type: Option<&str>,
) -> ServiceResult<CustomerAgreements> {
    let agreements = agreements_for(ctx, permit, customer_id).await?;
    let filter = type_filter(agreement_type)?;
    let templates = ctx.store.templates().await?;
    let items = agreements
        .into_iter()
        .filter(|a| filter.matches(a.agreement_type))
        .map(|agreement| ListedAgreement {
            agreement_link: find_template(&templates, &agreement.template_id).map(|t| t.agreement_link.clone()),
            agreement,
        })
        .collect();
    Ok(CustomerAgreements { customer_id: customer_id.to_string(), items })
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`: whether the customer
/// accepted the Microsoft Customer Agreement itself.
pub async fn direct_sign_status(
    ctx: &AppContext,
    permit: &Permit<'_, ops::GetDirectSignStatus>,
    customer_id: &CustomerId,
) -> ServiceResult<bool> {
    let agreements = agreements_for(ctx, permit, customer_id).await?;
    Ok(mca_signed_directly(&agreements, service_date(ctx).await?).is_some())
}

/// An agreement with the link of its template, for answers that show one agreement.
pub async fn with_link(ctx: &AppContext, agreement: Agreement) -> ServiceResult<ListedAgreement> {
    let templates = ctx.store.templates().await?;
    let agreement_link = find_template(&templates, &agreement.template_id).map(|t| t.agreement_link.clone());
    Ok(ListedAgreement { agreement, agreement_link })
}
