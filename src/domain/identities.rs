//! The identities the emulated sign-in service signs in: a partner's app registrations (client id
//! and secret, for App-only tokens) and its users (user name and password, for App+User tokens),
//! with the rules for making them and the development identities every database starts with.

use super::digest::sha256_hex;
use chrono::{DateTime, Utc};

use super::permissions::Role;
use super::text::has_control_character;

/// An app registration of a partner's tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRegistration {
    pub client_id: String,
    pub partner_tenant_id: String,
    pub display_name: String,
    /// SHA-256 of the client secret (a random secret of 40 characters: no slow hash is needed).
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A user of a partner's tenant: the `userId` the API records for what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerUser {
    pub id: String,
    pub partner_tenant_id: String,
    /// Trimmed, lower case ([`normalize_user_name`]).
    pub user_name: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    /// Whether the user's sign-in satisfies multi-factor authentication (the `amr` claim).
    pub mfa: bool,
    pub created_at: DateTime<Utc>,
}

pub const MAX_DISPLAY_NAME: usize = 256;
pub const MAX_USER_NAME: usize = 113; // Entra ID: 64 before the @, 48 after
pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;

/// User names compare trimmed and without case, as the sign-in service compares them.
pub fn normalize_user_name(user_name: &str) -> String {
    user_name.trim().to_lowercase()
}

/// The hash a client secret is kept as.
pub fn secret_hash(secret: &str) -> String {
    sha256_hex(secret)
}

/// Whether `secret` is the secret whose hash is `hash`.
pub fn secret_matches(secret: &str, hash: &str) -> bool {
    // Both sides are hashes of the same length: comparing them leaks nothing about the secret.
    secret_hash(secret) == hash
}

/// `local@domain`: one `@`, a non-empty local part, a domain with a dot that neither starts nor
/// ends it, and no white space or control character anywhere (openapi.yaml's `userName` pattern).
pub fn is_user_principal_name(name: &str) -> bool {
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = name.split_once('@') else {
        return false;
    };
    let dot_inside = domain.char_indices().any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len());
    !local.is_empty() && !domain.contains('@') && dot_inside
}

/// The problems of a new user (empty when it may be made), as `field: problem`.
pub fn check_new_user(user_name: &str, password: Option<&str>, display_name: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    if !is_user_principal_name(user_name) {
        problems.push(format!(
            "userName: '{user_name}' is not a user principal name such as ana@contoso.onmicrosoft.com \
             (one @, a domain with a dot inside it, no spaces or control characters)"
        ));
    } else if normalize_user_name(user_name).chars().count() > MAX_USER_NAME {
        // Counted as stored (lower case can be longer: 'İ' is two characters), so that no account
        // has a name a sign-in would refuse as too long.
        problems.push(format!("userName: longer than {MAX_USER_NAME} characters"));
    }
    if let Some(password) = password {
        let length = password.chars().count();
        if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) || has_control_character(password) {
            problems.push(format!(
                "password: must be {MIN_PASSWORD} to {MAX_PASSWORD} characters without control characters"
            ));
        }
    }
    if let Some(display_name) = display_name {
        if display_name.trim().is_empty()
            || display_name.chars().count() > MAX_DISPLAY_NAME
            || has_control_character(display_name)
        {
            problems
                .push(format!("displayName: must be 1 to {MAX_DISPLAY_NAME} characters without control characters"));
        }
    }
    problems
}

/// The development identities that every fresh or reset database holds, with fixed, published
/// credentials (as Azurite's well-known storage account): a direct-bill partner, an app
/// registration for App-only tokens and an Admin agent user for App+User tokens.
pub mod development {
    pub const PARTNER_TENANT_ID: &str = "7e57da7a-0000-4000-8000-00000000d001";
    pub const PARTNER_NAME: &str = "Contoso development partner";
    pub const CLIENT_ID: &str = "7e57da7a-0000-4000-8000-00000000a991";
    pub const CLIENT_SECRET: &str = "pce-development-client-secret-not-for-production";
    pub const APP_NAME: &str = "Partner Center emulator development app";
    pub const USER_ID: &str = "7e57da7a-0000-4000-8000-00000000e5e1";
    pub const USER_NAME: &str = "admin@contoso-dev.onmicrosoft.com";
    pub const USER_PASSWORD: &str = "Pce-Development-Passw0rd";
    /// `USER_PASSWORD`'s argon2id hash (the emulator's parameters), made once: the password is
    /// published, and hashing it at every start of a fresh database would cost the start-up tens
    /// of milliseconds.
    pub const USER_PASSWORD_HASH: &str =
        "$argon2id$v=19$m=7168,t=5,p=1$nTDkQw/vKE+mL7/3IP4U2A$bd56nslmDqC+h085wL4QBbZIcwM5lVNagsLLO+5mRmA";
    pub const USER_DISPLAY_NAME: &str = "Development Admin agent";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_principal_names_and_compare_without_case() {
        assert!(check_new_user("Ana@Contoso.onmicrosoft.com", Some("long enough"), None).is_empty());
        assert!(check_new_user("a@.b.c", None, None).is_empty(), "as the pattern: a dot inside the domain");
        for bad in [
            "ana",
            "@contoso.com",
            "ana@contoso",
            "ana@@contoso.com",
            "a na@contoso.com",
            "ana@.com",
            " a@b.co",
            "a@b.",
        ] {
            assert_eq!(check_new_user(bad, None, None).len(), 1, "{bad}");
        }
        assert_eq!(normalize_user_name(" Ana@Contoso.com "), "ana@contoso.com");
    }

    #[test]
    fn a_user_name_is_counted_as_it_is_stored() {
        let name = format!("{}@b.co", "\u{130}".repeat(60)); // 'İ' lower-cases to two characters
        assert!(name.chars().count() <= MAX_USER_NAME && is_user_principal_name(&name));
        assert!(normalize_user_name(&name).chars().count() > MAX_USER_NAME);
        assert_eq!(
            check_new_user(&name, None, None),
            vec![format!("userName: longer than {MAX_USER_NAME} characters")]
        );
        assert!(check_new_user(&format!("{}@b.co", "i".repeat(100)), None, None).is_empty());
    }

    #[test]
    fn passwords_and_display_names_have_bounds() {
        assert_eq!(check_new_user("a@b.co", Some("short"), None).len(), 1);
        assert_eq!(check_new_user("a@b.co", Some("with\u{0}nul!"), None).len(), 1);
        assert_eq!(check_new_user("a@b.co", None, Some(" ")).len(), 1);
        assert!(check_new_user("a@b.co", None, Some("Ana Lee")).is_empty());
    }

    #[test]
    fn a_secret_matches_its_hash_only() {
        let hash = secret_hash("s3cret");
        assert!(secret_matches("s3cret", &hash));
        assert!(!secret_matches("s3cret ", &hash));
        assert_eq!(hash.len(), 64);
    }

    #[test]
    fn the_development_ids_are_guids() {
        for id in [development::PARTNER_TENANT_ID, development::CLIENT_ID, development::USER_ID] {
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        }
    }
}
