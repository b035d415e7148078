//! A site people sign in to — the admin center, the dashboard — described once: its product, where
//! its pages live, its cookies and its sign-in page. The kit's sessions, sign-in, messages and
//! return URLs work from this description alone.

use maud::Markup;

use super::layout::{Brand, Chrome};
use super::refusal::Wording;

pub struct Site {
    pub brand: Brand,
    /// Every page of the site is under this path (`/AdminPortal/`).
    pub prefix: &'static str,
    /// What a link back to the site's home says ("Go to your customers").
    pub home_label: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    /// The cookie that carries the session.
    pub session_cookie: &'static str,
    /// The sign-in form's double-submit cookie.
    pub sign_in_cookie: &'static str,
    pub sign_in_heading: &'static str,
    /// The sentence under the sign-in page's heading.
    pub sign_in_intro: fn() -> Markup,
    /// What the page for a path the site does not serve adds to "no page at …".
    pub not_found_note: Option<&'static str>,
    /// A script the site's pages load.
    pub script: Option<&'static str>,
    /// How the site's pages word a refusal.
    pub wording: Wording,
}

impl Site {
    /// Where to go after signing in: `candidate` when it is a page of this site — under its
    /// prefix, with no control character and no backslash (browsers drop tabs and newlines, so
    /// `/\t/evil` would become `//evil`, and read `\` as `/`) — else the site's home.
    pub fn safe_return_url(&self, candidate: Option<&str>) -> String {
        match candidate {
            Some(url) if url.starts_with(self.prefix) && !url.contains('\\') && !url.chars().any(char::is_control) => {
                url.to_string()
            }
            _ => self.brand.home.to_string(),
        }
    }

    /// The chrome of someone not signed in.
    pub fn visitor(&self) -> Chrome<'_> {
        Chrome::visitor(&self.brand, self.script)
    }
}
