//! The admin-center pages, rendered on the server (maud): plain HTML forms that work with the
//! keyboard and on a narrow screen, every input labelled, errors shown on the page.

use crate::http::web::kit::user_name_field;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::domain::agreements::Agreement;
use crate::domain::customers::Customer;
use crate::domain::partners::Partner;
use crate::domain::time::render_timestamp;
use crate::service::admin_center::{AgreementView, InvitationView};

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:"Segoe UI",system-ui,-apple-system,sans-serif;color:#1b1b1b;background:#f5f5f5;line-height:1.5}
header{background:#0f6cbd;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header a,header button{color:#fff}
header .brand{font-weight:600;font-size:1.1rem;text-decoration:none}
nav a{margin-right:1rem}
main{max-width:44rem;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d1d1d1;border-radius:6px;padding:1.25rem;margin-bottom:1rem}
h1{font-size:1.5rem;margin-top:0}
label{display:block;font-weight:600;margin-top:.75rem}
input[type=text],input[type=email],input[type=password],input[type=tel]{width:100%;padding:.55rem;font-size:1rem;border:1px solid #8a8a8a;border-radius:4px}
.check{display:flex;gap:.6rem;align-items:flex-start;margin-top:1rem;font-weight:400}
.check input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
button,.button{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #0f6cbd;background:#0f6cbd;color:#fff;cursor:pointer;text-decoration:none}
button.link{background:none;border:none;padding:0;margin:0;text-decoration:underline;font-size:inherit}
a:focus,button:focus,input:focus{outline:3px solid #ffb900;outline-offset:2px}
.error{border-left:4px solid #c50f1f;background:#fde7e9;padding:.75rem 1rem;margin:1rem 0}
.success{border-left:4px solid #107c10;background:#dff6dd;padding:.75rem 1rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
ul.partners{padding-left:1.2rem}
@media (max-width:30rem){dl{grid-template-columns:1fr}main{margin-top:1rem}}
"#;

pub fn layout(title: &str, signed_in: Option<(&Customer, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Microsoft 365 admin center (emulated)" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    a.brand href="/AdminPortal/Home" { "Microsoft 365 admin center" }
                    @if let Some((customer, csrf)) = signed_in {
                        nav aria-label="Main" {
                            a href="/AdminPortal/Home?ref=/BillingAccounts/agreement" { "Agreement" }
                            a href="/AdminPortal/Partners" { "Partners" }
                        }
                        form method="post" action="/AdminPortal/SignOut" {
                            input type="hidden" name="csrf" value=(csrf);
                            span { (customer.admin_user_name) " · " }
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

pub fn error_box(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            div.error role="alert" id="error" { (message) }
        }
    }
}

pub fn sign_in(return_url: &str, csrf: &str, user_name: &str, error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            div.card {
                h1 { "Sign in" }
                p { "Use the credentials your partner gave you when it created your account." }
                (error_box(error))
                form method="post" action="/AdminPortal/SignIn" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="returnUrl" value=(return_url);
                    label for="userName" { "Email or user name" }
                    (user_name_field(user_name))
                    label for="password" { "Password" }
                    input type="password" id="password" name="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// The form fields for the person accepting the agreement, prefilled from the customer profile.
pub struct PersonFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: String,
}

fn person_inputs(p: &PersonFields) -> Markup {
    html! {
        fieldset style="border:none;padding:0;margin:0" {
            legend style="font-weight:600;margin-top:1rem" { "The person accepting" }
            label for="firstName" { "First name" }
            input type="text" id="firstName" name="firstName" autocomplete="given-name" required value=(p.first_name);
            label for="lastName" { "Last name" }
            input type="text" id="lastName" name="lastName" autocomplete="family-name" required value=(p.last_name);
            label for="email" { "Email address" }
            input type="email" id="email" name="email" autocomplete="email" required value=(p.email);
            label for="phoneNumber" { "Phone number (optional)" }
            input type="tel" id="phoneNumber" name="phoneNumber" autocomplete="tel" value=(p.phone_number);
        }
    }
}

pub struct AgreementPage<'a> {
    pub customer: &'a Customer,
    pub csrf: &'a str,
    pub view: &'a AgreementView,
    pub person: PersonFields,
    pub error: Option<&'a str>,
}

pub fn agreement(page: &AgreementPage) -> Markup {
    layout(
        "Microsoft Customer Agreement",
        Some((page.customer, page.csrf)),
        html! {
            div.card {
                h1 { "Microsoft Customer Agreement" }
                p { "Organization: " strong { (page.customer.company_name) } " (" (page.customer.domain) ")" }
                p { a href=(page.view.document_uri) target="_blank" rel="noopener" { "Read the Microsoft Customer Agreement" } " (opens in a new tab)" }
                @for (confirmation, partner_name) in &page.view.confirmations {
                    p { "Your partner " strong { (partner_name) } " confirmed that your organization accepted the agreement on "
                        (render_timestamp(confirmation.date_agreed)) "." }
                }
                (error_box(page.error))
                @if let Some(direct) = &page.view.direct {
                    div.success role="status" id="accepted" {
                        "You accepted the Microsoft Customer Agreement on " (render_timestamp(direct.date_agreed))
                        " (" (direct.contact.first_name) " " (direct.contact.last_name) ", " (direct.contact.email) ")."
                    }
                } @else {
                    form method="post" action="/AdminPortal/Agreement/Accept" {
                        input type="hidden" name="csrf" value=(page.csrf);
                        (person_inputs(&page.person))
                        label.check for="accept" {
                            input type="checkbox" id="accept" name="accept" value="true" required;
                            span { "I have read and I accept the Microsoft Customer Agreement on behalf of my organization." }
                        }
                        button type="submit" { "Accept" }
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
    pub error: Option<&'a str>,
}

pub fn invitation(page: &InvitationPage) -> Markup {
    layout(
        "Partner invitation",
        Some((page.customer, page.csrf)),
        html! {
            div.card {
                h1 { "Accept partner invitation" }
                @if page.view.already_related {
                    div.success role="status" id="accepted" {
                        "You work with " strong { (page.view.partner.name) } " as your reseller. "
                        a href={ "/AdminPortal/Partners/" (page.view.partner.tenant_id) } { "See partner details" }
                    }
                } @else {
                    p { strong { (page.view.partner.name) } " would like to be your reseller (Cloud Solution Provider) and sell "
                        "Microsoft products and services to " (page.customer.company_name) "." }
                    p { "Accepting this invitation authorizes " (page.view.partner.name) " as your reseller and accepts the "
                        a href=(page.view.document_uri) target="_blank" rel="noopener" { "Microsoft Customer Agreement" } "." }
                    (error_box(page.error))
                    form method="post" action="/AdminPortal/Invitation/Accept" {
                        input type="hidden" name="csrf" value=(page.csrf);
                        input type="hidden" name="partnerId" value=(page.view.partner.tenant_id);
                        (person_inputs(&page.person))
                        label.check for="accept" {
                            input type="checkbox" id="accept" name="accept" value="true" required;
                            span { "I authorize " (page.view.partner.name) " as my reseller and I accept the Microsoft Customer Agreement." }
                        }
                        button type="submit" { "Accept and authorize" }
                    }
                }
            }
        },
    )
}

pub fn home(customer: &Customer, csrf: &str) -> Markup {
    layout(
        "Home",
        Some((customer, csrf)),
        html! {
            div.card {
                h1 { "Welcome, " (customer.company_name) }
                ul {
                    li { a href="/AdminPortal/Home?ref=/BillingAccounts/agreement" { "Microsoft Customer Agreement" } }
                    li { a href="/AdminPortal/Partners" { "Partners you work with" } }
                }
            }
        },
    )
}

pub fn partners(customer: &Customer, csrf: &str, partners: &[Partner]) -> Markup {
    layout(
        "Partners",
        Some((customer, csrf)),
        html! {
            div.card {
                h1 { "Partners you work with" }
                @if partners.is_empty() {
                    p { "You don't work with any partner yet." }
                } @else {
                    ul.partners {
                        @for p in partners {
                            li { a href={ "/AdminPortal/Partners/" (p.tenant_id) } { (p.name) } }
                        }
                    }
                }
            }
        },
    )
}

pub fn partner_details(customer: &Customer, csrf: &str, partner: &Partner, confirmations: &[Agreement]) -> Markup {
    layout(
        &partner.name,
        Some((customer, csrf)),
        html! {
            div.card {
                h1 { (partner.name) }
                dl {
                    dt { "Relationship" } dd { "Reseller" }
                    dt { "Partner type" } dd { (partner.partner_type.as_str()) }
                    dt { "Partner tenant ID" } dd { (partner.tenant_id) }
                    @if let Some(provider) = &partner.indirect_provider_id {
                        dt { "Indirect provider" } dd { (provider) }
                    }
                    dt { "Agreement confirmations" }
                    dd {
                        @if confirmations.is_empty() { "None" }
                        @for a in confirmations {
                            (a.agreement_type.as_str()) ", " (render_timestamp(a.date_agreed)) " by "
                            (a.contact.first_name) " " (a.contact.last_name) br;
                        }
                    }
                }
                p { a href="/AdminPortal/Partners" { "Back to partners" } }
            }
        },
    )
}

pub fn message(title: &str, signed_in: Option<(&Customer, &str)>, text: &str) -> Markup {
    layout(
        title,
        signed_in,
        html! {
            div.card {
                h1 { (title) }
                div.error role="alert" { (text) }
                p { a href="/AdminPortal/Home" { "Go to the admin center home" } }
            }
        },
    )
}

pub fn not_found(path: &str) -> Markup {
    layout(
        "Page not found",
        None,
        html! {
            div.card {
                h1 { "Page not found" }
                div.error role="alert" { "The admin center has no page at " code { (path) } "." }
                p { "Start from the admin center's home page (you are asked to sign in first, with the admin user's credentials returned when the customer was created), or from the emulator's home page." }
                p {
                    a.button href="/AdminPortal/Home" { "Go to the admin center home" }
                    " "
                    a href="/" { "Emulator home page" }
                }
            }
        },
    )
}
