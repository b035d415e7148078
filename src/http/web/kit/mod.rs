//! The web kit: what every page of the emulator is built from, so that a page is a function that
//! returns its content ([`layout::Content`]) and the rest is said once. One shell (`layout`), one
//! stylesheet (`style.css`, in Fluent 2's look) and the pieces pages share (`parts`: a list under
//! its command bar, a wizard's steps); one response with its security headers (`page`); for the
//! sites people sign in to, one description (`site`), one session mechanism (`session`) and
//! sign-in (`sign_in`); one CSRF scheme (`csrf`); forms (`forms`) and cookies (`cookies`) read one
//! way; one way to word a refusal (`refusal`) and one page that says it (`message`); dates as
//! people of the page's language read them (`dates`).

pub mod cookies;
pub mod csrf;
pub mod dates;
pub mod forms;
pub mod layout;
pub mod message;
pub mod page;
pub mod parts;
pub mod refusal;
pub mod session;
pub mod sign_in;
pub mod site;
pub mod style;
