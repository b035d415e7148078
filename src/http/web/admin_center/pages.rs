//! The admin-center pages, rendered on the server (maud): plain HTML forms that work with the
//! keyboard and on a narrow screen, every input labelled, errors shown on the page. Each returns
//! its content; the kit draws the rest.

use maud::{html, Markup};

use crate::domain::agreements::Agreement;
use crate::domain::customers::Customer;
use crate::domain::partners::RelatedPartner;
use crate::http::web::kit::dates::{self, Lang};
use crate::http::web::kit::forms::FormErrors;
use crate::http::web::kit::layout::Content;
use crate::http::web::kit::parts::{self, grid};
use crate::service::admin_center::{AgreementView, InvitationView};

/// The form fields for the person accepting the agreement, prefilled from the customer profile.
pub struct PersonFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: String,
}

/// The accepting forms' inputs, in their order (the order of their problems).
pub const ORDER: &[&str] = &["firstName", "lastName", "email", "phoneNumber", "accept"];

fn person_inputs(p: &PersonFields, errors: &FormErrors) -> Markup {
    let fields = [
        ("text", "firstName", "First name", "given-name", p.first_name.as_str(), true),
        ("text", "lastName", "Last name", "family-name", p.last_name.as_str(), true),
        ("email", "email", "Email address", "email", p.email.as_str(), true),
        ("tel", "phoneNumber", "Phone number (optional)", "tel", p.phone_number.as_str(), false),
    ];
    html! {
        fieldset {
            legend { "The person accepting" }
            @for (kind, id, label, autocomplete, value, required) in fields {
                label for=(id) { (label) }
                (errors.at(id))
                input type=(kind) id=(id) name=(id) autocomplete=(autocomplete) required[required] value=(value)
                    aria-invalid=[errors.invalid(id)] aria-describedby=[errors.described_by(id, None)];
            }
        }
    }
}

/// The box that accepts, with its problem when it was left unticked.
fn accept_box(errors: &FormErrors, text: Markup) -> Markup {
    html! {
        (errors.at("accept"))
        label.choice for="accept" {
            input type="checkbox" id="accept" name="accept" value="true" required
                aria-invalid=[errors.invalid("accept")] aria-describedby=[errors.described_by("accept", None)];
            span { (text) }
        }
    }
}

pub struct AgreementPage<'a> {
    pub customer: &'a Customer,
    pub csrf: &'a str,
    pub view: &'a AgreementView,
    pub person: PersonFields,
    pub errors: &'a FormErrors,
}

fn accept_form(page: &AgreementPage) -> Markup {
    html! {
        form method="post" action="/AdminPortal/Agreement/Accept" novalidate {
            input type="hidden" name="csrf" value=(page.csrf);
            (person_inputs(&page.person, page.errors))
            (accept_box(page.errors, html! { "I have read and I accept the Microsoft Customer Agreement on behalf of my organization." }))
            div.actions { button type="submit" { "Accept" } }
        }
    }
}

pub fn agreement(page: &AgreementPage) -> Content {
    let confirmed = !page.view.confirmations.is_empty();
    Content::new(
        "Microsoft Customer Agreement",
        html! {
            div.card {
                h1 { "Microsoft Customer Agreement" }
                // A refused form says why, also once the agreement is accepted (a second acceptance
                // sent from a page opened before the first: "already accepted").
                @if page.view.direct.is_some() { (page.errors.summary()) }
                p { "Organization: " strong { (page.customer.company_name) } " (" (page.customer.domain) ")" }
                p { a href=(page.view.document_uri) target="_blank" rel="noopener" { "Read the Microsoft Customer Agreement" } " (opens in a new tab)" }
                @if let Some(direct) = &page.view.direct {
                    div.success role="status" id="accepted" {
                        "You accepted the Microsoft Customer Agreement on " (dates::date(direct.date_agreed, Lang::En))
                        " (" (direct.contact.first_name) " " (direct.contact.last_name) ", " (direct.contact.email)
                        @if let Some(phone) = &direct.contact.phone_number { ", " (phone) }
                        ")."
                    }
                }
                @if confirmed {
                    div.success role="status" id="confirmedByPartner" {
                        p { strong { "Your organization's acceptance is on record." } }
                        ul {
                            @for (confirmation, partner_name) in &page.view.confirmations {
                                li { "Your partner " strong { (partner_name) } " confirmed that "
                                    (confirmation.contact.first_name) " " (confirmation.contact.last_name)
                                    " accepted the agreement on " (dates::date(confirmation.date_agreed, Lang::En)) "." }
                            }
                        }
                    }
                }
                @if page.view.direct.is_none() {
                    (page.errors.summary())
                    @if confirmed {
                        p { "Nothing more is needed to buy through your partner." }
                        details id="acceptYourself" open[!page.errors.is_empty()] {
                            summary { "Accept the agreement yourself as well" }
                            p { "Your partner's confirmation is enough. Accepting here also records your organization's own acceptance." }
                            (accept_form(page))
                        }
                    } @else {
                        (accept_form(page))
                    }
                }
            }
        },
    )
}

pub struct InvitationPage<'a> {
    pub customer: &'a Customer,
    pub csrf: &'a str,
    pub view: &'a InvitationView,
    pub person: PersonFields,
    pub errors: &'a FormErrors,
    /// The link asks for delegated administration privileges (`DAP=true`).
    pub delegated_admin: bool,
}

pub fn invitation(page: &InvitationPage) -> Content {
    Content::new(
        "Partner invitation",
        html! {
            div.card {
                h1 { "Accept partner invitation" }
                // Nothing left to accept: the relationship exists and holds what the link asks for.
                @if page.view.already_related && (!page.delegated_admin || page.view.holds_delegated_admin) {
                    div.success role="status" id="accepted" {
                        "You work with " strong { (page.view.partner.name) } " as your reseller"
                        @if page.view.holds_delegated_admin { ", with delegated administration privileges" }
                        ". "
                        a href={ "/AdminPortal/Partners/" (page.view.partner.tenant_id) } { "See partner details" }
                    }
                } @else {
                    @if page.view.already_related {
                        p { "You work with " strong { (page.view.partner.name) } " as your reseller." }
                    } @else {
                        p { strong { (page.view.partner.name) } " would like to be your reseller (Cloud Solution Provider) and sell "
                            "Microsoft products and services to " (page.customer.company_name) "." }
                        @if page.view.accepted_directly.is_none() {
                            p { "Accepting this invitation authorizes " (page.view.partner.name) " as your reseller and accepts the "
                                a href=(page.view.document_uri) target="_blank" rel="noopener" { "Microsoft Customer Agreement" } "." }
                        }
                    }
                    @if let Some(direct) = &page.view.accepted_directly {
                        p id="acceptedDirectly" { "Your organization accepted the "
                            a href=(page.view.document_uri) target="_blank" rel="noopener" { "Microsoft Customer Agreement" }
                            " on " (dates::date(direct.date_agreed, Lang::En)) " (" (direct.contact.first_name) " "
                            (direct.contact.last_name) "), so nobody accepts it again here." }
                    }
                    @if page.delegated_admin {
                        div.info id="dapRequest" {
                            strong { (page.view.partner.name) " also asks for delegated administration privileges (DAP)" }
                            ": administrator rights in your organization's Microsoft Entra ID and Microsoft 365, to manage "
                            "your services for you. (This emulator records the grant, which the partner reads as "
                            code { "allowDelegatedAccess" } "; it gives no administration rights of its own.)"
                        }
                    }
                    (page.errors.summary())
                    form method="post" action="/AdminPortal/Invitation/Accept" novalidate {
                        input type="hidden" name="csrf" value=(page.csrf);
                        input type="hidden" name="partnerId" value=(page.view.partner.tenant_id);
                        input type="hidden" name="DAP" value=(if page.delegated_admin { "true" } else { "false" });
                        @if page.view.accepted_directly.is_none() {
                            (person_inputs(&page.person, page.errors))
                        }
                        @match (page.view.already_related, page.view.accepted_directly.is_some()) {
                            (true, false) => (accept_box(page.errors, html! { "I grant " (page.view.partner.name) " delegated administration privileges and I accept the Microsoft Customer Agreement." })),
                            (true, true) => (accept_box(page.errors, html! { "I grant " (page.view.partner.name) " delegated administration privileges." })),
                            (false, false) => (accept_box(page.errors, html! { "I authorize " (page.view.partner.name) " as my reseller and I accept the Microsoft Customer Agreement." })),
                            (false, true) => (accept_box(page.errors, html! { "I authorize " (page.view.partner.name) " as my reseller." })),
                        }
                        div.actions { button type="submit" { "Accept and authorize" } }
                    }
                }
            }
        },
    )
}

pub fn home(customer: &Customer) -> Content {
    Content::new(
        "Home",
        html! {
            h1 { "Welcome, " (customer.company_name) }
            div.card {
                h2 { "Billing and partners" }
                ul {
                    li { a href="/AdminPortal/Home?ref=/BillingAccounts/agreement" { "Microsoft Customer Agreement" } }
                    li { a href="/AdminPortal/Partners" { "Partners you work with" } }
                }
            }
        },
    )
}

/// What a relationship is, as the admin center names its roles: a reseller's, and delegated admin
/// privileges when the customer granted them.
fn relationship_roles(related: &RelatedPartner) -> &'static str {
    if related.delegated_admin {
        "Reseller, delegated admin"
    } else {
        "Reseller"
    }
}

pub fn partners(partners: &[RelatedPartner]) -> Content {
    Content::new(
        "Partners",
        html! {
            h1 { "Partners you work with" }
            @if partners.is_empty() {
                div.card { p { "You don't work with any partner yet." } }
            } @else {
                (grid("The partners you work with", &["Partner", "Relationship", "Partner type"], html! {
                    @for related in partners {
                        @let p = &related.partner;
                        tr {
                            td { a href={ "/AdminPortal/Partners/" (p.tenant_id) } { (p.name) } }
                            td { (relationship_roles(related)) }
                            td { (p.partner_type.as_str()) }
                        }
                    }
                }))
            }
        },
    )
}

pub fn partner_details(related: &RelatedPartner, confirmations: &[Agreement]) -> Content {
    let partner = &related.partner;
    Content::new(
        partner.name.clone(),
        html! {
            div.card {
                h1 { (partner.name) }
                dl {
                    dt { "Relationship" } dd { (relationship_roles(related)) }
                    dt { "Partner type" } dd { (partner.partner_type.as_str()) }
                    dt { "Partner tenant ID" } dd { (partner.tenant_id) }
                    @if let Some(provider) = &partner.indirect_provider_id {
                        dt { "Indirect provider" } dd { (provider) }
                    }
                    dt { "Agreement confirmations" }
                    dd {
                        @if confirmations.is_empty() { "None" }
                        @for a in confirmations {
                            p { (a.agreement_type.as_str()) ", " (dates::date(a.date_agreed, Lang::En)) " by " br;
                                (parts::person(&a.contact)) }
                        }
                    }
                }
                p { a href="/AdminPortal/Partners" { "Back to partners" } }
            }
        },
    )
}
