//! Text the emulator stores: no value may hold U+0000. PostgreSQL cannot store it, and both
//! backends must answer alike, so it is refused wherever text comes in (bodies, seed files).

use serde_json::Value;

/// The problem, as a validation error names it.
pub const NUL_PROBLEM: &str = "text values must not contain the NUL character (U+0000)";

/// Whether any string of `value` (member names included) holds a NUL character.
pub fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// Whether `text` holds a control character (NUL, a line break, a tab, …).
pub fn has_control_character(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_characters_are_found_anywhere() {
        assert!(contains_nul(&json!({"a": {"b": ["x\u{0}"]}})));
        assert!(contains_nul(&json!({"a\u{0}": 1})));
        assert!(!contains_nul(&json!({"a": ["fine", 1, null, {"b": true}]})));
    }
}
