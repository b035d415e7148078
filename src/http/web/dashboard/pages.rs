//! The partner dashboard's pages, rendered on the server (maud): plain HTML forms that work from
//! the keyboard, every input labelled, errors shown beside the form in words that say what to
//! change. Each returns its content; the kit draws the rest. One small script
//! (`/dashboard/assets/dashboard.js`) adds Copy to clipboard; every page works without it.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::domain::agreements::AgreementSource;
use crate::domain::attestations::AttestationStatus;
use crate::domain::locales::{all_countries, country};
use crate::domain::orders::McaStanding;
use crate::domain::paging::Position;
use crate::domain::timeline::Milestone;
use crate::http::web::kit::dates::{self, Lang};
use crate::http::web::kit::forms::FormErrors;
use crate::http::web::kit::layout::Content;
use crate::http::web::kit::parts::{self, command_bar, grid, steps};
use crate::service::dashboard::{
    AccountView, AgreementChoice, AttestationControl, AttestationForm, ClockNote, CustomerForm, CustomerList, Review,
    Submitted, CUSTOMER_WILL_ACCEPT, LANGUAGES, PARTNER_CONFIRMS,
};

/// The Add customer wizard's steps; a page shows which it is.
fn wizard_steps(current: usize) -> Markup {
    steps("Add customer steps", &["Account info", "Review", "Confirmation"], current)
}

/// The agreement's state at a glance; for roles that may not read agreements, a dash that says
/// so to a screen reader.
fn standing_badge(standing: Option<McaStanding>) -> Markup {
    html! {
        @match standing {
            Some(McaStanding::AcceptedByCustomer) => span.state.ok { "Accepted by customer" },
            Some(McaStanding::ConfirmedByPartner) => span.state.ok { "Confirmed by partner" },
            Some(McaStanding::NotAccepted) => span.state.no { "Not accepted: can't purchase" },
            None => span title="Your roles can't see agreements" { span aria-hidden="true" { "—" } span.visually-hidden { "Not shown to your roles" } },
        }
    }
}

/// The list's page after (`after`) or before (`before`) a position, with the same search: a plain
/// address, so Back, refresh and a bookmark show that page again.
fn page_link(search: &str, way: &str, at: &Position) -> String {
    let mut query = Vec::new();
    if !search.trim().is_empty() {
        query.push(("q", search.to_string()));
    }
    query.push((way, at.to_cursor()));
    format!("/dashboard/customers?{}", serde_urlencoded::to_string(query).unwrap_or_default())
}

pub fn customers(list: &CustomerList, search: &str, may_add: bool) -> Content {
    let commands = html! {
        @if may_add { a.command.add href="/dashboard/customers/new" { "Add customer" } }
    };
    let search_box = html! {
        form method="get" action="/dashboard/customers" role="search" {
            label.visually-hidden for="q" { "Search customers: company name or domain starts with, or Microsoft ID" }
            input type="search" id="q" name="q" value=(search) placeholder="Company name or domain starts with…, or Microsoft ID";
            button.secondary type="submit" { "Search" }
            @if !search.trim().is_empty() { a.clear-search href="/dashboard/customers" { "Clear search" } }
        }
    };
    Content::new(
        "Customers",
        html! {
            h1 { "Customers" }
            (command_bar(commands, search_box))
            @if list.rows.is_empty() {
                div.card {
                    @if list.previous.is_some() { p { "No more customers." } }
                    @else if search.trim().is_empty() { p { "You have no customers yet." } }
                    @else { p { "No customer's company name or domain starts with " strong { (search) } ", and no customer has it as Microsoft ID." } }
                }
            } @else {
                (grid(
                    "Your customers and their Microsoft Customer Agreement",
                    &["Company name", "Domain", "Microsoft Customer Agreement"],
                    html! {
                        @for row in &list.rows {
                            tr {
                                td { a href={ "/dashboard/customers/" (row.customer.id) "/account" } { (row.customer.company_name) } }
                                td { (row.customer.domain) }
                                td { (standing_badge(row.standing)) }
                            }
                        }
                    },
                ))
            }
            @if list.previous.is_some() || list.next.is_some() {
                nav.pager aria-label="Pages" {
                    @if let Some(at) = &list.previous { a href=(page_link(search, "before", at)) rel="prev" { "Previous page" } }
                    @if let Some(at) = &list.next { a href=(page_link(search, "after", at)) rel="next" { "Next page" } }
                }
            }
        },
    )
}

/// Why attestation controls are not offered, in words; None when they are.
fn control_note(control: &AttestationControl) -> Option<Markup> {
    match control {
        AttestationControl::Open => None,
        AttestationControl::NotForRole => Some(html! {
            "Only Admin agents and Sales agents can confirm that a customer accepted the Microsoft Customer Agreement. "
            "Ask one of them to do it."
        }),
        AttestationControl::IndirectReseller { provider } => Some(html! {
            "Indirect resellers can't attest on behalf of their customers. Your indirect provider, "
            strong { (provider) } ", must confirm that the customer accepted the Microsoft Customer Agreement."
        }),
        AttestationControl::Retired { service_date } => Some(html! {
            "Since " (dates::day(Milestone::LegacyAttestationRetired.date(), Lang::En)) ", partners confirm a customer's acceptance with enhanced attestation: "
            "you ask the customer's signatory to accept, and the accepted attestation is recorded as the customer's acceptance. "
            "Or the customer's admin accepts the agreement in the Microsoft 365 admin center. "
            "Through the API: " code { "POST /v1/attestations/enhanced" } ", then "
            code { "POST /v1/customers/{customerId}/agreements" } " with its " code { "attestationId" } ". "
            "The emulator's service date is " (day_or_text(service_date)) "."
        }),
    }
}

/// A day the page was given as text (`YYYY-MM-DD`), as people read it; any other text as it is.
fn day_or_text(text: &str) -> Markup {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(day) => dates::day(day, Lang::En),
        Err(_) => html! { (text) },
    }
}

/// A labelled input with its problem (when it has one) between label and field.
struct Input<'a> {
    kind: &'a str,
    id: &'a str,
    label: &'a str,
    value: &'a str,
    required: bool,
}

fn input(errors: &FormErrors, i: Input) -> Markup {
    html! {
        label for=(i.id) { (i.label) }
        (errors.at(i.id))
        input type=(i.kind) id=(i.id) name=(i.id) autocomplete="off" required[i.required] value=(i.value)
            aria-invalid=[errors.invalid(i.id)] aria-describedby=[errors.described_by(i.id, None)];
    }
}

fn person_inputs(prefix: &str, person: &AttestationForm, required: bool, errors: &FormErrors) -> Markup {
    let id = |name: &str| format!("{prefix}{name}");
    let (first, last, email, phone) = (id("FirstName"), id("LastName"), id("Email"), id("Phone"));
    html! {
        (input(errors, Input { kind: "text", id: &first, label: "First name", value: &person.first_name, required }))
        (input(errors, Input { kind: "text", id: &last, label: "Last name", value: &person.last_name, required }))
        (input(errors, Input { kind: "email", id: &email, label: "Email address", value: &person.email, required }))
        (input(errors, Input { kind: "tel", id: &phone, label: "Phone number (optional)", value: &person.phone_number, required: false }))
    }
}

fn date_input(name: &str, value: &str, today: NaiveDate, errors: &FormErrors) -> Markup {
    let hint = format!("{name}Hint");
    html! {
        label for=(name) { "Agreement acceptance date"
            span.hint id=(hint) { "The date the customer accepted (UTC); not later than today, " (dates::day(today, Lang::En)) ", by the emulator clock." } }
        (errors.at(name))
        input type="date" id=(name) name=(name) max=(today) value=(value)
            aria-invalid=[errors.invalid(name)] aria-describedby=[errors.described_by(name, Some(&hint))];
    }
}

/// The Add customer wizard's hidden state: the CSRF token and the submission id.
fn wizard_state(csrf: &str, submission: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="submission" value=(submission);
    }
}

/// The inputs of the Add customer form in the order it shows them (the order of its problems).
pub const WIZARD_ORDER: &[&str] = &[
    "companyName",
    "domain",
    "firstName",
    "lastName",
    "email",
    "phoneNumber",
    "language",
    "country",
    "addressLine1",
    "addressLine2",
    "city",
    "state",
    "postalCode",
    "agreementPartner",
    "dateAgreed",
    "accepterFirstName",
    "accepterLastName",
    "accepterEmail",
    "accepterPhone",
    "agreementCustomer",
];

pub struct NewCustomerPage<'a> {
    pub csrf: &'a str,
    pub form: &'a CustomerForm,
    pub control: &'a AttestationControl,
    pub errors: &'a FormErrors,
    pub submission: &'a str,
    pub today: NaiveDate,
}

pub fn new_customer(p: &NewCustomerPage) -> Content {
    let form = p.form;
    let errors = p.errors;
    let open = *p.control == AttestationControl::Open;
    // With one choice only (the partner may not confirm), it is the choice; with two, none is
    // chosen until the user chooses: Tab from the address reaches the first choice, not a field
    // of one, and a confirmation is never submitted by default either way.
    let chosen = match form.agreement {
        None if !open => Some(AgreementChoice::CustomerWillAccept),
        other => other,
    };
    let person = &form.confirmation;
    let country = if form.country.is_empty() { "US" } else { form.country.as_str() };
    let language = if form.language.is_empty() { "en" } else { form.language.as_str() };
    let text = |id: &'static str, label: &'static str, value: &str, required: bool| {
        input(errors, Input { kind: "text", id, label, value, required })
    };
    let choice_error = errors.has("agreementPartner").then(|| FormErrors::error_id("agreementPartner"));
    Content::new(
        "Add customer",
        html! {
            h1 { "Add customer" }
            (wizard_steps(0))
            (errors.summary())
            form method="post" action="/dashboard/customers/new" novalidate {
                (wizard_state(p.csrf, p.submission))
                div.card {
                    fieldset {
                        legend { h2 { "Account info" } }
                        (text("companyName", "Company name", &form.company_name, true))
                        label for="domain" { "Domain name" span.hint id="domainHint" { "The customer's initial domain: letters and digits; "
                            code { ".onmicrosoft.com" } " is added after it." } }
                        (errors.at("domain"))
                        input type="text" id="domain" name="domain" required value=(form.domain) autocomplete="off"
                            aria-invalid=[errors.invalid("domain")] aria-describedby=[errors.described_by("domain", Some("domainHint"))];
                        h3 { "Primary contact" }
                        (text("firstName", "First name", &form.first_name, true))
                        (text("lastName", "Last name", &form.last_name, true))
                        (input(errors, Input { kind: "email", id: "email", label: "Email address", value: &form.email, required: true }))
                        (input(errors, Input { kind: "tel", id: "phoneNumber", label: "Phone number (optional)", value: &form.phone_number, required: false }))
                        label for="language" { "Language" }
                        (errors.at("language"))
                        select id="language" name="language" aria-invalid=[errors.invalid("language")] aria-describedby=[errors.described_by("language", None)] {
                            @for (code, name, _) in LANGUAGES {
                                option value=(code) selected[*code == language] { (name) }
                            }
                        }
                        h3 { "Address" }
                        label for="country" { "Country/region" }
                        (errors.at("country"))
                        select id="country" name="country" aria-invalid=[errors.invalid("country")] aria-describedby=[errors.described_by("country", None)] {
                            @for c in all_countries() {
                                option value=(c.code) selected[c.code == country] { (c.name) }
                            }
                        }
                        (text("addressLine1", "Address line 1", &form.address_line1, true))
                        (text("addressLine2", "Address line 2 (optional)", &form.address_line2, false))
                        (text("city", "City", &form.city, true))
                        (text("state", "State or province", &form.state, true))
                        (text("postalCode", "ZIP or postal code", &form.postal_code, true))
                    }
                }
                div.card {
                    fieldset aria-describedby=[choice_error] {
                        legend { h2 { "Customer agreement" } }
                        p { "Before this customer can buy, Microsoft needs its acceptance of the Microsoft Customer Agreement. Choose one:" }
                        @if let Some(note) = control_note(p.control) {
                            div.info id="attestationNote" { (note) }
                        }
                        (errors.at("agreementPartner"))
                        @if open {
                            label.choice for="agreementPartner" {
                                input type="radio" id="agreementPartner" name="agreement" value="partner"
                                    checked[chosen == Some(AgreementChoice::PartnerConfirms)] aria-controls="partnerFields";
                                span { (PARTNER_CONFIRMS) }
                            }
                            div.nested id="partnerFields" {
                                p.hint { "Only with the choice above. If you choose \"Customer will be asked\", leave these empty: "
                                    "what is typed here is never dropped silently; the form asks you to choose or to clear it." }
                                (date_input("dateAgreed", &person.date_agreed, p.today, errors))
                                fieldset {
                                    legend { "Person who accepted the agreement" }
                                    p.hint { "Leave these empty to use the primary contact." }
                                    (person_inputs("accepter", person, false, errors))
                                }
                            }
                        }
                        label.choice for="agreementCustomer" {
                            input type="radio" id="agreementCustomer" name="agreement" value="customer"
                                checked[chosen == Some(AgreementChoice::CustomerWillAccept)];
                            span { (CUSTOMER_WILL_ACCEPT) }
                        }
                    }
                }
                div.actions {
                    button type="submit" name="step" value="review" { "Next: Review" }
                    a.button.secondary href="/dashboard/customers" { "Cancel" }
                }
            }
        },
    )
}

/// A language's name as the form offers it.
fn language_name(code: &str) -> &str {
    LANGUAGES.iter().find(|(c, _, _)| *c == code).map_or(code, |(_, name, _)| name)
}

/// A country's English name.
fn country_name(code: &str) -> &str {
    country(code).map_or(code, |c| c.name)
}

pub fn review(csrf: &str, form: &CustomerForm, review: &Review, submission: &str) -> Content {
    Content::new(
        "Review",
        html! {
            h1 { "Review" }
            (wizard_steps(1))
            p { "Check the customer's details. " strong { "Submit" } " creates the customer." }
            div.card {
                h2 { "Account info" }
                dl {
                    dt { "Company name" } dd { (form.company_name) }
                    dt { "Domain name" } dd { (review.domain) }
                    dt { "Primary contact" } dd { (form.first_name) " " (form.last_name) ", " (form.email)
                        @if !form.phone_number.trim().is_empty() { ", " (form.phone_number) } }
                    dt { "Address" } dd { (form.address_line1) @if !form.address_line2.trim().is_empty() { ", " (form.address_line2) }
                        ", " (form.city) ", " (form.state) " " (form.postal_code) ", " (country_name(&form.country)) }
                    dt { "Language" } dd { (language_name(&form.language)) }
                }
            }
            div.card {
                h2 { "Customer agreement" }
                @match &review.attestation {
                    Some(confirmation) => {
                        p id="agreementChoice" { "Your choice: " strong { (PARTNER_CONFIRMS) } "." }
                        p { "Submit records your confirmation with the customer, and the customer's admin is sent an email about it." }
                        dl {
                            dt { "Agreement acceptance date" } dd id="reviewDateAgreed" { (dates::date(confirmation.date_agreed, Lang::En)) }
                            dt { "Person who accepted" } dd { (confirmation.contact.first_name) " " (confirmation.contact.last_name)
                                ", " (confirmation.contact.email)
                                @if let Some(phone) = &confirmation.contact.phone_number { ", " (phone) } }
                        }
                    }
                    None => {
                        p id="agreementChoice" { "Your choice: " strong { (CUSTOMER_WILL_ACCEPT) } "." }
                        p { "No confirmation is submitted: the customer can't buy until its admin accepts the agreement in the Microsoft 365 admin center. The Confirmation gives you the link to send." }
                    }
                }
            }
            form method="post" action="/dashboard/customers/new" {
                (wizard_state(csrf, submission))
                div.actions {
                    button type="submit" name="step" value="submit" { "Submit" }
                    button.secondary type="submit" name="step" value="edit" formnovalidate { "Back" }
                }
            }
        },
    )
}

/// Review of a form already submitted (Back from its Confirmation): it says so, and leads to the
/// Confirmation rather than offering Submit again.
pub fn already_submitted(submitted: &Submitted, confirmation: &str) -> Content {
    Content::new(
        "Review",
        html! {
            h1 { "Review" }
            (wizard_steps(1))
            div.success role="status" id="alreadySubmitted" {
                "This form was submitted: customer " strong { (submitted.customer.company_name) } " was added."
            }
            div.actions {
                a.button href=(confirmation) { "Go to the Confirmation" }
                a.button.secondary href="/dashboard/customers/new" { "Add another customer" }
            }
        },
    )
}

pub fn confirmation(submitted: &Submitted) -> Content {
    let customer = &submitted.customer;
    Content::new(
        "Confirmation",
        html! {
            h1 { "Confirmation" }
            (wizard_steps(2))
            div.success role="status" { "Customer " strong { (customer.company_name) } " was added." }
            div.card {
                h2 { "Save the customer's account info" }
                @if submitted.password.is_some() {
                    p { "The password is shown only on this page. Send the customer its user name and password." }
                }
                dl {
                    dt { "Microsoft ID" } dd { code id="customerId" { (customer.id) } }
                    dt { "Domain" } dd { (customer.domain) }
                    dt { "User name" } dd { code id="adminUserName" { (customer.admin_user_name) } }
                    dt { "Password" }
                    dd {
                        @match &submitted.password {
                            Some(password) => {
                                code.secret id="adminPassword" { (password) }
                                " " button.secondary type="button" id="copyPassword" data-copy-text="adminPassword"
                                    data-copy-status="copyPasswordStatus" data-copied="Password copied." { "Copy password" }
                                span role="status" aria-live="polite" id="copyPasswordStatus" {}
                            }
                            None => span id="passwordShownOnce" { "Shown once, on the Confirmation after Submit. A lost password is reset in Microsoft Entra ID, not here." },
                        }
                    }
                    dt { "Admin center sign-in" } dd { a href=(submitted.link.sign_in) { (submitted.link.sign_in) } }
                }
            }
            div.card {
                h2 { "Microsoft Customer Agreement" }
                @match &submitted.confirmation {
                    Some(confirmation) => p id="agreementState" {
                        "You confirmed that " (confirmation.contact.first_name) " " (confirmation.contact.last_name)
                        " accepted the agreement on " (dates::date(confirmation.date_agreed, Lang::En))
                        ". The customer's admin is sent an email about it."
                    },
                    None => {
                        p id="agreementState" { "The customer must accept the Microsoft Customer Agreement before it can buy. Send the customer's admin this link to accept it in the Microsoft 365 admin center:" }
                        p { a id="acceptanceLink" href=(submitted.link.agreement) { (submitted.link.agreement) } }
                    }
                }
            }
            div.actions {
                a.button href={ "/dashboard/customers/" (customer.id) "/account" } { "Go to the customer's account" }
                a.button.secondary href="/dashboard/customers" { "Back to customers" }
            }
        },
    )
}

/// The banner above every page when the service date is pinned or the clock is not real time:
/// both dates, and which one a rule reads.
pub fn clock_banner(note: &ClockNote) -> Markup {
    html! {
        div.info id="serviceDateBanner" {
            strong { "Service date " (dates::day(note.service_date, Lang::En)) }
            @if note.pinned {
                @if note.partner_setting { " (pinned for your partner)" } @else { " (pinned)" }
            } @else if note.partner_setting { " (your partner's own setting)" }
            ": the rules of that day are in force (which attestation flow, what counts as accepted). "
            "The emulator clock says today is " strong { (dates::day(note.today, Lang::En)) }
            @if note.clock_moved { " (not real time)" }
            ": dates such as \"not later than today\" follow the clock."
        }
    }
}

pub struct AccountPage<'a> {
    pub csrf: &'a str,
    pub view: &'a AccountView,
    /// The Update form is open, with these values.
    pub update: Option<&'a AttestationForm>,
    pub errors: &'a FormErrors,
    pub notice: Option<&'a str>,
    /// For a customer whose acceptance is not on record: the admin-center link to send.
    pub acceptance_link: Option<&'a AcceptanceLink>,
}

/// The admin-center acceptance link, and an email that carries it.
pub struct AcceptanceLink {
    pub agreement: String,
    pub mailto: String,
}

pub fn account(p: &AccountPage) -> Content {
    let view = p.view;
    let customer = &view.customer;
    let account_url = format!("/dashboard/customers/{}/account", customer.id);
    Content::new(
        customer.company_name.clone(),
        html! {
            nav.breadcrumb aria-label="Breadcrumb" { a href="/dashboard/customers" { "Customers" } " / " (customer.company_name) }
            h1 { (customer.company_name) }
            @if let Some(notice) = p.notice { div.success role="status" id="notice" { (notice) } }
            div.card {
                h2 { "Customer Account Info" }
                dl {
                    dt { "Microsoft ID" } dd { code id="microsoftId" { (customer.id) } }
                    dt { "Company name" } dd { (customer.company_name) }
                    dt { "Domain" } dd { (customer.domain) }
                    dt { "Admin user" } dd { (customer.admin_user_name) }
                }
                p { a href={ "/dashboard/customers/" (customer.id) "/confirmation" } { "Show the Confirmation again" } " (everything but the password, which was shown once)" }
            }
            section.card aria-labelledby="mcaHeading" {
                h2 id="mcaHeading" { "Microsoft Customer Agreement" }
                @if view.standing.is_some() {
                    p { "Status: " span id="mcaState" { (standing_badge(view.standing)) } }
                }
                @match &view.acceptances {
                    None => p { "Your roles can't see this customer's agreements: Admin, Sales and Helpdesk agents can." },
                    Some(list) if list.is_empty() => p id="acceptances" { "No one has accepted the agreement for this customer yet." },
                    Some(list) => {
                        table.stacked id="acceptances" {
                            caption.visually-hidden { "Acceptances of the Microsoft Customer Agreement" }
                            thead { tr { th scope="col" { "How" } th scope="col" { "Accepted by" } th scope="col" { "Date accepted" } th scope="col" { "Recorded" } } }
                            tbody {
                                @for entry in list {
                                    tr {
                                        td data-label="How" {
                                            @if entry.agreement.partner_tenant_id.is_none() { "Accepted by the customer in the Microsoft 365 admin center" }
                                            @else if entry.agreement.attestation_id.is_some() { "Enhanced attestation by " (entry.partner_name.clone().unwrap_or_default()) }
                                            @else { "Confirmed by " (entry.partner_name.clone().unwrap_or_default())
                                                @if let Some(user) = &entry.user_name { " (" (user) ")" } }
                                            @if !entry.counts { br; em { "Accepted before the agreement's 2023 refresh: no longer counts." } }
                                        }
                                        td data-label="Accepted by" { (parts::person(&entry.agreement.contact)) }
                                        td.date data-label="Date accepted" { (dates::date(entry.agreement.date_agreed, Lang::En)) }
                                        td.date data-label="Recorded" { (dates::instant(entry.agreement.created_at, Lang::En)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !view.attestations.is_empty() {
                    h3 { "Enhanced attestations" }
                    table.stacked id="attestations" {
                        caption.visually-hidden { "Your enhanced attestations for this customer" }
                        thead { tr { th scope="col" { "Signatory" } th scope="col" { "Status" } th scope="col" { "Created" } th scope="col" { "Acceptance page" } } }
                        tbody {
                            @for a in &view.attestations {
                                tr {
                                    td data-label="Signatory" { (a.attestation.signatory.first_name) " " (a.attestation.signatory.last_name) br; (a.attestation.signatory.email) }
                                    td data-label="Status" {
                                        @match a.status {
                                            AttestationStatus::Pending => { span.state { "Pending" } br; "Expires " (dates::instant(a.attestation.expires_at, Lang::En)) }
                                            AttestationStatus::Accepted => { span.state.ok { "Accepted" } br; "Not yet recorded as the customer's acceptance" }
                                            AttestationStatus::Completed => span.state.ok { "Completed" },
                                            AttestationStatus::Expired => span.state.no { "Expired" },
                                        }
                                    }
                                    td.date data-label="Created" { (dates::instant(a.attestation.created_at, Lang::En)) }
                                    td data-label="Acceptance page" {
                                        @if a.status == AttestationStatus::Pending {
                                            a href=(a.acceptance_url) { "Open the acceptance page" span.visually-hidden { " for " (a.attestation.signatory.first_name) " " (a.attestation.signatory.last_name) } }
                                        } @else { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(link) = p.acceptance_link {
                    h3 { "What to do" }
                    p { "This customer can't buy until its acceptance is on record. Send the customer's admin this link to accept the agreement in the Microsoft 365 admin center:" }
                    p { code id="acceptanceLink" { (link.agreement) } }
                    div.actions {
                        button.secondary type="button" data-copy-text="acceptanceLink" data-copy-status="copyLinkStatus" data-copied="Link copied." { "Copy link" }
                        a.button.secondary href=(link.mailto) { "Open in email" }
                    }
                    p role="status" aria-live="polite" id="copyLinkStatus" {}
                }
                @if let Some(note) = control_note(&view.control) {
                    div.info id="attestationNote" { (note) }
                }
                @if view.control == AttestationControl::Open {
                    @match p.update {
                        None => div.actions { a.button href={ (account_url) "?update=agreement#update" } { "Update" } },
                        Some(values) => {
                            h3 id="update" { "Confirm the customer's acceptance" }
                            (recorded_now(view))
                            p { "Saving records a new confirmation; earlier ones stay listed. Enter the person who accepted: the same person again is refused as a duplicate (error 600061)." }
                            (p.errors.summary())
                            form method="post" action={ (account_url) "/agreement" } novalidate {
                                input type="hidden" name="csrf" value=(p.csrf);
                                (person_inputs("", values, true, p.errors))
                                (date_input("dateAgreed", &values.date_agreed, view.today, p.errors))
                                div.actions {
                                    button type="submit" { "Save" }
                                    a.button.secondary href=(account_url) { "Cancel" }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Who is on record now, as text above the Update form (never typed into it): the latest
/// partner confirmation that counts, or else the primary contact of the customer's profile.
fn recorded_now(view: &AccountView) -> Markup {
    let latest = view
        .acceptances
        .iter()
        .flatten()
        .filter(|e| e.counts && e.agreement.source == AgreementSource::PartnerConfirmation)
        .max_by_key(|e| e.agreement.created_at);
    html! {
        @match latest {
            Some(entry) => p id="recordedNow" {
                "Recorded now: " strong { (entry.agreement.contact.first_name) " " (entry.agreement.contact.last_name) }
                " (" (entry.agreement.contact.email)
                @if let Some(phone) = &entry.agreement.contact.phone_number { ", " (phone) }
                "), who accepted on " (dates::date(entry.agreement.date_agreed, Lang::En))
                ", confirmed by " (entry.partner_name.clone().unwrap_or_default()) "."
            },
            None => p id="recordedNow" {
                "No partner confirmation is on record. The customer's primary contact is "
                strong { (view.primary_contact.first_name.clone().unwrap_or_default()) " " (view.primary_contact.last_name.clone().unwrap_or_default()) }
                @if let Some(email) = &view.primary_contact.email { " (" (email) ")" }
                "."
            },
        }
    }
}

/// The invitation link to send and the email's `mailto:` address.
pub struct InvitationLink<'a> {
    pub link: &'a str,
    pub mailto: &'a str,
}

pub struct RelationshipPage<'a> {
    /// None while the delegated-admin choice has a problem: no link is offered but the one asked for.
    pub invitation: Option<InvitationLink<'a>>,
    pub delegated_admin: bool,
    /// The email's text; without an invitation, the text as edited, if it was.
    pub email_text: Option<&'a str>,
    pub errors: &'a FormErrors,
}

pub fn relationship(p: &RelationshipPage) -> Content {
    Content::new(
        "Request a reseller relationship",
        html! {
            h1 { "Request a reseller relationship" }
            (p.errors.summary())
            div.card {
                p { "Send this email to the customer. When its Global Administrator opens the link and accepts, you become its reseller and can see it in your customer list." }
                form method="get" action="/dashboard/customers/relationship-request" {
                    (p.errors.at("dap"))
                    label.choice for="dap" {
                        input type="checkbox" id="dap" name="dap" value="true" checked[p.delegated_admin] data-link-option="DAP"
                            aria-invalid=[p.errors.invalid("dap")] aria-describedby=[p.errors.described_by("dap", None)];
                        span { "Include delegated administration privileges for Microsoft Entra ID and Microsoft 365" }
                    }
                    div.actions { button.secondary type="submit" { "Update the link" } }
                    @match (&p.invitation, p.email_text) {
                        (Some(invitation), text) => {
                            label for="emailText" { "Email text" span.hint { "You can edit the text before you send it; Update the link keeps your edits." } }
                            textarea id="emailText" name="emailText" data-link=(invitation.link) { (text.unwrap_or_default()) }
                        }
                        (None, Some(edited)) => input type="hidden" name="emailText" value=(edited);,
                        (None, None) => {}
                    }
                }
                @if let Some(invitation) = &p.invitation {
                    div.actions {
                        button type="button" id="copy" data-copy="emailText" { "Copy to clipboard" }
                        a.button.secondary id="openInEmail" href=(invitation.mailto) data-mailto-of="emailText" { "Open in email" }
                        a.button.secondary href="/dashboard/customers" { "Done" }
                    }
                    p role="status" id="copyStatus" aria-live="polite" {}
                    p { "Invitation link: " code id="invitationLink" { (invitation.link) } }
                }
            }
        },
    )
}

/// Copy to clipboard and Open in email, for the relationship page; the page works without them
/// (the text can be selected and copied, and the email link carries the text as first shown).
pub const SCRIPT: &str = r#"
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-copy-text]').forEach((button) => button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copyText);
    const said = document.getElementById(button.dataset.copyStatus);
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      said.textContent = button.dataset.copied;
    } catch (e) {
      window.getSelection().selectAllChildren(source);
      said.textContent = 'Press Ctrl+C to copy the selection.';
    }
  }));
  const text = document.getElementById('emailText');
  const mail = document.getElementById('openInEmail');
  const status = document.getElementById('copyStatus');
  const dap = document.getElementById('dap');
  if (!text) return;
  const mailto = () => {
    if (mail) mail.href = 'mailto:?subject=' + encodeURIComponent('Request for a reseller relationship') + '&body=' + encodeURIComponent(text.value);
  };
  text.addEventListener('input', mailto);
  if (dap) dap.addEventListener('change', () => {
    const value = dap.checked ? 'DAP=true' : 'DAP=false';
    text.value = text.value.replace(/DAP=(true|false)/g, value);
    const link = document.getElementById('invitationLink');
    if (link) link.textContent = link.textContent.replace(/DAP=(true|false)/g, value);
    mailto();
  });
  const copy = document.getElementById('copy');
  if (copy) copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text.value);
      status.textContent = 'Copied to the clipboard.';
    } catch (e) {
      text.select();
      status.textContent = 'Select the text and copy it with Ctrl+C (the browser did not allow the copy).';
    }
  });
});
"#;
