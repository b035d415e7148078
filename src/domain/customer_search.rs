//! Customer search, `GET /v1/customers?filter=`: the filter Partner Center's SDKs send (the .NET
//! SDK's `SimpleFieldFilter`, the Java SDK's `buildSimpleQuery`), as the JSON object
//! `{"Field": …, "Value": …, "Operator": "starts_with"}`, and what it matches.
//!
//! Microsoft documents the four fields and the one operator; the rest is ours: member names and
//! field and operator names are read without regard to case (the SDKs send PascalCase), matching
//! ignores letter case, and anything else (a member the filter does not have, a member given twice
//! in one letter case or two, another operator, an empty value) is refused with the problem named
//! rather than searched for as if it were not there, or as one of the two.

use serde_json::{Map, Value};

use super::json::{self, fold_names, JsonError, RepeatedMember};

/// The fields customers can be searched by (the SDKs' `CustomerSearchField`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    /// The customer's company name starts with the value.
    CompanyName,
    /// The customer's domain (`contoso.onmicrosoft.com`) starts with the value.
    Domain,
    /// The customer has a relationship with an indirect reseller whose tenant id starts with the
    /// value (the whole id names one reseller).
    IndirectReseller,
    /// The customer has a relationship with an indirect provider whose tenant id starts with the
    /// value.
    IndirectCloudSolutionProvider,
}

impl SearchField {
    pub const ALL: [SearchField; 4] =
        [Self::CompanyName, Self::Domain, Self::IndirectReseller, Self::IndirectCloudSolutionProvider];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompanyName => "CompanyName",
            Self::Domain => "Domain",
            Self::IndirectReseller => "IndirectReseller",
            Self::IndirectCloudSolutionProvider => "IndirectCloudSolutionProvider",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// Whether the value is a tenant id (or the start of one).
    fn names_a_partner(self) -> bool {
        matches!(self, Self::IndirectReseller | Self::IndirectCloudSolutionProvider)
    }
}

/// The one operator Partner Center's customer search has ("full search is not supported").
pub const STARTS_WITH: &str = "starts_with";
/// The longest value a search takes (ours), as the names it is compared with.
pub const MAX_VALUE_LEN: usize = 256;
/// The longest filter taken (ours): room for the longest value, escaped, and the members' names.
pub const MAX_FILTER_LEN: usize = 2048;

/// A customer search: customers whose `field` starts with `value`, without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    pub field: SearchField,
    /// As the client sent it.
    pub value: String,
}

impl CustomerFilter {
    /// Read a `filter` query value (already URL-decoded). Every problem is named.
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        let members = members(raw)?;
        let mut problems = unknown_members(&members);
        let field = members.get("Field");
        let value = members.get("Value");
        let operator = members.get("Operator");
        let fields = "CompanyName, Domain, IndirectReseller or IndirectCloudSolutionProvider";
        let field = match field {
            None => {
                problems.push(format!("filter.Field: is required: {fields}"));
                None
            }
            Some(Value::String(name)) => SearchField::parse(name).or_else(|| {
                problems.push(format!(
                    "filter.Field: '{}' is not a field customers can be searched by: {fields}",
                    shortened(name)
                ));
                None
            }),
            Some(other) => {
                problems.push(format!("filter.Field: {other} is not a field name: {fields}"));
                None
            }
        };
        match operator {
            Some(Value::String(op)) if op.trim().eq_ignore_ascii_case(STARTS_WITH) => {}
            None => problems.push(format!("filter.Operator: is required; the only operator is {STARTS_WITH}")),
            Some(other) => problems.push(format!(
                "filter.Operator: {} is not supported: customers are searched with {STARTS_WITH} only \
                 (full search is not supported)",
                match other {
                    Value::String(op) => format!("'{}'", shortened(op)),
                    other => other.to_string(),
                }
            )),
        }
        let value = match value {
            Some(Value::String(text)) if text.is_empty() => {
                problems.push("filter.Value: must not be empty: it is the text the field starts with".into());
                None
            }
            Some(Value::String(text)) if text.chars().count() > MAX_VALUE_LEN => {
                problems.push(format!("filter.Value: must be at most {MAX_VALUE_LEN} characters"));
                None
            }
            Some(Value::String(text)) if text.contains('\0') => {
                problems.push(format!("filter.Value: {}", super::text::NUL_PROBLEM));
                None
            }
            Some(Value::String(text)) => Some(text.clone()),
            None => {
                problems.push("filter.Value: is required: the text the field starts with".into());
                None
            }
            Some(other) => {
                problems.push(format!(
                    "filter.Value: {} is not text; send the value as a JSON string",
                    shortened(&other.to_string())
                ));
                None
            }
        };
        match (field, value) {
            (Some(field), Some(value)) if problems.is_empty() => Ok(CustomerFilter { field, value }),
            _ => Err(problems),
        }
    }

    /// The filter as the SDKs write it, for the `links` of a page.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"Field\":\"{}\",\"Value\":{},\"Operator\":\"{STARTS_WITH}\"}}",
            self.field.as_str(),
            Value::String(self.value.clone())
        )
    }

    /// The text the stored (folded) column must start with: the value folded as stored names
    /// are, a tenant id in its stored spelling.
    pub fn folded_value(&self) -> String {
        let value = if self.field.names_a_partner() {
            // A whole tenant id in any spelling of a GUID ({…}, upper case) names that partner.
            uuid::Uuid::parse_str(self.value.trim()).map(|id| id.hyphenated().to_string()).unwrap_or(self.value.clone())
        } else {
            self.value.clone()
        };
        fold(&value)
    }

    /// A `LIKE` pattern for a prefix search, with `\` as the escape character: the folded value,
    /// its `%`, `_` and `\` taken literally, then `%`.
    pub fn like_pattern(&self) -> String {
        prefix_pattern(&self.folded_value())
    }

    /// Whether two filters search for the same customers (a continuation token is bound to its
    /// search).
    pub fn same_search(&self, other: &CustomerFilter) -> bool {
        self.field == other.field && self.folded_value() == other.folded_value()
    }
}

/// The dashboard's search box: the customers whose company name or domain starts with the text,
/// or whose Microsoft ID (tenant id) is the text, without regard to case — the API's rules
/// (`starts_with` on `CompanyName` and `Domain`) and the customer read by id, in one search, each
/// on an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickSearch {
    /// As typed, trimmed.
    pub text: String,
}

impl QuickSearch {
    /// The search for what was typed; `None` when nothing was (the whole list).
    pub fn new(typed: &str) -> Option<QuickSearch> {
        let text = typed.trim();
        (!text.is_empty()).then(|| QuickSearch { text: text.to_string() })
    }

    /// The `LIKE` pattern the folded company name or the domain must match (see
    /// [`CustomerFilter::like_pattern`]).
    pub fn like_pattern(&self) -> String {
        prefix_pattern(&fold(&self.text))
    }

    /// The tenant id the text names, in its stored spelling (any spelling of a GUID); `None` when
    /// the text is not a whole GUID.
    pub fn tenant_id(&self) -> Option<String> {
        uuid::Uuid::parse_str(&self.text).ok().map(|id| id.hyphenated().to_string())
    }
}

/// A `LIKE` pattern for a prefix search of `folded`, with `\` as the escape character: its `%`,
/// `_` and `\` taken literally, then `%`.
fn prefix_pattern(folded: &str) -> String {
    let mut pattern = String::with_capacity(folded.len() + 2);
    for c in folded.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// How names are folded for a search, stored and searched alike: Unicode lower case.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The members a filter has, each named as the filter names it in whatever letter case it was sent.
const MEMBERS: [&str; 3] = ["Field", "Value", "Operator"];

/// A filter's members, those of [`MEMBERS`] by the name it spells; a filter that is no JSON
/// object, or that gives a member twice (in one letter case or two: `Value` and `VALUE` are one
/// member), is refused with that problem alone.
fn members(raw: &str) -> Result<Map<String, Value>, Vec<String>> {
    let shape = "a filter is the JSON object {\"Field\": …, \"Value\": …, \"Operator\": \"starts_with\"}";
    if raw.chars().count() > MAX_FILTER_LEN {
        return Err(vec![format!("filter: must be at most {MAX_FILTER_LEN} characters; {shape}")]);
    }
    let given_twice = |member: RepeatedMember| vec![format!("filter.{member}: is given more than once; send it once")];
    match json::parse(raw.as_bytes()) {
        Ok(Value::Object(members)) => fold_names(members, member_name).map_err(given_twice),
        Err(JsonError::Repeated(member)) => Err(given_twice(member)),
        _ if raw.trim().is_empty() => Err(vec![format!("filter: is empty; {shape}")]),
        _ => Err(vec![format!("filter: '{}' is not a JSON object; {shape}", shortened(raw))]),
    }
}

/// The member a name in a filter reads as: one of [`MEMBERS`] in any letter case, or a name the
/// filter does not have, as sent.
fn member_name(name: &str) -> String {
    match MEMBERS.iter().find(|known| known.eq_ignore_ascii_case(name)) {
        Some(known) => known.to_string(),
        None => name.to_string(),
    }
}

/// The problem of each member that is not one of [`MEMBERS`].
fn unknown_members(members: &Map<String, Value>) -> Vec<String> {
    let unknown = members.keys().filter(|name| !MEMBERS.contains(&name.as_str()));
    unknown
        .map(|name| {
            format!(
                "filter: '{}' is not a member of a filter, which has Field, Value and Operator only \
                 (compound filters are not supported)",
                shortened(name)
            )
        })
        .collect()
}

/// At most 100 characters of what a client sent, for an error message.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<CustomerFilter, Vec<String>> {
        CustomerFilter::parse(raw)
    }

    #[test]
    fn the_sdks_filters_are_read_in_any_letter_case() {
        let sdk = r#"{"Field":"CompanyName","Value":"cont","Operator":"starts_with"}"#;
        let filter = parse(sdk).unwrap();
        assert_eq!((filter.field, filter.value.as_str()), (SearchField::CompanyName, "cont"));
        assert_eq!(filter.to_json(), sdk, "written back as the SDKs write it");
        let lower = parse(r#"{"field":"domain","value":"Fab","operator":"STARTS_WITH"}"#).unwrap();
        assert_eq!((lower.field, lower.like_pattern().as_str()), (SearchField::Domain, "fab%"));
        for field in SearchField::ALL {
            let raw = format!(r#"{{"Field":"{}","Value":"x","Operator":"starts_with"}}"#, field.as_str());
            assert_eq!(parse(&raw).unwrap().field, field);
        }
    }

    #[test]
    fn every_problem_is_named() {
        let cases: &[(&str, &str)] = &[
            ("", "filter: is empty"),
            ("CompanyName eq 'x'", "is not a JSON object"),
            ("[1]", "is not a JSON object"),
            (r#"{"Field":"Name","Value":"x","Operator":"starts_with"}"#, "filter.Field: 'Name' is not a field"),
            (r#"{"Value":"x","Operator":"starts_with"}"#, "filter.Field: is required"),
            (r#"{"Field":"Domain","Value":"x","Operator":"equals"}"#, "filter.Operator: 'equals' is not supported"),
            (r#"{"Field":"Domain","Value":"x"}"#, "filter.Operator: is required"),
            (r#"{"Field":"Domain","Value":"","Operator":"starts_with"}"#, "filter.Value: must not be empty"),
            (r#"{"Field":"Domain","Value":3,"Operator":"starts_with"}"#, "filter.Value: 3 is not text"),
            (r#"{"Field":"Domain","Operator":"starts_with"}"#, "filter.Value: is required"),
            (r#"{"Filters":[],"Operator":"and"}"#, "'Filters' is not a member of a filter"),
            (
                r#"{"Field":"Domain","field":"Domain","Value":"x","Operator":"starts_with"}"#,
                "filter.Field: is given more",
            ),
            (r#"{"Field":"Domain","Value":"x","Value":"y","Operator":"starts_with"}"#, "filter.Value: is given more"),
            (r#"{"Field":"Domain","Value":{"a":1,"a":1},"Operator":"starts_with"}"#, "filter.Value.a: is given more"),
        ];
        for (raw, problem) in cases {
            let problems = parse(raw).unwrap_err();
            assert!(problems.iter().any(|p| p.contains(problem)), "{raw}: {problems:?}");
        }
        let long = format!(r#"{{"Field":"Domain","Value":"{}","Operator":"starts_with"}}"#, "a".repeat(257));
        assert!(parse(&long).unwrap_err()[0].contains("at most 256"));
        let padded = format!(r#"{{"Field":"Domain",{}"Value":"a","Operator":"starts_with"}}"#, " ".repeat(2048));
        assert!(parse(&padded).unwrap_err()[0].contains("at most 2048"));
    }

    #[test]
    fn the_dashboards_search_is_a_prefix_or_a_whole_id() {
        assert_eq!(QuickSearch::new("  "), None);
        let name = QuickSearch::new(" Cont_so ").unwrap();
        assert_eq!((name.like_pattern().as_str(), name.tenant_id()), ("cont\\_so%", None));
        let id = QuickSearch::new("{4F1C2A10-0000-4000-8000-0000000000AA}").unwrap();
        assert_eq!(id.tenant_id().as_deref(), Some("4f1c2a10-0000-4000-8000-0000000000aa"));
        assert_eq!(QuickSearch::new("4f1c2a10").unwrap().tenant_id(), None, "a part of an id is no id");
    }

    #[test]
    fn values_are_folded_and_taken_literally() {
        let filter = |field, value: &str| CustomerFilter { field, value: value.into() };
        assert_eq!(filter(SearchField::CompanyName, "ÉCOLE 100%_a\\").like_pattern(), "école 100\\%\\_a\\\\%");
        let id = "{4F1C2A10-0000-4000-8000-0000000000AA}";
        assert_eq!(filter(SearchField::IndirectReseller, id).like_pattern(), "4f1c2a10-0000-4000-8000-0000000000aa%");
        assert_eq!(filter(SearchField::IndirectCloudSolutionProvider, "4F1C").like_pattern(), "4f1c%");
        assert!(filter(SearchField::CompanyName, "Cont").same_search(&filter(SearchField::CompanyName, "cONT")));
        assert!(!filter(SearchField::CompanyName, "Cont").same_search(&filter(SearchField::Domain, "cont")));
        assert_eq!(
            filter(SearchField::Domain, "a\"b").to_json(),
            r#"{"Field":"Domain","Value":"a\"b","Operator":"starts_with"}"#
        );
    }
}
