//! The front door of the emulated sign-in service: the token endpoint in its v2 and v1 forms and the
//! discovery documents, shaped like Microsoft's identity platform (form posts in, JSON out,
//! refusals as `error` / `error_description` with their AADSTS codes).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::oauth::{v1_issuer, v2_issuer, OAuthRefusal, PARTNER_CENTER_RESOURCE};
use crate::http::edge::error::{ApiError, RefusalNote};
use crate::http::edge::request::RequestContext;
use crate::net::ConnectionInfo;
use crate::service::oauth::{self, Endpoint, GrantError, Granted, Tenant, TokenForm};
use axum::extract::ConnectInfo;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token_v2))
        .route("/{tenant}/oauth2/token", post(token_v1))
        .route("/{tenant}/v2.0/.well-known/openid-configuration", get(discovery_v2))
        .route("/{tenant}/.well-known/openid-configuration", get(discovery_v1))
        .route("/{tenant}/userrealm/{user_name}", get(user_realm))
}

async fn token_v2(
    State(ctx): State<AppState>,
    Path(tenant): Path<String>,
    Extension(context): Extension<Arc<RequestContext>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(ctx, Endpoint::V2, tenant, context, headers, body).await
}

async fn token_v1(
    State(ctx): State<AppState>,
    Path(tenant): Path<String>,
    Extension(context): Extension<Arc<RequestContext>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(ctx, Endpoint::V1, tenant, context, headers, body).await
}

async fn token(
    ctx: AppState,
    endpoint: Endpoint,
    tenant: String,
    context: Arc<RequestContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = match read_form(&headers, &body) {
        Ok(form) => oauth::grant(&ctx, endpoint, &tenant, form).await,
        Err(refusal) => Err(GrantError::Refused(refusal)),
    };
    match outcome {
        Ok(granted) => no_store(Json(answer(endpoint, &granted)).into_response()),
        Err(e) => grant_error(&ctx, e, &context).await,
    }
}

/// The form of a token request, with the client's credentials from an `Authorization: Basic`
/// header when it sends them there (`client_secret_basic`).
fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<TokenForm, OAuthRefusal> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    // The sign-in service reads nothing but a form: anything else lacks every parameter.
    let fields: Vec<(String, String)> = if is_form { form_fields(body)? } else { Vec::new() };
    // No value the sign-in service reads may hold a NUL (PostgreSQL cannot store it): both
    // backends refuse it alike.
    if let Some((name, _)) = fields.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(OAuthRefusal::NulCharacter(name.replace('\0', "")));
    }
    // A parameter the endpoint reads may come once; others are ignored, repeated or not.
    for name in READ_PARAMETERS {
        if fields.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(OAuthRefusal::RepeatedParameter(name.to_string()));
        }
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut form = TokenForm {
        grant_type: field("grant_type"),
        client_id: field("client_id"),
        client_secret: field("client_secret"),
        scope: field("scope"),
        resource: field("resource"),
        username: field("username"),
        password: field("password"),
        refresh_token: field("refresh_token"),
        client_info: field("client_info"),
        nonce: field("nonce"),
        client_assertion: field("client_assertion"),
        client_assertion_type: field("client_assertion_type"),
    };
    if let Some((id, secret)) = basic_credentials(headers) {
        if form.client_id.as_ref().is_some_and(|f| f != &id)
            || form.client_secret.as_ref().is_some_and(|f| f != &secret)
        {
            return Err(OAuthRefusal::ConflictingClientCredentials);
        }
        form.client_id = Some(id);
        form.client_secret = Some(secret);
    }
    Ok(form)
}

/// The parameters the token endpoint reads.
const READ_PARAMETERS: [&str; 12] = [
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "resource",
    "username",
    "password",
    "refresh_token",
    "client_info",
    "nonce",
    "client_assertion",
    "client_assertion_type",
];

/// The pairs of an `application/x-www-form-urlencoded` body, read strictly: `+` is a space, `%XX`
/// an escaped byte; a broken escape or a name or value that is not UTF-8 once decoded refuses the
/// whole body (a lenient reading would check a password other than the one the client meant).
fn form_fields(body: &[u8]) -> Result<Vec<(String, String)>, OAuthRefusal> {
    let mut fields = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        let name = form_decode(name)?;
        let value = form_decode(value).map_err(|e| match e {
            OAuthRefusal::MalformedForm(what) => OAuthRefusal::MalformedForm(format!("{what} in '{name}'")),
            other => other,
        })?;
        fields.push((name, value));
    }
    Ok(fields)
}

fn form_decode(raw: &[u8]) -> Result<String, OAuthRefusal> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = raw
                    .get(i + 1..i + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| {
                        OAuthRefusal::MalformedForm("a '%' not followed by two hexadecimal digits".into())
                    })?;
                out.push(byte);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| OAuthRefusal::MalformedForm("bytes that are not UTF-8".into()))
}

/// `Authorization: Basic base64(urlencode(client_id):urlencode(client_secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((percent_decode(id)?, percent_decode(secret)?))
}

/// `%XX` escapes decoded, nothing else changed (`+` stays `+`, `&` stays `&`); None when the
/// result is not UTF-8 or an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The success answer: v2 with numbers, v1 with the strings and the `resource` it has always sent.
fn answer(endpoint: Endpoint, granted: &Granted) -> Value {
    let mut body = match endpoint {
        Endpoint::V2 => json!({
            "token_type": "Bearer",
            "scope": granted.scope,
            "expires_in": granted.expires_in,
            "ext_expires_in": granted.expires_in,
            "access_token": granted.access_token,
        }),
        Endpoint::V1 => json!({
            "token_type": "Bearer",
            "expires_in": granted.expires_in.to_string(),
            "ext_expires_in": granted.expires_in.to_string(),
            "expires_on": (granted.issued_at + granted.expires_in).to_string(),
            "not_before": granted.issued_at.to_string(),
            "resource": PARTNER_CENTER_RESOURCE,
            "access_token": granted.access_token,
        }),
    };
    if let Some(refresh) = &granted.refresh_token {
        body["refresh_token"] = json!(refresh);
        if endpoint == Endpoint::V1 {
            body["scope"] = json!(granted.scope);
        }
    }
    if let Some(id_token) = &granted.id_token {
        body["id_token"] = json!(id_token);
    }
    if let Some(client_info) = &granted.client_info {
        body["client_info"] = json!(client_info);
    }
    body
}

/// A refusal as the sign-in service words it; the request journal records its AADSTS code.
fn refused(refusal: &OAuthRefusal, context: &RequestContext, now: DateTime<Utc>) -> Response {
    let described = refusal.describe();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let (trace_id, correlation_id) = (&context.ids.request_id, &context.ids.correlation_id);
    let mut body = json!({
        "error": described.error,
        "error_description": format!(
            "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
            described.code, described.message
        ),
        "error_codes": [described.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={}", described.code),
    });
    if let Some(suberror) = described.suberror {
        body["suberror"] = json!(suberror);
    }
    let status = if described.unauthorized_client { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    let mut response = no_store((status, Json(body)).into_response());
    response.extensions_mut().insert(RefusalNote {
        rule: described.error.into(),
        hint: format!("AADSTS{}: {}", described.code, described.message),
    });
    response
}

/// Token answers are never cached.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn discovery_v2(
    State(ctx): State<AppState>,
    Path(tenant): Path<String>,
    Extension(context): Extension<Arc<RequestContext>>,
    connection: Option<Extension<ConnectInfo<ConnectionInfo>>>,
) -> Response {
    discovery(&ctx, Endpoint::V2, &tenant, &context, connection).await
}

async fn discovery_v1(
    State(ctx): State<AppState>,
    Path(tenant): Path<String>,
    Extension(context): Extension<Arc<RequestContext>>,
    connection: Option<Extension<ConnectInfo<ConnectionInfo>>>,
) -> Response {
    discovery(&ctx, Endpoint::V1, &tenant, &context, connection).await
}

/// The root of the endpoints a discovery document names: HTTPS for a client that came over HTTPS
/// (Microsoft's libraries insist on it), the public base URL otherwise.
fn base_for(ctx: &AppState, connection: Option<Extension<ConnectInfo<ConnectionInfo>>>) -> &str {
    match (connection, ctx.tls.get()) {
        (Some(Extension(ConnectInfo(info))), Some(tls)) if info.secure => &tls.base_url,
        _ => &ctx.public_base_url,
    }
}

/// The OpenID Connect discovery document of a tenant the sign-in service knows (AADSTS90002 for
/// any other): where its token endpoint is, what it supports, and the issuer of each endpoint's
/// tokens as Entra ID names it. Tokens are HS256 under the emulator's key, so there is no
/// `jwks_uri` (a symmetric key is not published); the authorization endpoint is listed because
/// libraries expect it, but interactive sign-in is not emulated.
async fn discovery(
    ctx: &AppState,
    endpoint: Endpoint,
    tenant: &str,
    context: &RequestContext,
    connection: Option<Extension<ConnectInfo<ConnectionInfo>>>,
) -> Response {
    let issuer_tenant = match oauth::resolve_tenant(ctx, tenant).await {
        Ok(Tenant::Any) => "{tenantid}".to_string(),
        Ok(Tenant::Partner(id)) => id,
        Err(e) => return grant_error(ctx, e, context).await,
    };
    let (issuer, path) = match endpoint {
        Endpoint::V2 => (v2_issuer(&issuer_tenant), "oauth2/v2.0"),
        Endpoint::V1 => (v1_issuer(&issuer_tenant), "oauth2"),
    };
    let base = base_for(ctx, connection);
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{base}/{tenant}/{path}/token"),
        "authorization_endpoint": format!("{base}/{tenant}/{path}/authorize"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["client_credentials", "password", "refresh_token"],
        "response_types_supported": ["token"],
        "scopes_supported": [format!("{PARTNER_CENTER_RESOURCE}/.default"), format!("{PARTNER_CENTER_RESOURCE}/user_impersonation"), "openid", "profile", "offline_access"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "ver", "name", "preferred_username", "nonce"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "tenant_region_scope": null,
        "cloud_instance_name": "partner-center-emulator",
    }))
    .into_response()
}

/// A refusal of the sign-in service as a response, or the emulator's own failure.
async fn grant_error(ctx: &AppState, e: GrantError, context: &RequestContext) -> Response {
    let now = ctx.clock.now().await.unwrap_or_else(|_| Utc::now());
    match e {
        GrantError::Refused(refusal) => refused(&refusal, context, now),
        GrantError::Failed(e) => ApiError::Service(e).into_response(),
    }
}

/// `GET /{tenant}/userrealm/{userName}` (`common`, as Microsoft's libraries ask it before a
/// password sign-in): the home realm of a user name. Accounts of the emulator are managed (no
/// federation); a domain no partner's users have is unknown, as Entra answers for it.
async fn user_realm(
    State(ctx): State<AppState>,
    Path((tenant, user_name)): Path<(String, String)>,
    Extension(context): Extension<Arc<RequestContext>>,
) -> Response {
    if let Err(e) = oauth::resolve_tenant(&ctx, &tenant).await {
        return grant_error(&ctx, e, &context).await;
    }
    let known = match oauth::user_realm_is_known(&ctx, &user_name).await {
        Ok(known) => known,
        Err(e) => return ApiError::Service(e).into_response(),
    };
    let domain = user_name.rsplit_once('@').map(|(_, d)| d.to_lowercase()).unwrap_or_default();
    Json(json!({
        "ver": "1.0",
        "account_type": if known { "Managed" } else { "Unknown" },
        "domain_name": domain,
        "cloud_instance_name": "partner-center-emulator",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode_escapes_only() {
        assert_eq!(percent_decode("a%26b+c%3Ad").as_deref(), Some("a&b+c:d"));
        assert_eq!(percent_decode("x&y=z").as_deref(), Some("x&y=z"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
    }
}
