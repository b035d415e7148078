//! Partner Center's timeline: the milestones at which its rules changed, and the service date
//! the emulator answers as of. Every rule that changed over time asks a [`ServiceDate`]; nothing
//! else in the emulator compares dates with the milestones.

use chrono::{DateTime, NaiveDate, Utc};

/// A change of Partner Center's rules, in force from 00:00Z of its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The Microsoft Customer Agreement was refreshed.
    McaRefreshed,
    /// Enhanced attestation became generally available.
    EnhancedAttestationAvailable,
    /// The 2023 attestation (without an attestation object) was retired.
    LegacyAttestationRetired,
    /// App+User calls must carry an MFA claim.
    MfaRequired,
}

impl Milestone {
    pub const ALL: [Milestone; 4] = [
        Milestone::McaRefreshed,
        Milestone::EnhancedAttestationAvailable,
        Milestone::LegacyAttestationRetired,
        Milestone::MfaRequired,
    ];

    pub fn date(self) -> NaiveDate {
        let (y, m, d) = match self {
            Milestone::McaRefreshed => (2023, 4, 1),
            Milestone::EnhancedAttestationAvailable => (2025, 7, 10),
            Milestone::LegacyAttestationRetired => (2026, 1, 5),
            Milestone::MfaRequired => (2026, 4, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).expect("milestone dates are valid")
    }

    /// The first instant the milestone is in force.
    pub fn start(self) -> DateTime<Utc> {
        self.date().and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
    }

    pub fn name(self) -> &'static str {
        match self {
            Milestone::McaRefreshed => "McaRefreshed",
            Milestone::EnhancedAttestationAvailable => "EnhancedAttestationAvailable",
            Milestone::LegacyAttestationRetired => "LegacyAttestationRetired",
            Milestone::MfaRequired => "MfaRequired",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Milestone::McaRefreshed => {
                "The Microsoft Customer Agreement was refreshed. Once the 2023 attestation is retired, an \
                 acceptance dated before this day no longer lets a customer buy: the customer must accept again."
            }
            Milestone::EnhancedAttestationAvailable => {
                "Enhanced attestation is generally available: POST /v1/attestations/enhanced, the customer's \
                 acceptance page, and agreements created with an attestationId."
            }
            Milestone::LegacyAttestationRetired => {
                "The 2023 attestation is retired: POST /v1/customers/{id}/agreements without an attestationId \
                 is refused. Earlier confirmations stay valid and visible."
            }
            Milestone::MfaRequired => {
                "Every App+User call must carry an MFA claim (amr contains mfa); without it: 401, code 900421. \
                 App-only calls are exempt."
            }
        }
    }
}

/// The date the emulator answers as Partner Center did on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceDate(NaiveDate);

impl ServiceDate {
    pub fn new(date: NaiveDate) -> Self {
        Self(date)
    }

    /// The service date of a clock reading `now`: its UTC day.
    pub fn of(now: DateTime<Utc>) -> Self {
        Self(now.date_naive())
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    pub fn in_force(self, milestone: Milestone) -> bool {
        self.0 >= milestone.date()
    }

    /// The 2023 attestation (a confirmation without an attestation object) is still open.
    pub fn legacy_attestation_open(self) -> bool {
        !self.in_force(Milestone::LegacyAttestationRetired)
    }

    pub fn enhanced_attestation_available(self) -> bool {
        self.in_force(Milestone::EnhancedAttestationAvailable)
    }

    pub fn mfa_required(self) -> bool {
        self.in_force(Milestone::MfaRequired)
    }

    /// Whether an acceptance of the agreement dated `date_agreed` still counts: once the 2023
    /// attestation is retired, one from before the agreement's refresh does not.
    pub fn acceptance_counts(self, date_agreed: DateTime<Utc>) -> bool {
        self.legacy_attestation_open() || !before_refresh(date_agreed)
    }
}

/// Whether an acceptance is of the agreement as it was before its 2023 refresh.
pub fn before_refresh(date_agreed: DateTime<Utc>) -> bool {
    date_agreed < Milestone::McaRefreshed.start()
}

/// How the service date is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceDateSetting {
    /// The emulator clock's day.
    FollowClock,
    /// A fixed date, whatever the clock says.
    Pinned(NaiveDate),
}

impl ServiceDateSetting {
    /// As stored: `clock` or an ISO date.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "clock" => Some(Self::FollowClock),
            date => parse_date(date).map(Self::Pinned),
        }
    }

    pub fn as_stored(self) -> String {
        match self {
            Self::FollowClock => "clock".to_string(),
            Self::Pinned(date) => date.format("%Y-%m-%d").to_string(),
        }
    }

    /// The service date this setting gives when the emulator clock reads `now`.
    pub fn service_date(self, now: DateTime<Utc>) -> ServiceDate {
        match self {
            Self::FollowClock => ServiceDate::of(now),
            Self::Pinned(date) => ServiceDate::new(date),
        }
    }
}

/// A calendar date `YYYY-MM-DD`, years 1900 to 9999 like every other date the emulator reads.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()?;
    (1900..=9999).contains(&chrono::Datelike::year(&date)).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> ServiceDate {
        ServiceDate::new(parse_date(s).unwrap())
    }

    #[test]
    fn each_milestone_is_in_force_from_its_own_day_and_not_the_day_before() {
        for m in Milestone::ALL {
            let date = m.date();
            assert!(ServiceDate::new(date).in_force(m), "{m:?} on its day");
            assert!(!ServiceDate::new(date.pred_opt().unwrap()).in_force(m), "{m:?} the day before");
        }
        assert!(day("2026-01-04").legacy_attestation_open());
        assert!(!day("2026-01-05").legacy_attestation_open());
        assert!(!day("2025-07-09").enhanced_attestation_available());
        assert!(day("2025-07-10").enhanced_attestation_available());
        assert!(!day("2026-03-31").mfa_required());
        assert!(day("2026-04-01").mfa_required());
    }

    #[test]
    fn acceptances_from_before_the_refresh_stop_counting_when_the_2023_attestation_retires() {
        let old = "2023-03-31T23:59:59Z".parse().unwrap();
        let refreshed = "2023-04-01T00:00:00Z".parse().unwrap();
        assert!(day("2026-01-04").acceptance_counts(old));
        assert!(!day("2026-01-05").acceptance_counts(old));
        assert!(day("2026-01-05").acceptance_counts(refreshed));
        assert!(before_refresh(old) && !before_refresh(refreshed));
    }

    #[test]
    fn a_setting_follows_the_clock_or_pins_a_day() {
        let now = "2026-12-02T23:30:00-02:00".parse().unwrap();
        assert_eq!(ServiceDateSetting::FollowClock.service_date(now), day("2026-12-03"), "the clock's UTC day");
        let pinned = ServiceDateSetting::parse("2025-03-01").unwrap();
        assert_eq!(pinned.service_date(now), day("2025-03-01"));
        assert_eq!(pinned.as_stored(), "2025-03-01");
        assert_eq!(ServiceDateSetting::parse("clock"), Some(ServiceDateSetting::FollowClock));
        assert_eq!(ServiceDateSetting::parse("2025-02-30"), None);
        assert_eq!(ServiceDateSetting::parse("0999-01-01"), None);
        assert_eq!(ServiceDateSetting::parse("yesterday"), None);
    }
}
