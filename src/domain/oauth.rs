//! The emulated sign-in service's refusals, as Microsoft's identity platform words them: an OAuth
//! `error`, an `AADSTS` code and its message. One place for every refusal of the token endpoint.

use super::sign_in::LOCKED_OUT;

/// The scope (v2 endpoint) and resource (v1 endpoint) of the Partner Center API.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthRefusal {
    /// A required form parameter is missing or empty.
    MissingParameter(&'static str),
    UnsupportedGrantType(String),
    /// The tenant in the path is neither a partner's tenant id, one of its domains, nor `common` /
    /// `organizations`.
    TenantNotFound(String),
    /// An App-only grant (`client_credentials`) at a path naming no tenant (`common`,
    /// `organizations`): an app's token is for one tenant, and nothing says which.
    NoTenant,
    /// No app registration with this client id (in this tenant).
    ApplicationNotFound {
        client_id: String,
        tenant: String,
    },
    /// `client_credentials` without a secret.
    ClientSecretRequired,
    InvalidClientSecret(String),
    /// The v2 `scope` does not ask for the Partner Center API.
    InvalidScope(String),
    /// A `client_credentials` scope that is not the API's `/.default` (OpenID Connect's own
    /// scopes aside, which MSAL sends with every grant and Entra ID passes over).
    ClientCredentialsScope(String),
    /// A user grant's scope with the API's `/.default` beside one of the API's own permissions
    /// (`…/.default …/user_impersonation`): `/.default` stands for all of them.
    DefaultWithPermissions(String),
    /// The v1 `resource` is not the Partner Center API.
    InvalidResource(String),
    /// A `resource` sent to the v2 endpoint, which asks for a `scope` instead.
    ResourceOnV2,
    /// Wrong user name or password (an unknown user name too: the answer reveals no account).
    InvalidCredentials,
    LockedOut,
    /// The right password of a user who must do multi-factor authentication, which the password
    /// grant cannot do: Entra ID sends such a user to an interactive sign-in.
    MfaRequired,
    /// A refresh token that was not issued here, was altered, or whose user is gone.
    InvalidRefreshToken,
    RefreshTokenExpired,
    /// A user of another tenant signing in through a tenant-specific path.
    UserNotInTenant {
        tenant: String,
    },
    /// Two ways of sending the client's credentials that disagree (form and Basic header).
    ConflictingClientCredentials,
    /// A `client_assertion` or `client_assertion_type` (a certificate or a federated credential):
    /// the emulator's applications sign in with their client secret only.
    ClientAssertionNotSupported,
    /// A form value holds a NUL character.
    NulCharacter(String),
    /// A parameter the endpoint reads was sent more than once (RFC 6749 §3.1: parameters must
    /// not repeat): which value was meant is not guessed.
    RepeatedParameter(String),
    /// The body is no `application/x-www-form-urlencoded` form: a broken percent escape, or bytes
    /// that are not UTF-8 once decoded (what is wrong).
    MalformedForm(String),
}

/// What the client reads: the OAuth error, whether it is the client's authentication that
/// failed (HTTP 401), and the AADSTS code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: &'static str,
    pub unauthorized_client: bool,
    pub code: u32,
    pub message: String,
    /// Entra's `suberror`, which tells a library what the user must do (`basic_action`: sign in
    /// interactively).
    pub suberror: Option<&'static str>,
}

impl OAuthRefusal {
    pub fn describe(&self) -> Refusal {
        let (error, code, message) = match self {
            Self::MissingParameter(name) => {
                ("invalid_request", 900144, format!("The request body must contain the following parameter: '{name}'."))
            }
            Self::UnsupportedGrantType(grant) => (
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{grant}'. The emulator supports client_credentials, password and refresh_token."),
            ),
            Self::TenantNotFound(tenant) => (
                "invalid_tenant",
                90002,
                format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
            ),
            Self::NoTenant => (
                "invalid_request",
                50059,
                "No tenant-identifying information found in either the request or implied by any provided credentials. An App-only token (client_credentials) is asked for at the path of the app's tenant (its tenant id or one of its domains), not at common or organizations.".into(),
            ),
            Self::ApplicationNotFound { client_id, tenant } => (
                "unauthorized_client",
                700016,
                format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant."),
            ),
            Self::ClientSecretRequired => (
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.".into(),
            ),
            Self::InvalidClientSecret(client_id) => (
                "invalid_client",
                7000215,
                format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
            ),
            Self::InvalidScope(scope) => (
                "invalid_scope",
                70011,
                format!("The provided value for the input parameter 'scope' is not valid. The scope '{scope}' does not ask for {PARTNER_CENTER_RESOURCE}/.default or {PARTNER_CENTER_RESOURCE}/user_impersonation."),
            ),
            Self::ClientCredentialsScope(scope) => (
                "invalid_scope",
                1002012,
                format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI): {PARTNER_CENTER_RESOURCE}/.default."),
            ),
            Self::DefaultWithPermissions(scope) => (
                "invalid_scope",
                70011,
                format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. .default scope can't be combined with resource-specific scopes."),
            ),
            Self::ResourceOnV2 => (
                "invalid_request",
                901002,
                "The 'resource' request parameter is not supported. The v2.0 endpoint asks for a 'scope' (https://api.partnercenter.microsoft.com/.default); send 'resource' to the v1 endpoint (/{tenant}/oauth2/token).".into(),
            ),
            Self::InvalidResource(resource) => (
                "invalid_resource",
                500011,
                format!("The resource principal named {resource} was not found in the tenant. The emulator issues tokens for {PARTNER_CENTER_RESOURCE} only."),
            ),
            Self::InvalidCredentials => {
                ("invalid_grant", 50126, "Error validating credentials due to invalid username or password.".into())
            }
            Self::LockedOut => ("invalid_grant", 50053, LOCKED_OUT.into()),
            Self::MfaRequired => (
                "invalid_grant",
                50076,
                format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{PARTNER_CENTER_RESOURCE}'. The password grant cannot do multi-factor authentication: sign this user in interactively, or refresh the token such a sign-in left (the emulator's control plane issues one: POST /_emulator/partners/{{tenantId}}/users/{{userId}}/refresh-tokens)."),
            ),
            Self::InvalidRefreshToken => ("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.".into()),
            Self::RefreshTokenExpired => (
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity. The token was issued on a date too far in the past by the emulator clock.".into(),
            ),
            Self::UserNotInTenant { tenant } => (
                "invalid_grant",
                50034,
                format!("The user account does not exist in the '{tenant}' directory. To sign into this application, the account must be added to the directory."),
            ),
            Self::NulCharacter(name) => (
                "invalid_request",
                90100,
                format!("The request is malformed: the parameter '{name}' holds a NUL character (U+0000)."),
            ),
            Self::RepeatedParameter(name) => (
                "invalid_request",
                90100,
                format!("The request is malformed: the parameter '{name}' is sent more than once. Send each parameter once."),
            ),
            Self::MalformedForm(what) => (
                "invalid_request",
                9002313,
                format!("Invalid request. Request is malformed or invalid: the body is not a valid application/x-www-form-urlencoded form ({what})."),
            ),
            Self::ConflictingClientCredentials => (
                "invalid_request",
                90014,
                "The client credentials were sent both in the Authorization header and in the body, and they differ.".into(),
            ),
            Self::ClientAssertionNotSupported => (
                "invalid_client",
                700027,
                "Client assertion failed signature validation. The emulator's applications sign in with their client secret ('client_secret' in the body or an Authorization: Basic header); certificates and federated credentials ('client_assertion', 'client_assertion_type') are not supported.".into(),
            ),
        };
        let suberror = matches!(self, Self::MfaRequired).then_some("basic_action");
        Refusal { error, unauthorized_client: error == "invalid_client", code, message, suberror }
    }
}

/// OpenID Connect's scopes, allowed beside the API's in a v2 `scope`.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Whether a v2 `scope` asks for the Partner Center API (`…/.default` for App-only tokens,
/// `…/user_impersonation` or `…/.default` for users; `openid`, `profile` and `offline_access` may
/// come beside it).
pub fn scope_asks_for_partner_center(scope: &str) -> bool {
    asks_for_one_of(scope, &["/.default", "/user_impersonation"])
}

/// Whether a `client_credentials` scope asks for the app's own permissions on the API: the API's
/// `/.default` and nothing else but OpenID Connect's scopes (which an app-only token ignores).
pub fn is_client_credentials_scope(scope: &str) -> bool {
    asks_for_one_of(scope, &["/.default"])
}

/// Whether a scope puts the API's `/.default` beside one of the API's own permissions
/// (`…/user_impersonation`), which a user grant may not do: `/.default` already stands for every
/// permission the app was granted (AADSTS70011). OpenID Connect's scopes beside it are no
/// permissions of the API. (A `client_credentials` scope has its own rule,
/// [`is_client_credentials_scope`].)
pub fn combines_default_with_permissions(scope: &str) -> bool {
    let api = format!("{PARTNER_CENTER_RESOURCE}/");
    let of_the_api = |item: &&str| item.get(..api.len()).is_some_and(|p| p.eq_ignore_ascii_case(&api));
    let (default, permissions): (Vec<&str>, Vec<&str>) = scope
        .split_whitespace()
        .filter(of_the_api)
        .partition(|item| item[api.len()..].eq_ignore_ascii_case(".default"));
    !default.is_empty() && !permissions.is_empty()
}

/// Whether `scope` names at least one of the API's `permissions` (suffixes of its resource) and
/// nothing else but OpenID Connect's scopes.
fn asks_for_one_of(scope: &str, permissions: &[&str]) -> bool {
    let wanted: Vec<String> = permissions.iter().map(|p| format!("{PARTNER_CENTER_RESOURCE}{p}")).collect();
    let mut asked = false;
    for item in scope.split_whitespace() {
        if wanted.iter().any(|w| w.eq_ignore_ascii_case(item)) {
            asked = true;
        } else if !OIDC_SCOPES.contains(&item) {
            return false;
        }
    }
    asked
}

/// OpenID Connect's own scopes, which may come beside the API's in a v2 `scope` (and in a v1
/// `scope`): each changes what the answer holds, as it does at Entra ID.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OidcScopes {
    /// An `id_token` for the user.
    pub openid: bool,
    /// The user's name and user name in the `id_token`.
    pub profile: bool,
    /// A refresh token (v2; the v1 endpoint always gives one to a user).
    pub offline_access: bool,
}

impl OidcScopes {
    pub fn of(scope: &str) -> Self {
        let asked = |name: &str| scope.split_whitespace().any(|s| s.eq_ignore_ascii_case(name));
        OidcScopes { openid: asked("openid"), profile: asked("profile"), offline_access: asked("offline_access") }
    }
}

/// Where Entra ID says its tokens come from: v1 tokens (every access token for the Partner Center
/// API, and the v1 endpoint's id_tokens) name `sts.windows.net`; the v2 endpoint's discovery
/// document and id_tokens name `login.microsoftonline.com/{tenant}/v2.0`.
pub fn v1_issuer(tenant: &str) -> String {
    format!("https://sts.windows.net/{tenant}/")
}

pub fn v2_issuer(tenant: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant}/v2.0")
}

/// Whether a v1 `resource` is the Partner Center API (with or without a trailing slash).
pub fn is_partner_center_resource(resource: &str) -> bool {
    resource.trim_end_matches('/').eq_ignore_ascii_case(PARTNER_CENTER_RESOURCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_must_ask_for_the_partner_center_api() {
        assert!(scope_asks_for_partner_center("https://api.partnercenter.microsoft.com/.default"));
        assert!(scope_asks_for_partner_center(
            "openid offline_access https://api.partnercenter.microsoft.com/user_impersonation"
        ));
        assert!(!scope_asks_for_partner_center("https://graph.microsoft.com/.default"));
        assert!(!scope_asks_for_partner_center("openid"));
        assert!(!scope_asks_for_partner_center(""));
        assert!(is_partner_center_resource("https://api.partnercenter.microsoft.com/"));
        assert!(!is_partner_center_resource("https://graph.windows.net"));
    }

    #[test]
    fn a_client_credentials_scope_is_the_apis_default_with_openid_connects_scopes_only() {
        let default = "https://api.partnercenter.microsoft.com/.default";
        assert!(is_client_credentials_scope(default));
        // MSAL for Java puts its common scopes before or after (a set's order)
        assert!(is_client_credentials_scope(&format!("openid profile offline_access {default}")));
        assert!(is_client_credentials_scope(&format!("{default} openid profile offline_access")));
        assert!(is_client_credentials_scope("HTTPS://API.PARTNERCENTER.MICROSOFT.COM/.DEFAULT"));
        assert!(!is_client_credentials_scope(&format!(
            "https://api.partnercenter.microsoft.com/user_impersonation {default}"
        )));
        assert!(!is_client_credentials_scope("https://api.partnercenter.microsoft.com/user_impersonation"));
        assert!(!is_client_credentials_scope("https://graph.microsoft.com/.default"));
        assert!(!is_client_credentials_scope(&format!("{default} https://graph.microsoft.com/.default")));
        assert!(!is_client_credentials_scope("openid"));
        assert!(!is_client_credentials_scope(""));
    }

    #[test]
    fn a_user_grant_may_not_put_the_apis_default_beside_its_permissions() {
        let default = "https://api.partnercenter.microsoft.com/.default";
        let impersonation = "https://api.partnercenter.microsoft.com/user_impersonation";
        assert!(combines_default_with_permissions(&format!("{default} {impersonation}")));
        assert!(combines_default_with_permissions(&format!("openid {impersonation} offline_access {default}")));
        assert!(combines_default_with_permissions(
            "HTTPS://API.PARTNERCENTER.MICROSOFT.COM/.DEFAULT https://api.partnercenter.microsoft.com/User_Impersonation"
        ));
        // either alone, with OpenID Connect's scopes or not, is fine
        assert!(!combines_default_with_permissions(default));
        assert!(!combines_default_with_permissions(impersonation));
        assert!(!combines_default_with_permissions(&format!("openid profile offline_access email {default}")));
        assert!(!combines_default_with_permissions(&format!("{impersonation} openid profile offline_access")));
        assert!(!combines_default_with_permissions(""));
        // both are still scopes that ask for the API: the combination is its own refusal
        assert!(scope_asks_for_partner_center(&format!("{default} {impersonation}")));
        let refusal = OAuthRefusal::DefaultWithPermissions(format!("{default} {impersonation}")).describe();
        assert_eq!((refusal.error, refusal.code, refusal.unauthorized_client), ("invalid_scope", 70011, false));
        assert!(refusal.message.ends_with(".default scope can't be combined with resource-specific scopes."));
    }

    #[test]
    fn an_app_without_a_tenant_and_a_client_assertion_are_refused_as_entra_words_them() {
        let no_tenant = OAuthRefusal::NoTenant.describe();
        assert_eq!((no_tenant.error, no_tenant.code, no_tenant.unauthorized_client), ("invalid_request", 50059, false));
        assert!(no_tenant.message.starts_with(
            "No tenant-identifying information found in either the request or implied by any provided credentials."
        ));
        let assertion = OAuthRefusal::ClientAssertionNotSupported.describe();
        assert_eq!((assertion.error, assertion.code, assertion.unauthorized_client), ("invalid_client", 700027, true));
        assert!(assertion.message.contains("client secret"), "{}", assertion.message);
    }

    #[test]
    fn openid_connect_scopes_are_read() {
        let asked = "openid profile offline_access https://api.partnercenter.microsoft.com/.default";
        assert_eq!(OidcScopes::of(asked), OidcScopes { openid: true, profile: true, offline_access: true });
        assert_eq!(OidcScopes::of("https://api.partnercenter.microsoft.com/.default"), OidcScopes::default());
        assert_eq!(v2_issuer("t"), "https://login.microsoftonline.com/t/v2.0");
        assert_eq!(v1_issuer("t"), "https://sts.windows.net/t/");
    }

    #[test]
    fn only_client_authentication_failures_are_unauthorized() {
        assert!(OAuthRefusal::InvalidClientSecret("x".into()).describe().unauthorized_client);
        assert!(!OAuthRefusal::InvalidCredentials.describe().unauthorized_client);
        assert_eq!(OAuthRefusal::LockedOut.describe().code, 50053);
    }
}
