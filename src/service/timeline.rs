//! The service date: which of Partner Center's milestones are in force. It follows the emulator
//! clock's day unless a date is pinned: in the database (the control plane; every replica reads
//! it, and it survives clock changes), or else by configuration (`--service-date`), which a
//! reset restores.

use chrono::NaiveDate;

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::domain::timeline::{parse_date, Milestone, ServiceDate, ServiceDateSetting};

/// Where the setting in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingSource {
    /// Set through the control plane.
    ControlPlane,
    /// `--service-date` (`PCE_SERVICE_DATE`).
    Configuration,
    /// Nothing set: the emulator clock's day.
    Default,
}

impl SettingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ControlPlane => "controlPlane",
            Self::Configuration => "configuration",
            Self::Default => "default",
        }
    }
}

/// The service date and how it was chosen.
pub struct Timeline {
    pub service_date: ServiceDate,
    pub setting: ServiceDateSetting,
    pub source: SettingSource,
    pub configured: Option<NaiveDate>,
}

impl Timeline {
    /// Every milestone with whether it is in force.
    pub fn milestones(&self) -> Vec<(Milestone, bool)> {
        Milestone::ALL.into_iter().map(|m| (m, self.service_date.in_force(m))).collect()
    }
}

/// The service date now: the rules in force for this request.
pub async fn service_date(ctx: &AppContext) -> ServiceResult<ServiceDate> {
    Ok(timeline(ctx).await?.service_date)
}

pub async fn timeline(ctx: &AppContext) -> ServiceResult<Timeline> {
    let configured = ctx.config.service_date;
    let (setting, source) = match ctx.store.service_date_setting().await? {
        Some(stored) => {
            let setting = ServiceDateSetting::parse(&stored)
                .ok_or_else(|| ServiceError::Internal(format!("stored service date '{stored}' is not readable")))?;
            (setting, SettingSource::ControlPlane)
        }
        None => match configured {
            Some(date) => (ServiceDateSetting::Pinned(date), SettingSource::Configuration),
            None => (ServiceDateSetting::FollowClock, SettingSource::Default),
        },
    };
    let service_date = setting.service_date(ctx.clock.now().await?);
    Ok(Timeline { service_date, setting, source, configured })
}

/// What a client asks of the service date.
pub enum ServiceDateChange {
    /// Pin this date (`YYYY-MM-DD` as sent).
    Pin(String),
    /// Follow the emulator clock's day, whatever the configuration says.
    FollowClock,
    /// Back to the configured value (or the clock's day when none is configured).
    Reset,
}

pub async fn change_service_date(ctx: &AppContext, change: ServiceDateChange) -> ServiceResult<Timeline> {
    let stored = match change {
        ServiceDateChange::Pin(raw) => {
            let date = parse_date(&raw).ok_or_else(|| {
                ServiceError::Validation(vec![format!("date: '{raw}' is not a date YYYY-MM-DD between 1900 and 9999")])
            })?;
            Some(ServiceDateSetting::Pinned(date).as_stored())
        }
        ServiceDateChange::FollowClock => Some(ServiceDateSetting::FollowClock.as_stored()),
        ServiceDateChange::Reset => None,
    };
    ctx.store.set_service_date_setting(stored.as_deref()).await?;
    timeline(ctx).await
}
