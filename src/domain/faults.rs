//! Fault injection rules: what a user's retry logic should meet (throttling, server errors,
//! latency, hangs), and on which requests. Matching is a plain function of the rule and the
//! request; counting hits and rolling the dice happen elsewhere.

use serde::Deserialize;

use super::ids::PartnerId;

/// What a matching request gets instead of (or before) its normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultEffect {
    /// Throttled: too many requests, retry after `Retry-After`.
    Throttle,
    /// An internal error of the service, marked retryable.
    InternalError,
    /// The service is unavailable for now, retryable after `Retry-After`.
    Unavailable,
    /// The request runs normally after `delay_ms`.
    Delay,
    /// No answer until the client gives up (or the emulator's request timeout ends it).
    Hang,
}

impl FaultEffect {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "throttle" => Self::Throttle,
            "internalError" => Self::InternalError,
            "unavailable" => Self::Unavailable,
            "delay" => Self::Delay,
            "hang" => Self::Hang,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttle => "throttle",
            Self::InternalError => "internalError",
            Self::Unavailable => "unavailable",
            Self::Delay => "delay",
            Self::Hang => "hang",
        }
    }
}

/// A stored rule. `None` in a condition matches every request.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub id: String,
    /// HTTP method of the operation (upper case).
    pub method: Option<String>,
    /// Route template of the operation, in the router's spelling (`/v1/customers/{customer_id}`).
    pub route: Option<String>,
    /// A request path, or a prefix ending in `*`; compared without regard to ASCII case.
    pub path_pattern: Option<String>,
    pub partner_tenant_id: Option<String>,
    pub effect: FaultEffect,
    pub delay_ms: u64,
    pub retry_after_seconds: u64,
    /// Chance (0 to 1) that a matching request is hit.
    pub probability: f64,
    /// The rule stops after this many hits.
    pub max_hits: Option<u64>,
    pub hits: u64,
}

/// The request a rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct FaultTarget<'a> {
    pub method: &'a str,
    /// The matched route template, when the request matched a route.
    pub route: Option<&'a str>,
    pub path: &'a str,
    /// The calling partner, when the request carries a valid token.
    pub partner_tenant_id: Option<&'a str>,
}

impl FaultRule {
    /// Whether the rule's conditions hold for `target` (hit count and probability aside).
    pub fn matches(&self, target: &FaultTarget<'_>) -> bool {
        let method = self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(target.method));
        let route = self.route.as_deref().is_none_or(|r| target.route.is_some_and(|t| r.eq_ignore_ascii_case(t)));
        let path = self.path_pattern.as_deref().is_none_or(|p| path_matches(p, target.path));
        let partner = self
            .partner_tenant_id
            .as_deref()
            .is_none_or(|p| target.partner_tenant_id.is_some_and(|t| p.eq_ignore_ascii_case(t)));
        method && route && path && partner
    }

    pub fn exhausted(&self) -> bool {
        self.max_hits.is_some_and(|max| self.hits >= max)
    }

    /// Whether the rule needs to know the caller (and so the token must be read first).
    pub fn needs_partner(&self) -> bool {
        self.partner_tenant_id.is_some()
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == pattern.trim_end_matches('/') || path == pattern,
    }
}

/// What requests pass through fault injection: the API's operations and its document links.
const FAULTED_PREFIXES: [&str; 2] = ["/v1/", "/agreementdocuments/"];

/// Whether a rule's `path` (exact, or a prefix ending in `*`) can match a request that fault
/// injection sees.
fn may_reach_the_api(pattern: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => FAULTED_PREFIXES.iter().any(|f| f.starts_with(prefix) || prefix.starts_with(f)),
        None => FAULTED_PREFIXES.iter().any(|f| pattern.starts_with(f)),
    }
}

/// Whether a request path matching `pattern` (exact, or a prefix ending in `*`) can be one of
/// `route` (`/v1/customers/{customer_id}/agreements`): literal segments compare without regard to
/// case, a placeholder takes any one non-empty segment.
fn route_may_have_path(route: &str, pattern: &str) -> bool {
    let segment_fits = |template: &str, given: &str, partial: bool| {
        if template.starts_with('{') {
            partial || !given.is_empty()
        } else if partial {
            template.to_ascii_lowercase().starts_with(&given.to_ascii_lowercase())
        } else {
            template.eq_ignore_ascii_case(given)
        }
    };
    let template: Vec<&str> = route.trim_end_matches('/').split('/').collect();
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            let given: Vec<&str> = prefix.split('/').collect();
            given.len() <= template.len()
                && given.iter().enumerate().all(|(i, g)| segment_fits(template[i], g, i == given.len() - 1))
        }
        None => {
            let given: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
            given.len() == template.len() && given.iter().zip(&template).all(|(g, t)| segment_fits(t, g, false))
        }
    }
}

/// A rule as sent to `POST /_emulator/faults` (camelCase; PascalCase accepted like elsewhere).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRuleInput {
    /// An operation: `METHOD /route/{template}` or an `operationId` from openapi.yaml.
    #[serde(alias = "Operation")]
    pub operation: Option<String>,
    #[serde(alias = "Path")]
    pub path: Option<String>,
    #[serde(alias = "PartnerTenantId")]
    pub partner_tenant_id: Option<String>,
    #[serde(alias = "Effect")]
    pub effect: Option<String>,
    #[serde(alias = "DelayMs")]
    pub delay_ms: Option<u64>,
    #[serde(alias = "RetryAfterSeconds")]
    pub retry_after_seconds: Option<u64>,
    #[serde(alias = "Probability")]
    pub probability: Option<f64>,
    #[serde(alias = "Count")]
    pub count: Option<u64>,
}

/// The longest delay a rule may add: past it the request timeout answers anyway.
pub const MAX_DELAY_MS: u64 = 600_000;
pub const MAX_RETRY_AFTER_SECONDS: u64 = 3_600;

/// An operation resolved from the input: method and route template.
pub type Operation = (String, String);

/// Check a rule's input; `resolve_operation` turns an operation name into (method, route).
/// Every problem is listed, like the API's other validation errors.
pub fn validate_rule(
    input: &FaultRuleInput,
    id: String,
    resolve_operation: impl Fn(&str) -> Option<Operation>,
) -> Result<FaultRule, Vec<String>> {
    let mut problems = Vec::new();
    let effect = match input.effect.as_deref() {
        None => {
            problems.push("effect is required: throttle, internalError, unavailable, delay or hang".to_string());
            None
        }
        Some(e) => {
            let parsed = FaultEffect::parse(e);
            if parsed.is_none() {
                problems.push(format!("effect '{e}' is not one of throttle, internalError, unavailable, delay, hang"));
            }
            parsed
        }
    };
    let operation = match input.operation.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(op) => {
            let resolved = resolve_operation(op);
            if resolved.is_none() {
                problems.push(format!(
                    "operation '{op}' is neither an operationId of openapi.yaml nor 'METHOD /route' of an API route"
                ));
            }
            resolved
        }
    };
    // An empty condition would silently match everything: leaving it out (or null) says that.
    for (name, value) in
        [("operation", &input.operation), ("path", &input.path), ("partnerTenantId", &input.partner_tenant_id)]
    {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            problems.push(format!("{name} is empty: leave it out (or send null) to match every request"));
        }
    }
    let path = input.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = path {
        if !p.starts_with('/') || p.len() > 2048 || p.chars().any(char::is_control) {
            problems.push(
                "path must start with '/' (a path, or a prefix ending in '*') and hold no control characters".into(),
            );
        } else if p.contains(['?', '#']) {
            problems.push(format!(
                "path '{p}' has a query or a fragment, which a rule never compares (it matches a request's path alone): \
                 send the path without it"
            ));
        } else if p.trim_end_matches('*').contains('*') {
            problems.push(format!(
                "path '{p}' has a '*' before its end: a path is exact, or a prefix with one '*' at its end (/v1/customers/*)"
            ));
        } else if p.contains(['{', '}']) {
            problems.push(format!(
                "path '{p}' is a route template, which no request path matches: send a request's own path, or the route as operation ('METHOD /route/{{placeholder}}')"
            ));
        } else if !may_reach_the_api(p) {
            problems.push(format!(
                "path '{p}' matches no request a rule can hit: only the API is faulted ({}), never the control plane or the pages",
                FAULTED_PREFIXES.map(|f| format!("{f}…")).join(", ")
            ));
        } else if let Some((method, route)) = &operation {
            if !route_may_have_path(route, p) {
                problems.push(format!(
                    "path '{p}' is no request of operation '{method} {route}': the rule could never hit; leave one of them out"
                ));
            }
        }
    }
    let probability = input.probability.unwrap_or(1.0);
    // 0 would store a rule that never hits.
    if !(probability > 0.0 && probability <= 1.0) {
        problems.push("probability must be more than 0 and at most 1 (a rule with 0 would never hit)".into());
    }
    if input.count == Some(0) {
        problems.push("count must be at least 1 (leave it out for no limit)".into());
    }
    // A setting of another effect would be stored and never used.
    if input.delay_ms.is_some() && effect.is_some_and(|e| e != FaultEffect::Delay) {
        problems.push("delayMs is the delay effect's wait: leave it out for other effects".into());
    }
    if input.retry_after_seconds.is_some() && matches!(effect, Some(FaultEffect::Delay | FaultEffect::Hang)) {
        problems.push(
            "retryAfterSeconds is the Retry-After of throttle, internalError and unavailable: leave it out for delay and hang"
                .into(),
        );
    }
    let delay_ms = input.delay_ms.unwrap_or(0);
    if effect == Some(FaultEffect::Delay) && delay_ms == 0 {
        problems.push("delayMs is required for the delay effect".into());
    }
    if delay_ms > MAX_DELAY_MS {
        problems.push(format!("delayMs must be at most {MAX_DELAY_MS}"));
    }
    let retry_after_seconds = input.retry_after_seconds.unwrap_or(1);
    if retry_after_seconds > MAX_RETRY_AFTER_SECONDS {
        problems.push(format!("retryAfterSeconds must be at most {MAX_RETRY_AFTER_SECONDS}"));
    }
    // At most 128 characters as sent (openapi.yaml's maxLength), no control character once trimmed.
    let too_long = input.partner_tenant_id.as_deref().is_some_and(|p| p.chars().count() > 128);
    let partner = input.partner_tenant_id.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if too_long || partner.is_some_and(|p| uuid::Uuid::try_parse(PartnerId::parse(p).as_str()).is_err()) {
        problems.push("partnerTenantId is not a tenant id (a GUID, as a partner persona's tenantId)".into());
    }
    match effect {
        Some(effect) if problems.is_empty() => Ok(FaultRule {
            id,
            method: operation.as_ref().map(|(m, _)| m.clone()),
            route: operation.map(|(_, r)| r),
            path_pattern: path.map(str::to_string),
            // Stored as partners are, so that a partner reset finds the partner's rules.
            partner_tenant_id: partner.map(|p| PartnerId::parse(p).into_string()),
            effect,
            delay_ms,
            retry_after_seconds,
            probability,
            max_hits: input.count,
            hits: 0,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(input: FaultRuleInput) -> Vec<String> {
        let resolve = |op: &str| {
            (op == "GET /v1/customers/{customerId}/agreements")
                .then(|| ("GET".to_string(), "/v1/customers/{customer_id}/agreements".to_string()))
        };
        validate_rule(&input, "r".into(), resolve).err().unwrap_or_default()
    }

    #[test]
    fn a_rule_that_could_never_hit_is_refused() {
        let throttle = |path: &str| FaultRuleInput {
            effect: Some("throttle".into()),
            path: Some(path.into()),
            ..Default::default()
        };
        for path in ["/v1/customers/*", "/v1/*", "/*", "/v*", "/V1/CUSTOMERS", "/agreementdocuments/*", "/agree*"] {
            assert!(problems_of(throttle(path)).is_empty(), "{path}");
        }
        let wildcard = problems_of(throttle("/v1/customers/*/agreements"));
        assert!(wildcard[0].contains("before its end"), "{wildcard:?}");
        for path in ["/_emulator/*", "/AdminPortal*", "/dashboard/customers", "/v2/*", "/v1"] {
            let problems = problems_of(throttle(path));
            assert!(problems[0].contains("only the API is faulted"), "{path}: {problems:?}");
        }
        let template = problems_of(throttle("/v1/customers/{customerId}/agreements"));
        assert!(template[0].contains("route template"), "{template:?}");
        for path in ["/v1/customers?size=1", "/v1/customers*?size=1", "/v1/agreements#x"] {
            let problems = problems_of(throttle(path));
            assert!(problems[0].contains("has a query or a fragment"), "{path}: {problems:?}");
        }

        let with_operation = |path: &str| FaultRuleInput {
            operation: Some("GET /v1/customers/{customerId}/agreements".into()),
            ..throttle(path)
        };
        for path in ["/v1/customers/c1/agreements", "/v1/customers/*", "/v1/cust*", "/v1/customers/c1/agr*"] {
            assert!(problems_of(with_operation(path)).is_empty(), "{path}");
        }
        for path in
            ["/v1/agreements", "/v1/customers/c1", "/v1/customers/c1/orders*", "/v1/customers/c1/agreements/x/*"]
        {
            let problems = problems_of(with_operation(path));
            assert!(problems[0].contains("no request of operation"), "{path}: {problems:?}");
        }
    }

    #[test]
    fn another_effects_setting_and_a_partner_that_is_no_tenant_id_are_refused() {
        let rule = |effect: &str, delay: Option<u64>, retry: Option<u64>| FaultRuleInput {
            effect: Some(effect.into()),
            delay_ms: delay,
            retry_after_seconds: retry,
            ..Default::default()
        };
        assert!(problems_of(rule("delay", Some(10), None)).is_empty());
        assert!(problems_of(rule("throttle", None, Some(5))).is_empty());
        assert!(problems_of(rule("throttle", Some(10), None))[0].contains("delayMs"));
        assert!(problems_of(rule("delay", Some(10), Some(5)))[0].contains("retryAfterSeconds"));
        assert!(problems_of(rule("hang", None, Some(5)))[0].contains("retryAfterSeconds"));
        let partner = |p: &str| FaultRuleInput {
            effect: Some("throttle".into()),
            partner_tenant_id: Some(p.into()),
            ..Default::default()
        };
        assert!(problems_of(partner("7e57da7a-0000-4000-8000-00000000d001")).is_empty());
        assert!(problems_of(partner("not-a-guid"))[0].contains("not a tenant id"));
    }

    fn rule() -> FaultRule {
        validate_rule(&FaultRuleInput { effect: Some("throttle".into()), ..Default::default() }, "r1".into(), |_| None)
            .unwrap()
    }

    fn target<'a>(method: &'a str, route: Option<&'a str>, path: &'a str, partner: Option<&'a str>) -> FaultTarget<'a> {
        FaultTarget { method, route, path, partner_tenant_id: partner }
    }

    #[test]
    fn an_unconditional_rule_matches_everything() {
        let r = rule();
        assert!(r.matches(&target("GET", None, "/v1/agreements", None)));
        assert!(r.matches(&target("POST", Some("/v1/customers"), "/v1/customers", Some("p"))));
    }

    #[test]
    fn operation_path_and_partner_narrow_the_rule() {
        let mut r = rule();
        r.method = Some("POST".into());
        r.route = Some("/v1/customers/{customer_id}/agreements".into());
        let route = Some("/v1/customers/{customer_id}/agreements");
        assert!(r.matches(&target("post", route, "/v1/customers/c1/agreements", None)));
        assert!(!r.matches(&target("GET", route, "/v1/customers/c1/agreements", None)));
        assert!(!r.matches(&target("POST", Some("/v1/customers"), "/v1/customers", None)));

        let mut r = rule();
        r.path_pattern = Some("/V1/Customers/c1/*".into());
        assert!(r.matches(&target("GET", None, "/v1/customers/c1/orders", None)));
        assert!(!r.matches(&target("GET", None, "/v1/customers/c2/orders", None)));
        r.path_pattern = Some("/v1/agreements".into());
        assert!(r.matches(&target("GET", None, "/v1/agreements", None)));
        assert!(!r.matches(&target("GET", None, "/v1/agreements/x", None)));

        let mut r = rule();
        r.partner_tenant_id = Some("AAAA".into());
        assert!(r.needs_partner());
        assert!(r.matches(&target("GET", None, "/", Some("aaaa"))));
        assert!(!r.matches(&target("GET", None, "/", Some("bbbb"))));
        assert!(!r.matches(&target("GET", None, "/", None)));
    }

    #[test]
    fn counted_rules_are_exhausted_after_their_hits() {
        let mut r = rule();
        r.max_hits = Some(2);
        r.hits = 1;
        assert!(!r.exhausted());
        r.hits = 2;
        assert!(r.exhausted());
    }

    #[test]
    fn validation_lists_every_problem() {
        let input = FaultRuleInput {
            effect: Some("explode".into()),
            operation: Some("nope".into()),
            path: Some("relative".into()),
            probability: Some(1.5),
            count: Some(0),
            delay_ms: Some(MAX_DELAY_MS + 1),
            retry_after_seconds: Some(MAX_RETRY_AFTER_SECONDS + 1),
            ..Default::default()
        };
        let problems = validate_rule(&input, "r".into(), |_| None).unwrap_err();
        assert_eq!(problems.len(), 7, "{problems:?}");
        let delay = FaultRuleInput { effect: Some("delay".into()), ..Default::default() };
        assert!(validate_rule(&delay, "r".into(), |_| None).is_err());
        assert!(validate_rule(&FaultRuleInput::default(), "r".into(), |_| None).is_err());
    }

    #[test]
    fn a_valid_rule_resolves_its_operation() {
        let input = FaultRuleInput {
            effect: Some("unavailable".into()),
            operation: Some("confirmAcceptance".into()),
            probability: Some(0.25),
            count: Some(3),
            retry_after_seconds: Some(7),
            ..Default::default()
        };
        let r = validate_rule(&input, "r".into(), |op| {
            (op == "confirmAcceptance").then(|| ("POST".into(), "/v1/customers/{customer_id}/agreements".into()))
        })
        .unwrap();
        assert_eq!(r.effect, FaultEffect::Unavailable);
        assert_eq!(r.method.as_deref(), Some("POST"));
        assert_eq!(r.max_hits, Some(3));
        assert_eq!(r.retry_after_seconds, 7);
    }
}
