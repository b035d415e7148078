//! Extractors that speak Partner Center's error format: a JSON body accepted in camelCase or
//! PascalCase, query parameters matched without regard to case, and the authenticated caller.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::borrow::Cow;

use super::error::ApiError;
use super::request::{Authentication, UnitSlot};
use crate::app::AppState;
use crate::auth::{Caller, TokenError};
use crate::domain::json::{self, fold_names, JsonError, RepeatedMember};
use crate::domain::text::{contains_nul, NUL_PROBLEM};
use crate::service::ServiceError;

/// A JSON request body. Keys are accepted in camelCase or PascalCase (the .NET SDK), `null`s
/// count as absent and unknown properties are ignored; a member given twice (in one spelling or
/// both) is refused.
pub struct PcJson<T>(pub T);

fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `PrimaryContact` → `primaryContact`.
fn normalize_key(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Members whose value is a dictionary of the caller's own (Partner Center's
/// `Dictionary<string, string>`): its keys are data, kept as sent, and so are its `null` values.
const FREE_FORM_DICTIONARIES: &[&str] = &["provisioningContext"];

/// `PrimaryContact` → `primaryContact`, recursively; `null` members are dropped; a number with
/// an integer value written with a fraction or exponent (`843.0`, `1e3`) is that integer, as JSON
/// Schema counts it. The dictionaries of `FREE_FORM_DICTIONARIES` are kept as sent. Both spellings
/// of one member in one object (`appOnly` and `AppOnly`) are that member given twice.
pub fn normalize_keys(value: Value) -> Result<Value, RepeatedMember> {
    match value {
        Value::Number(n) if n.is_f64() => Ok(match n.as_f64().and_then(integral) {
            Some(i) => Value::Number(i.into()),
            None => Value::Number(n),
        }),
        Value::Object(map) => {
            let members = fold_names(map, normalize_key)?.into_iter().filter(|(_, v)| !v.is_null());
            members.map(normalize_member).collect::<Result<Map<String, Value>, _>>().map(Value::Object)
        }
        Value::Array(items) => {
            let items = items.into_iter().enumerate();
            items
                .map(|(i, v)| normalize_keys(v).map_err(|r| r.inside_item(i)))
                .collect::<Result<_, _>>()
                .map(Value::Array)
        }
        other => Ok(other),
    }
}

/// A member already named in camelCase, its value normalized unless it is a free-form dictionary.
fn normalize_member((key, value): (String, Value)) -> Result<(String, Value), RepeatedMember> {
    if value.is_object() && FREE_FORM_DICTIONARIES.contains(&key.as_str()) {
        return Ok((key, value));
    }
    match normalize_keys(value) {
        Ok(value) => Ok((key, value)),
        Err(repeated) => Err(repeated.inside_member(&key)),
    }
}

/// The integer a float stands for, when it has no fraction and fits an `i64`.
fn integral(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; every integral float below it in magnitude fits an i64.
    (f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0).then_some(f as i64)
}

/// Parse a body already read as bytes: the shared path of every JSON body.
pub fn parse_json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let not_an_object = || ApiError::MalformedBody("body: expected a JSON object".into());
    let value = json::parse(bytes).map_err(|e| match e {
        JsonError::Syntax(e) => ApiError::MalformedBody(format!("body: {e}")),
        JsonError::Repeated(_) if !bytes.trim_ascii_start().starts_with(b"{") => not_an_object(),
        JsonError::Repeated(member) => given_twice(&member),
    })?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    let value = normalize_keys(value).map_err(|member| given_twice(&member))?;
    if contains_nul(&value) {
        // Unknown members are ignored whatever they hold (the SDKs send their own); a NUL in a
        // member the emulator reads is refused. Each text holding a NUL is swapped for a value
        // no member the emulator reads accepts as text: if the body still reads, the NULs were
        // all in ignored members.
        return serde_json::from_value(mask_nul_text(value)).map_err(|_| invalid(format!("body: {NUL_PROBLEM}")));
    }
    serde_json::from_value(value).map_err(|e| invalid(format!("body: {e}")))
}

/// Each string holding a NUL replaced by an object (`{"\u0000": null}`), which no text, number
/// or enumeration member accepts.
fn mask_nul_text(value: Value) -> Value {
    match value {
        Value::String(s) if s.contains('\0') => Value::Object(Map::from_iter([("\0".to_string(), Value::Bool(true))])),
        Value::Array(items) => Value::Array(items.into_iter().map(mask_nul_text).collect()),
        // A member whose name holds a NUL is none the emulator reads: it goes.
        Value::Object(map) => Value::Object(
            map.into_iter().filter(|(k, _)| !k.contains('\0')).map(|(k, v)| (k, mask_nul_text(v))).collect(),
        ),
        other => other,
    }
}

fn invalid(problem: String) -> ApiError {
    ApiError::Service(ServiceError::Validation(vec![problem]))
}

/// A member given twice: which of the two was meant cannot be told, so neither is taken.
fn given_twice(member: &RepeatedMember) -> ApiError {
    invalid(format!(
        "body: {member} is given more than once (in one spelling, or in camelCase and PascalCase, which name one \
         member); send it once"
    ))
}

impl<T: DeserializeOwned> FromRequest<AppState> for PcJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let raw = RawJson::from_request(req, state).await?;
        raw.parse().map(PcJson)
    }
}

/// A JSON body that was read (right content type, within the size limit) but not parsed yet:
/// the `/v1` handlers parse it after the caller's role is checked, so a caller without the role
/// gets its 403 whatever it sent.
pub struct RawJson(Bytes);

impl RawJson {
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_json_body(&self.0)
    }

    /// Whether the body is a JSON object whose member `name` (in camelCase or PascalCase) is
    /// `null`: a body's nulls are read as left out (the .NET SDK sends them), which for a member
    /// that narrows what a request changes would widen it.
    pub fn member_is_null(&self, name: &str) -> bool {
        match serde_json::from_slice::<Value>(&self.0) {
            Ok(Value::Object(map)) => map.iter().any(|(k, v)| v.is_null() && normalize_key(k) == name),
            _ => false,
        }
    }

    /// Whether the body is a JSON object with a (non-null) member `name`, in camelCase or
    /// PascalCase: what decides, before anything is checked, which call a request is.
    pub fn has_member(&self, name: &str) -> bool {
        match serde_json::from_slice::<Value>(&self.0) {
            Ok(Value::Object(map)) => map.iter().any(|(k, v)| !v.is_null() && normalize_key(k) == name),
            _ => false,
        }
    }
}

impl FromRequest<AppState> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        match content_type.as_deref() {
            Some(ct) if is_json_content_type(ct) => {}
            Some(ct) => return Err(ApiError::UnsupportedMediaType(format!("Content-Type was '{ct}'"))),
            None => return Err(ApiError::UnsupportedMediaType("no Content-Type header was sent".into())),
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| body_rejection(state, rejection))?;
        Ok(RawJson(bytes))
    }
}

/// Why a body could not be read, in the error format.
pub fn body_rejection(state: &AppState, rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(state.config.max_body_bytes)
    } else {
        ApiError::MalformedBody(format!("body could not be read: {rejection}"))
    }
}

/// What a request's headers say of its body's length: `Some(0)` for none (`Content-Length: 0`, or
/// neither a length nor a transfer encoding), `Some(n)` for a declared length, `None` when only
/// reading it can tell (chunked, or a length that is not a number).
pub fn declared_body_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    match headers.get(header::CONTENT_LENGTH) {
        Some(length) => length.to_str().ok().and_then(|l| l.trim().parse().ok()),
        None if headers.contains_key(header::TRANSFER_ENCODING) => None,
        None => Some(0),
    }
}

/// A JSON body that may be left out entirely (an empty body); when present it obeys `PcJson`.
pub struct OptionalPcJson<T>(pub Option<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for OptionalPcJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if declared_body_length(req.headers()) == Some(0) {
            return Ok(OptionalPcJson(None));
        }
        PcJson::from_request(req, state).await.map(|PcJson(v)| OptionalPcJson(Some(v)))
    }
}

/// The first parameter name of a query that breaks "each name one of `reads`, once" (names
/// compared without regard to case, as `QueryParams` looks them up), as the query spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreadParameter<'a> {
    /// A name the route does not read.
    NotRead(&'a str),
    /// A name given again (in one spelling or another).
    Repeated(&'a str),
}

/// The first name of `names` that is not one of `reads`, or that comes again; none when each is
/// one of them, once.
pub fn unread_parameter<'a, R: AsRef<str>>(
    names: impl IntoIterator<Item = &'a str>,
    reads: &[R],
) -> Option<UnreadParameter<'a>> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if !reads.iter().any(|r| r.as_ref().eq_ignore_ascii_case(name)) {
            return Some(UnreadParameter::NotRead(name));
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Some(UnreadParameter::Repeated(name));
        }
        seen.push(name);
    }
    None
}

/// Query parameters, looked up by name without regard to case (`agreementType`, `AgreementType`).
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// The parameters of a query string (what follows `?`), decoded.
    pub fn parse(query: &str) -> Self {
        QueryParams(form_urlencoded_pairs(query))
    }

    /// The names of the parameters, as sent.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The first of `own` (a page's own parameters) that the query gives more than once, in any
    /// letter case, as the query spells it; other parameters are not looked at.
    pub fn repeated<'a>(&'a self, own: &[&str]) -> Option<&'a str> {
        let given = self.names().filter(|name| own.iter().any(|p| p.eq_ignore_ascii_case(name)));
        match unread_parameter(given, own) {
            Some(UnreadParameter::Repeated(name)) => Some(name),
            _ => None,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A filter's value: none when the parameter is left out; a blank value is refused, as it
    /// would otherwise match nothing or everything unsaid (`?to=` with an unset variable).
    pub fn filter(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.get(name).map(str::trim) {
            Some("") => Err(ApiError::InvalidQueryParameter(format!(
                "{name}: is empty; give a value, or leave the parameter out to match every one"
            ))),
            value => Ok(value),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(other) => Err(ApiError::InvalidQueryParameter(format!("{name}: '{other}' is not true or false"))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryParams::parse(parts.uri.query().unwrap_or_default()))
    }
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query_pairs(query).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The (name, value) pairs of a query string, decoded: borrowed from it unless an escape or a
/// `+` had to be decoded.
pub fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            // Two hex digits: `u8::from_str_radix` alone would take `%+1` as 0x01.
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 2;
            }
            b'%' => out.push(b'%'),
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// The caller, as the API's pipeline established it.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        // Taken, not copied: the handler is the last to need it.
        match parts.extensions.remove::<Authentication>() {
            Some(Authentication(result)) => result.map_err(ApiError::Service),
            None => Err(ApiError::Service(ServiceError::Unauthenticated(TokenError::Missing))),
        }
    }
}

/// The request's unit of work (opened by the API's pipeline), borrowed by its handler for the use case to
/// write in; given back when the handler is done with it, for the edge to commit.
pub struct Unit {
    unit: Option<crate::service::unit::Unit>,
    slot: UnitSlot,
}

impl FromRequestParts<AppState> for Unit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let slot = parts.extensions.get::<UnitSlot>().cloned();
        match slot.as_ref().and_then(UnitSlot::take) {
            Some(unit) => Ok(Unit { unit: Some(unit), slot: slot.unwrap_or_default() }),
            None => Err(ApiError::Internal("this route runs without a unit of work".into())),
        }
    }
}

impl std::ops::Deref for Unit {
    type Target = crate::service::unit::Unit;

    fn deref(&self) -> &Self::Target {
        self.unit.as_ref().expect("a unit is held until dropped")
    }
}

impl std::ops::DerefMut for Unit {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.unit.as_mut().expect("a unit is held until dropped")
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        if let Some(unit) = self.unit.take() {
            self.slot.put_back(unit);
        }
    }
}

pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_escapes_of_two_hex_digits_and_keep_anything_else_as_sent() {
        let q = QueryParams::parse("a=%41%2b+b&c=%+1&d=%zz&e=%4&f=plain");
        let got: Vec<_> = ["a", "c", "d", "e", "f"].iter().map(|n| q.get(n).unwrap_or("?")).collect();
        assert_eq!(got, ["A+ b", "% 1", "%zz", "%4", "plain"]);
    }
    use serde_json::json;

    #[test]
    fn pascal_case_and_nulls_are_normalised() {
        let v = normalize_keys(
            json!({"PrimaryContact": {"FirstName": "A", "PhoneNumber": null}, "Type": null, "items": [{"X": 1}]}),
        );
        assert_eq!(v.unwrap(), json!({"primaryContact": {"firstName": "A"}, "items": [{"x": 1}]}));
    }

    #[test]
    fn a_member_given_twice_is_refused_by_its_path_in_either_spelling() {
        #[derive(Debug, serde::Deserialize)]
        struct Body {
            #[allow(dead_code)]
            app_only: Option<bool>,
        }
        let problem = |body: &str| match parse_json_body::<Body>(body.as_bytes()) {
            Err(ApiError::Service(ServiceError::Validation(problems))) => problems[0].clone(),
            other => panic!("{body}: {other:?}"),
        };
        for twice in [r#"{"appOnly": true, "appOnly": false}"#, r#"{"appOnly": true, "AppOnly": false}"#] {
            assert!(problem(twice).starts_with("body: appOnly is given more than once"), "{}", problem(twice));
        }
        assert!(problem(r#"{"AppOnly": null, "appOnly": true}"#).starts_with("body: appOnly is given more"));
        let nested = r#"{"lines": [{"Offer": {"Id": 1}}, {"offer": {"Id": 1, "id": 2}}]}"#;
        assert!(problem(nested).starts_with("body: lines[1].offer.id is given more"), "{}", problem(nested));
        let malformed = |body: &[u8]| matches!(parse_json_body::<Body>(body), Err(ApiError::MalformedBody(_)));
        assert!(malformed(b"{\"appOnly\": tru}") && malformed(br#" [{"a": 1, "a": 2}]"#), "not JSON, or not an object");
    }

    #[test]
    fn a_query_reads_its_own_names_once_in_any_case() {
        let reads = ["to", "customerId"];
        assert_eq!(unread_parameter(["To", "CUSTOMERID"], &reads), None);
        assert_eq!(unread_parameter(["to", "tenantId"], &reads), Some(UnreadParameter::NotRead("tenantId")));
        assert_eq!(unread_parameter(["to", "TO"], &reads), Some(UnreadParameter::Repeated("TO")));
        assert_eq!(unread_parameter(["x"], &[] as &[&str]), Some(UnreadParameter::NotRead("x")));
    }

    #[test]
    fn a_free_form_dictionary_keeps_its_keys_as_sent_in_every_letter_case() {
        let v = normalize_keys(json!({"ProvisioningContext": {"Key": "a", "key": "b"}})).unwrap();
        assert_eq!(v, json!({"provisioningContext": {"Key": "a", "key": "b"}}));
    }

    #[test]
    fn nul_characters_are_refused_anywhere_in_what_is_read() {
        #[derive(Debug, serde::Deserialize)]
        struct Nested {
            a: Vec<Vec<String>>,
        }
        assert!(parse_json_body::<Nested>(br#"{"a": [["x\u0000"]]}"#).is_err());
        assert_eq!(parse_json_body::<Nested>(br#"{"a": [["fine"]]}"#).unwrap().a, vec![vec!["fine".to_string()]]);
    }

    #[test]
    fn nul_characters_in_ignored_members_are_ignored_with_them() {
        #[derive(Debug, serde::Deserialize)]
        struct Known {
            name: Option<String>,
            count: Option<u32>,
        }
        let known = parse_json_body::<Known>(br#"{"Name": "a", "sdk\u0000": "x\u0000", "extra": {"b": ["\u0000"]}}"#);
        let known = known.unwrap();
        assert_eq!((known.name.as_deref(), known.count), (Some("a"), None));
        assert!(parse_json_body::<Known>(br#"{"name": "a\u0000"}"#).is_err());
        assert!(parse_json_body::<Known>(br#"{"count": "\u0000"}"#).is_err());
    }

    #[test]
    fn integer_valued_numbers_are_integers() {
        let normalized = |v: Value| normalize_keys(v).unwrap();
        assert_eq!(normalized(json!({"a": 843.0, "b": 1.5, "c": [2e3]})), json!({"a": 843, "b": 1.5, "c": [2000]}));
        assert_eq!(normalized(json!({"a": 1e300})), json!({"a": 1e300}));
        assert_eq!(normalized(json!({"a": -0.0})), json!({"a": 0}));
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(is_json_content_type("Application/JSON"));
        assert!(!is_json_content_type("text/plain"));
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            form_urlencoded_pairs("a=%2A&b=x+y&c&d=%zz"),
            vec![
                ("a".into(), "*".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into())
            ]
        );
    }
}
