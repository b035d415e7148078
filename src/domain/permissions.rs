//! Who may call what: one pure decision per operation, from the caller's roles, partner type
//! and whether the token is app-only.

use super::partners::PartnerType;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    AdminAgent,
    SalesAgent,
    HelpdeskAgent,
    GlobalAdmin,
    UserManagementAdmin,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::AdminAgent, Role::SalesAgent, Role::HelpdeskAgent, Role::GlobalAdmin, Role::UserManagementAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::AdminAgent => "AdminAgent",
            Role::SalesAgent => "SalesAgent",
            Role::HelpdeskAgent => "HelpdeskAgent",
            Role::GlobalAdmin => "GlobalAdmin",
            Role::UserManagementAdmin => "UserManagementAdmin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The roles of `names`; each name that is no role adds a `roles: …` problem.
    pub fn parse_all(names: &[String], problems: &mut Vec<String>) -> Vec<Role> {
        names
            .iter()
            .filter_map(|r| {
                Role::parse(r).or_else(|| {
                    problems.push(format!(
                        "roles: '{r}' is not one of AdminAgent, SalesAgent, HelpdeskAgent, GlobalAdmin, UserManagementAdmin"
                    ));
                    None
                })
            })
            .collect()
    }
}

/// An operation guarded by a permission rule, as a type (`ops::ConfirmAcceptance`): a use case
/// names the operation it performs in the type of the permit it takes.
pub trait Guarded {
    const OPERATION: Operation;
}

/// The operations of the emulated `/v1` API, listed once: each is a variant of [`Operation`] and
/// a type of [`ops`].
macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Every operation of the emulated `/v1` API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operation {
            $($(#[$doc])* $name),*
        }

        impl Operation {
            /// The operation's name, as stored with a kept answer.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name)),*
                }
            }

            /// The operation `name` names, if any.
            pub fn parse(name: &str) -> Option<Operation> {
                [$(Operation::$name),*].into_iter().find(|op| op.as_str() == name)
            }

            /// Operations as stored together: their names, joined by commas.
            pub fn join(ops: &[Operation]) -> String {
                ops.iter().map(|op| op.as_str()).collect::<Vec<_>>().join(",")
            }

            /// Operations stored with [`Operation::join`]; a name this version does not know is
            /// passed over.
            pub fn parse_all(joined: &str) -> Vec<Operation> {
                joined.split(',').filter_map(Operation::parse).collect()
            }
        }

        /// The operations as types.
        pub mod ops {
            $(
                #[doc = concat!("The `", stringify!($name), "` operation.")]
                pub struct $name;
                impl super::Guarded for $name {
                    const OPERATION: super::Operation = super::Operation::$name;
                }
            )*
        }
    };
}

operations!(
    GetAgreementMetadata,
    GetAgreementDocument,
    ConfirmAcceptance,
    ListCustomerAgreements,
    GetDirectSignStatus,
    CreateCustomer,
    /// `POST /v1/customers` with an `associatedPartnerId`: an indirect provider creating a customer
    /// for one of its resellers.
    CreateCustomerForReseller,
    ListCustomers,
    GetCustomer,
    GetRelationshipRequest,
    CreateOrder,
    ListOrders,
    GetOrder,
    CreateCart,
    GetCart,
    UpdateCart,
    CheckoutCart,
    CreateEnhancedAttestation,
    GetEnhancedAttestation,
    /// `POST /v1/customers/{id}/agreements` with an `attestationId`.
    CreateAgreementWithAttestation,
);

/// What the permission rules need to know about a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerFacts<'a> {
    pub partner_type: PartnerType,
    pub app_only: bool,
    pub roles: &'a [Role],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The operation needs an App+User token.
    AppUserTokenRequired,
    /// The operation needs an App-only token.
    AppOnlyTokenRequired,
    /// None of the caller's roles may perform the operation.
    RoleNotAllowed(&'static [Role]),
    /// Indirect resellers must ask their indirect provider to attest.
    IndirectResellerCannotAttest,
}

struct Rule {
    app_only_allowed: bool,
    /// None: App+User tokens are refused whatever their roles.
    roles: Option<&'static [Role]>,
    resellers_allowed: bool,
}

use Role::*;
const AGENTS: &[Role] = &[AdminAgent, SalesAgent];
const READERS: &[Role] = &[AdminAgent, SalesAgent, HelpdeskAgent];
const EVERYONE: &[Role] = &[AdminAgent, SalesAgent, HelpdeskAgent, GlobalAdmin, UserManagementAdmin];
const CUSTOMER_CREATORS: &[Role] = &[GlobalAdmin, UserManagementAdmin, AdminAgent, SalesAgent];

fn rule(op: Operation) -> Rule {
    let (app_only_allowed, roles, resellers_allowed) = match op {
        // The agreement reads: "This scenario supports App+User authentication only", each page of
        // Microsoft's says (metadata, the template's document, the confirmations, the direct-sign
        // status); an App-only token is refused as on relationship requests (990420).
        Operation::GetAgreementMetadata => (false, Some(EVERYONE), true),
        Operation::GetAgreementDocument => (false, Some(AGENTS), true),
        Operation::ConfirmAcceptance => (false, Some(AGENTS), false),
        Operation::ListCustomerAgreements => (false, Some(READERS), true),
        Operation::GetDirectSignStatus => (false, Some(READERS), true),
        Operation::CreateCustomer => (true, Some(CUSTOMER_CREATORS), true),
        // "This scenario supports authentication with App+User credentials only." A reseller or a
        // direct-bill partner that sends the member is told so by the member's own check (990423).
        Operation::CreateCustomerForReseller => (false, Some(CUSTOMER_CREATORS), true),
        Operation::ListCustomers | Operation::GetCustomer => (true, Some(EVERYONE), true),
        Operation::GetRelationshipRequest => (false, Some(AGENTS), true),
        // Purchases, today's (carts) as the minimal order: App-only, or the agents; reading them,
        // the helpdesk agent too.
        Operation::CreateOrder | Operation::CreateCart | Operation::UpdateCart | Operation::CheckoutCart => {
            (true, Some(AGENTS), true)
        }
        Operation::ListOrders | Operation::GetOrder | Operation::GetCart => (true, Some(READERS), true),
        // Enhanced attestation: App-only, direct-bill partners and indirect providers.
        Operation::CreateEnhancedAttestation
        | Operation::GetEnhancedAttestation
        | Operation::CreateAgreementWithAttestation => (true, None, false),
    };
    Rule { app_only_allowed, roles, resellers_allowed }
}

/// Decide whether the caller may perform `op`. Checks run in the order the real service
/// reports them: token kind, then role, then partner type.
pub fn authorize(op: Operation, caller: &CallerFacts) -> Result<(), Refusal> {
    let rule = rule(op);
    if caller.app_only {
        if !rule.app_only_allowed {
            return Err(Refusal::AppUserTokenRequired);
        }
    } else {
        let Some(roles) = rule.roles else { return Err(Refusal::AppOnlyTokenRequired) };
        if !caller.roles.iter().any(|r| roles.contains(r)) {
            return Err(Refusal::RoleNotAllowed(roles));
        }
    }
    if !rule.resellers_allowed && caller.partner_type == PartnerType::IndirectReseller {
        return Err(Refusal::IndirectResellerCannotAttest);
    }
    Ok(())
}

/// Whether a call meets Partner Center's MFA requirement (in force from the 2026-04-01 milestone):
/// App-only calls are exempt; an App+User call needs a user who signed in with MFA.
pub fn meets_mfa_requirement(app_only: bool, signed_in_with_mfa: bool) -> bool {
    app_only || signed_in_with_mfa
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;
    use PartnerType::*;

    fn decide(op: Operation, pt: PartnerType, app_only: bool, roles: &[Role]) -> Result<(), Refusal> {
        authorize(op, &CallerFacts { partner_type: pt, app_only, roles })
    }

    #[test]
    fn confirm_acceptance_table() {
        // (partner type, app-only, roles, allowed?)
        type Case<'a> = (PartnerType, bool, &'a [Role], Result<(), Refusal>);
        let cases: &[Case] = &[
            (DirectBill, false, &[AdminAgent], Ok(())),
            (DirectBill, false, &[SalesAgent], Ok(())),
            (DirectBill, false, &[HelpdeskAgent], Err(Refusal::RoleNotAllowed(AGENTS))),
            (DirectBill, false, &[GlobalAdmin], Err(Refusal::RoleNotAllowed(AGENTS))),
            (DirectBill, false, &[UserManagementAdmin], Err(Refusal::RoleNotAllowed(AGENTS))),
            (DirectBill, false, &[], Err(Refusal::RoleNotAllowed(AGENTS))),
            (DirectBill, true, &[], Err(Refusal::AppUserTokenRequired)),
            (DirectBill, true, &[AdminAgent], Err(Refusal::AppUserTokenRequired)),
            (IndirectProvider, false, &[AdminAgent], Ok(())),
            (IndirectProvider, false, &[HelpdeskAgent, SalesAgent], Ok(())),
            (IndirectReseller, false, &[AdminAgent], Err(Refusal::IndirectResellerCannotAttest)),
            (IndirectReseller, false, &[HelpdeskAgent], Err(Refusal::RoleNotAllowed(AGENTS))),
            (IndirectReseller, true, &[], Err(Refusal::AppUserTokenRequired)),
        ];
        for (pt, app_only, roles, expected) in cases {
            assert_eq!(decide(ConfirmAcceptance, *pt, *app_only, roles), *expected, "{pt:?} {app_only} {roles:?}");
        }
    }

    #[test]
    fn an_operation_is_read_back_from_its_name() {
        for op in [GetAgreementMetadata, ConfirmAcceptance, CreateCustomerForReseller, CreateAgreementWithAttestation] {
            assert_eq!(Operation::parse(op.as_str()), Some(op));
        }
        assert_eq!(Operation::parse("confirmAcceptance"), None);
        let both = [CreateCustomer, CreateCustomerForReseller];
        assert_eq!(Operation::parse_all(&Operation::join(&both)), both);
        assert_eq!(Operation::parse(""), None);
    }

    #[test]
    fn every_operation_table() {
        // (operation, app-only allowed, roles allowed with an App+User token)
        let table: &[(Operation, bool, &[Role])] = &[
            (GetAgreementMetadata, false, EVERYONE),
            (GetAgreementDocument, false, AGENTS),
            (ConfirmAcceptance, false, AGENTS),
            (ListCustomerAgreements, false, READERS),
            (GetDirectSignStatus, false, READERS),
            (CreateCustomer, true, CUSTOMER_CREATORS),
            (CreateCustomerForReseller, false, CUSTOMER_CREATORS),
            (ListCustomers, true, EVERYONE),
            (GetCustomer, true, EVERYONE),
            (GetRelationshipRequest, false, AGENTS),
            (CreateOrder, true, AGENTS),
            (ListOrders, true, READERS),
            (GetOrder, true, READERS),
            (CreateCart, true, AGENTS),
            (GetCart, true, READERS),
            (UpdateCart, true, AGENTS),
            (CheckoutCart, true, AGENTS),
            (CreateEnhancedAttestation, true, &[]),
            (GetEnhancedAttestation, true, &[]),
            (CreateAgreementWithAttestation, true, &[]),
        ];
        for (op, app_only_ok, roles) in table {
            assert_eq!(decide(*op, DirectBill, true, &[]).is_ok(), *app_only_ok, "{op:?} app-only");
            for role in Role::ALL {
                assert_eq!(decide(*op, DirectBill, false, &[role]).is_ok(), roles.contains(&role), "{op:?} {role:?}");
            }
        }
    }

    #[test]
    fn enhanced_attestation_is_app_only_and_never_for_indirect_resellers() {
        for op in [CreateEnhancedAttestation, GetEnhancedAttestation, CreateAgreementWithAttestation] {
            assert_eq!(decide(op, DirectBill, true, &[]), Ok(()));
            assert_eq!(decide(op, IndirectProvider, true, &[]), Ok(()));
            assert_eq!(decide(op, IndirectReseller, true, &[]), Err(Refusal::IndirectResellerCannotAttest));
            assert_eq!(decide(op, DirectBill, false, &[AdminAgent]), Err(Refusal::AppOnlyTokenRequired));
        }
    }

    #[test]
    fn roles_parse_case_insensitively() {
        assert_eq!(Role::parse("adminagent"), Some(AdminAgent));
        assert_eq!(Role::parse("Owner"), None);
    }
}
