//! Pieces pages are made of, beyond plain HTML: a list as a table under its command bar, a
//! wizard's steps.

use maud::{html, Markup};

use crate::domain::contact::Contact;

/// The bar above a list: its commands, then (at the far end) its search.
pub fn command_bar(commands: Markup, search: Markup) -> Markup {
    html! {
        div.commandbar {
            div.commands { (commands) }
            (search)
        }
    }
}

/// A list as a table: `caption` said to screen readers, a header per column, then `rows`
/// (`tr` elements).
pub fn grid(caption: &str, columns: &[&str], rows: Markup) -> Markup {
    html! {
        div.grid {
            table {
                caption.visually-hidden { (caption) }
                thead { tr { @for column in columns { th scope="col" { (column) } } } }
                tbody { (rows) }
            }
        }
    }
}

/// A wizard's steps, numbered in order: those before `current` (from 0) done, `current` marked
/// as the step the page is (`aria-current="step"`).
pub fn steps(label: &str, names: &[&str], current: usize) -> Markup {
    html! {
        ol.steps aria-label=(label) {
            @for (i, name) in names.iter().enumerate() {
                li class=[(i < current).then_some("done")] aria-current=[(i == current).then_some("step")] {
                    span.number aria-hidden="true" { (i + 1) }
                    span.visually-hidden { "Step " (i + 1) ": " }
                    (name)
                    @if i < current { span.visually-hidden { " (done)" } }
                }
            }
        }
    }
}

/// Who accepted, as recorded: the name, then the email and, when one was given, the phone number,
/// each on a line of its own.
pub fn person(contact: &Contact) -> Markup {
    html! {
        (contact.first_name) " " (contact.last_name) br; (contact.email)
        @if let Some(phone) = &contact.phone_number { br; (phone) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_step_is_marked_and_those_before_it_done() {
        let markup = steps("Steps", &["One", "Two", "Three"], 1).into_string();
        assert_eq!(markup.matches("aria-current=\"step\"").count(), 1);
        let two = markup.find("aria-current").unwrap();
        assert!(markup[two..].contains("Two") && !markup[two..].contains("One"));
        assert_eq!(markup.matches("class=\"done\"").count(), 1);
    }
}
