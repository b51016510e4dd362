//! When schedules fire next: previews of a schedule or of a timing not
//! saved yet, a schedule's next firings as shown, and the stored next due
//! instants kept right when a server's zone or quiet time changes.

use chrono_tz::Tz;

use super::ScheduleView;
use crate::app::settings::Caller;
use crate::app::{App, AppError, UserError};
use crate::domain::firings::{next_due, Firing, Quiet, Window};
use crate::domain::schedule::{Schedule, ScheduleState};
use crate::domain::server::ServerSettings;
use crate::domain::spec::ScheduleSpec;
use crate::domain::zone::parse_zone;
use crate::domain::ScheduleId;

/// How many firings a preview may show.
pub const MAX_PREVIEW: usize = 25;

impl App {
    /// The next `count` firings of a schedule of the server.
    pub async fn preview_schedule(
        &self,
        caller: &Caller,
        id: ScheduleId,
        count: usize,
    ) -> Result<ScheduleView, AppError> {
        let settings = self.authorize(caller).await?;
        let schedule = self.own_schedule(caller, id).await?;
        self.view(&settings, schedule, count.clamp(1, MAX_PREVIEW))
    }

    /// The next `count` firings of a spec not saved yet.
    pub async fn preview_spec(
        &self,
        caller: &Caller,
        when: &str,
        zone: Option<&str>,
        count: usize,
    ) -> Result<(ScheduleSpec, Tz, Vec<Firing>), AppError> {
        let settings = self.authorize(caller).await?;
        let spec =
            ScheduleSpec::parse(when, self.limits.min_interval_minutes).map_err(UserError::from)?;
        let zone = match zone {
            Some(name) => parse_zone(name).map_err(UserError::from)?,
            None => settings.timezone.unwrap_or(self.default_zone),
        };
        let next = self.upcoming(
            &settings,
            &spec,
            zone,
            Window::default(),
            count.clamp(1, MAX_PREVIEW),
        );
        Ok((spec, zone, next))
    }

    /// Recomputes the stored next due instant of every schedule of the
    /// server, after its zone or quiet time changed.
    pub(in crate::app) async fn refresh_next_due(
        &self,
        guild: crate::domain::GuildId,
    ) -> Result<(), AppError> {
        let settings = self.store.server_settings(guild).await?;
        let now = self.clock.now();
        for schedule in self.store.schedules(guild).await? {
            let stored = schedule.next_due_at;
            let mut view = self.view(&settings, schedule, 1)?;
            let next = view.next.first().map(|f| f.at);
            if stored != next {
                view.schedule.next_due_at = next;
                self.store.update_schedule(&view.schedule, now).await?;
            }
        }
        self.schedules_changed.notify_one();
        Ok(())
    }

    pub(in crate::app) fn quiet(&self, settings: &ServerSettings) -> Quiet {
        Quiet {
            tz: settings.timezone.unwrap_or(self.default_zone),
            hours: settings.quiet_hours,
            days: settings.quiet_days,
        }
    }

    fn upcoming(
        &self,
        settings: &ServerSettings,
        spec: &ScheduleSpec,
        zone: Tz,
        window: Window,
        count: usize,
    ) -> Vec<Firing> {
        let quiet = self.quiet(settings);
        let mut after = self.clock.now();
        let mut out = Vec::new();
        while out.len() < count {
            let Some(firing) = next_due(spec, zone, &quiet, window, after) else {
                break;
            };
            after = firing.at;
            out.push(firing);
        }
        out
    }

    pub(in crate::app) fn view(
        &self,
        settings: &ServerSettings,
        mut schedule: Schedule,
        count: usize,
    ) -> Result<ScheduleView, AppError> {
        // A pause whose end has passed is over, whether or not the
        // scheduler has noted it yet.
        if let ScheduleState::Paused { until: Some(until) } = schedule.state {
            if until <= self.clock.now() {
                schedule.state = ScheduleState::Active;
            }
        }
        let next = match &schedule.state {
            ScheduleState::Active | ScheduleState::Paused { until: Some(_) } => {
                let spec = ScheduleSpec::parse(&schedule.spec, 0).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!(
                        "stored schedule {} does not parse: {e}",
                        schedule.id
                    ))
                })?;
                let paused_until = match schedule.state {
                    ScheduleState::Paused { until } => until,
                    _ => None,
                };
                let window = Window {
                    paused_until,
                    expires_at: schedule.expires_at,
                };
                self.upcoming(settings, &spec, schedule.timezone, window, count)
            }
            _ => Vec::new(),
        };
        Ok(ScheduleView { schedule, next })
    }
}
