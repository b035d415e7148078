//! What a page says when a use case refuses or fails. A refusal is said as the API would say it
//! (its description), with the form's label for the field it is about and what to change; a
//! failure of the emulator itself is one apology, its details going to the log only.

use axum::http::StatusCode;

use super::forms::FieldProblem;
use crate::http::edge::error::{note_page_failure, note_page_refusal, status_of};
use crate::service::{ErrorKind, ServiceError};

/// The one sentence for a failure of the emulator itself.
pub const APOLOGY: &str = "Something went wrong. Try again in a moment.";

/// How a site words refusals.
pub struct Wording {
    /// Its forms' labels for the API's field names (`companyProfile.domain` → "Domain name").
    pub labels: &'static [(&'static str, &'static str)],
    /// Whether a refusal ends with the code the API would have sent (the partner's side shows it;
    /// the customer's side does not).
    pub codes: bool,
}

impl Wording {
    /// No labels, no codes.
    pub const PLAIN: Wording = Wording { labels: &[], codes: false };

    fn label(&self, field: &str) -> Option<&'static str> {
        self.labels.iter().find(|(name, _)| *name == field).map(|(_, label)| *label)
    }

    /// A validation problem (`field: problem`, in the API's field names) with the form's label.
    pub fn labelled(&self, problem: &str) -> String {
        match problem.split_once(": ").and_then(|(field, rest)| Some((self.label(field)?, rest))) {
            Some((label, rest)) => format!("{label}: {rest}"),
            None => problem.to_string(),
        }
    }
}

/// A refusal as a page shows it.
pub struct Refusal {
    pub status: StatusCode,
    pub sentences: Vec<String>,
    /// The field (in the API's names) each sentence is about, when it is about one.
    pub about: Vec<Option<String>>,
    /// A failure of the emulator rather than a refusal.
    pub failure: bool,
}

impl Refusal {
    pub fn of(e: &ServiceError, wording: &Wording) -> Refusal {
        let described = e.describe();
        let failure = matches!(described.kind, ErrorKind::Unavailable | ErrorKind::Internal);
        let about = match e {
            _ if failure => vec![None],
            ServiceError::Validation(problems) => {
                problems.iter().map(|p| p.split_once(": ").map(|(field, _)| field.to_string())).collect()
            }
            _ => vec![what_to_change(e).0.map(str::to_string)],
        };
        let sentences = match e {
            _ if failure => {
                tracing::error!(error = %e.hint(), "a page failed");
                vec![APOLOGY.to_string()]
            }
            ServiceError::Validation(problems) => problems.iter().map(|p| wording.labelled(p)).collect(),
            _ => {
                let (field, advice) = what_to_change(e);
                let mut sentence = match field.and_then(|f| wording.label(f)) {
                    Some(label) => format!("{label}: {}", described.description),
                    None => described.description,
                };
                if let Some(advice) = advice {
                    sentence = format!("{sentence} {advice}");
                }
                if wording.codes {
                    sentence = format!("{sentence} (error {})", described.code);
                }
                vec![sentence]
            }
        };
        if failure {
            note_page_failure(described.name);
        } else {
            note_page_refusal(described.name, e.hint());
        }
        Refusal { status: status_of(e), sentences, about, failure }
    }

    /// The sentences as a form's problems: each at the input `inputs` names for its field (API
    /// name → input id), or about the whole form.
    pub fn field_problems(&self, inputs: &[(&str, &str)]) -> Vec<FieldProblem> {
        let input = |field: &Option<String>| {
            let field = field.as_deref()?;
            inputs.iter().find(|(name, _)| *name == field).map(|(_, id)| id.to_string())
        };
        self.sentences
            .iter()
            .zip(self.about.iter().chain(std::iter::repeat(&None)))
            .map(|(sentence, field)| FieldProblem { field: input(field), message: sentence.clone() })
            .collect()
    }

    /// The sentences as one text.
    pub fn text(&self) -> String {
        self.sentences.join(" ")
    }

    /// The title of a page that shows it.
    pub fn title(&self) -> &'static str {
        match self.status {
            _ if self.failure => "Something went wrong",
            StatusCode::NOT_FOUND => "Not found",
            _ => "Request refused",
        }
    }
}

/// The field a refusal is about, in the API's names, and what to change, where a form can say it.
fn what_to_change(e: &ServiceError) -> (Option<&'static str>, Option<&'static str>) {
    match e {
        ServiceError::DateAgreedInFuture(_) => {
            (Some("dateAgreed"), Some("Enter today's date (by the emulator clock) or an earlier one."))
        }
        ServiceError::PartnerConfirmedAgreementAlreadyExists => (
            None,
            Some("This person's acceptance is already on record for the customer; to record another, name the person who accepted."),
        ),
        ServiceError::DomainAlreadyExists(_) => (Some("companyProfile.domain"), Some("Choose another domain name.")),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Wording =
        Wording { labels: &[("dateAgreed", "Agreement acceptance date"), ("email", "Email address")], codes: true };

    #[test]
    fn problems_name_the_form_labels() {
        assert_eq!(FORM.labelled("dateAgreed: is required"), "Agreement acceptance date: is required");
        assert_eq!(FORM.labelled("city: is required"), "city: is required");
        assert_eq!(FORM.labelled("something else"), "something else");
        let r = Refusal::of(&ServiceError::Validation(vec!["email: not a valid email address".into()]), &FORM);
        assert_eq!(r.sentences, vec!["Email address: not a valid email address"]);
        assert_eq!((r.status, r.title()), (StatusCode::BAD_REQUEST, "Request refused"));
    }

    #[test]
    fn a_refusal_says_what_the_api_says_with_the_field_what_to_change_and_the_code_where_shown() {
        let e = ServiceError::DateAgreedInFuture("2999-01-01".into());
        assert_eq!(
            Refusal::of(&e, &FORM).text(),
            "Agreement acceptance date: Date of agreement cannot be greater than the current date. \
             Enter today's date (by the emulator clock) or an earlier one. (error 600002)"
        );
        let e = ServiceError::PartnerMustConfirmAcceptance;
        assert_eq!(
            Refusal::of(&e, &Wording::PLAIN).text(),
            "Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement."
        );
        assert_eq!(Refusal::of(&ServiceError::TenantNotFound("x".into()), &FORM).title(), "Not found");
    }

    #[test]
    fn sentences_land_at_the_inputs_of_their_fields() {
        let e = ServiceError::Validation(vec!["email: not a valid email address".into(), "other: x".into()]);
        let problems = Refusal::of(&e, &FORM).field_problems(&[("email", "contactEmail")]);
        assert_eq!(problems[0], FieldProblem::at("contactEmail", "Email address: not a valid email address"));
        assert_eq!(problems[1], FieldProblem::whole_form("other: x"));
        let e = ServiceError::DateAgreedInFuture("2999-01-01".into());
        assert_eq!(Refusal::of(&e, &FORM).field_problems(&[("dateAgreed", "date")])[0].field.as_deref(), Some("date"));
    }

    #[test]
    fn a_failure_of_the_emulator_is_one_apology_without_its_details() {
        let r = Refusal::of(&ServiceError::Internal("the disk is on fire".into()), &FORM);
        assert_eq!(r.sentences, vec![APOLOGY]);
        assert_eq!((r.status, r.title()), (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"));
    }
}
