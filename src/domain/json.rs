//! JSON as clients send it, read without merging: a member given twice in one object is refused,
//! not taken once. `serde_json`'s `Value` keeps the last of two members silently, and a surface
//! that reads two spellings as one name (camelCase and PascalCase in a body, any letter case in
//! a search filter) would keep one of them: which one was meant cannot be told, so neither is.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// One step from an object to a member given twice: a member's name or an item's index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Member(String),
    Item(usize),
}

/// A member given twice, named by its path from the top (`billingProfile.defaultAddress.city`,
/// `lineItems[0].offerId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedMember {
    /// Innermost first: the path is built as the parse unwinds.
    steps: Vec<Step>,
}

impl RepeatedMember {
    fn named(name: &str) -> RepeatedMember {
        RepeatedMember { steps: vec![Step::Member(name.to_string())] }
    }

    /// The same member, seen from the object that holds member `name`.
    pub fn inside_member(mut self, name: &str) -> RepeatedMember {
        self.steps.push(Step::Member(name.to_string()));
        self
    }

    /// The same member, seen from the array whose item `index` holds it.
    pub fn inside_item(mut self, index: usize) -> RepeatedMember {
        self.steps.push(Step::Item(index));
        self
    }
}

impl fmt::Display for RepeatedMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().rev().enumerate() {
            match step {
                Step::Member(name) if i == 0 => write!(f, "{name}")?,
                Step::Member(name) => write!(f, ".{name}")?,
                Step::Item(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Why a JSON text was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// It is not JSON: the parser's words, with where.
    Syntax(String),
    /// It is JSON with a member given twice in one object.
    Repeated(RepeatedMember),
}

/// Read a JSON text as a `Value`; a member whose name an object already has, at any depth, is
/// refused rather than overwriting the first.
pub fn parse(text: &[u8]) -> Result<Value, JsonError> {
    let repeated = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = UniqueValue { repeated: &repeated }.deserialize(&mut deserializer);
    let read = value.and_then(|value| deserializer.end().map(|()| value));
    read.map_err(|e| match repeated.take() {
        Some(member) => JsonError::Repeated(member),
        None => JsonError::Syntax(e.to_string()),
    })
}

/// The one rule for two spellings of one member: the members of an object under the names a
/// surface reads them by (`name_of`: camelCase for PascalCase in a body, one letter case in a
/// filter). Two names that read as one are that member given twice, refused with the name it
/// reads as.
pub fn fold_names(
    members: Map<String, Value>,
    name_of: impl Fn(&str) -> String,
) -> Result<Map<String, Value>, RepeatedMember> {
    let mut folded = Map::new();
    for (name, value) in members {
        let name = name_of(&name);
        if folded.contains_key(&name) {
            return Err(RepeatedMember::named(&name));
        }
        folded.insert(name, value);
    }
    Ok(folded)
}

/// Builds a `Value` as `serde_json` does, but refuses a repeated member; the member (and its path)
/// goes to `repeated`, as `serde_json`'s error carries only words.
#[derive(Clone, Copy)]
struct UniqueValue<'a> {
    repeated: &'a RefCell<Option<RepeatedMember>>,
}

impl UniqueValue<'_> {
    /// After a failed read of a part: when it failed on a repeated member, the path gains `step`.
    fn note_step(&self, step: impl FnOnce(RepeatedMember) -> RepeatedMember) {
        let mut repeated = self.repeated.borrow_mut();
        *repeated = repeated.take().map(step);
    }
}

impl<'de> DeserializeSeed<'de> for UniqueValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut read = Vec::new();
        loop {
            match items.next_element_seed(self) {
                Ok(Some(item)) => read.push(item),
                Ok(None) => return Ok(Value::Array(read)),
                Err(e) => {
                    self.note_step(|member| member.inside_item(read.len()));
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut read = Map::new();
        while let Some(name) = members.next_key::<String>()? {
            if read.contains_key(&name) {
                *self.repeated.borrow_mut() = Some(RepeatedMember::named(&name));
                return Err(de::Error::custom(format_args!("the member '{name}' is given more than once")));
            }
            match members.next_value_seed(self) {
                Ok(value) => read.insert(name, value),
                Err(e) => {
                    self.note_step(|member| member.inside_member(&name));
                    return Err(e);
                }
            };
        }
        Ok(Value::Object(read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn repeated(text: &str) -> String {
        match parse(text.as_bytes()) {
            Err(JsonError::Repeated(member)) => member.to_string(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn json_reads_as_serde_json_reads_it() {
        let text = r#"{"a": [1, -2, 2.5, 1e300, true, null, "x\u0000"], "b": {"c": {}}, "d": 18446744073709551615}"#;
        let read = parse(text.as_bytes()).unwrap();
        assert_eq!(read, serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(parse(b" [] ").unwrap(), json!([]));
    }

    #[test]
    fn a_member_given_twice_is_named_by_its_path_at_any_depth() {
        assert_eq!(repeated(r#"{"a": 1, "a": 1}"#), "a");
        assert_eq!(repeated(r#"{"a": true, "b": 2, "a": null}"#), "a");
        assert_eq!(repeated(r#"{"p": {"q": {"r": 1, "r": 2}}}"#), "p.q.r");
        assert_eq!(repeated(r#"{"items": [{"x": 1}, {"x": 1, "x": 2}]}"#), "items[1].x");
        assert_eq!(repeated(r#"[[{}, {"y": [], "y": []}]]"#), "[0][1].y");
    }

    #[test]
    fn the_same_name_in_other_objects_is_no_repeat() {
        let text = r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "A": 3}"#;
        assert_eq!(parse(text.as_bytes()).unwrap(), serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn what_is_not_json_is_a_syntax_error_even_after_a_repeat_is_ruled_out() {
        for text in [r#"{"a": 1,}"#, r#"{"a": 1} x"#, "", r#"{"a": [1, 2}"#] {
            assert!(matches!(parse(text.as_bytes()), Err(JsonError::Syntax(_))), "{text}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(matches!(parse(deep.as_bytes()), Err(JsonError::Syntax(_))), "the recursion limit holds");
    }

    #[test]
    fn two_spellings_of_one_name_are_one_member_given_twice() {
        let camel = |name: &str| name[..1].to_ascii_lowercase() + &name[1..];
        let members = |value: Value| value.as_object().cloned().unwrap();
        let folded = fold_names(members(json!({"AppOnly": true, "roles": []})), camel).unwrap();
        assert_eq!(Value::Object(folded), json!({"appOnly": true, "roles": []}));
        let twice = fold_names(members(json!({"AppOnly": true, "appOnly": false})), camel).unwrap_err();
        assert_eq!(twice.inside_member("body").to_string(), "body.appOnly");
    }
}
