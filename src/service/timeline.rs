//! The service date: which of Partner Center's milestones are in force. It follows the emulator
//! clock's day unless a date is pinned: in the database (the control plane; every replica reads
//! it, and it survives clock changes), or else by configuration (`--service-date`), which a
//! reset restores.

use chrono::NaiveDate;

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::clock;
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
    /// The partner persona's own setting (`?partnerTenantId=` on the control plane).
    Partner,
}

impl SettingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ControlPlane => "controlPlane",
            Self::Configuration => "configuration",
            Self::Default => "default",
            Self::Partner => "partner",
        }
    }
}

/// The service date and how it was chosen.
pub struct Timeline {
    pub service_date: ServiceDate,
    pub setting: ServiceDateSetting,
    pub source: SettingSource,
    pub configured: Option<NaiveDate>,
    /// The partner persona whose view this is (`?partnerTenantId=`); None for the emulator's.
    pub partner_tenant_id: Option<String>,
}

impl Timeline {
    /// Every milestone with whether it is in force.
    pub fn milestones(&self) -> Vec<(Milestone, bool)> {
        Milestone::ALL.into_iter().map(|m| (m, self.service_date.in_force(m))).collect()
    }
}

/// The service date now: the rules in force for this request.
pub async fn service_date(ctx: &AppContext) -> ServiceResult<ServiceDate> {
    let (setting, _) = setting_in_force(ctx).await?;
    Ok(setting.service_date(ctx.clock.now().await?))
}

pub async fn timeline(ctx: &AppContext) -> ServiceResult<Timeline> {
    let (setting, source) = setting_in_force(ctx).await?;
    let service_date = setting.service_date(ctx.clock.now().await?);
    let partner_tenant_id = clock::current_partner();
    Ok(Timeline { service_date, setting, source, configured: ctx.config.service_date, partner_tenant_id })
}

/// The setting in force and where it comes from: the partner's own, the control plane's, the
/// configuration's, or none (the clock's day).
async fn setting_in_force(ctx: &AppContext) -> ServiceResult<(ServiceDateSetting, SettingSource)> {
    let configured = ctx.config.service_date;
    let readable = |stored: &str| {
        ServiceDateSetting::parse(stored)
            .ok_or_else(|| ServiceError::Internal(format!("stored service date '{stored}' is not readable")))
    };
    let times = match clock::with_current_partner(|p| p.is_some()) {
        true => Some(ctx.store.partner_times().await?),
        false => None,
    };
    let own = times.as_ref().filter(|t| !t.is_empty()).and_then(|times| {
        clock::with_current_partner(|p| p.and_then(|p| times.get(p)).and_then(|t| t.service_date.clone()))
    });
    Ok(match (own, ctx.store.service_date_setting().await?) {
        (Some(stored), _) => (readable(&stored)?, SettingSource::Partner),
        (None, Some(stored)) => (readable(&stored)?, SettingSource::ControlPlane),
        (None, None) => match configured {
            Some(date) => (ServiceDateSetting::Pinned(date), SettingSource::Configuration),
            None => (ServiceDateSetting::FollowClock, SettingSource::Default),
        },
    })
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
    match clock::current_partner() {
        // A partner's reset goes back to the emulator's setting.
        Some(partner) => ctx.store.set_partner_service_date(&partner, stored.as_deref()).await?,
        None => ctx.store.set_service_date_setting(stored.as_deref()).await?,
    }
    timeline(ctx).await
}
