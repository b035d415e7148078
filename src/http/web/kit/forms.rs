//! Posted forms as pages read them, and their problems as pages show them, in words that say what
//! to change: all of a form's problems at once, each at its field (`aria-invalid`,
//! `aria-describedby` naming the field's error), and a summary above the form, in the form's
//! order, whose items link to their fields and which takes the focus when the page opens (the
//! GOV.UK error summary: `autofocus`, so no script is needed). A problem about the whole form (no
//! field) shows in the summary only.

use axum::body::Bytes;
use axum::http::StatusCode;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use crate::domain::text::NUL_PROBLEM;

/// The fields of a posted form as sent, NUL characters included: no page drops one silently (it
/// would store or check less than was typed). A field a person types in is refused at the field
/// by [`nul_problems`] or by its use case (the dashboard's, as the API refuses a NUL); any other
/// field with a NUL simply does not match what it must (a token, an id, a choice).
pub fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The one rule for a NUL character in a field a person types in, on every page whose use case
/// does not refuse it itself: refused at its field, in the API's words ("First name: text values
/// must not contain the NUL character (U+0000)"). `inputs`: each input's field name (also its
/// `id`) and label.
pub fn nul_problems(fields: &[(String, String)], inputs: &[(&str, &str)]) -> Vec<FieldProblem> {
    inputs
        .iter()
        .filter(|(name, _)| fields.iter().any(|(k, v)| k == name && v.contains('\0')))
        .map(|(name, label)| FieldProblem::at(name, format!("{label}: {NUL_PROBLEM}")))
        .collect()
}

/// The first field a form sent more than once (`firstName=Ana&firstName=Eve`): which value was
/// meant cannot be told, and reading the first would take one without a word. None when each
/// came once. The pages' own forms never send a field twice. One pass, whatever the form's size.
pub fn repeated_field(fields: &[(String, String)]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(fields.len());
    fields.iter().map(|(name, _)| name.as_str()).find(|name| !seen.insert(*name))
}

/// The words of a page that refuses a form with a field sent twice.
pub fn repeated_field_text(name: &str) -> String {
    format!(
        "This form came with {name} more than once, and which value you meant cannot be told: nothing was done. \
         Go back to the page, check the form and send it again."
    )
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

/// One problem with a posted form: the input it is about (its `id`), when it is about one, and
/// what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: Option<String>,
    pub message: String,
}

impl FieldProblem {
    pub fn at(field: &str, message: impl Into<String>) -> FieldProblem {
        FieldProblem { field: Some(field.to_string()), message: message.into() }
    }

    pub fn whole_form(message: impl Into<String>) -> FieldProblem {
        FieldProblem { field: None, message: message.into() }
    }
}

/// A form's problems, in the form's order: those about the whole form first, then by the position
/// of their field in `order` (the inputs' ids as the form shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    problems: Vec<FieldProblem>,
}

impl FormErrors {
    pub fn new(mut problems: Vec<FieldProblem>, order: &[&str]) -> FormErrors {
        let rank = |p: &FieldProblem| match &p.field {
            None => 0,
            Some(field) => 1 + order.iter().position(|id| id == field).unwrap_or(order.len()),
        };
        problems.sort_by_key(rank);
        problems.dedup();
        if !problems.is_empty() {
            let said: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
            crate::http::edge::error::note_page_refusal("FormNotValid", said.join(" "));
        }
        FormErrors { problems }
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    fn of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a FieldProblem> + 'a {
        self.problems.iter().filter(move |p| p.field.as_deref() == Some(id))
    }

    /// Whether the input `id` has a problem.
    pub fn has(&self, id: &str) -> bool {
        self.of(id).next().is_some()
    }

    /// The `aria-invalid` value of input `id`.
    pub fn invalid(&self, id: &str) -> Option<&'static str> {
        self.has(id).then_some("true")
    }

    /// The id of the element that says what is wrong with input `id`.
    pub fn error_id(id: &str) -> String {
        format!("{id}Error")
    }

    /// The `aria-describedby` value of input `id`: its error (when it has one), then its hint.
    pub fn described_by(&self, id: &str, hint: Option<&str>) -> Option<String> {
        let error = self.has(id).then(|| Self::error_id(id));
        let ids: Vec<String> = error.into_iter().chain(hint.map(str::to_string)).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// What is wrong with input `id`, shown at the field (between its label and the input).
    pub fn at(&self, id: &str) -> Markup {
        html! {
            @if self.has(id) {
                p.field-error id=(Self::error_id(id)) {
                    span.visually-hidden { "Error: " }
                    @for (i, p) in self.of(id).enumerate() { @if i > 0 { " " } (p.message) }
                }
            }
        }
    }

    /// The summary above the form: "There is a problem", then each problem, linked to its field.
    /// It takes the focus when the page opens, so a screen reader reads it first and a keyboard
    /// user goes on from it to the first field in error.
    pub fn summary(&self) -> Markup {
        html! {
            @if !self.problems.is_empty() {
                div.error.error-summary id="error" tabindex="-1" autofocus {
                    h2 id="errorSummaryTitle" { "There is a problem" }
                    ul {
                        @for p in &self.problems {
                            li {
                                @match &p.field {
                                    Some(field) => a href={ "#" (field) } { (p.message) },
                                    None => (p.message),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A refused form between its POST and the page that shows it (post/redirect/get): what was typed
/// (the form's token left out) and what was wrong, kept on the server under the session
/// (`session::refused`), never in a URL. The page opened by the redirect shows it at its fields,
/// with the refusal's status; refresh shows it again, Back returns to the form as it was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedForm {
    pub status: u16,
    pub values: Vec<(String, String)>,
    pub problems: Vec<FieldProblem>,
}

impl RefusedForm {
    pub fn new(status: StatusCode, fields: &[(String, String)], errors: &FormErrors) -> RefusedForm {
        let values = fields.iter().filter(|(k, _)| k != "csrf").cloned().collect();
        RefusedForm { status: status.as_u16(), values, problems: errors.problems().to_vec() }
    }

    /// The value typed in field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        field(&self.values, name)
    }

    /// Its problems, in the form's order.
    pub fn errors(&self, order: &[&str]) -> FormErrors {
        FormErrors::new(self.problems.clone(), order)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_come_in_the_forms_order_and_show_at_their_fields() {
        let errors = FormErrors::new(
            vec![
                FieldProblem::at("city", "City: is required"),
                FieldProblem::whole_form("Start again"),
                FieldProblem::at("name", "Name: is required"),
            ],
            &["name", "city"],
        );
        let order: Vec<_> = errors.problems().iter().map(|p| p.message.as_str()).collect();
        assert_eq!(order, ["Start again", "Name: is required", "City: is required"]);
        let summary = errors.summary().into_string();
        assert!(summary.contains("autofocus") && summary.contains("href=\"#city\""), "{summary}");
        assert_eq!(errors.invalid("city"), Some("true"));
        assert_eq!(errors.invalid("other"), None);
        assert_eq!(errors.described_by("city", Some("cityHint")).as_deref(), Some("cityError cityHint"));
        assert_eq!(errors.described_by("other", None), None);
        assert!(errors.at("city").into_string().contains("id=\"cityError\""));
        assert_eq!(FormErrors::default().summary().into_string(), "");
    }

    #[test]
    fn a_refused_form_keeps_what_was_typed_but_not_its_token() {
        let fields = vec![("csrf".to_string(), "t".to_string()), ("email".to_string(), "nope".to_string())];
        let errors = FormErrors::new(vec![FieldProblem::at("email", "Email: not valid")], &["email"]);
        let kept = RefusedForm::new(StatusCode::CONFLICT, &fields, &errors);
        let again: RefusedForm = serde_json::from_str(&serde_json::to_string(&kept).unwrap()).unwrap();
        assert_eq!((again.field("csrf"), again.field("email")), (None, Some("nope")));
        assert_eq!((again.status(), again.errors(&["email"])), (StatusCode::CONFLICT, errors));
    }

    #[test]
    fn fields_are_read_as_sent_and_a_nul_is_refused_at_its_field() {
        let fields = form_fields(&Bytes::from_static(b"a=1&b=x%00y&a=2&c=%00"));
        assert_eq!(field(&fields, "a"), Some("1"));
        assert_eq!(field(&fields, "b"), Some("x\0y"));
        assert_eq!(field(&fields, "d"), None);
        let problems = nul_problems(&fields, &[("a", "A"), ("b", "Bee")]);
        assert_eq!(problems, [FieldProblem::at("b", "Bee: text values must not contain the NUL character (U+0000)")]);
    }

    #[test]
    fn no_problem_shows_nothing_and_several_show_as_a_list() {
        assert_eq!(problems(&[]).into_string(), "");
        assert!(problems(&["one".into()]).into_string().contains(">one</div>"));
        assert!(problems(&["one".into(), "two".into()]).into_string().contains("<li>two</li>"));
    }
}
