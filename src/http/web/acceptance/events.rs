//! What the acceptance page tells the page that frames it: one message for every outcome, in one
//! shape (`acceptance-page-events.schema.json` beside openapi.yaml), posted with
//! `window.parent.postMessage` by the page's one inline script (allowed by its nonce). It is
//! posted to the embedder's origin when the link names it (`embedderOrigin`), else to `*`: the
//! message carries nothing the link does not already give (the id, the status and its times). A
//! link the page refuses before it knows whom to trust (an `embedderOrigin` that is no origin, a
//! parameter it does not read or one given twice) is told to `*`, so that its author hears of it.

use maud::{html, Markup, PreEscaped};
use serde_json::{json, Value};

use crate::domain::time::render_timestamp;
use crate::service::attestations::AttestationState;

/// The `type` of every message.
pub const MESSAGE_TYPE: &str = "partner-center-emulator.enhanced-attestation";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The customer accepted just now (the answer of the page's form, or the page it redirects to).
    Accepted,
    /// The page was opened, or its form sent, for an attestation accepted before.
    AlreadyAccepted,
    /// The attestation expired while pending: on opening the page, or on accepting after expiry.
    Expired,
    /// No attestation has the link's id.
    NotFound,
    /// The page refused the link or the form (see [`Reason`]).
    Refused,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Accepted => "accepted",
            Event::AlreadyAccepted => "alreadyAccepted",
            Event::Expired => "expired",
            Event::NotFound => "notFound",
            Event::Refused => "refused",
        }
    }
}

/// Why the page refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The link has no `attestationId`.
    MissingId,
    /// The link's `attestationId` is no id the emulator issues.
    MalformedId,
    /// The link's `country` is not the attestation's.
    CountryMismatch,
    /// The link's `embedderOrigin` is not an origin.
    InvalidEmbedderOrigin,
    /// The link has a parameter the page does not read (a misspelt `embedder_origin`, say).
    UnknownParameter,
    /// The link gives one of the page's parameters more than once.
    RepeatedParameter,
    /// The form's signed token is not this attestation's.
    FormExpired,
    /// The form came without the box ticked.
    NotTicked,
    /// The emulator failed.
    Failure,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MissingId => "missingId",
            Reason::MalformedId => "malformedId",
            Reason::CountryMismatch => "countryMismatch",
            Reason::InvalidEmbedderOrigin => "invalidEmbedderOrigin",
            Reason::UnknownParameter => "unknownParameter",
            Reason::RepeatedParameter => "repeatedParameter",
            Reason::FormExpired => "formExpired",
            Reason::NotTicked => "notTicked",
            Reason::Failure => "failure",
        }
    }
}

/// The message: every field is always there, null when it does not apply.
pub fn message(
    event: Event,
    attestation_id: Option<&str>,
    state: Option<&AttestationState>,
    shown: Option<(&str, &str)>,
    reason: Option<Reason>,
) -> Value {
    let a = state.map(|s| &s.attestation);
    json!({
        "type": MESSAGE_TYPE,
        "event": event.as_str(),
        "attestationId": a.map(|a| a.id.as_str()).or(attestation_id),
        "status": state.map(|s| s.status.as_str()),
        "acceptedDateTime": a.and_then(|a| a.accepted_at).map(render_timestamp),
        "expirationDateTime": a.map(|a| render_timestamp(a.expires_at)),
        "country": a.map(|a| a.country.as_str()),
        "language": shown.map(|(language, _)| language),
        "templateId": shown.map(|(_, template)| template),
        "reason": reason.map(Reason::as_str),
    })
}

/// The script that posts `message` to the page framing this one (if any), for `target` (an origin
/// or `*`).
pub fn script(nonce: &str, message: &Value, target: Option<&str>) -> Markup {
    // JSON is valid JavaScript; `<` is escaped so that nothing in it can close the script element.
    let message = message.to_string().replace('<', "\\u003c");
    let target = Value::from(target.unwrap_or("*")).to_string().replace('<', "\\u003c");
    let js =
        format!("if (window.parent && window.parent !== window) {{ window.parent.postMessage({message}, {target}); }}");
    html! { script nonce=(nonce) { (PreEscaped(js)) } }
}

/// A link's `embedderOrigin` that is no origin of the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnOrigin;

/// The origin a link names (`embedderOrigin`): `scheme://host[:port]` of http or https, with at
/// most a trailing `/`, in lower case; None when the link names none; Err for anything else, a
/// blank value too (an unset variable in the embedder's link: its events would go to `*`).
pub fn embedder_origin(raw: Option<&str>) -> Result<Option<String>, NotAnOrigin> {
    let Some(raw) = raw.map(str::trim) else { return Ok(None) };
    let lower = raw.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").ok_or(NotAnOrigin)?;
    if scheme != "http" && scheme != "https" {
        return Err(NotAnOrigin);
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match authority.strip_prefix('[').and_then(|a| a.find(']')) {
        // An IPv6 literal: `[…]`, then maybe `:port`.
        Some(end) => {
            let after = &authority[end + 2..];
            let port = if after.is_empty() { None } else { Some(after.strip_prefix(':').ok_or(NotAnOrigin)?) };
            (&authority[..end + 2], port)
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'),
        None => !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(Some(format!("{scheme}://{authority}")))
    } else {
        Err(NotAnOrigin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_origins_are_origins_of_the_web() {
        assert_eq!(embedder_origin(None), Ok(None));
        assert_eq!(embedder_origin(Some(" ")), Err(NotAnOrigin), "a blank origin is no origin");
        assert_eq!(embedder_origin(Some("")), Err(NotAnOrigin));
        assert_eq!(embedder_origin(Some("https://Shop.Example")), Ok(Some("https://shop.example".into())));
        assert_eq!(embedder_origin(Some("http://localhost:5173/")), Ok(Some("http://localhost:5173".into())));
        assert_eq!(embedder_origin(Some("http://[::1]:8080")), Ok(Some("http://[::1]:8080".into())));
        for bad in [
            "shop.example",
            "javascript:alert(1)",
            "https://shop.example/checkout",
            "https://user@shop.example",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://shop.example?x",
            "https://",
            "null",
            "ftp://shop.example",
            "https://shop.example:",
        ] {
            assert_eq!(embedder_origin(Some(bad)), Err(NotAnOrigin), "{bad}");
        }
    }

    /// The message is the one `acceptance-page-events.schema.json` describes: its members, its
    /// events and its reasons.
    #[test]
    fn messages_have_the_documented_shape() {
        // Read when the test runs (not compiled in: the release build does not need the file).
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/acceptance-page-events.schema.json");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let listed = |path: &str| -> Vec<Value> { schema.pointer(path).unwrap().as_array().unwrap().clone() };
        let required: Vec<Value> = listed("/required");
        let m = message(Event::Refused, Some("x"), None, None, Some(Reason::CountryMismatch));
        let mut members: Vec<&String> = m.as_object().unwrap().keys().collect();
        members.sort();
        let mut documented: Vec<&str> = required.iter().map(|v| v.as_str().unwrap()).collect();
        documented.sort_unstable();
        assert_eq!(members, documented);
        assert_eq!(schema.pointer("/properties/type/const").unwrap(), MESSAGE_TYPE);
        let events = listed("/properties/event/enum");
        for e in [Event::Accepted, Event::AlreadyAccepted, Event::Expired, Event::NotFound, Event::Refused] {
            assert!(events.contains(&Value::from(e.as_str())), "{e:?}");
        }
        let reasons = listed("/properties/reason/enum");
        for r in [
            Reason::MissingId,
            Reason::MalformedId,
            Reason::CountryMismatch,
            Reason::InvalidEmbedderOrigin,
            Reason::UnknownParameter,
            Reason::RepeatedParameter,
            Reason::FormExpired,
            Reason::NotTicked,
            Reason::Failure,
        ] {
            assert!(reasons.contains(&Value::from(r.as_str())), "{r:?}");
        }
        assert_eq!(events.len(), 5);
        assert_eq!(reasons.len(), 10, "the nine reasons and null");
    }

    #[test]
    fn the_script_cannot_be_closed_by_what_it_carries() {
        let m = message(Event::NotFound, Some("</script><script>alert(1)"), None, None, None);
        let js = script("n", &m, None).into_string();
        assert!(
            !js.contains("</script><script>") && js.contains(r#"postMessage({"#) && js.ends_with(r#""*"); }</script>"#),
            "{js}"
        );
    }
}
