//! Access tokens: minted by the control plane, verified on every `/v1` request.
//! HS256 JWTs shaped like Azure AD tokens for the Partner Center API.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

use crate::domain::partners::Partner;
use crate::domain::permissions::{CallerFacts, Role};

pub const AUDIENCE: &str = "https://api.partnercenter.microsoft.com";
pub const ISSUER_PREFIX: &str = "https://sts.windows.net/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The partner's tenant id.
    pub tid: String,
    /// The user's (or, app-only, the application's) object id.
    pub oid: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// `app` for app-only tokens, `user` for app+user tokens.
    pub idtyp: String,
    pub appid: String,
    /// The token's unique identifier (Entra's `uti`); tokens minted before it carry none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uti: String,
    /// How the user signed in (`pwd`, `mfa`): an App+User call needs `mfa` from the 2026-04-01
    /// milestone on. App-only tokens carry none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
}

impl Claims {
    pub fn app_only(&self) -> bool {
        self.idtyp == "app"
    }

    pub fn roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }

    /// Whether the user signed in with multi-factor authentication.
    pub fn mfa(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa")
    }
}

/// Entra's `amr` of a token: none for an app, `pwd` for a user's password, and `mfa` beside it
/// when the sign-in did multi-factor authentication.
pub fn authentication_methods(app_only: bool, mfa: bool) -> Vec<String> {
    match (app_only, mfa) {
        (true, _) => vec![],
        (false, true) => vec!["pwd".into(), "mfa".into()],
        (false, false) => vec!["pwd".into()],
    }
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    verified: Arc<VerifiedTokens>,
    /// Seals continuation tokens (`domain::paging`): derived from the signing secret, so that
    /// every replica sharing the secret reads the others' tokens, and distinct from it.
    continuation: [u8; 32],
}

impl TokenKeys {
    pub fn from_secret(secret: &str) -> Self {
        let continuation = Sha256::new().chain_update(b"MS-ContinuationToken\n").chain_update(secret).finalize().into();
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            verified: Arc::default(),
            continuation,
        }
    }

    /// The key that seals continuation tokens.
    pub fn continuation_key(&self) -> &[u8] {
        &self.continuation
    }
}

/// The claims of tokens whose signature and audience these keys verified, by the token's text:
/// a client sends the same token many times, and its signature is checked once. What can change
/// while a token lives — the emulator clock (expiry), its partner, the MFA rule of the service
/// date — is judged on every request. Bounded: when full, it starts over (the next use of each
/// token verifies it again).
#[derive(Default)]
struct VerifiedTokens(Mutex<foldhash::HashMap<Box<str>, Arc<Claims>>>);

/// Tokens remembered at most: a test suite's or a few tools' worth.
const VERIFIED_TOKENS: usize = 1024;

impl VerifiedTokens {
    fn get(&self, token: &str) -> Option<Arc<Claims>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(token).cloned()
    }

    fn remember(&self, token: &str, claims: Arc<Claims>) {
        let mut entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= VERIFIED_TOKENS {
            entries.clear();
        }
        entries.insert(token.into(), claims);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Missing,
    Malformed,
    BadSignature,
    WrongAudience,
    Expired,
    UnknownPartner,
    /// The header names extensions (`crit`) that must be understood: the emulator knows none.
    CriticalExtension,
    /// `idtyp` is neither `app` nor `user`.
    UnknownTokenType,
}

impl TokenError {
    pub fn explain(self) -> &'static str {
        match self {
            TokenError::Missing => "no bearer token in the Authorization header; mint one with POST /_emulator/tokens",
            TokenError::Malformed => {
                "the bearer token is not a well-formed HS256 JWT (alg none and other algorithms are refused)"
            }
            TokenError::BadSignature => "the token was not signed by this emulator's key",
            TokenError::WrongAudience => "the token's audience is not https://api.partnercenter.microsoft.com",
            TokenError::Expired => "the token expired by the emulator clock; mint a new one or move the clock back",
            TokenError::UnknownPartner => "the token's partner (tid) does not exist here (was the emulator reset?)",
            TokenError::CriticalExtension => {
                "the token's header lists critical extensions (crit) this emulator does not understand (RFC 7515 §4.1.11)"
            }
            TokenError::UnknownTokenType => "the token's idtyp is neither app (App-only) nor user (App+User)",
        }
    }
}

pub fn mint(keys: &TokenKeys, claims: &Claims) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &keys.encoding).expect("HS256 encoding of plain claims cannot fail")
}

/// Verify signature, algorithm and audience; expiry is judged by the emulator clock (`now`).
/// `nbf` is not judged: tests move the clock into the past and their tokens must keep working.
pub fn verify(keys: &TokenKeys, token: &str, now: DateTime<Utc>) -> Result<Arc<Claims>, TokenError> {
    let claims = verify_signature(keys, token)?;
    check_expiry(&claims, now)?;
    Ok(claims)
}

/// Signature, algorithm and audience only: expiry is judged apart (`check_expiry`), by the clock
/// of the token's partner.
pub fn verify_signature(keys: &TokenKeys, token: &str) -> Result<Arc<Claims>, TokenError> {
    Ok(match keys.verified.get(token) {
        Some(claims) => claims,
        None => {
            let claims = Arc::new(decode_access_token(keys, token)?);
            keys.verified.remember(token, claims.clone());
            claims
        }
    })
}

/// Expired at `now` (the emulator clock's)?
pub fn check_expiry(claims: &Claims, now: DateTime<Utc>) -> Result<(), TokenError> {
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(())
}

/// The claims of an access token signed with these keys for the Partner Center audience.
fn decode_access_token(keys: &TokenKeys, token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    let claims =
        decode::<Claims>(token, &keys.decoding, &validation).map(|data| data.claims).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => TokenError::BadSignature,
            ErrorKind::InvalidAudience => TokenError::WrongAudience,
            _ => TokenError::Malformed,
        })?;
    if names_critical_extensions(token) {
        return Err(TokenError::CriticalExtension);
    }
    if !matches!(claims.idtyp.as_str(), "app" | "user") {
        return Err(TokenError::UnknownTokenType);
    }
    Ok(claims)
}

/// Whether the JOSE header of a (signature-checked) token has a `crit` member. The header type of
/// the JWT library does not carry it, so the header is read here as plain JSON.
fn names_critical_extensions(token: &str) -> bool {
    use base64::Engine;
    let Some(header) = token.split('.').next() else { return false };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).is_ok_and(|h| h.contains_key("crit"))
}

/// What a form token says: the form it is for and what it is about. Signed with the access tokens'
/// key but with an audience of its own, so that neither kind of token passes for the other.
#[derive(Debug, Serialize, Deserialize)]
struct FormClaims {
    aud: String,
    sub: String,
}

fn form_audience(form: &str) -> String {
    format!("urn:partner-center-emulator:form:{form}")
}

/// A token that a page puts in its form, so that the form's answer is known to come from the page
/// (where no cookie can do it, as in a page framed by another site).
pub fn form_token(keys: &TokenKeys, form: &str, subject: &str) -> String {
    let claims = FormClaims { aud: form_audience(form), sub: subject.to_string() };
    encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).expect("HS256 encoding of plain claims cannot fail")
}

/// Whether `token` was made by [`form_token`] for this form and subject.
pub fn verify_form_token(keys: &TokenKeys, form: &str, subject: &str, token: &str) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[form_audience(form)]);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    decode::<FormClaims>(token, &keys.decoding, &validation).is_ok_and(|data| data.claims.sub == subject)
}

/// What an id_token says of the user who signed in, as Entra ID words it. Its audience is the
/// app's client id, never the Partner Center API's: an id_token is no access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The app's client id.
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The user's tenant.
    pub tid: String,
    /// The user's object id.
    pub oid: String,
    /// The user as this app sees them (Entra's pairwise subject: one per user and app).
    pub sub: String,
    /// `1.0` or `2.0`: the endpoint that issued it.
    pub ver: String,
    /// With the `profile` scope (v2), or always (v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// v1 only: the user principal name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    /// The `nonce` the client sent, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// An id_token, signed as the access tokens are.
pub fn mint_id_token(keys: &TokenKeys, claims: &IdTokenClaims) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &keys.encoding).expect("HS256 encoding of plain claims cannot fail")
}

/// The audience of refresh tokens: never the Partner Center API's, so a refresh token is no
/// access token.
const REFRESH_AUDIENCE: &str = "urn:partner-center-emulator:refresh-token";

/// What a refresh token of the emulated sign-in service holds: the user, the app it was issued to,
/// how the user signed in and when it expires by the emulator clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub aud: String,
    /// The user's object id.
    pub sub: String,
    pub tid: String,
    /// The client id of the app.
    pub azp: String,
    pub iat: i64,
    pub exp: i64,
    /// Makes every refresh token distinct.
    pub jti: String,
    /// How the user signed in (`pwd`, and `mfa` when the sign-in did MFA): a refresh keeps it, as
    /// Entra's refresh tokens keep the sign-in's authentication. Absent in a token issued before
    /// the emulator recorded it: a password-only sign-in, which is all those could be.
    #[serde(default)]
    pub amr: Vec<String>,
}

impl RefreshClaims {
    /// Whether the sign-in that left this token did MFA.
    pub fn mfa(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa")
    }
}

/// Whom a refresh token is for and what it holds; `mint_refresh` signs it.
pub struct RefreshGrant<'a> {
    pub user_id: &'a str,
    pub tenant_id: &'a str,
    pub client_id: &'a str,
    /// Whether the sign-in did MFA.
    pub mfa: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    pub unique_id: &'a str,
}

pub fn mint_refresh(keys: &TokenKeys, grant: RefreshGrant<'_>) -> String {
    let claims = RefreshClaims {
        aud: REFRESH_AUDIENCE.into(),
        sub: grant.user_id.into(),
        tid: grant.tenant_id.into(),
        azp: grant.client_id.into(),
        iat: grant.issued_at,
        exp: grant.expires_at,
        jti: grant.unique_id.into(),
        amr: authentication_methods(false, grant.mfa),
    };
    encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).expect("HS256 encoding of plain claims cannot fail")
}

/// The claims of a refresh token signed with these keys (expiry is the caller's to judge, by the
/// emulator clock); None when it was not issued here or was altered.
pub fn read_refresh(keys: &TokenKeys, token: &str) -> Option<RefreshClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[REFRESH_AUDIENCE]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    decode::<RefreshClaims>(token.trim(), &keys.decoding, &validation).ok().map(|data| data.claims)
}

/// The authenticated caller of a `/v1` route.
#[derive(Debug, Clone)]
pub struct Caller {
    pub partner: Partner,
    pub user_id: String,
    pub roles: Vec<Role>,
    pub app_only: bool,
    /// The user signed in with MFA (always false for an App-only token).
    pub mfa: bool,
}

impl Caller {
    pub fn facts(&self) -> CallerFacts<'_> {
        CallerFacts { partner_type: self.partner.partner_type, app_only: self.app_only, roles: &self.roles }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: AUDIENCE.into(),
            iss: format!("{ISSUER_PREFIX}t/"),
            iat: 0,
            nbf: 0,
            exp,
            tid: "t".into(),
            oid: "u".into(),
            roles: vec!["AdminAgent".into(), "Nonsense".into()],
            idtyp: "user".into(),
            appid: "a".into(),
            uti: "x".into(),
            amr: vec!["pwd".into(), "mfa".into()],
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn round_trip_and_expiry_by_given_clock() {
        let keys = TokenKeys::from_secret("k");
        let token = mint(&keys, &claims(1000));
        let c = verify(&keys, &token, at(999)).unwrap();
        assert_eq!(c.roles(), vec![Role::AdminAgent]);
        assert!(c.mfa());
        assert_eq!(verify(&keys, &token, at(1000)), Err(TokenError::Expired));
        assert!(verify(&keys, &token, at(10)).is_ok(), "a remembered token's expiry is judged on every use");
    }

    #[test]
    fn a_remembered_token_is_one_these_keys_verified_and_the_memory_is_bounded() {
        let keys = TokenKeys::from_secret("k");
        let token = mint(&keys, &claims(1000));
        verify(&keys, &token, at(0)).unwrap();
        let other_keys = TokenKeys::from_secret("x");
        assert_eq!(verify(&other_keys, &token, at(0)), Err(TokenError::BadSignature));
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(verify(&keys, &tampered, at(0)), Err(TokenError::BadSignature), "only the exact text is remembered");
        for exp in 0..(VERIFIED_TOKENS as i64 + 5) {
            verify(&keys, &mint(&keys, &claims(2000 + exp)), at(0)).unwrap();
        }
        assert!(keys.verified.0.lock().unwrap().len() <= VERIFIED_TOKENS);
        assert!(verify(&keys, &token, at(0)).is_ok(), "verified again after being forgotten");
    }

    #[test]
    fn form_tokens_fit_one_form_and_subject_and_are_no_access_tokens() {
        let keys = TokenKeys::from_secret("k");
        let token = form_token(&keys, "accept", "a1");
        assert!(verify_form_token(&keys, "accept", "a1", &token));
        assert!(!verify_form_token(&keys, "accept", "a2", &token));
        assert!(!verify_form_token(&keys, "other", "a1", &token));
        assert!(!verify_form_token(&TokenKeys::from_secret("x"), "accept", "a1", &token));
        assert!(verify(&keys, &token, at(0)).is_err(), "a form token is no access token");
        assert!(!verify_form_token(&keys, "accept", "u", &mint(&keys, &claims(1000))));
    }

    #[test]
    fn wrong_key_audience_and_alg_none_are_refused() {
        let keys = TokenKeys::from_secret("k");
        let token = mint(&TokenKeys::from_secret("other"), &claims(1000));
        assert_eq!(verify(&keys, &token, at(0)), Err(TokenError::BadSignature));
        let mut c = claims(1000);
        c.aud = "https://graph.microsoft.com".into();
        assert_eq!(verify(&keys, &mint(&keys, &c), at(0)), Err(TokenError::WrongAudience));
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unsigned = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(serde_json::to_vec(&claims(1000)).unwrap())
        );
        assert_eq!(verify(&keys, &unsigned, at(0)), Err(TokenError::Malformed));
        assert_eq!(verify(&keys, "garbage", at(0)), Err(TokenError::Malformed));
    }

    #[test]
    fn critical_extensions_and_unknown_token_types_are_refused() {
        let keys = TokenKeys::from_secret("k");
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".into());
        let with_crit = {
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let head = b64.encode(r#"{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}"#);
            let body = b64.encode(serde_json::to_vec(&claims(1000)).unwrap());
            let signing_input = format!("{head}.{body}");
            let signature =
                jsonwebtoken::crypto::sign(signing_input.as_bytes(), &keys.encoding, Algorithm::HS256).unwrap();
            format!("{signing_input}.{signature}")
        };
        assert_eq!(verify(&keys, &with_crit, at(0)), Err(TokenError::CriticalExtension));
        let mut odd = claims(1000);
        odd.idtyp = "device".into();
        assert_eq!(
            verify(&keys, &encode(&header, &odd, &keys.encoding).unwrap(), at(0)),
            Err(TokenError::UnknownTokenType)
        );
        assert!(verify(&keys, &encode(&header, &claims(1000), &keys.encoding).unwrap(), at(0)).is_ok());
    }
}
