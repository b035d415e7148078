//! Partner personas, created through the control plane.

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::domain::ids::PartnerId;
use crate::domain::partners::{check_partner_shape, Partner, PartnerShapeError, PartnerType};
use crate::ids::IdKind;
use crate::store::StoreError;

pub struct NewPartner {
    pub tenant_id: Option<String>,
    pub name: Option<String>,
    pub partner_type: Option<String>,
    pub indirect_provider_id: Option<String>,
}

pub async fn create_partner(ctx: &AppContext, input: NewPartner) -> ServiceResult<Partner> {
    let mut problems = Vec::new();
    let name = input.name.as_deref().map(str::trim).unwrap_or_default().to_string();
    if name.is_empty() {
        problems.push("name: is required".to_string());
    }
    let partner_type = match input.partner_type.as_deref() {
        None => {
            problems.push("partnerType: is required (DirectBill, IndirectProvider or IndirectReseller)".into());
            None
        }
        Some(raw) => PartnerType::parse(raw).or_else(|| {
            problems.push(format!("partnerType: '{raw}' is not DirectBill, IndirectProvider or IndirectReseller"));
            None
        }),
    };
    // The tenant id named, if any; one is drawn only once nothing can refuse the partner (in
    // deterministic mode a refused partner takes no id).
    let named_tenant_id = match input.tenant_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => match uuid::Uuid::parse_str(raw) {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                problems.push(format!("tenantId: '{raw}' is not a GUID"));
                None
            }
        },
    };
    let Some(partner_type) = partner_type.filter(|_| problems.is_empty()) else {
        return Err(ServiceError::Validation(problems));
    };
    let provider_id =
        input.indirect_provider_id.as_deref().map(|id| PartnerId::parse(id).into_string()).filter(|p| !p.is_empty());
    let provider_id = provider_id.as_deref();
    let provider = match provider_id {
        Some(id) => ctx.store.partner(id).await?,
        None => None,
    };
    check_partner_shape(partner_type, provider.as_ref(), provider_id.is_some()).map_err(|e| {
        ServiceError::Validation(vec![match e {
            PartnerShapeError::ResellerNeedsProvider => {
                "indirectProviderId: is required for an IndirectReseller".to_string()
            }
            PartnerShapeError::OnlyResellersHaveProvider => {
                "indirectProviderId: only an IndirectReseller has an indirect provider".to_string()
            }
            PartnerShapeError::ProviderIsNotIndirectProvider => {
                format!("indirectProviderId: '{}' is not an existing IndirectProvider", provider_id.unwrap_or_default())
            }
        }])
    })?;
    let tenant_id = named_tenant_id.unwrap_or_else(|| ctx.ids.guid(IdKind::Partner));
    let partner = Partner { tenant_id, name, partner_type, indirect_provider_id: provider_id.map(str::to_string) };
    match ctx.store.insert_partner(&partner, ctx.clock.now().await?).await {
        Ok(()) => Ok(partner),
        Err(StoreError::Conflict) => Err(ServiceError::PartnerAlreadyExists(partner.tenant_id)),
        Err(e) => Err(e.into()),
    }
}

/// A partner persona by its tenant id (any spelling of the GUID).
pub async fn get_partner(ctx: &AppContext, tenant_id: &PartnerId) -> ServiceResult<Partner> {
    ctx.store.partner(tenant_id.as_str()).await?.ok_or_else(|| ServiceError::PartnerNotFound(tenant_id.to_string()))
}

/// The first partners created (at most `limit`) and how many there are, for the landing page.
pub struct PartnerList {
    pub first: Vec<Partner>,
    pub total: u64,
}

pub async fn list_partners(ctx: &AppContext, limit: u32) -> ServiceResult<PartnerList> {
    let (first, total) = ctx.store.partners(limit).await?;
    Ok(PartnerList { first, total })
}

/// Every partner persona, in the order they were created (by the emulator clock, then tenant id).
pub async fn all_partners(ctx: &AppContext) -> ServiceResult<Vec<Partner>> {
    Ok(ctx.store.partners(u32::MAX).await?.0)
}

/// Run `work` as partner `tenant_id` (any spelling of an existing persona's GUID): its own clock
/// and service date, where it has them, are the ones `work` reads and changes.
pub async fn acting_as<T>(
    ctx: &AppContext,
    tenant_id: &PartnerId,
    work: impl std::future::Future<Output = ServiceResult<T>>,
) -> ServiceResult<T> {
    let partner = get_partner(ctx, tenant_id).await?;
    crate::clock::as_partner(partner.tenant_id, work).await
}
