//! The person who accepted an agreement (the "primary contact" of a confirmation).

use serde::Serialize;
use validator::ValidateEmail;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// The raw fields as they came over the wire, before any rule was applied.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

/// The longest text a person's or company's field may hold (names, addresses, emails).
pub const MAX_NAME_LEN: usize = 256;

/// A required text: not blank, and at most [`MAX_NAME_LEN`] characters as sent (spaces around
/// it included, as openapi.yaml's `maxLength` counts them); stored trimmed.
fn required(value: Option<&str>, field: &str, problems: &mut Vec<String>) -> String {
    let sent = value.unwrap_or_default();
    let value = sent.trim();
    if value.is_empty() {
        problems.push(format!("{field}: is required"));
    } else if sent.chars().count() > MAX_NAME_LEN {
        problems.push(format!("{field}: must be at most {MAX_NAME_LEN} characters"));
    }
    value.to_string()
}

pub fn is_valid_email(value: &str) -> bool {
    value.validate_email()
}

impl Contact {
    /// Check every field and report every problem at once, each prefixed with `prefix`
    /// (e.g. `primaryContact.email: not a valid email address`).
    pub fn parse(input: &ContactInput, prefix: &str) -> Result<Contact, Vec<String>> {
        Self::parse_named(input, |field| format!("{prefix}{field}"))
    }

    /// [`Contact::parse`] for a body that names the fields its own way: `name` turns each field's
    /// name (`firstName`, `lastName`, `email`, `phoneNumber`) into the body's.
    pub fn parse_named(input: &ContactInput, name: impl Fn(&str) -> String) -> Result<Contact, Vec<String>> {
        let mut problems = Vec::new();
        let first_name = required(input.first_name.as_deref(), &name("firstName"), &mut problems);
        let last_name = required(input.last_name.as_deref(), &name("lastName"), &mut problems);
        let email = required(input.email.as_deref(), &name("email"), &mut problems);
        if !email.is_empty() && !is_valid_email(&email) {
            problems.push(format!("{}: not a valid email address", name("email")));
        }
        let sent_phone_len = input.phone_number.as_deref().map_or(0, |p| p.chars().count());
        let phone_number = input.phone_number.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
        if let Some(phone) = &phone_number {
            let plausible = sent_phone_len <= 40
                && phone.chars().all(|c| c.is_ascii_digit() || " +-().x".contains(c))
                && phone.chars().any(|c| c.is_ascii_digit());
            if !plausible {
                problems.push(format!("{}: not a valid phone number", name("phoneNumber")));
            }
        }
        if problems.is_empty() {
            Ok(Contact { first_name, last_name, email, phone_number })
        } else {
            Err(problems)
        }
    }

    /// Two confirmations are "the same" when first name, last name, email and phone all match,
    /// compared without regard to case or surrounding spaces. The fields are joined with U+001F;
    /// a backslash or U+001F inside a field is escaped, so that no two different contacts share
    /// a key (and keys of fields without either, as stored before, are unchanged).
    pub fn identity_key(&self) -> String {
        [
            self.first_name.as_str(),
            self.last_name.as_str(),
            self.email.as_str(),
            self.phone_number.as_deref().unwrap_or(""),
        ]
        .map(|part| part.trim().to_lowercase().replace('\\', "\\\\").replace('\u{1f}', "\\u001f"))
        .join("\u{1f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(first: &str, last: &str, email: &str, phone: Option<&str>) -> ContactInput {
        ContactInput {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(email.into()),
            phone_number: phone.map(Into::into),
        }
    }

    #[test]
    fn all_problems_are_reported_with_field_paths() {
        let err = Contact::parse(&ContactInput::default(), "primaryContact.").unwrap_err();
        assert_eq!(
            err,
            vec![
                "primaryContact.firstName: is required",
                "primaryContact.lastName: is required",
                "primaryContact.email: is required"
            ]
        );
        let err = Contact::parse(&input("A", "B", "not-an-email", Some("call me")), "").unwrap_err();
        assert_eq!(err, vec!["email: not a valid email address", "phoneNumber: not a valid phone number"]);
    }

    #[test]
    fn phone_is_optional_and_identity_ignores_case() {
        let a = Contact::parse(&input("Ana", "Lee", "Ana@Contoso.com", None), "").unwrap();
        let b = Contact::parse(&input(" ana", "LEE ", "ana@contoso.com", Some("")), "").unwrap();
        assert_eq!(a.identity_key(), b.identity_key());
        let c = Contact::parse(&input("Ana", "Lee", "ana@contoso.com", Some("+1 425 555 0100")), "").unwrap();
        assert_ne!(a.identity_key(), c.identity_key());
        // Moving the separator, a backslash or the escape's own text between fields is another contact.
        let contact = |first: &str, last: &str| Contact {
            first_name: first.into(),
            last_name: last.into(),
            email: "e@x.example".into(),
            phone_number: None,
        };
        for (x, y) in [("a\u{1f}b", "c"), ("a\\", "\u{1f}b"), ("a\\u001f", "b"), ("a\\\\u001f", "b")] {
            let (first, last) = (contact(x, y), contact("a", "b\u{1f}c"));
            assert_ne!(first.identity_key(), last.identity_key(), "{x:?} {y:?}");
        }
        assert_ne!(contact("a\u{1f}b", "c").identity_key(), contact("a", "b\u{1f}c").identity_key());
        assert_ne!(contact("a\\u001f", "").identity_key(), contact("a\u{1f}", "").identity_key());
    }
}
