//! The partner dashboard's pages, rendered on the server (maud): plain HTML forms that work from
//! the keyboard, every input labelled, errors shown beside the form in words that say what to
//! change. Each returns its content; the kit draws the rest. One small script
//! (`/dashboard/assets/dashboard.js`) adds Copy to clipboard; every page works without it.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::domain::locales::all_countries;
use crate::domain::orders::McaStanding;
use crate::domain::timeline::Milestone;
use crate::http::web::kit::forms::problems;
use crate::http::web::kit::layout::Content;
use crate::http::web::kit::parts::{command_bar, grid, steps};
use crate::service::dashboard::{
    AccountView, AttestationControl, AttestationForm, CustomerForm, CustomerList, Review, Submitted,
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

fn page_link(search: &str, page: usize) -> String {
    let query = serde_urlencoded::to_string([("q", search), ("page", &page.to_string())]).unwrap_or_default();
    format!("/dashboard/customers?{query}")
}

pub fn customers(list: &CustomerList, search: &str, may_add: bool) -> Content {
    let commands = html! {
        @if may_add { a.command.add href="/dashboard/customers/new" { "Add customer" } }
    };
    let search_box = html! {
        form method="get" action="/dashboard/customers" role="search" {
            label.visually-hidden for="q" { "Search customers by company name, domain or Microsoft ID" }
            input type="search" id="q" name="q" value=(search) placeholder="Company name, domain or Microsoft ID";
            button.secondary type="submit" { "Search" }
        }
    };
    Content::new(
        "Customers",
        html! {
            h1 { "Customers" }
            (command_bar(commands, search_box))
            @if list.rows.is_empty() {
                div.card {
                    @if search.trim().is_empty() { p { "You have no customers yet." } }
                    @else { p { "No customer matches " strong { (search) } "." } }
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
                nav.pager aria-label="Pages" {
                    span { "Page " (list.page) " of " (list.pages) " (" (list.matching) @if list.matching == 1 { " customer)" } @else { " customers)" } }
                    @if list.page > 1 { a href=(page_link(search, list.page - 1)) { "Previous page" } }
                    @if list.page < list.pages { a href=(page_link(search, list.page + 1)) { "Next page" } }
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
            "Since " (Milestone::LegacyAttestationRetired.date().format("%B %-d, %Y")) ", partners confirm a customer's acceptance with enhanced attestation, through the API: "
            code { "POST /v1/attestations/enhanced" } ", which the customer accepts, then "
            code { "POST /v1/customers/{customerId}/agreements" } " with its " code { "attestationId" } ". "
            "The emulator's service date is " (service_date) "."
        }),
    }
}

fn person_inputs(prefix: &str, person: &AttestationForm, required: bool, hint: Option<&str>) -> Markup {
    let id = |name: &str| format!("{prefix}{name}");
    html! {
        @if let Some(hint) = hint { p.hint { (hint) } }
        label for=(id("FirstName")) { "First name" }
        input type="text" id=(id("FirstName")) name=(id("FirstName")) autocomplete="off" required[required] value=(person.first_name);
        label for=(id("LastName")) { "Last name" }
        input type="text" id=(id("LastName")) name=(id("LastName")) autocomplete="off" required[required] value=(person.last_name);
        label for=(id("Email")) { "Email address" }
        input type="email" id=(id("Email")) name=(id("Email")) autocomplete="off" required[required] value=(person.email);
        label for=(id("Phone")) { "Phone number (optional)" }
        input type="tel" id=(id("Phone")) name=(id("Phone")) autocomplete="off" value=(person.phone_number);
    }
}

fn date_input(name: &str, value: &str, today: NaiveDate) -> Markup {
    html! {
        label for=(name) { "Agreement acceptance date"
            span.hint id={ (name) "Hint" } { "The date the customer accepted (UTC); not later than today, " (today) ", by the emulator clock." } }
        input type="date" id=(name) name=(name) max=(today) aria-describedby={ (name) "Hint" } value=(value);
    }
}

/// The Add customer wizard's hidden state: the CSRF token and the submission id.
fn wizard_state(csrf: &str, submission: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="submission" value=(submission);
    }
}

const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("ja", "日本語"),
];

pub struct NewCustomerPage<'a> {
    pub csrf: &'a str,
    pub form: &'a CustomerForm,
    pub control: &'a AttestationControl,
    pub problems: &'a [String],
    pub submission: &'a str,
    pub today: NaiveDate,
}

pub fn new_customer(p: &NewCustomerPage) -> Content {
    let form = p.form;
    let attest = form.attestation.clone();
    let attesting = attest.is_some() && *p.control == AttestationControl::Open;
    let person = attest.clone().unwrap_or_default();
    let country = if form.country.is_empty() { "US" } else { form.country.as_str() };
    let language = if form.language.is_empty() { "en" } else { form.language.as_str() };
    Content::new(
        "Add customer",
        html! {
            h1 { "Add customer" }
            (wizard_steps(0))
            (problems(p.problems))
            form method="post" action="/dashboard/customers/new" {
                (wizard_state(p.csrf, p.submission))
                div.card {
                    fieldset {
                        legend { h2 { "Account info" } }
                        label for="companyName" { "Company name" }
                        input type="text" id="companyName" name="companyName" required value=(form.company_name);
                        label for="domain" { "Domain name" span.hint { "The customer's initial domain: letters and digits, followed by .onmicrosoft.com" } }
                        input type="text" id="domain" name="domain" required value=(form.domain) aria-describedby="domainSuffix";
                        span.hint id="domainSuffix" { ".onmicrosoft.com" }
                        h3 { "Primary contact" }
                        label for="firstName" { "First name" }
                        input type="text" id="firstName" name="firstName" autocomplete="off" required value=(form.first_name);
                        label for="lastName" { "Last name" }
                        input type="text" id="lastName" name="lastName" autocomplete="off" required value=(form.last_name);
                        label for="email" { "Email address" }
                        input type="email" id="email" name="email" autocomplete="off" required value=(form.email);
                        label for="phoneNumber" { "Phone number (optional)" }
                        input type="tel" id="phoneNumber" name="phoneNumber" autocomplete="off" value=(form.phone_number);
                        label for="language" { "Language" }
                        select id="language" name="language" {
                            @for (code, name) in LANGUAGES {
                                option value=(code) selected[*code == language] { (name) }
                            }
                        }
                        h3 { "Address" }
                        label for="country" { "Country/region" }
                        select id="country" name="country" {
                            @for c in all_countries() {
                                option value=(c.code) selected[c.code == country] { (c.name) }
                            }
                        }
                        label for="addressLine1" { "Address line 1" }
                        input type="text" id="addressLine1" name="addressLine1" required value=(form.address_line1);
                        label for="addressLine2" { "Address line 2 (optional)" }
                        input type="text" id="addressLine2" name="addressLine2" value=(form.address_line2);
                        label for="city" { "City" }
                        input type="text" id="city" name="city" required value=(form.city);
                        label for="state" { "State or province" }
                        input type="text" id="state" name="state" required value=(form.state);
                        label for="postalCode" { "ZIP or postal code" }
                        input type="text" id="postalCode" name="postalCode" required value=(form.postal_code);
                    }
                }
                div.card {
                    fieldset {
                        legend { h2 { "Customer agreement" } }
                        p { "Before this customer can buy, Microsoft needs its acceptance of the Microsoft Customer Agreement." }
                        @if let Some(note) = control_note(p.control) {
                            div.info id="attestationNote" { (note) }
                        }
                        @if *p.control == AttestationControl::Open {
                            label.choice for="agreementPartner" {
                                input type="radio" id="agreementPartner" name="agreement" value="partner" checked[attesting];
                                span { "Customer has accepted the Microsoft Customer Agreement, and I confirm it on the customer's behalf" }
                            }
                            div.nested {
                                (date_input("dateAgreed", &person.date_agreed, p.today))
                                fieldset {
                                    legend { "Person who accepted the agreement" }
                                    (person_inputs("accepter", &person, false, Some("Leave these empty to use the primary contact.")))
                                }
                            }
                        }
                        label.choice for="agreementCustomer" {
                            input type="radio" id="agreementCustomer" name="agreement" value="customer" checked[!attesting];
                            span { "Customer will be asked to accept Microsoft Customer Agreement in Microsoft 365 Admin Center" }
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

fn hidden_form(form: &CustomerForm) -> Markup {
    let fields: [(&str, &str); 14] = [
        ("companyName", &form.company_name),
        ("domain", &form.domain),
        ("firstName", &form.first_name),
        ("lastName", &form.last_name),
        ("email", &form.email),
        ("phoneNumber", &form.phone_number),
        ("language", &form.language),
        ("country", &form.country),
        ("addressLine1", &form.address_line1),
        ("addressLine2", &form.address_line2),
        ("city", &form.city),
        ("state", &form.state),
        ("postalCode", &form.postal_code),
        ("agreement", if form.attestation.is_some() { "partner" } else { "customer" }),
    ];
    let attestation = form.attestation.clone().unwrap_or_default();
    html! {
        @for (name, value) in fields { input type="hidden" name=(name) value=(value); }
        @if form.attestation.is_some() {
            input type="hidden" name="dateAgreed" value=(attestation.date_agreed);
            input type="hidden" name="accepterFirstName" value=(attestation.first_name);
            input type="hidden" name="accepterLastName" value=(attestation.last_name);
            input type="hidden" name="accepterEmail" value=(attestation.email);
            input type="hidden" name="accepterPhone" value=(attestation.phone_number);
        }
    }
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
                        ", " (form.city) ", " (form.state) " " (form.postal_code) ", " (form.country) }
                    dt { "Language" } dd { (form.language) }
                }
            }
            div.card {
                h2 { "Customer agreement" }
                @match &review.attestation {
                    Some(confirmation) => {
                        p { "You confirm that the customer accepted the Microsoft Customer Agreement." }
                        dl {
                            dt { "Agreement acceptance date" } dd { (confirmation.date_agreed.date_naive()) }
                            dt { "Person who accepted" } dd { (confirmation.contact.first_name) " " (confirmation.contact.last_name)
                                ", " (confirmation.contact.email)
                                @if let Some(phone) = &confirmation.contact.phone_number { ", " (phone) } }
                        }
                    }
                    None => p { "The customer will be asked to accept the Microsoft Customer Agreement in the Microsoft 365 admin center." },
                }
            }
            form method="post" action="/dashboard/customers/new" {
                (wizard_state(csrf, submission))
                (hidden_form(form))
                div.actions {
                    button type="submit" name="step" value="submit" { "Submit" }
                    button.secondary type="submit" name="step" value="edit" formnovalidate { "Back" }
                }
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
                p { "The password is shown only on this page. Send the customer its user name and password." }
                dl {
                    dt { "Microsoft ID" } dd { code id="customerId" { (customer.id) } }
                    dt { "Domain" } dd { (customer.domain) }
                    dt { "User name" } dd { code id="adminUserName" { (customer.admin_user_name) } }
                    dt { "Password" } dd { code.secret id="adminPassword" { (submitted.password) } }
                    dt { "Admin center sign-in" } dd { a href=(submitted.link.sign_in) { (submitted.link.sign_in) } }
                }
            }
            div.card {
                h2 { "Microsoft Customer Agreement" }
                @match &submitted.confirmation {
                    Some(confirmation) => p id="agreementState" {
                        "You confirmed that " (confirmation.contact.first_name) " " (confirmation.contact.last_name)
                        " accepted the agreement on " (confirmation.date_agreed.date_naive())
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

pub struct AccountPage<'a> {
    pub csrf: &'a str,
    pub view: &'a AccountView,
    /// The Update form is open, with these values.
    pub update: Option<&'a AttestationForm>,
    pub problems: &'a [String],
    pub notice: Option<&'a str>,
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
                        table id="acceptances" {
                            caption.visually-hidden { "Acceptances of the Microsoft Customer Agreement" }
                            thead { tr { th scope="col" { "How" } th scope="col" { "Accepted by" } th scope="col" { "Date accepted" } th scope="col" { "Recorded" } } }
                            tbody {
                                @for entry in list {
                                    tr {
                                        td {
                                            @if entry.agreement.partner_tenant_id.is_none() { "Accepted by the customer in the Microsoft 365 admin center" }
                                            @else if entry.agreement.attestation_id.is_some() { "Enhanced attestation by " (entry.partner_name.clone().unwrap_or_default()) }
                                            @else { "Confirmed by " (entry.partner_name.clone().unwrap_or_default())
                                                @if let Some(user) = &entry.user_name { " (" (user) ")" } }
                                            @if !entry.counts { br; em { "Accepted before the agreement's 2023 refresh: no longer counts." } }
                                        }
                                        td { (entry.agreement.contact.first_name) " " (entry.agreement.contact.last_name) br; (entry.agreement.contact.email) }
                                        td.date { (entry.agreement.date_agreed.date_naive()) }
                                        td.date { (entry.agreement.created_at.format("%Y-%m-%d %H:%M UTC")) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(note) = control_note(&view.control) {
                    div.info id="attestationNote" { (note) }
                }
                @if view.control == AttestationControl::Open {
                    @match p.update {
                        None => div.actions { a.button href={ (account_url) "?update=agreement#update" } { "Update" } },
                        Some(values) => {
                            h3 id="update" { "Confirm the customer's acceptance" }
                            p { "Saving records a new confirmation; earlier ones stay listed." }
                            (problems(p.problems))
                            form method="post" action={ (account_url) "/agreement" } {
                                input type="hidden" name="csrf" value=(p.csrf);
                                (person_inputs("", values, true, None))
                                (date_input("dateAgreed", &values.date_agreed, view.today))
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

pub struct RelationshipPage<'a> {
    pub link: &'a str,
    pub delegated_admin: bool,
    pub email_text: &'a str,
    pub mailto: &'a str,
}

pub fn relationship(p: &RelationshipPage) -> Content {
    Content::new(
        "Request a reseller relationship",
        html! {
            h1 { "Request a reseller relationship" }
            div.card {
                p { "Send this email to the customer. When its Global Administrator opens the link and accepts, you become its reseller and can see it in your customer list." }
                form method="get" action="/dashboard/customers/relationship-request" {
                    label.choice for="dap" {
                        input type="checkbox" id="dap" name="dap" value="true" checked[p.delegated_admin] data-link-option="DAP";
                        span { "Include delegated administration privileges for Azure Active Directory and Office 365" }
                    }
                    div.actions { button.secondary type="submit" { "Update the link" } }
                }
                label for="emailText" { "Email text" span.hint { "You can edit the text before you send it." } }
                textarea id="emailText" name="emailText" data-link=(p.link) { (p.email_text) }
                div.actions {
                    button type="button" id="copy" data-copy="emailText" { "Copy to clipboard" }
                    a.button.secondary id="openInEmail" href=(p.mailto) data-mailto-of="emailText" { "Open in email" }
                    a.button.secondary href="/dashboard/customers" { "Done" }
                }
                p role="status" id="copyStatus" aria-live="polite" {}
                p { "Invitation link: " code id="invitationLink" { (p.link) } }
            }
        },
    )
}

/// Copy to clipboard and Open in email, for the relationship page; the page works without them
/// (the text can be selected and copied, and the email link carries the text as first shown).
pub const SCRIPT: &str = r#"
document.addEventListener('DOMContentLoaded', () => {
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
