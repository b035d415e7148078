//! The landing page at `/`: what this server is, the state of its control plane (unless an admin
//! token guards it), and where to go next. A page, not an API route: it is not in `openapi.yaml`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};

use super::kit::layout::{full, Brand, Chrome, Content, NavLink};
use super::kit::page::{respond, Policy};
use crate::app::AppState;
use crate::domain::identities::development;
use crate::domain::time::render_timestamp;
use crate::domain::timeline::ServiceDateSetting;
use crate::service::control::{self, ClockReading};
use crate::service::partners::{self, PartnerList};
use crate::service::timeline::{self, SettingSource, Timeline};

/// The guides, in the repository: the landing page names them (the binary does not serve them),
/// and a test checks that every one exists and none is left out.
const GUIDES: &[(&str, &str)] = &[
    ("docs/todays-flow.md", "today's flow: enhanced attestation"),
    ("docs/2023-flow.md", "the 2023 flow of Microsoft's guide"),
    ("docs/dashboard.md", "the partner's dashboard"),
    ("docs/admin-center.md", "the admin center and the acceptance page"),
    ("docs/control-plane.md", "the control plane: reset, clock, service date, seeds, faults"),
    ("docs/sign-in.md", "tokens and the sign-in service"),
    ("docs/sdks.md", "SDKs and libraries"),
    ("docs/docker.md", "Docker and compose"),
    ("docs/api-conventions.md", "the API's conventions"),
    ("docs/search-and-carts.md", "customer search, carts and checkout"),
    ("docs/configuration.md", "configuration"),
    ("docs/error-codes.md", "error codes"),
    ("docs/architecture.md", "architecture"),
];

/// How many partners the page lists by name.
const PARTNERS_LISTED: u32 = 20;

/// The emulator's own pages: this one and the API reference.
pub const BRAND: Brand = Brand { name: "Partner Center emulator", home: "/", title: "Partner Center emulator" };

/// Where the emulator's pages lead: its own, and the two sites it emulates.
pub const NAV: &[NavLink] = &[
    NavLink { label: "Home", href: "/" },
    NavLink { label: "API reference", href: "/_emulator/docs" },
    NavLink { label: "Partner Center", href: "/dashboard/customers" },
    NavLink { label: "Microsoft 365 admin center", href: "/AdminPortal/Home" },
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(landing))
}

/// The control plane's state as the page shows it; `None` when the admin token guards it.
struct Shown {
    timeline: Option<Timeline>,
    clock: Option<ClockReading>,
    partners: Option<PartnerList>,
}

async fn landing(State(ctx): State<AppState>) -> Response {
    let guarded = ctx.config.admin_token().is_some();
    let shown = if guarded {
        None
    } else {
        // A part that cannot be read is left out and logged: the page still shows the links.
        let timeline = timeline::timeline(&ctx).await.inspect_err(|e| log_unreadable("service date", e)).ok();
        let clock = control::read_clock(&ctx).await.inspect_err(|e| log_unreadable("clock", e)).ok();
        let partners =
            partners::list_partners(&ctx, PARTNERS_LISTED).await.inspect_err(|e| log_unreadable("partners", e)).ok();
        Some(Shown { timeline, clock, partners })
    };
    // No script at all and no form.
    let chrome = Chrome { brand: &BRAND, account: None, nav: NAV, current: Some("/"), script: None };
    respond(StatusCode::OK, Policy::Static, full(&chrome, page(&ctx.public_base_url, shown.as_ref())))
}

fn log_unreadable(what: &str, e: &crate::service::ServiceError) {
    tracing::warn!(error = %e.hint(), "landing page: the {what} could not be read");
}

fn service_date_source(t: &Timeline) -> &'static str {
    match (t.source, t.setting) {
        (SettingSource::ControlPlane, ServiceDateSetting::Pinned(_)) => {
            "pinned through the control plane (PUT /_emulator/service-date)"
        }
        (SettingSource::ControlPlane, ServiceDateSetting::FollowClock) => {
            "follows the emulator clock's day (set through the control plane)"
        }
        (SettingSource::Configuration, _) => "pinned by configuration (--service-date, PCE_SERVICE_DATE)",
        (SettingSource::Default, _) => "follows the emulator clock's day (the default: today's service)",
        // The landing page shows the emulator's setting, never a partner's own.
        (SettingSource::Partner, _) => "a partner persona's own setting",
    }
}

fn state(shown: &Shown) -> Markup {
    html! {
        dl {
            dt { "Service date" }
            dd id="service-date" {
                @if let Some(t) = &shown.timeline {
                    strong { (t.service_date.date().to_string()) } " — " (service_date_source(t))
                    @let pinned = matches!(t.setting, ServiceDateSetting::Pinned(_));
                    " (" @if pinned { "pinned" } @else { "not pinned" } ")"
                } @else { "could not be read (see the log)" }
            }
            dt { "Emulator clock" }
            dd id="clock" {
                @if let Some(c) = &shown.clock {
                    code { (render_timestamp(c.now)) } " — "
                    @if c.frozen { "frozen" } @else { "running" }
                } @else { "could not be read (see the log)" }
            }
            dt { "Partners" }
            dd id="partners" {
                @if let Some(p) = &shown.partners {
                    @if p.total == 0 {
                        "none yet (POST /_emulator/partners creates one)"
                    } @else {
                        (p.total)
                        @if p.total > p.first.len() as u64 { " (the first " (p.first.len()) " by creation)" }
                        ul {
                            @for partner in &p.first {
                                li { (partner.name) " · " (partner.partner_type.as_str()) " · " code { (partner.tenant_id) } }
                            }
                        }
                    }
                } @else { "could not be read (see the log)" }
            }
        }
    }
}

fn page(base: &str, shown: Option<&Shown>) -> Content {
    Content::new(
        "",
        html! {
                        h1 { "Partner Center emulator" }
                        div.card {
                            p {
                                "A local emulator of Microsoft Partner Center's customer-agreement API (agreements, attestation, customers, orders), "
                                "with the customer's side in an emulated Microsoft 365 admin center and a control plane for tests. "
                                "It is not a Microsoft service and talks to none: everything it answers comes from its own database."
                            }
                            p { "Version " strong id="version" { (env!("CARGO_PKG_VERSION")) } "." }
                        }
                        section.card aria-labelledby="state-heading" {
                            h2 id="state-heading" { "State" }
                            @match shown {
                                Some(shown) => (state(shown)),
                                None => p id="state-guarded" {
                                    "The control plane requires the admin token (--admin-token, PCE_ADMIN_TOKEN), so its state is not shown here. "
                                    "Read it from the JSON endpoints below with " code { "Authorization: Bearer <admin token>" } "."
                                },
                            }
                        }
                        section.card aria-labelledby="links-heading" {
                            h2 id="links-heading" { "Where to go" }
                            ul {
                                li { a href="/_emulator/docs" { "API reference" } " — every operation with its parameters, bodies, schemas and examples" }
                                li { a href="/_emulator/openapi.yaml" { "openapi.yaml" } " — the contract (OpenAPI 3.1)" }
                                li { a href="/dashboard/customers" { "The partner's Partner Center dashboard" } " (emulated; sign in with a partner user, such as the development user below)" }
                                li { a href="/AdminPortal/Home" { "The customer's Microsoft 365 admin center" } " (emulated; sign in with a customer's admin user)" }
                            }
                            p { "Guides, in the repository (README.md's table of contents; CI runs each as written):" }
                            ul id="guides" {
                                @for (path, what) in GUIDES {
                                    li { code { (path) } " — " (what) }
                                }
                            }
                            p { "Control plane (JSON" @if shown.is_none() { ", admin token required" } "):" }
                            ul {
                                li { a href="/_emulator/partners" { "partners" } " (the personas)" }
                                li { a href="/_emulator/service-date" { "service date" } " and its milestones" }
                                li { a href="/_emulator/clock" { "emulator clock" } }
                                li { a href="/_emulator/outbox" { "outbox" } " (notification emails)" }
                                li { a href="/_emulator/requests" { "request journal" } " (why a request was refused)" }
                                li { a href="/_emulator/faults" { "fault rules" } }
                                li { a href="/_emulator/ready" { "readiness" } }
                            }
                        }
                        section.card aria-labelledby="start-heading" {
                            h2 id="start-heading" { "Quick start" }
                            p { "From the repository: start the emulator, and run the tests (README.md, \"Two commands\")." }
                            pre { code { "cargo run --release\ncargo test" } }
                            p { "A first call: create a partner persona, mint its token, read the agreement metadata." }
                            pre { code { (quick_start(base)) } }
                            p {
                                "Or get a token as your code does from Microsoft's sign-in service, with the development app \
                                 (docs/sign-in.md):"
                            }
                            pre { code { (sign_in_start(base)) } }
                        }
                        section.card aria-labelledby="dev-user-heading" {
                            h2 id="dev-user-heading" { "The development user" }
                            p { "Every fresh or reset database holds an Admin agent of the Contoso development partner. This is a "
                                "development emulator, so its credentials are published here: use them on a test machine only." }
                            dl id="devUser" {
                                dt { "User name" } dd { code { (development::USER_NAME) } }
                                dt { "Password" } dd { code { (development::USER_PASSWORD) } }
                            }
                            p { a href="/dashboard/customers" { "Sign in to the Partner Center dashboard" } " with them, or make other users with "
                                code { "POST /_emulator/partners/{tenantId}/users" } " (docs/sign-in.md)." }
                        }
        },
    )
}

fn quick_start(base: &str) -> String {
    format!(
        "E={base}\n\
         PARTNER=$(curl -s -X POST $E/_emulator/partners -H 'content-type: application/json' \\\n  \
         -d '{{\"name\": \"Contoso Cloud Partner\", \"partnerType\": \"DirectBill\"}}' | jq -r .tenantId)\n\
         TOKEN=$(curl -s -X POST $E/_emulator/tokens -H 'content-type: application/json' \\\n  \
         -d \"{{\\\"partnerTenantId\\\": \\\"$PARTNER\\\", \\\"roles\\\": [\\\"AdminAgent\\\"]}}\" | jq -r .access_token)\n\
         curl -s \"$E/v1/agreements?agreementType=MicrosoftCustomerAgreement\" -H \"Authorization: Bearer $TOKEN\""
    )
}

fn sign_in_start(base: &str) -> String {
    format!(
        "curl -s {base}/{tenant}/oauth2/v2.0/token -d grant_type=client_credentials \\\n  \
         -d client_id={client} \\\n  -d client_secret={secret} \\\n  \
         -d scope=https://api.partnercenter.microsoft.com/.default",
        tenant = development::PARTNER_TENANT_ID,
        client = development::CLIENT_ID,
        secret = development::CLIENT_SECRET,
    )
}
