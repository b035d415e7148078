//! Dates and times on pages, as people of the page's language read them — "6 December 2026",
//! "6. Dezember 2026", "2026年12月6日" — inside a `<time>` element that carries the exact instant
//! (machine-readable, and in the `title` as UTC for a pointer to hover). One place for every page
//! of every site: a page never shows an ISO timestamp with milliseconds to a person.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use maud::{html, Markup};

use crate::domain::time::render_timestamp;

/// The languages pages speak (the six the dashboard's Add customer offers); any other shows
/// English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Es,
    Fr,
    It,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Es, Lang::Fr, Lang::It, Lang::Ja];

    /// The language of a tag (`de`, `de-DE`, `DE-at`); English for any other.
    pub fn of(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "de" => Lang::De,
            "es" => Lang::Es,
            "fr" => Lang::Fr,
            "it" => Lang::It,
            "ja" => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// The tag for `<html lang>` and `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::It => "it",
            Lang::Ja => "ja",
        }
    }

    fn month(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const DE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const IT: [&str; 12] = [
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ];
        let names = match self {
            Lang::En | Lang::Ja => &EN,
            Lang::De => &DE,
            Lang::Es => &ES,
            Lang::Fr => &FR,
            Lang::It => &IT,
        };
        names[(month.clamp(1, 12) - 1) as usize]
    }
}

/// A calendar day as the language writes it.
pub fn day_text(day: NaiveDate, lang: Lang) -> String {
    let (d, m, y) = (day.day(), day.month(), day.year());
    match lang {
        Lang::En => format!("{d} {} {y}", lang.month(m)),
        Lang::De => format!("{d}. {} {y}", lang.month(m)),
        Lang::Es => format!("{d} de {} de {y}", lang.month(m)),
        Lang::Fr | Lang::It => format!("{d} {} {y}", lang.month(m)),
        Lang::Ja => format!("{y}年{m}月{d}日"),
    }
}

/// An instant as the language writes it, to the minute, in UTC.
pub fn instant_text(at: DateTime<Utc>, lang: Lang) -> String {
    let day = day_text(at.date_naive(), lang);
    let (h, min) = (at.hour(), at.minute());
    match lang {
        Lang::En => format!("{day}, {h:02}:{min:02} UTC"),
        Lang::De => format!("{day}, {h:02}:{min:02} UTC"),
        Lang::Es | Lang::It => format!("{day}, {h:02}:{min:02} UTC"),
        Lang::Fr => format!("{day} à {h:02}:{min:02} UTC"),
        Lang::Ja => format!("{day} {h:02}:{min:02} UTC"),
    }
}

/// A day on a page: `<time datetime="2026-12-06">6 December 2026</time>`.
pub fn day(day: NaiveDate, lang: Lang) -> Markup {
    html! { time datetime=(day.to_string()) { (day_text(day, lang)) } }
}

/// The day of an instant on a page, with the exact instant in the element and its title.
pub fn date(at: DateTime<Utc>, lang: Lang) -> Markup {
    let exact = render_timestamp(at);
    html! { time datetime=(exact) title=(exact) { (day_text(at.date_naive(), lang)) } }
}

/// An instant on a page, to the minute, with the exact instant in the element and its title.
pub fn instant(at: DateTime<Utc>, lang: Lang) -> Markup {
    let exact = render_timestamp(at);
    html! { time datetime=(exact) title=(exact) { (instant_text(at, lang)) } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_are_written_as_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let written: Vec<String> = Lang::ALL.iter().map(|l| day_text(day, *l)).collect();
        assert_eq!(
            written,
            [
                "6 December 2026",
                "6. Dezember 2026",
                "6 de diciembre de 2026",
                "6 décembre 2026",
                "6 dicembre 2026",
                "2026年12月6日"
            ]
        );
    }

    #[test]
    fn instants_carry_their_exact_value_and_read_to_the_minute() {
        let at = Utc.with_ymd_and_hms(2025, 5, 20, 9, 5, 7).unwrap();
        let markup = instant(at, Lang::En).into_string();
        assert!(markup.contains(r#"datetime="2025-05-20T09:05:07"#), "{markup}");
        assert!(markup.contains(">20 May 2025, 09:05 UTC</time>"), "{markup}");
        assert_eq!(instant_text(at, Lang::Fr), "20 mai 2025 à 09:05 UTC");
    }

    #[test]
    fn language_tags_choose_the_language() {
        assert_eq!(Lang::of("de-DE"), Lang::De);
        assert_eq!(Lang::of("JA"), Lang::Ja);
        assert_eq!(Lang::of("pt-BR"), Lang::En);
        assert_eq!(Lang::of(""), Lang::En);
    }
}
