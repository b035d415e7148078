//! Partners: the tenants that call the API (personas created through the control plane).

use serde::{Deserialize, Serialize};

/// The three kinds of Cloud Solution Provider partner that matter to agreement rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartnerType {
    DirectBill,
    IndirectProvider,
    IndirectReseller,
}

impl PartnerType {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::DirectBill => "DirectBill",
            PartnerType::IndirectProvider => "IndirectProvider",
            PartnerType::IndirectReseller => "IndirectReseller",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::DirectBill, Self::IndirectProvider, Self::IndirectReseller]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(value))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub tenant_id: String,
    pub name: String,
    pub partner_type: PartnerType,
    /// Only for indirect resellers: the indirect provider they buy through.
    pub indirect_provider_id: Option<String>,
}

/// A partner a customer works with, and whether the customer granted it delegated admin
/// privileges (the partner that created the customer holds them; an invitation grants them when
/// it asks for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedPartner {
    pub partner: Partner,
    pub delegated_admin: bool,
}

/// A reseller-relationship invitation's `DAP` (the dashboard's `dap`) other than `true` or
/// `false`: the value as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTrueOrFalse(pub String);

/// Whether an invitation asks for delegated admin privileges, by its link's `DAP`: left out, it
/// does not; `true` or `false` in any letter case. Any other value (`1`, `yes`, an empty one) is
/// refused rather than read as `false`: the customer would accept a reseller relationship only,
/// while the partner meant to ask for delegated admin privileges.
pub fn delegated_admin_asked(dap: Option<&str>) -> Result<bool, NotTrueOrFalse> {
    match dap.map(str::trim) {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(value) => Err(NotTrueOrFalse(value.to_string())),
    }
}

/// Why a partner persona cannot be created as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerShapeError {
    ResellerNeedsProvider,
    OnlyResellersHaveProvider,
    ProviderIsNotIndirectProvider,
}

/// The shape rule of a partner persona: a reseller names an indirect provider, nobody else does.
pub fn check_partner_shape(
    partner_type: PartnerType,
    provider: Option<&Partner>,
    provider_given: bool,
) -> Result<(), PartnerShapeError> {
    match (partner_type, provider_given) {
        (PartnerType::IndirectReseller, false) => Err(PartnerShapeError::ResellerNeedsProvider),
        (PartnerType::IndirectReseller, true) => match provider {
            Some(p) if p.partner_type == PartnerType::IndirectProvider => Ok(()),
            _ => Err(PartnerShapeError::ProviderIsNotIndirectProvider),
        },
        (_, true) => Err(PartnerShapeError::OnlyResellersHaveProvider),
        (_, false) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_asks_for_delegated_admin_with_true_and_nothing_else_is_read_as_no() {
        for (dap, asked) in [(None, false), (Some("true"), true), (Some(" TRUE "), true), (Some("False"), false)] {
            assert_eq!(delegated_admin_asked(dap), Ok(asked), "{dap:?}");
        }
        for dap in ["1", "0", "yes", "no", ""] {
            assert_eq!(delegated_admin_asked(Some(dap)), Err(NotTrueOrFalse(dap.to_string())), "{dap}");
        }
    }

    fn provider() -> Partner {
        Partner {
            tenant_id: "p".into(),
            name: "P".into(),
            partner_type: PartnerType::IndirectProvider,
            indirect_provider_id: None,
        }
    }

    #[test]
    fn partner_type_parses_case_insensitively() {
        assert_eq!(PartnerType::parse("indirectreseller"), Some(PartnerType::IndirectReseller));
        assert_eq!(PartnerType::parse("Distributor"), None);
    }

    #[test]
    fn reseller_needs_an_indirect_provider() {
        use PartnerShapeError::*;
        let p = provider();
        let mut direct = p.clone();
        direct.partner_type = PartnerType::DirectBill;
        assert_eq!(check_partner_shape(PartnerType::IndirectReseller, None, false), Err(ResellerNeedsProvider));
        assert_eq!(check_partner_shape(PartnerType::IndirectReseller, Some(&p), true), Ok(()));
        assert_eq!(
            check_partner_shape(PartnerType::IndirectReseller, Some(&direct), true),
            Err(ProviderIsNotIndirectProvider)
        );
        assert_eq!(check_partner_shape(PartnerType::IndirectReseller, None, true), Err(ProviderIsNotIndirectProvider));
        assert_eq!(check_partner_shape(PartnerType::DirectBill, Some(&p), true), Err(OnlyResellersHaveProvider));
        assert_eq!(check_partner_shape(PartnerType::IndirectProvider, None, false), Ok(()));
    }
}
