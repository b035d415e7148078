//! Timestamps on the wire: accept any RFC 3339 offset and precision, render UTC with milliseconds.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// What `parse_timestamp` reads, for the messages that refuse anything else.
pub const TIMESTAMP_FORM: &str =
    "an ISO 8601 date-time in the years 1900 to 9999, such as 2026-03-01T12:00:00Z (second 60, a leap second, is not accepted)";

/// Timestamps from clients are read for the years 1900 to 9999: every backend stores those, and
/// nothing about an agreement happened earlier. A leap second (second 60) is refused: the
/// emulator would have to echo an instant that .NET's `DateTime`, Java's `Instant` and
/// JavaScript's `Date` cannot read, and the two backends would store it differently.
pub fn parse_timestamp(value: &str) -> Option<DateTime<Utc>> {
    parse_any_timestamp(value)
        .filter(|t| (1900..=9999).contains(&chrono::Datelike::year(t)))
        .filter(|t| chrono::Timelike::nanosecond(t) < 1_000_000_000)
}

fn parse_any_timestamp(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    // A bare date or a date-time without offset is read as UTC (the docs say "UTC date-time").
    let value = value.trim();
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// The last instant the emulator writes: 9999-12-31T23:59:59.999Z, the end of the documented
/// format's range (a four-digit year, milliseconds).
pub fn last_instant() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(253_402_300_799_999).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t` plus `by`, capped at [`last_instant`]: every date the emulator computes from its clock (an
/// expiry, a lock, a delivery time) stays in the documented format, on both backends, even when
/// the clock is set to the last minutes of 9999.
pub fn later(t: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    t.checked_add_signed(by).map_or(last_instant(), |later| later.min(last_instant()))
}

pub fn render_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde helper: render `DateTime<Utc>` as `YYYY-MM-DDTHH:MM:SS.fffZ`.
pub mod wire {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::render_timestamp(*t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_computed_from_the_clock_stop_at_the_end_of_9999() {
        assert_eq!(render_timestamp(last_instant()), "9999-12-31T23:59:59.999Z");
        let late = parse_timestamp("9999-12-31T23:50:00Z").unwrap();
        assert_eq!(later(late, Duration::days(30)), last_instant());
        assert_eq!(later(late, Duration::minutes(5)), late + Duration::minutes(5));
        assert_eq!(later(DateTime::<Utc>::MAX_UTC, Duration::days(1)), last_instant());
    }

    #[test]
    fn accepts_dotnet_seven_digit_fractions_and_offsets() {
        let t = parse_timestamp("2026-03-01T10:00:00.1234567Z").unwrap();
        assert_eq!(render_timestamp(t), "2026-03-01T10:00:00.123Z");
        let t = parse_timestamp("2026-03-01T12:00:00+02:00").unwrap();
        assert_eq!(render_timestamp(t), "2026-03-01T10:00:00.000Z");
        assert_eq!(render_timestamp(parse_timestamp("2026-03-01").unwrap()), "2026-03-01T00:00:00.000Z");
        assert!(parse_timestamp("yesterday").is_none());
        assert!(parse_timestamp("-5000-01-01T00:00:00").is_none());
        assert!(parse_timestamp("1899-12-31T23:59:59Z").is_none());
    }

    #[test]
    fn a_leap_second_is_refused_in_every_form() {
        assert!(parse_timestamp("2016-12-31T23:59:60Z").is_none());
        assert!(parse_timestamp("2016-12-31T23:59:60.500Z").is_none());
        assert!(parse_timestamp("2017-01-01T00:59:60+01:00").is_none());
        assert!(parse_timestamp("2016-12-31T23:59:60").is_none());
        assert!(parse_timestamp("2016-12-31T23:59:59.999Z").is_some());
    }
}
