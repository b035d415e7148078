//! Posted forms as pages read them, and their problems as pages show them: one summary above
//! the form, in words that say what to change.

use axum::body::Bytes;
use maud::{html, Markup};

/// The fields of a posted form; NUL characters are dropped (no stored text may hold one).
pub fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    fields.into_iter().map(|(k, v)| (k.replace('\0', ""), v.replace('\0', ""))).collect()
}

/// The fields of a posted form as sent, NUL characters included, for a form whose use case
/// refuses them by name (the dashboard's: as the API refuses them, rather than storing less than
/// was typed).
pub fn form_fields_as_sent(body: &Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The first value of field `name`.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// What is wrong with a form, announced when the page shows it (`role="alert"`, `id="error"`):
/// one problem as a sentence, more as a list.
pub fn problems(problems: &[String]) -> Markup {
    html! {
        @if let [problem] = problems {
            div.error role="alert" id="error" { (problem) }
        } @else if !problems.is_empty() {
            div.error role="alert" id="error" {
                "Check these fields:"
                ul { @for p in problems { li { (p) } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_without_nul_characters() {
        let fields = form_fields(&Bytes::from_static(b"a=1&b=x%00y&a=2"));
        assert_eq!(field(&fields, "a"), Some("1"));
        assert_eq!(field(&fields, "b"), Some("xy"));
        assert_eq!(field(&fields, "c"), None);
    }

    #[test]
    fn no_problem_shows_nothing_and_several_show_as_a_list() {
        assert_eq!(problems(&[]).into_string(), "");
        assert!(problems(&["one".into()]).into_string().contains(">one</div>"));
        assert!(problems(&["one".into(), "two".into()]).into_string().contains("<li>two</li>"));
    }
}
