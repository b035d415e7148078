//! The one page shell: a top bar with the product's name, the *Emulated* badge and who is signed
//! in; the site's navigation; the main landmark, reached by a skip link; a footer. A page gives
//! only its content ([`Content`]); the shell comes from here. The compact shell (the acceptance
//! page a partner frames, the agreement document) has no navigation and no account.

use maud::{html, Markup, DOCTYPE};

use super::style::stylesheet;

/// A product as its pages name it: the top bar's name and link, and the tab title.
pub struct Brand {
    pub name: &'static str,
    pub home: &'static str,
    /// What ends every tab title, such as "Partner Center (emulated)".
    pub title: &'static str,
}

/// What a page shows: its title (before the product's) and its body.
pub struct Content {
    pub title: String,
    pub body: Markup,
}

impl Content {
    pub fn new(title: impl Into<String>, body: Markup) -> Content {
        Content { title: title.into(), body }
    }
}

/// An entry of a site's navigation.
#[derive(Clone, Copy)]
pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
}

/// Who is signed in, as the top bar shows them, with the form that signs them out.
pub struct Account<'a> {
    pub name: String,
    pub csrf: &'a str,
    pub sign_out: &'static str,
}

/// Everything around a page's content.
pub struct Chrome<'a> {
    pub brand: &'a Brand,
    pub account: Option<Account<'a>>,
    pub nav: &'a [NavLink],
    /// The navigation entry of this page (its `href`), marked as the current page.
    pub current: Option<&'a str>,
    /// A script of this site the page loads (deferred); pages work without it.
    pub script: Option<&'static str>,
}

impl<'a> Chrome<'a> {
    /// The chrome of a visitor: the product and nothing else.
    pub fn visitor(brand: &'a Brand, script: Option<&'static str>) -> Chrome<'a> {
        Chrome { brand, account: None, nav: &[], current: None, script }
    }
}

fn head(title: &str, brand: &Brand, script: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { @if title.is_empty() { (brand.title) } @else { (title) " - " (brand.title) } }
            link rel="icon" href="data:,";
            (stylesheet())
            @if let Some(src) = script { script src=(src) defer {} }
        }
    }
}

/// The words of the shell around a page's content, in the page's language.
pub struct ShellWords<'a> {
    /// The `lang` of the page (`en`, `de`, …).
    pub lang: &'a str,
    pub skip_link: &'a str,
    pub badge: &'a str,
    pub footer: &'a str,
}

impl ShellWords<'static> {
    pub const ENGLISH: ShellWords<'static> = ShellWords {
        lang: "en",
        skip_link: "Skip to main content",
        badge: "Emulated",
        footer:
            "Partner Center emulator — not Microsoft: a local stand-in for tests that talks to no Microsoft service.",
    };
}

/// The bar at the top of every page: the product (a link to its home, unless the page stands
/// alone), the *Emulated* badge, then either links (the API reference's) or who is signed in.
pub fn top_bar(
    brand: &Brand,
    linked: bool,
    account: Option<&Account>,
    links: &[NavLink],
    current: Option<&str>,
) -> Markup {
    top_bar_in(brand, linked, account, links, current, ShellWords::ENGLISH.badge)
}

fn top_bar_in(
    brand: &Brand,
    linked: bool,
    account: Option<&Account>,
    links: &[NavLink],
    current: Option<&str>,
    badge: &str,
) -> Markup {
    html! {
        header.topbar {
            div.product {
                @if linked { a.brand href=(brand.home) { (brand.name) } } @else { span.brand { (brand.name) } }
                span.badge { (badge) }
            }
            @if !links.is_empty() {
                nav aria-label="Emulator" {
                    ul.links { @for link in links { li { (nav_link(link, current)) } } }
                }
            }
            @if let Some(account) = account {
                form.account method="post" action=(account.sign_out) {
                    input type="hidden" name="csrf" value=(account.csrf);
                    span.who { (account.name) }
                    button.signout type="submit" { "Sign out" }
                }
            }
        }
    }
}

fn nav_link(link: &NavLink, current: Option<&str>) -> Markup {
    let is_current = current == Some(link.href);
    html! { a href=(link.href) aria-current=[is_current.then_some("page")] { (link.label) } }
}

/// What every page ends with: whose pages these are; on a site's pages, the way to the emulator's own.
fn footer(links: bool, words: &ShellWords) -> Markup {
    html! {
        footer.site-footer {
            p {
                (words.footer)
                @if links { " " a href="/" { "Emulator home" } " · " a href="/_emulator/docs" { "API reference" } }
            }
        }
    }
}

/// A page of a site: top bar, navigation (when there is any), main, footer.
pub fn full(chrome: &Chrome, content: Content) -> Markup {
    let frame = if chrome.nav.is_empty() { "frame alone" } else { "frame" };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(&content.title, chrome.brand, chrome.script))
            body.kit {
                a.skip-link href="#main" { "Skip to main content" }
                (top_bar(chrome.brand, true, chrome.account.as_ref(), &[], None))
                div class=(frame) {
                    @if !chrome.nav.is_empty() {
                        nav.sidenav aria-label=(chrome.brand.name) {
                            ul { @for link in chrome.nav { li { (nav_link(link, chrome.current)) } } }
                        }
                    }
                    main id="main" tabindex="-1" { (content.body) }
                }
                (footer(true, &ShellWords::ENGLISH))
            }
        }
    }
}

/// A page that stands alone, framed or not: the product and the content, no navigation.
pub fn compact(brand: &Brand, content: Content) -> Markup {
    compact_in(brand, &ShellWords::ENGLISH, content)
}

/// A page that stands alone (see [`compact`]) in the language of `words`.
pub fn compact_in(brand: &Brand, words: &ShellWords, content: Content) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(words.lang) {
            (head(&content.title, brand, None))
            body.kit {
                a.skip-link href="#main" { (words.skip_link) }
                (top_bar_in(brand, false, None, &[], None, words.badge))
                div.frame.compact { main id="main" tabindex="-1" { (content.body) } }
                (footer(false, words))
            }
        }
    }
}

/// A head for a page drawn by another renderer (the API reference): the title and the stylesheet,
/// of which it uses the top bar.
pub fn head_only(title: &str, brand: &Brand) -> Markup {
    head(title, brand, None)
}
