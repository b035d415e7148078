//! Property tests (proptest) over every rule that reads client text: JSON body parsing (the
//! shared path of every `/v1` and control-plane body), `dateAgreed` and timestamps, contacts,
//! customer profiles and domains, line items, agreement types, and the document locale rule
//! against an independent reading of the locale table.
//!
//! Bounded for CI (a few hundred cases per property, the whole file in seconds);
//! `PROPTEST_CASES=N cargo test --test properties` runs longer. Failures are kept under
//! `target/proptest-regressions/`, never beside the sources.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use partner_center_emulator::domain::agreements::{
    validate_confirmation, AgreementTemplate, AgreementType, AgreementTypeFilter, ConfirmationError, ConfirmationInput,
};
use partner_center_emulator::domain::contact::{is_valid_email, Contact, ContactInput};
use partner_center_emulator::domain::customers::{
    parse_domain, validate_customer_profile, Address, BillingProfile, CompanyProfileInput,
};
use partner_center_emulator::domain::locales::{
    country, country_count, is_language_tag, resolve_document_locale, DocumentLocale, LocaleError,
};
use partner_center_emulator::domain::orders::{validate_line_items, LineItemInput, MAX_QUANTITY};
use partner_center_emulator::domain::time::{parse_timestamp, render_timestamp};
use partner_center_emulator::http::edge::error::ApiError;
use partner_center_emulator::http::edge::extract::{normalize_keys, parse_json_body};
use partner_center_emulator::service::ServiceError;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Map, Value};

fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "target/proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Any text, weighted towards what breaks parsers: empty, whitespace, control characters,
/// quotes, backslashes, NUL, non-BMP characters.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ".{0,40}",
        1 => "[ \t\r\n\u{0}\u{1f}\u{7f}\"'\\\\{}<>%$#@.:+-]{0,12}",
        1 => "[a-zA-Z0-9]{0,8}",
        1 => Just(String::new()),
        1 => "\\PC{0,12}",
    ]
}

fn text_without_nul() -> impl Strategy<Value = String> {
    any_text().prop_map(|s| s.replace('\0', ""))
}

// ---------------------------------------------------------------------------------------------
// JSON bodies
// ---------------------------------------------------------------------------------------------

/// Member names the bodies use, in camelCase and PascalCase, and anything else.
fn json_key() -> impl Strategy<Value = String> {
    const KNOWN: &[&str] = &[
        "primaryContact",
        "PrimaryContact",
        "firstName",
        "FirstName",
        "lastName",
        "email",
        "Email",
        "phoneNumber",
        "templateId",
        "dateAgreed",
        "DateAgreed",
        "type",
        "companyProfile",
        "billingProfile",
        "BillingProfile",
        "defaultAddress",
        "domain",
        "country",
        "lineItems",
        "LineItems",
        "offerId",
        "quantity",
        "lineItemNumber",
        "referenceCustomerId",
        "associatedPartnerId",
    ];
    prop_oneof![2 => proptest::sample::select(KNOWN).prop_map(str::to_string), 1 => ".{0,10}"]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((json_key(), inner), 0..6).prop_map(object_of),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    proptest::collection::vec((json_key(), json_value()), 0..8).prop_map(object_of)
}

/// The name a body reads a member by: `Email` is `email`.
fn camel(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// An object of `members`, each once by the name a body reads it by (a body that gives `email`
/// and `Email` is refused: `a_member_in_two_spellings_is_refused_by_its_path`).
fn object_of(members: Vec<(String, Value)>) -> Value {
    let mut seen = BTreeSet::new();
    Value::Object(members.into_iter().filter(|(k, _)| seen.insert(camel(k))).collect::<Map<String, Value>>())
}

fn contains_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// The body types the handlers parse (the wire types of the domain), read the way the
/// handlers read them.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct AnyBody {
    primary_contact: Option<ContactInput>,
    template_id: Option<String>,
    date_agreed: Option<String>,
    #[serde(rename = "type")]
    agreement_type: Option<String>,
    company_profile: Option<CompanyProfileInput>,
    billing_profile: Option<BillingProfile>,
    line_items: Option<Vec<LineItemInput>>,
    reference_customer_id: Option<String>,
}

/// Ok, or one of the two body errors with a message naming the body.
fn judge<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Result<Option<T>, TestCaseError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(ApiError::MalformedBody(m)) => {
            prop_assert!(m.starts_with("body"), "{}", m);
            Ok(None)
        }
        Err(ApiError::Service(ServiceError::Validation(problems))) => {
            prop_assert_eq!(problems.len(), 1);
            prop_assert!(problems[0].starts_with("body: "), "{:?}", problems);
            Ok(None)
        }
        Err(other) => Err(TestCaseError::fail(format!("unexpected error {other:?}"))),
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Arbitrary bytes never panic: Ok, or a 400 that names the body. Bytes that are not JSON
    /// are malformed (990400).
    #[test]
    fn arbitrary_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let is_json = serde_json::from_slice::<Value>(&bytes).is_ok();
        let parsed = judge(parse_json_body::<AnyBody>(&bytes))?;
        if !is_json {
            prop_assert!(parsed.is_none());
            prop_assert!(matches!(parse_json_body::<Value>(&bytes), Err(ApiError::MalformedBody(_))));
        }
        judge(parse_json_body::<ContactInput>(&bytes))?;
        judge(parse_json_body::<BillingProfile>(&bytes))?;
    }

    /// Arbitrary JSON: anything but an object is malformed; an object without a NUL parses as a
    /// plain value to its normalised form; any object parses into the body types or gets a 400
    /// naming the body (a NUL in a member that is read: PostgreSQL cannot store it).
    #[test]
    fn arbitrary_json_parses_or_is_refused(value in json_value(), object in json_object()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        if !value.is_object() {
            prop_assert!(matches!(parse_json_body::<Value>(&bytes), Err(ApiError::MalformedBody(m)) if m == "body: expected a JSON object"));
        }
        let bytes = serde_json::to_vec(&object).unwrap();
        if !contains_nul(&object) {
            let v = parse_json_body::<Value>(&bytes);
            prop_assert!(v.is_ok(), "{:?}", v);
            // (as serde_json reads it back: its float parsing may differ in the last digit)
            let reread: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(v.unwrap(), normalize_keys(reread).unwrap());
        }
        judge(parse_json_body::<AnyBody>(&bytes))?;
    }

    /// A member given in two spellings (camelCase and PascalCase), at any depth and whatever
    /// either holds (`null` too), is refused, named by its path: neither is taken.
    #[test]
    fn a_member_in_two_spellings_is_refused_by_its_path(
        object in json_object(), path in proptest::collection::vec("x[a-z]{0,5}", 0..3),
        name in "[a-z][a-zA-Z]{0,8}", first in json_value(), second in json_value(),
    ) {
        let mut body = object;
        let mut slot = &mut body;
        for key in &path {
            if !slot.is_object() {
                *slot = json!({});
            }
            // The path's member in one spelling only: another spelling of it would be the repeat.
            let members = slot.as_object_mut().unwrap();
            members.retain(|k, _| k == key || camel(k) != *key);
            slot = members.entry(key.clone()).or_insert(Value::Null);
        }
        if !slot.is_object() {
            *slot = json!({});
        }
        let members = slot.as_object_mut().unwrap();
        members.retain(|k, _| camel(k) != name);
        members.insert(name.clone(), first);
        members.insert(name[..1].to_ascii_uppercase() + &name[1..], second);
        let refused = parse_json_body::<AnyBody>(&serde_json::to_vec(&body).unwrap());
        let member = path.iter().chain([&name]).cloned().collect::<Vec<_>>().join(".");
        let named = format!("body: {member} is given more than once");
        prop_assert!(
            matches!(&refused, Err(ApiError::Service(ServiceError::Validation(p))) if p[0].starts_with(&named)),
            "{}: {:?}", named, refused
        );
    }

    /// Normalising keys is idempotent, drops every null member and keeps every non-null one.
    #[test]
    fn normalising_keys_is_idempotent_and_drops_nulls(value in json_value()) {
        let once = normalize_keys(value.clone()).unwrap();
        prop_assert_eq!(normalize_keys(once.clone()).unwrap(), once.clone());
        fn no_null_members(v: &Value) -> bool {
            match v {
                Value::Object(m) => m.values().all(|v| !v.is_null() && no_null_members(v)),
                Value::Array(items) => items.iter().all(no_null_members),
                _ => true,
            }
        }
        prop_assert!(no_null_members(&once));
    }

    /// camelCase and PascalCase members, and null members, read the same.
    #[test]
    fn pascal_case_and_null_members_read_like_camel_case(
        first in text_without_nul(), last in text_without_nul(), email in text_without_nul(),
        phone in proptest::option::of(text_without_nul()),
    ) {
        let camel = json!({"primaryContact": {"firstName": first, "lastName": last, "email": email, "phoneNumber": phone}});
        let pascal = json!({"PrimaryContact": {"FirstName": first, "LastName": last, "Email": email, "PhoneNumber": phone, "Attributes": null}, "Type": null});
        let a: AnyBody = parse_json_body(&serde_json::to_vec(&camel).unwrap()).unwrap();
        let b: AnyBody = parse_json_body(&serde_json::to_vec(&pascal).unwrap()).unwrap();
        prop_assert!(b.agreement_type.is_none());
        let (a, b) = (a.primary_contact.unwrap(), b.primary_contact.unwrap());
        prop_assert_eq!(a.first_name.as_deref(), Some(first.as_str()));
        prop_assert_eq!(&a.first_name, &b.first_name);
        prop_assert_eq!(&a.last_name, &b.last_name);
        prop_assert_eq!(&a.email, &b.email);
        prop_assert_eq!(&a.phone_number, &b.phone_number);
        prop_assert_eq!(a.phone_number, phone);
    }

    /// A NUL in a member that is read is refused, whatever else the body holds; one anywhere in
    /// an unknown member, however deep, is ignored with it.
    #[test]
    fn a_nul_in_a_read_member_is_refused_and_one_in_an_unknown_member_ignored(object in json_object(), path in proptest::collection::vec(json_key(), 1..4), before in ".{0,5}", after in ".{0,5}") {
        let mut read = json!({"sdkExtra": object.clone(), "primaryContact": {"firstName": "Ana"}});
        read["primaryContact"]["firstName"] = json!(format!("{before}\u{0}{after}"));
        let refused = matches!(parse_json_body::<AnyBody>(&serde_json::to_vec(&read).unwrap()), Err(ApiError::Service(ServiceError::Validation(p))) if p[0].contains("NUL"));
        prop_assert!(refused);
        let mut body = json!({"sdkExtra": object, "templateId": "t"});
        let mut slot = &mut body["sdkExtra"];
        for key in &path {
            if !slot.is_object() {
                *slot = json!({});
            }
            let members = slot.as_object_mut().unwrap();
            // The member as the object spells it already: another spelling would give it twice.
            let key = members.keys().find(|k| camel(k) == camel(key)).cloned().unwrap_or_else(|| key.clone());
            slot = members.entry(key).or_insert(Value::Null);
        }
        *slot = json!(format!("{before}\u{0}{after}"));
        let taken = parse_json_body::<AnyBody>(&serde_json::to_vec(&body).unwrap());
        prop_assert!(taken.as_ref().is_ok_and(|b| b.template_id.as_deref() == Some("t")), "{:?}", taken);
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps and dateAgreed
// ---------------------------------------------------------------------------------------------

/// An instant between 1900-01-02 and 9999-12-30 UTC (so that any offset keeps the local
/// date four digits long), with nanoseconds.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let min = NaiveDate::from_ymd_opt(1900, 1, 2).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let max = NaiveDate::from_ymd_opt(9999, 12, 30).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    (min..max, 0u32..1_000_000_000).prop_map(|(s, n)| Utc.timestamp_opt(s, n).unwrap())
}

fn truncate(t: DateTime<Utc>, digits: u32) -> DateTime<Utc> {
    let unit = 10u32.pow(9 - digits);
    t.with_nanosecond(t.nanosecond() / unit * unit).unwrap()
}

/// `t` written in local time at `offset_minutes`, with `digits` fractional digits.
fn written(t: DateTime<Utc>, offset_minutes: i32, digits: u32, zulu: bool) -> String {
    let local = t.naive_utc() + Duration::minutes(i64::from(offset_minutes));
    let mut s = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    if digits > 0 {
        let frac = format!("{:09}", t.nanosecond());
        s.push('.');
        s.push_str(&frac[..digits as usize]);
    }
    if offset_minutes == 0 && zulu {
        s.push('Z');
    } else {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let m = offset_minutes.abs();
        s.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
    }
    s
}

fn templates() -> Vec<AgreementTemplate> {
    vec![
        AgreementTemplate {
            template_id: "117a77b0-9360-443b-8795-c6dedc750cf9".into(),
            agreement_type: AgreementType::MicrosoftCustomerAgreement,
            agreement_link: "https://aka.ms/customeragreement".into(),
            version_rank: 0,
            accepts_confirmations: true,
            has_document: true,
        },
        AgreementTemplate {
            template_id: "998b88de-aa99-4388-a42c-1b3517d49490".into(),
            agreement_type: AgreementType::MicrosoftCloudAgreement,
            agreement_link: "https://docs.microsoft.com/partner-center/agreements".into(),
            version_rank: 0,
            accepts_confirmations: false,
            has_document: false,
        },
    ]
}

fn confirmation_at(date: &str) -> ConfirmationInput {
    ConfirmationInput {
        contact: ContactInput {
            first_name: Some("Ana".into()),
            last_name: Some("Lee".into()),
            email: Some("ana@contoso.example".into()),
            phone_number: None,
        },
        contact_given: true,
        template_id: Some("117a77b0-9360-443b-8795-c6dedc750cf9".into()),
        date_agreed: Some(date.into()),
        agreement_type: None,
    }
}

proptest! {
    #![proptest_config(config(1024))]

    /// Any text: a timestamp in 1900..=9999 or None, never a panic.
    #[test]
    fn any_text_is_a_timestamp_in_range_or_none(s in prop_oneof![any_text(), "[0-9T:Z.+ -]{0,32}", "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?)?(Z|[+-][0-9]{2}:[0-9]{2})?"]) {
        if let Some(t) = parse_timestamp(&s) {
            prop_assert!((1900..=9999).contains(&chrono::Datelike::year(&t)), "{} -> {}", s, t);
        }
    }

    /// Any offset and precision (.NET's seven digits, nanoseconds, none) read to the same
    /// instant; rendering is UTC with milliseconds, and reads back to itself.
    #[test]
    fn timestamps_round_trip_through_any_offset_and_precision(
        t in instant(), offset in -14 * 60..=14 * 60i32, digits in 0u32..=9, zulu in any::<bool>(), pad in "[ \t\n]{0,2}",
    ) {
        let text = written(t, offset, digits, zulu);
        let parsed = parse_timestamp(&format!("{pad}{text}{pad}"));
        prop_assert_eq!(parsed, Some(truncate(t, digits)), "{}", text);
        let rendered = render_timestamp(parsed.unwrap());
        prop_assert_eq!(rendered.len(), 24);
        prop_assert!(rendered.ends_with('Z'));
        prop_assert_eq!(parse_timestamp(&rendered), Some(truncate(t, digits.min(3))), "{}", rendered);
        prop_assert_eq!(render_timestamp(parse_timestamp(&rendered).unwrap()), rendered);
    }

    /// Without an offset a date-time or a bare date is UTC.
    #[test]
    fn timestamps_without_offset_are_utc(t in instant(), digits in 0u32..=9, pad in "[ \t\n]{0,2}") {
        let text = written(t, 0, digits, true);
        let naive = &text[..text.len() - 1];
        prop_assert_eq!(parse_timestamp(&format!("{pad}{naive}{pad}")), Some(truncate(t, digits)));
        let date = &text[..10];
        let midnight = t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
        prop_assert_eq!(parse_timestamp(&format!("{pad}{date}{pad}")), Some(midnight));
    }

    /// Years before 1900 (in UTC) are refused whatever the spelling.
    #[test]
    fn years_before_1900_are_refused(year in 0i32..1900, day in 0u32..365, secs in 0u32..86_400, offset in -14 * 60..=14 * 60i32) {
        let date = NaiveDate::from_yo_opt(year, day + 1).unwrap_or(NaiveDate::from_ymd_opt(year, 12, 31).unwrap());
        let t = date.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60).unwrap().and_utc();
        prop_assume!(chrono::Datelike::year(&(t.naive_utc() + Duration::minutes(i64::from(offset)))) >= 0);
        prop_assert_eq!(parse_timestamp(&written(t, offset, 3, true)), None);
        prop_assert_eq!(parse_timestamp(&date.format("%Y-%m-%d").to_string()), None);
    }

    /// dateAgreed: accepted exactly when it is not after now plus the skew, whatever offset it is
    /// written in; refused as DateAgreedInFuture carrying the date and now.
    #[test]
    fn date_agreed_is_accepted_iff_not_after_now_plus_skew(
        now in instant(), delta_ms in -10_000_000i64..10_000_000, skew_s in 0i64..3600, offset in -14 * 60..=14 * 60i32,
        at_the_edge in any::<bool>(), edge_ms in -2i64..=2,
    ) {
        let now = truncate(now, 3);
        let delta_ms = if at_the_edge { skew_s * 1000 + edge_ms } else { delta_ms };
        let date = now + Duration::milliseconds(delta_ms);
        prop_assume!((1900..=9999).contains(&chrono::Datelike::year(&date)) && chrono::Datelike::year(&date) < 9999);
        let skew = Duration::seconds(skew_s);
        let result = validate_confirmation(&confirmation_at(&written(date, offset, 3, false)), &templates(), now, skew);
        if date <= now + skew {
            prop_assert_eq!(result.map(|v| v.date_agreed), Ok(date));
        } else {
            prop_assert_eq!(result, Err(ConfirmationError::DateAgreedInFuture { date_agreed: date, now }));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------------------------

/// Addresses valid by RFC 5322's dot-atom with a hostname domain.
fn valid_email() -> impl Strategy<Value = String> {
    let atom = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}";
    let label = "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?";
    (proptest::collection::vec(atom, 1..3), proptest::collection::vec(label, 1..3), "[a-z]{2,6}")
        .prop_map(|(atoms, labels, tld)| format!("{}@{}.{tld}", atoms.join("."), labels.join(".")))
}

/// Addresses broken in one of the ways a form might break them.
fn invalid_email() -> impl Strategy<Value = String> {
    (valid_email(), 0usize..6, "[ <>(),;:\\[\\]\"\\\\]").prop_map(|(email, how, bad)| {
        let (local, domain) = email.split_once('@').unwrap();
        match how {
            0 => format!("{local}{domain}"),          // no @
            1 => format!("{local}@{local}@{domain}"), // two @
            2 => format!("@{domain}"),                // no local part
            3 => format!("{local}@"),                 // no domain
            4 => format!("{local}{bad}x@{domain}"),   // a character that is not atext
            _ => format!("{local}@-{domain}"),        // a label starting with a hyphen
        }
        // Not here: dots at the start or end of the local part, or doubled. RFC 5322 refuses
        // them; the HTML5 rule the emulator follows (validator's) accepts them.
    })
}

fn valid_phone() -> impl Strategy<Value = String> {
    ("[0-9 +().x-]{0,38}", "[0-9]")
        .prop_map(|(rest, digit)| format!("{digit}{rest}"))
        .prop_filter("no surrounding space", |p| p.trim() == p && p.len() <= 40)
}

fn name() -> impl Strategy<Value = String> {
    "\\PC{1,40}".prop_filter("not blank, not padded", |n| !n.trim().is_empty() && n.trim() == n)
}

#[derive(Debug, Clone)]
enum Field {
    Good(String),
    Bad(String, &'static str),
}

proptest! {
    #![proptest_config(config(512))]

    /// Any four strings: never a panic; Ok exactly when the names are present and at most 256
    /// characters as sent, the email is present and valid and the phone (if any) plausible; the stored
    /// values are the trimmed inputs.
    #[test]
    fn any_contact_is_parsed_or_refused_with_its_fields_named(
        first in proptest::option::of(any_text()), last in proptest::option::of(any_text()),
        email in proptest::option::of(prop_oneof![any_text(), valid_email()]), phone in proptest::option::of(any_text()),
    ) {
        let input = ContactInput { first_name: first.clone(), last_name: last.clone(), email: email.clone(), phone_number: phone.clone() };
        // lengths as sent, spaces around included (openapi.yaml's maxLength)
        let name_ok = |n: &Option<String>| n.as_deref().is_some_and(|n| !n.trim().is_empty() && n.chars().count() <= 256);
        let sent_phone_ok = phone.as_deref().is_none_or(|p| p.chars().count() <= 40);
        let phone_ok = sent_phone_ok && phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).is_none_or(|p| {
            p.chars().all(|c| c.is_ascii_digit() || " +-().x".contains(c)) && p.chars().any(|c| c.is_ascii_digit())
        });
        let acceptable = name_ok(&first) && name_ok(&last) && phone_ok
            && email.as_deref().map(str::trim).is_some_and(|e| !e.is_empty() && is_valid_email(e));
        let result = Contact::parse(&input, "primaryContact.");
        prop_assert_eq!(result.is_ok(), acceptable, "{:?}", result);
        match result {
            Ok(c) => {
                prop_assert_eq!(Some(c.first_name.as_str()), first.as_deref().map(str::trim));
                prop_assert_eq!(Some(c.last_name.as_str()), last.as_deref().map(str::trim));
                prop_assert_eq!(Some(c.email.as_str()), email.as_deref().map(str::trim));
                prop_assert!(!c.first_name.is_empty() && c.first_name.chars().count() <= 256);
                prop_assert_eq!(c.phone_number.as_deref(), phone.as_deref().map(str::trim).filter(|p| !p.is_empty()));
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for p in &problems {
                    let named = ["firstName: ", "lastName: ", "email: ", "phoneNumber: "].iter().any(|f| p.starts_with(&format!("primaryContact.{f}")));
                    prop_assert!(named, "{}", p);
                }
            }
        }
    }

    /// Each field good or broken: exactly the broken fields are reported, in order, at once.
    #[test]
    fn every_broken_field_is_reported_at_once(
        first in prop_oneof![name().prop_map(Field::Good), Just(Field::Bad(" \t".into(), "firstName: is required")), "\\PC{255,300}".prop_map(|n| Field::Bad(format!("x{n}x"), "firstName: must be at most 256 characters"))],
        last in prop_oneof![name().prop_map(Field::Good), Just(Field::Bad(String::new(), "lastName: is required"))],
        email in prop_oneof![valid_email().prop_map(Field::Good), invalid_email().prop_map(|e| Field::Bad(e, "email: not a valid email address")), Just(Field::Bad("  ".into(), "email: is required"))],
        phone in prop_oneof![valid_phone().prop_map(Field::Good), Just(Field::Good(String::new())), "[0-9]{1,5}[a-wyzA-Z!?*#_]{1,3}".prop_map(|p| Field::Bad(p, "phoneNumber: not a valid phone number")), "[0-9]{41,50}".prop_map(|p| Field::Bad(p, "phoneNumber: not a valid phone number")), "[ +().x-]{1,10}".prop_filter("not blank", |p| !p.trim().is_empty()).prop_map(|p| Field::Bad(p, "phoneNumber: not a valid phone number"))],
    ) {
        let value = |f: &Field| match f { Field::Good(v) | Field::Bad(v, _) => v.clone() };
        let input = ContactInput { first_name: Some(value(&first)), last_name: Some(value(&last)), email: Some(value(&email)), phone_number: Some(value(&phone)) };
        let expected: Vec<String> = [&first, &last, &email, &phone].iter().filter_map(|f| match f { Field::Bad(_, p) => Some(format!("x.{p}")), Field::Good(_) => None }).collect();
        match Contact::parse(&input, "x.") {
            Ok(c) => {
                prop_assert!(expected.is_empty(), "accepted {:?}, expected {:?}", c, expected);
                prop_assert_eq!(c.first_name, value(&first));
                prop_assert_eq!(c.email, value(&email));
                prop_assert_eq!(c.phone_number, Some(value(&phone)).filter(|p| !p.is_empty()));
            }
            Err(problems) => prop_assert_eq!(problems, expected),
        }
    }

    /// The duplicate rule: the identity ignores case and surrounding spaces (a phone is padded
    /// only within its 40 characters as sent) ...
    #[test]
    fn identity_ignores_case_and_surrounding_space(first in "[ -~]{1,12}", last in "[ -~]{1,12}", email in valid_email(), phone in proptest::option::of(valid_phone()), pad in "[ \t]{0,2}") {
        prop_assume!(!first.trim().is_empty() && !last.trim().is_empty());
        let contact = |f: String, l: String, e: String, p: Option<String>| Contact::parse(&ContactInput { first_name: Some(f), last_name: Some(l), email: Some(e), phone_number: p }, "").unwrap();
        let a = contact(first.clone(), last.clone(), email.clone(), phone.clone());
        let b = contact(format!("{pad}{}", first.to_uppercase()), format!("{}{pad}", last.to_lowercase()), email.to_uppercase(), phone.map(|p| if p.len() + pad.len() <= 40 { format!("{pad}{p}") } else { p }));
        prop_assert_eq!(a.identity_key(), b.identity_key());
    }

    /// ... and tells apart contacts that differ in any field (ASCII, case aside).
    #[test]
    fn identity_tells_different_contacts_apart(a in proptest::collection::vec("[ -~]{1,6}", 4), b in proptest::collection::vec("[ -~]{1,6}", 4)) {
        let fields = |v: &[String]| v.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>();
        prop_assume!(fields(&a) != fields(&b));
        let key = |v: &[String]| Contact { first_name: v[0].clone(), last_name: v[1].clone(), email: v[2].clone(), phone_number: Some(v[3].clone()) }.identity_key();
        prop_assert_ne!(key(&a), key(&b));
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// The same, with the separator, the escape character and the escape's own text in the
    /// alphabet (the collision once found here: fields joined with an unescaped U+001F).
    #[test]
    fn identity_tells_different_contacts_apart_whatever_their_characters(a in proptest::collection::vec("[ab\u{1f}\\\\]{0,3}", 4), b in proptest::collection::vec("[ab\u{1f}\\\\]{0,3}", 4)) {
        let fields = |v: &[String]| v.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>();
        prop_assume!(fields(&a) != fields(&b));
        let key = |v: &[String]| Contact { first_name: v[0].clone(), last_name: v[1].clone(), email: v[2].clone(), phone_number: Some(v[3].clone()) }.identity_key();
        prop_assert_ne!(key(&a), key(&b));
    }
}

// ---------------------------------------------------------------------------------------------
// Agreement types and confirmations
// ---------------------------------------------------------------------------------------------

fn random_case(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if mask >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

proptest! {
    #![proptest_config(config(512))]

    /// Agreement types are read without regard to case or surrounding spaces; nothing else is
    /// a type; `*` filters nothing and an empty filter means the Cloud Agreement.
    #[test]
    fn agreement_types_ignore_case_and_nothing_else_is_a_type(mask in any::<u64>(), pad in "[ \t]{0,2}", other in any_text()) {
        for t in [AgreementType::MicrosoftCustomerAgreement, AgreementType::MicrosoftCloudAgreement] {
            let spelled = format!("{pad}{}{pad}", random_case(t.as_str(), mask));
            prop_assert_eq!(AgreementType::parse(&spelled), Some(t));
            prop_assert_eq!(AgreementTypeFilter::parse(Some(&spelled)), Ok(AgreementTypeFilter::Only(t)));
        }
        let known = ["MicrosoftCustomerAgreement", "MicrosoftCloudAgreement"].iter().any(|k| k.eq_ignore_ascii_case(other.trim()));
        prop_assert_eq!(AgreementType::parse(&other).is_some(), known);
        let expected = match other.trim() {
            "" => Ok(AgreementTypeFilter::Only(AgreementType::MicrosoftCloudAgreement)),
            "*" => Ok(AgreementTypeFilter::All),
            _ if known => Ok(AgreementTypeFilter::Only(AgreementType::parse(&other).unwrap())),
            trimmed => Err(trimmed.to_string()),
        };
        prop_assert_eq!(AgreementTypeFilter::parse(Some(&other)), expected);
    }

    /// Any confirmation input: never a panic, and Ok only when every rule holds.
    #[test]
    fn any_confirmation_is_judged_by_every_rule(
        first in proptest::option::weighted(0.9, prop_oneof![3 => name(), 1 => any_text()]),
        email in proptest::option::weighted(0.9, prop_oneof![3 => valid_email(), 1 => any_text()]),
        template in proptest::option::weighted(0.9, prop_oneof![3 => Just("117a77b0-9360-443b-8795-c6dedc750cf9".to_string()), 1 => Just("998b88de-aa99-4388-a42c-1b3517d49490".to_string()), 1 => any_text()]),
        date in proptest::option::weighted(0.9, prop_oneof![3 => Just("2026-03-01T12:00:00Z".to_string()), 1 => Just("2026-03-02T00:00:00Z".to_string()), 1 => any_text()]),
        agreement_type in proptest::option::of(prop_oneof![Just("microsoftcustomeragreement".to_string()), Just("MicrosoftCloudAgreement".to_string()), any_text()]),
        contact_given in proptest::bool::weighted(0.9),
    ) {
        let input = ConfirmationInput {
            contact: ContactInput { first_name: first, last_name: Some("Lee".into()), email, phone_number: None },
            contact_given,
            template_id: template.clone(),
            date_agreed: date.clone(),
            agreement_type: agreement_type.clone(),
        };
        let now = parse_timestamp("2026-03-01T12:00:00Z").unwrap();
        let result = validate_confirmation(&input, &templates(), now, Duration::minutes(5));
        let acceptable = contact_given
            && Contact::parse(&input.contact, "").is_ok()
            && template.as_deref().map(str::trim) == Some("117a77b0-9360-443b-8795-c6dedc750cf9")
            && date.as_deref().and_then(parse_timestamp).is_some_and(|d| d <= now + Duration::minutes(5))
            && agreement_type.as_deref().map(str::trim).filter(|t| !t.is_empty()).is_none_or(|t| t.eq_ignore_ascii_case("MicrosoftCustomerAgreement"));
        prop_assert_eq!(result.is_ok(), acceptable, "{:?}", result);
        if let Ok(valid) = result {
            prop_assert!(contact_given);
            prop_assert_eq!(Contact::parse(&input.contact, ""), Ok(valid.contact));
            prop_assert_eq!(template.as_deref().map(str::trim), Some("117a77b0-9360-443b-8795-c6dedc750cf9"));
            prop_assert!(valid.date_agreed <= now + Duration::minutes(5));
            prop_assert_eq!(parse_timestamp(date.as_deref().unwrap()), Some(valid.date_agreed));
            let given = agreement_type.as_deref().map(str::trim).filter(|t| !t.is_empty());
            prop_assert!(given.is_none_or(|t| t.eq_ignore_ascii_case("MicrosoftCustomerAgreement")));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Customers and line items
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    /// Domains: 1 to 27 letters or digits, optionally with the suffix in any case and with
    /// surrounding spaces, read in lower case with the suffix; anything else is refused.
    #[test]
    fn domains_are_1_to_27_letters_or_digits(prefix in "[A-Za-z0-9]{1,27}", suffix in any::<bool>(), mask in any::<u64>(), pad in "[ \t]{0,2}", bad in "[^A-Za-z0-9]", at in any::<proptest::sample::Index>(), long in "[a-z0-9]{28,40}", other in any_text()) {
        let spelled = if suffix { format!("{prefix}{}", random_case(".onmicrosoft.com", mask)) } else { prefix.clone() };
        prop_assert_eq!(parse_domain(&format!("{pad}{spelled}{pad}")), Ok(format!("{}.onmicrosoft.com", prefix.to_ascii_lowercase())));
        let i = at.index(prefix.chars().count() + 1);
        let broken: String = prefix.chars().take(i).chain(bad.chars()).chain(prefix.chars().skip(i)).collect();
        prop_assume!(broken.trim() == broken || !bad.trim().is_empty());
        if broken.trim() != prefix && !broken.to_ascii_lowercase().ends_with(".onmicrosoft.com") {
            prop_assert!(parse_domain(&broken).is_err(), "{:?}", broken);
        }
        prop_assert!(parse_domain(&long).is_err());
        if let Ok(d) = parse_domain(&other) {
            let p = d.strip_suffix(".onmicrosoft.com").unwrap();
            prop_assert!(!p.is_empty() && p.len() <= 27 && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
    }

    /// Any customer profile: never a panic; Ok keeps the billing profile exactly as sent
    /// (not trimmed, not re-cased) and only with every required field, a culture and a language
    /// shaped as such, and a known country.
    #[test]
    fn any_customer_profile_is_kept_exactly_or_refused(
        fields in proptest::collection::vec(proptest::option::weighted(0.97, prop_oneof![20 => "\\PC{1,12}", 1 => any_text()]), 12),
        culture in proptest::option::weighted(0.97, prop_oneof![8 => "[a-zA-Z]{2,3}(-[A-Z][a-z]{3})?-([A-Z]{2}|[0-9]{3})", 1 => "\\PC{1,12}", 1 => any_text()]),
        language in proptest::option::weighted(0.97, prop_oneof![8 => "[a-z]{2,3}(-[A-Z]{2})?", 1 => "\\PC{1,12}", 1 => any_text()]),
        email in proptest::option::weighted(0.95, prop_oneof![5 => valid_email(), 1 => any_text()]),
        country_code in proptest::option::weighted(0.95, prop_oneof![2 => Just("US".to_string()), 2 => Just(" AT".to_string()), 1 => "[A-Z]{2}", 1 => any_text()]),
        domain in proptest::option::weighted(0.95, prop_oneof![5 => "[a-z0-9]{1,27}", 1 => any_text()]),
    ) {
        let f = |i: usize| fields[i].clone();
        let billing = BillingProfile {
            email: email.clone(), culture: culture.clone(), language: language.clone(), company_name: f(2), first_name: f(3), last_name: f(4),
            default_address: Some(Address { first_name: f(5), last_name: f(6), address_line1: f(7), address_line2: f(8), city: f(9), state: f(10), postal_code: f(11), country: country_code.clone(), phone_number: None }),
        };
        let company = CompanyProfileInput { domain: domain.clone(), company_name: None, organization_registration_number: None };
        let required = [2usize, 5, 6, 7, 9, 10, 11];
        let acceptable = required.iter().all(|&i| fields[i].as_deref().is_some_and(|v| !v.trim().is_empty()))
            && culture.as_deref().is_some_and(|c| is_language_tag(c, true))
            && language.as_deref().is_some_and(|l| is_language_tag(l, false))
            && email.as_deref().map(str::trim).is_some_and(|e| !e.is_empty() && is_valid_email(e))
            && country_code.as_deref().is_some_and(|c| country(c.trim()).is_some())
            && domain.as_deref().is_some_and(|d| parse_domain(d).is_ok());
        let result = validate_customer_profile(Some(&company), Some(&billing));
        prop_assert_eq!(result.is_ok(), acceptable, "{:?}", result);
        match result {
            Ok(valid) => {
                prop_assert_eq!(&valid.billing_profile, &billing);
                prop_assert_eq!(Some(valid.company_name), billing.company_name.clone());
                prop_assert_eq!(Ok(valid.domain), parse_domain(domain.as_deref().unwrap()));
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                prop_assert!(problems.iter().all(|p| p.starts_with("companyProfile.") || p.starts_with("billingProfile.")), "{:?}", problems);
            }
        }
    }

    /// Line items: never a panic; Ok only with at least one item, each with an offer, a quantity
    /// in 1..=MAX_QUANTITY and a unique number.
    #[test]
    fn any_line_items_are_judged_by_every_rule(items in proptest::collection::vec((proptest::option::of(-1i64..4), proptest::option::weighted(0.95, prop_oneof![4 => "[A-Z0-9:]{1,12}", 1 => any_text()]), proptest::option::weighted(0.95, prop_oneof![4 => 1i64..3, 1 => Just(MAX_QUANTITY), 1 => Just(MAX_QUANTITY + 1), 1 => -1i64..=0, 1 => any::<i64>()])), 0..5)) {
        let input: Vec<LineItemInput> = items.iter().map(|(n, o, q)| LineItemInput { line_item_number: *n, offer_id: o.clone(), quantity: *q, ..LineItemInput::default() }).collect();
        let numbers: Vec<i64> = input.iter().enumerate().map(|(i, item)| item.line_item_number.unwrap_or(i as i64)).collect();
        let acceptable = !input.is_empty()
            && input.iter().all(|i| i.offer_id.as_deref().is_some_and(|o| !o.trim().is_empty()))
            && input.iter().all(|i| i.quantity.is_some_and(|q| (1..=MAX_QUANTITY).contains(&q)))
            && numbers.iter().collect::<BTreeSet<_>>().len() == numbers.len();
        let result = validate_line_items(Some(&input), chrono::Utc::now());
        prop_assert_eq!(result.is_ok(), acceptable, "{:?}", result);
        match result {
            Ok(valid) => {
                prop_assert_eq!(valid.len(), input.len());
                prop_assert!(!valid.is_empty());
                let numbers: BTreeSet<i64> = valid.iter().map(|v| v.line_item_number).collect();
                prop_assert_eq!(numbers.len(), valid.len());
                for (v, i) in valid.iter().zip(&input) {
                    prop_assert!((1..=MAX_QUANTITY).contains(&v.quantity));
                    prop_assert_eq!(Some(v.offer_id.as_str()), i.offer_id.as_deref().map(str::trim));
                    prop_assert!(!v.offer_id.is_empty());
                }
            }
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The document locale rule, against an independent reading of the table
// ---------------------------------------------------------------------------------------------

/// code → (name, languages), read from the CSV here, not through the emulator's parser.
fn locale_table() -> BTreeMap<String, (String, Vec<String>)> {
    let csv = include_str!("../src/domain/agreement-document-locales.csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("country_code,country_name,languages"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let open = line.rfind(",\"").expect("quoted languages");
            let languages = line[open + 2..].strip_suffix('"').expect("closing quote");
            let (code, name) = line[..open].split_once(',').expect("code");
            (code.to_string(), (name.to_string(), languages.split(' ').map(str::to_string).collect()))
        })
        .collect()
}

fn all_languages() -> Vec<String> {
    locale_table().values().flat_map(|(_, l)| l.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

#[test]
fn the_locale_table_is_read_completely_and_every_pair_resolves() {
    let table = locale_table();
    assert_eq!(table.len(), 246);
    assert_eq!(country_count(), table.len());
    let languages = all_languages();
    assert!(languages.len() > 20, "{languages:?}");
    for (code, (name, offered)) in &table {
        assert_eq!(code.len(), 2, "{code}");
        assert!(code.chars().all(|c| c.is_ascii_uppercase()), "{code}");
        let c = country(code).unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(c.name, name.as_str());
        assert_eq!(c.languages, offered.iter().map(String::as_str).collect::<Vec<_>>(), "{code}");
        assert!(offered.iter().any(|l| l == "en-US"), "{code} offers English");
        for language in &languages {
            let expected = if offered.contains(language) { language.as_str() } else { "en-US" };
            let resolved = resolve_document_locale(Some(code), Some(language)).unwrap();
            assert_eq!((resolved.country, resolved.language), (code.as_str(), expected), "{code} {language}");
            // codes are case-sensitive: another spelling is not offered, so it falls back
            for spelled in [language.to_lowercase(), language.to_uppercase()] {
                let expected = if offered.contains(&spelled) { spelled.as_str() } else { "en-US" };
                assert_eq!(
                    resolve_document_locale(Some(code), Some(&spelled)).unwrap().language,
                    expected,
                    "{code} {spelled}"
                );
            }
        }
        assert_eq!(
            resolve_document_locale(Some(&code.to_lowercase()), None),
            Err(LocaleError::UnknownCountry(code.to_lowercase()))
        );
    }
}

proptest! {
    #![proptest_config(config(1024))]

    /// Any country and language: the country is refused unless it is in the table (exactly, case
    /// included; absent or empty means US); the language is the one asked for when the country
    /// offers it, else en-US (absent or empty means en-US).
    #[test]
    fn any_country_and_language_follow_the_fallback_rule(
        code in proptest::option::of(prop_oneof![proptest::sample::select(locale_table().keys().cloned().collect::<Vec<_>>()), "[A-Za-z]{2}", any_text()]),
        lower in any::<bool>(),
        language in proptest::option::of(prop_oneof![
            proptest::sample::select(all_languages()),
            (proptest::sample::select(all_languages()), any::<u64>()).prop_map(|(l, mask)| random_case(&l, mask)),
            "[a-z]{2}-[A-Za-z]{2}",
            any_text(),
        ]),
    ) {
        let table = locale_table();
        let code = code.map(|c| if lower { c.to_lowercase() } else { c });
        let effective = code.as_deref().filter(|c| !c.is_empty()).unwrap_or("US");
        let result = resolve_document_locale(code.as_deref(), language.as_deref());
        match table.get(effective) {
            None => prop_assert_eq!(result, Err(LocaleError::UnknownCountry(effective.to_string()))),
            Some((_, offered)) => {
                let wanted = language.as_deref().filter(|l| !l.is_empty()).unwrap_or("en-US");
                let expected = if offered.iter().any(|l| l == wanted) { wanted } else { "en-US" };
                let DocumentLocale { country, language } = result.unwrap();
                prop_assert_eq!(country, effective);
                prop_assert_eq!(language, expected);
            }
        }
    }
}
