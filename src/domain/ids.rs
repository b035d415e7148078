//! Tenant ids are GUIDs, which compare without regard to case or braces.

/// The stored spelling of an id: a GUID in lower-case hyphenated form; anything else unchanged
/// (it will simply not be found).
pub fn canonical_id(raw: &str) -> String {
    let raw = raw.trim();
    match uuid::Uuid::parse_str(raw) {
        Ok(id) => id.hyphenated().to_string(),
        Err(_) => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_lower_cased_and_other_ids_kept() {
        assert_eq!(canonical_id(" 4F1C2A10-0000-4000-8000-0000000000AA "), "4f1c2a10-0000-4000-8000-0000000000aa");
        assert_eq!(canonical_id("{4F1C2A10-0000-4000-8000-0000000000AA}"), "4f1c2a10-0000-4000-8000-0000000000aa");
        assert_eq!(canonical_id("not-a-guid"), "not-a-guid");
    }
}
