//! The countries and languages of the Microsoft Customer Agreement document
//! (`agreement-document-locales.csv`, 246 countries), and the language fallback rule.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("agreement-document-locales.csv");
pub const DEFAULT_COUNTRY: &str = "US";
pub const DEFAULT_LANGUAGE: &str = "en-US";

pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    pub languages: Vec<&'static str>,
}

fn countries() -> &'static HashMap<&'static str, Country> {
    static TABLE_BY_CODE: OnceLock<HashMap<&'static str, Country>> = OnceLock::new();
    TABLE_BY_CODE.get_or_init(|| {
        TABLE
            .lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                // code,name (may contain commas),"lang lang ..."
                let (code, rest) = line.split_once(',').expect("locale table: code");
                let quote = rest.rfind(",\"").expect("locale table: languages");
                let languages = rest[quote + 2..].trim_end().trim_end_matches('"');
                let country = Country { code, name: &rest[..quote], languages: languages.split_whitespace().collect() };
                (code, country)
            })
            .collect()
    })
}

/// Every country, sorted by English name as a reader expects: accents folded and case ignored
/// (Åland Islands among the A's, Côte d'Ivoire before Croatia), without a collation library.
pub fn all_countries() -> Vec<&'static Country> {
    let mut all: Vec<&'static Country> = countries().values().collect();
    all.sort_by_cached_key(|c| (sort_key(c.name), c.name));
    all
}

/// A name as it sorts: Latin letters with their accents taken off, lower case, and what is not a
/// letter or a digit left out (so "Côte d'Ivoire" sorts as "cotedivoire").
pub fn sort_key(name: &str) -> String {
    name.chars().flat_map(fold).filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// One character with its accent taken off (the Latin-1 and Latin Extended-A letters country
/// names use); a ligature becomes its two letters.
fn fold(c: char) -> Vec<char> {
    const TABLE: &[(&str, &str)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", "A"),
        ("àáâãäåāăą", "a"),
        ("ÇĆĈĊČ", "C"),
        ("çćĉċč", "c"),
        ("ĎĐ", "D"),
        ("ďđ", "d"),
        ("ÈÉÊËĒĔĖĘĚ", "E"),
        ("èéêëēĕėęě", "e"),
        ("ĜĞĠĢ", "G"),
        ("ĝğġģ", "g"),
        ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("ìíîïĩīĭįı", "i"),
        ("ŁĹĻĽ", "L"),
        ("łĺļľ", "l"),
        ("ÑŃŅŇ", "N"),
        ("ñńņň", "n"),
        ("ÒÓÔÕÖØŌŎŐ", "O"),
        ("òóôõöøōŏő", "o"),
        ("ŔŖŘ", "R"),
        ("ŕŗř", "r"),
        ("ŚŜŞŠ", "S"),
        ("śŝşšß", "s"),
        ("ŢŤ", "T"),
        ("ţť", "t"),
        ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
        ("ùúûüũūŭůűų", "u"),
        ("ÝŸ", "Y"),
        ("ýÿ", "y"),
        ("ŹŻŽ", "Z"),
        ("źżž", "z"),
    ];
    match c {
        'Æ' => vec!['A', 'E'],
        'æ' => vec!['a', 'e'],
        'Œ' => vec!['O', 'E'],
        'œ' => vec!['o', 'e'],
        _ => match TABLE.iter().find(|(from, _)| from.contains(c)) {
            Some((_, to)) => to.chars().collect(),
            None => vec![c],
        },
    }
}

/// Whether `text` is shaped as a language tag (BCP 47, the subtags Partner Center's cultures use):
/// a language of two or three letters, then an optional script of four letters and a country or
/// region of two letters or three digits (required when `region_required`: a culture such as
/// `en-US` or `zh-Hans-CN`), in any letter case. Whether the language is one Microsoft offers is not
/// judged: only text that can be no language (`!!`, `not a culture`) is refused.
pub fn is_language_tag(text: &str, region_required: bool) -> bool {
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let mut subtags = text.split('-').peekable();
    if !subtags.next().is_some_and(|language| letters(language, 2..=3)) {
        return false;
    }
    if subtags.peek().is_some_and(|script| letters(script, 4..=4)) {
        subtags.next();
    }
    let region = match subtags.next() {
        Some(region) => letters(region, 2..=2) || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit())),
        None => !region_required,
    };
    region && subtags.next().is_none()
}

pub fn country_count() -> usize {
    countries().len()
}

pub fn country(code: &str) -> Option<&'static Country> {
    countries().get(code)
}

#[derive(Debug, PartialEq, Eq)]
pub struct DocumentLocale {
    pub country: &'static str,
    pub language: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub enum LocaleError {
    UnknownCountry(String),
}

/// Resolve the effective (country, language) of the agreement document.
/// Country defaults to US and must be a known code (case-sensitive); language defaults to en-US
/// and falls back to en-US when the country does not offer it (also case-sensitive).
pub fn resolve_document_locale(
    country_code: Option<&str>,
    language: Option<&str>,
) -> Result<DocumentLocale, LocaleError> {
    let code = country_code.filter(|c| !c.is_empty()).unwrap_or(DEFAULT_COUNTRY);
    let country = country(code).ok_or_else(|| LocaleError::UnknownCountry(code.to_string()))?;
    let wanted = language.filter(|l| !l.is_empty()).unwrap_or(DEFAULT_LANGUAGE);
    let language = country.languages.iter().copied().find(|l| *l == wanted).unwrap_or(DEFAULT_LANGUAGE);
    Ok(DocumentLocale { country: country.code, language })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_culture_is_a_language_and_a_region_and_a_language_may_go_without() {
        for culture in ["en-US", "EN-us", "zh-Hans-CN", "es-419", "fil-PH"] {
            assert!(is_language_tag(culture, true), "{culture}");
            assert!(is_language_tag(culture, false), "{culture}");
        }
        for language in ["en", "DE", "fil", "zh-Hans"] {
            assert!(is_language_tag(language, false), "{language}");
            assert!(!is_language_tag(language, true), "{language} names no region");
        }
        for nonsense in ["", "!!", "not a culture", "klingon", "xx-klingon", "en-", "-US", "en-US-x", "en_US", "e1-US"]
        {
            assert!(!is_language_tag(nonsense, false), "{nonsense}");
            assert!(!is_language_tag(nonsense, true), "{nonsense}");
        }
    }

    #[test]
    fn countries_sort_by_english_name_with_accents_folded() {
        let names: Vec<&str> = all_countries().iter().map(|c| c.name).collect();
        let at = |code: &str| names.iter().position(|n| *n == country(code).unwrap().name).unwrap();
        assert!(at("AX") < at("AL"), "Åland Islands before Albania: {names:?}");
        assert!(at("CI") < at("HR") && at("HR") < at("CZ"), "Côte d'Ivoire, Croatia, Czechia");
        assert_eq!(sort_key("Côte d'Ivoire"), "cotedivoire");
    }

    #[test]
    fn table_has_all_246_countries_and_each_offers_english() {
        assert_eq!(country_count(), 246);
        assert!(countries().values().all(|c| c.languages.contains(&"en-US")));
        assert_eq!(country("SH").unwrap().name, "St Helena, Ascension, Tristan da Cunha");
    }

    #[test]
    fn defaults_are_us_english() {
        assert_eq!(resolve_document_locale(None, None), Ok(DocumentLocale { country: "US", language: "en-US" }));
    }

    #[test]
    fn supported_language_is_kept_and_unsupported_falls_back() {
        assert_eq!(resolve_document_locale(Some("AT"), Some("de-DE")).unwrap().language, "de-DE");
        assert_eq!(resolve_document_locale(Some("AT"), Some("fr-FR")).unwrap().language, "en-US");
        // case-sensitive codes
        assert_eq!(resolve_document_locale(Some("AT"), Some("de-de")).unwrap().language, "en-US");
        assert_eq!(resolve_document_locale(Some("at"), None), Err(LocaleError::UnknownCountry("at".into())));
    }
}
