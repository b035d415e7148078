//! Agreement types, the template catalog, and the rules of a partner confirmation
//! (attestation) and of a customer's direct acceptance.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::contact::{Contact, ContactInput};
use super::time::{parse_timestamp, render_timestamp, TIMESTAMP_FORM};
use super::timeline::before_refresh;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AgreementType {
    MicrosoftCustomerAgreement,
    MicrosoftCloudAgreement,
}

impl AgreementType {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementType::MicrosoftCustomerAgreement => "MicrosoftCustomerAgreement",
            AgreementType::MicrosoftCloudAgreement => "MicrosoftCloudAgreement",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::MicrosoftCustomerAgreement, Self::MicrosoftCloudAgreement]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// The `agreementType` query parameter of the read operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgreementTypeFilter {
    Only(AgreementType),
    All,
}

impl AgreementTypeFilter {
    /// Omitted (or empty) means the Microsoft Cloud Agreement, for backward compatibility;
    /// `*` means every type; anything else is refused.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") => Ok(Self::Only(AgreementType::MicrosoftCloudAgreement)),
            Some("*") => Ok(Self::All),
            Some(v) => AgreementType::parse(v).map(Self::Only).ok_or_else(|| v.to_string()),
        }
    }

    pub fn matches(self, t: AgreementType) -> bool {
        match self {
            Self::All => true,
            Self::Only(only) => only == t,
        }
    }
}

/// One entry of the agreement template catalog (kept as data in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementTemplate {
    pub template_id: String,
    pub agreement_type: AgreementType,
    pub agreement_link: String,
    pub version_rank: i32,
    /// False for retired templates (the Cloud Agreement): new confirmations are refused.
    pub accepts_confirmations: bool,
    /// Only the Customer Agreement template has a downloadable document.
    pub has_document: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementSource {
    PartnerConfirmation,
    DirectAcceptance,
}

impl AgreementSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementSource::PartnerConfirmation => "PartnerConfirmation",
            AgreementSource::DirectAcceptance => "DirectAcceptance",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::PartnerConfirmation, Self::DirectAcceptance].into_iter().find(|s| s.as_str() == value)
    }
}

/// A stored agreement acceptance: a partner's confirmation or the customer's direct acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub customer_id: String,
    /// The partner that confirmed; None for a direct acceptance.
    pub partner_tenant_id: Option<String>,
    /// The confirming user's object id, from the token; None for a direct acceptance.
    pub user_id: Option<String>,
    pub contact: Contact,
    pub template_id: String,
    pub agreement_type: AgreementType,
    pub date_agreed: DateTime<Utc>,
    pub source: AgreementSource,
    pub created_at: DateTime<Utc>,
    /// The enhanced attestation the partner confirmed with; None for a 2023 confirmation and for
    /// a direct acceptance.
    pub attestation_id: Option<String>,
    /// The language the customer accepted the agreement in, when it is known: an agreement made
    /// from an enhanced attestation records the language of its acceptance page.
    pub language: Option<String>,
}

/// Appended to the duplicate key of an acceptance of the agreement as it was before its 2023
/// refresh: such an acceptance and a later one are different acceptances.
const BEFORE_REFRESH_MARK: &str = "\u{1f}before-2023-04-01";

impl Agreement {
    /// The key the database holds unique per customer, agreement type and source, so two
    /// identical confirmations can never both be stored (600061). The agreement as refreshed on
    /// 2023-04-01 is another agreement: an acceptance dated before the refresh never makes a
    /// later one a duplicate.
    pub fn duplicate_key(&self) -> String {
        let key = match self.source {
            AgreementSource::PartnerConfirmation => self.contact.identity_key(),
            // A customer accepts directly once per agreement type.
            AgreementSource::DirectAcceptance => "direct".to_string(),
        };
        if before_refresh(self.date_agreed) {
            key + BEFORE_REFRESH_MARK
        } else {
            key
        }
    }
}

/// A confirmation request as it came over the wire.
#[derive(Debug, Clone, Default)]
pub struct ConfirmationInput {
    pub contact: ContactInput,
    pub contact_given: bool,
    pub template_id: Option<String>,
    pub date_agreed: Option<String>,
    pub agreement_type: Option<String>,
}

/// A confirmation that passed every rule that does not need the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConfirmation {
    pub contact: Contact,
    pub template: AgreementTemplate,
    pub date_agreed: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmationError {
    Invalid(Vec<String>),
    UnknownAgreementType(String),
    UnknownTemplate(String),
    TemplateRetired(String),
    TypeContradictsTemplate { given: AgreementType, template: AgreementType },
    DateAgreedInFuture { date_agreed: DateTime<Utc>, now: DateTime<Utc> },
}

impl ConfirmationError {
    /// A sentence that tells a developer what to change.
    pub fn hint(&self) -> String {
        match self {
            Self::Invalid(problems) => problems.join("; "),
            Self::UnknownAgreementType(t) => format!(
                "type '{t}' is not an agreement type; use MicrosoftCustomerAgreement or leave it out"
            ),
            Self::UnknownTemplate(id) => format!(
                "templateId '{id}' is not in the template catalog; GET /v1/agreements?agreementType=* lists the known ones (ids are case-sensitive)"
            ),
            Self::TemplateRetired(id) => format!(
                "template '{id}' is the retired Microsoft Cloud Agreement; confirm the Microsoft Customer Agreement template instead"
            ),
            Self::TypeContradictsTemplate { given, template } => format!(
                "type {} contradicts the template, which is a {}; send the template's type or leave type out",
                given.as_str(),
                template.as_str()
            ),
            Self::DateAgreedInFuture { date_agreed, now } => format!(
                "dateAgreed {} is after the emulator's now {}; move the clock or send an earlier date",
                render_timestamp(*date_agreed),
                render_timestamp(*now)
            ),
        }
    }
}

pub fn find_template<'a>(templates: &'a [AgreementTemplate], id: &str) -> Option<&'a AgreementTemplate> {
    templates.iter().find(|t| t.template_id == id)
}

/// A `templateId` sent beside an attestation: the agreement is the one the customer accepted with
/// it (`accepted`). A template the catalog does not hold, a retired one, or another than the one
/// accepted is refused, as the 2023 body refuses them, rather than passed over.
pub fn check_attested_template(
    templates: &[AgreementTemplate],
    given: &str,
    accepted: &str,
) -> Result<(), ConfirmationError> {
    let template =
        find_template(templates, given).ok_or_else(|| ConfirmationError::UnknownTemplate(given.to_string()))?;
    if !template.accepts_confirmations {
        return Err(ConfirmationError::TemplateRetired(template.template_id.clone()));
    }
    if template.template_id != accepted {
        return Err(ConfirmationError::Invalid(vec![format!(
            "templateId: '{given}' is not the template the customer accepted with this attestation ('{accepted}'); send that one or leave templateId out"
        )]));
    }
    Ok(())
}

/// Every rule of a confirmation that needs no stored state besides the catalog:
/// required contact fields, a known and current template, a type that agrees with it
/// (derived when missing) and a date that is not in the future beyond `skew`.
pub fn validate_confirmation(
    input: &ConfirmationInput,
    templates: &[AgreementTemplate],
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<ValidConfirmation, ConfirmationError> {
    let mut problems = Vec::new();
    let contact = if input.contact_given {
        Contact::parse(&input.contact, "primaryContact.").map_err(|p| problems.extend(p)).ok()
    } else {
        problems.push("primaryContact: is required".to_string());
        None
    };
    let template_id = input.template_id.as_deref().map(str::trim).unwrap_or_default();
    if template_id.is_empty() {
        problems.push("templateId: is required".to_string());
    }
    let date_agreed = match parse_date_agreed(input.date_agreed.as_deref()) {
        Ok(None) => {
            problems.push("dateAgreed: is required".to_string());
            None
        }
        Ok(Some(date)) => Some(date),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let given_type = match input.agreement_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            Some(AgreementType::parse(raw).ok_or_else(|| ConfirmationError::UnknownAgreementType(raw.to_string()))?)
        }
    };
    let (Some(contact), Some(date_agreed), true) = (contact, date_agreed, problems.is_empty()) else {
        return Err(ConfirmationError::Invalid(problems));
    };

    let template = find_template(templates, template_id)
        .ok_or_else(|| ConfirmationError::UnknownTemplate(template_id.to_string()))?;
    if let Some(given) = given_type {
        if given != template.agreement_type {
            return Err(ConfirmationError::TypeContradictsTemplate { given, template: template.agreement_type });
        }
    }
    if !template.accepts_confirmations {
        return Err(ConfirmationError::TemplateRetired(template.template_id.clone()));
    }
    check_date_agreed(date_agreed, now, skew)?;
    Ok(ValidConfirmation { contact, template: template.clone(), date_agreed })
}

/// `dateAgreed` as sent: `None` when absent or blank, or the problem with it.
fn parse_date_agreed(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => {
            parse_timestamp(raw).map(Some).ok_or_else(|| format!("dateAgreed: '{raw}' is not {TIMESTAMP_FORM}"))
        }
    }
}

/// The date of an acceptance may not lie in the future: judged by the emulator clock's `now`,
/// with `skew` allowed for clients whose clocks run ahead.
pub fn check_date_agreed(
    date_agreed: DateTime<Utc>,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<(), ConfirmationError> {
    if date_agreed > now + skew {
        return Err(ConfirmationError::DateAgreedInFuture { date_agreed, now });
    }
    Ok(())
}

/// A direct acceptance as it came in (admin center form, control plane, seed file).
#[derive(Debug, Clone, Copy)]
pub struct DirectAcceptanceInput<'a> {
    pub person: &'a ContactInput,
    /// When the customer accepted; `now` when absent.
    pub date_agreed: Option<&'a str>,
}

/// The person and date of a customer's own acceptance: the person's fields are required, and the
/// date, when given, follows the same rule as a confirmation's.
pub fn validate_direct_acceptance(
    input: DirectAcceptanceInput<'_>,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<(Contact, DateTime<Utc>), ConfirmationError> {
    let contact = Contact::parse(input.person, "").map_err(ConfirmationError::Invalid)?;
    let date_agreed = parse_date_agreed(input.date_agreed)
        .map_err(|problem| ConfirmationError::Invalid(vec![problem]))?
        .unwrap_or(now);
    check_date_agreed(date_agreed, now, skew)?;
    Ok((contact, date_agreed))
}

/// The newest current template of a type (highest versionRank), for direct acceptance.
pub fn current_template(templates: &[AgreementTemplate], t: AgreementType) -> Option<&AgreementTemplate> {
    templates.iter().filter(|x| x.agreement_type == t && x.accepts_confirmations).max_by_key(|x| x.version_rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const MCA: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
    pub const MCLA: &str = "998b88de-aa99-4388-a42c-1b3517d49490";

    fn catalog() -> Vec<AgreementTemplate> {
        vec![
            AgreementTemplate {
                template_id: MCA.into(),
                agreement_type: AgreementType::MicrosoftCustomerAgreement,
                agreement_link: "https://aka.ms/customeragreement".into(),
                version_rank: 0,
                accepts_confirmations: true,
                has_document: true,
            },
            AgreementTemplate {
                template_id: MCLA.into(),
                agreement_type: AgreementType::MicrosoftCloudAgreement,
                agreement_link: "https://docs.microsoft.com/partner-center/agreements".into(),
                version_rank: 0,
                accepts_confirmations: false,
                has_document: false,
            },
        ]
    }

    fn now() -> DateTime<Utc> {
        parse_timestamp("2026-03-01T12:00:00Z").unwrap()
    }

    fn input(template: &str, date: &str, t: Option<&str>) -> ConfirmationInput {
        ConfirmationInput {
            contact: ContactInput {
                first_name: Some("Ana".into()),
                last_name: Some("Lee".into()),
                email: Some("ana@contoso.com".into()),
                phone_number: None,
            },
            contact_given: true,
            template_id: Some(template.into()),
            date_agreed: Some(date.into()),
            agreement_type: t.map(Into::into),
        }
    }

    fn check(i: &ConfirmationInput) -> Result<ValidConfirmation, ConfirmationError> {
        validate_confirmation(i, &catalog(), now(), Duration::minutes(5))
    }

    #[test]
    fn filter_defaults_to_cloud_agreement_and_star_is_all() {
        assert_eq!(
            AgreementTypeFilter::parse(None),
            Ok(AgreementTypeFilter::Only(AgreementType::MicrosoftCloudAgreement))
        );
        assert_eq!(AgreementTypeFilter::parse(Some("*")), Ok(AgreementTypeFilter::All));
        assert_eq!(
            AgreementTypeFilter::parse(Some("MicrosoftCustomerAgreement")),
            Ok(AgreementTypeFilter::Only(AgreementType::MicrosoftCustomerAgreement))
        );
        assert_eq!(AgreementTypeFilter::parse(Some("Nope")), Err("Nope".to_string()));
    }

    #[test]
    fn type_is_derived_when_missing_and_must_agree_when_given() {
        let ok = check(&input(MCA, "2026-03-01T10:00:00Z", None)).unwrap();
        assert_eq!(ok.template.agreement_type, AgreementType::MicrosoftCustomerAgreement);
        assert!(check(&input(MCA, "2026-03-01T10:00:00Z", Some("MicrosoftCustomerAgreement"))).is_ok());
        assert_eq!(
            check(&input(MCA, "2026-03-01T10:00:00Z", Some("MicrosoftCloudAgreement"))),
            Err(ConfirmationError::TypeContradictsTemplate {
                given: AgreementType::MicrosoftCloudAgreement,
                template: AgreementType::MicrosoftCustomerAgreement
            })
        );
        assert_eq!(
            check(&input(MCA, "2026-03-01T10:00:00Z", Some("Other"))),
            Err(ConfirmationError::UnknownAgreementType("Other".into()))
        );
    }

    #[test]
    fn unknown_and_retired_templates_are_refused() {
        assert_eq!(
            check(&input("117A77B0-9360-443B-8795-C6DEDC750CF9", "2026-03-01T10:00:00Z", None)),
            Err(ConfirmationError::UnknownTemplate("117A77B0-9360-443B-8795-C6DEDC750CF9".into()))
        );
        assert_eq!(
            check(&input(MCLA, "2026-03-01T10:00:00Z", None)),
            Err(ConfirmationError::TemplateRetired(MCLA.into()))
        );
    }

    #[test]
    fn date_may_be_up_to_the_skew_ahead_but_not_more() {
        assert!(check(&input(MCA, "2026-03-01T12:05:00Z", None)).is_ok());
        let err = check(&input(MCA, "2026-03-01T12:05:01Z", None)).unwrap_err();
        assert!(matches!(err, ConfirmationError::DateAgreedInFuture { .. }));
        assert_eq!(
            err.hint(),
            "dateAgreed 2026-03-01T12:05:01.000Z is after the emulator's now 2026-03-01T12:00:00.000Z; move the clock or send an earlier date"
        );
    }

    #[test]
    fn a_direct_acceptance_defaults_to_now_and_follows_the_date_rule() {
        let person = input(MCA, "", None).contact;
        let direct = |date: Option<&str>| {
            validate_direct_acceptance(
                DirectAcceptanceInput { person: &person, date_agreed: date },
                now(),
                Duration::minutes(5),
            )
        };
        assert_eq!(direct(None).unwrap().1, now());
        assert_eq!(direct(Some(" ")).unwrap().1, now());
        assert!(direct(Some("2026-03-01T12:05:00Z")).is_ok());
        assert!(matches!(direct(Some("2026-03-01T12:05:01Z")), Err(ConfirmationError::DateAgreedInFuture { .. })));
        assert_eq!(
            direct(Some("soon")),
            Err(ConfirmationError::Invalid(vec![format!("dateAgreed: 'soon' is not {TIMESTAMP_FORM}")]))
        );
        let nobody = ContactInput::default();
        assert!(matches!(
            validate_direct_acceptance(DirectAcceptanceInput { person: &nobody, date_agreed: Some("soon") }, now(), Duration::zero()),
            Err(ConfirmationError::Invalid(p)) if p.len() == 3
        ));
    }

    #[test]
    fn missing_fields_are_all_reported() {
        let err = check(&ConfirmationInput::default()).unwrap_err();
        assert_eq!(
            err,
            ConfirmationError::Invalid(vec![
                "primaryContact: is required".into(),
                "templateId: is required".into(),
                "dateAgreed: is required".into()
            ])
        );
        let mut bad_date = input(MCA, "last tuesday", None);
        bad_date.contact.email = Some("nope".into());
        assert_eq!(
            check(&bad_date),
            Err(ConfirmationError::Invalid(vec![
                "primaryContact.email: not a valid email address".into(),
                format!("dateAgreed: 'last tuesday' is not {TIMESTAMP_FORM}")
            ]))
        );
    }

    #[test]
    fn a_template_beside_an_attestation_is_the_one_the_customer_accepted() {
        let mut c = catalog();
        c.push(AgreementTemplate { template_id: "v2".into(), version_rank: 1, ..c[0].clone() });
        assert_eq!(check_attested_template(&c, MCA, MCA), Ok(()));
        assert_eq!(check_attested_template(&c, "nope", MCA), Err(ConfirmationError::UnknownTemplate("nope".into())));
        assert_eq!(check_attested_template(&c, MCLA, MCA), Err(ConfirmationError::TemplateRetired(MCLA.into())));
        // another Customer Agreement template than the one accepted (a newer one, say)
        let Err(ConfirmationError::Invalid(problems)) = check_attested_template(&c, "v2", MCA) else {
            panic!("another template than the one accepted is refused")
        };
        assert!(problems[0].contains("is not the template the customer accepted"), "{problems:?}");
    }

    #[test]
    fn current_template_is_the_highest_rank_that_accepts_confirmations() {
        let mut c = catalog();
        c.push(AgreementTemplate { template_id: "v2".into(), version_rank: 1, ..c[0].clone() });
        assert_eq!(current_template(&c, AgreementType::MicrosoftCustomerAgreement).unwrap().template_id, "v2");
        assert!(current_template(&c, AgreementType::MicrosoftCloudAgreement).is_none());
    }
}
