//! Moderator use cases for schedules: add, list, edit, remove, pause,
//! resume, preview. Schedules fire from the scheduler; here they are created
//! and changed, and their stored next due instant kept right.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::audit::NewAuditEntry;
use crate::domain::exercise::ExerciseKey;
use crate::domain::firings::{next_due, Firing, Window};
use crate::domain::schedule::{NewSchedule, Schedule, ScheduleKind, ScheduleState};
use crate::domain::server::ServerSettings;
use crate::domain::spec::ScheduleSpec;
use crate::domain::zone::parse_zone;
use crate::domain::{ChannelId, RoleId, ScheduleId};

use super::settings::Caller;
use super::{App, AppError, UserError};

mod exercises;
mod upcoming;

pub use upcoming::MAX_PREVIEW;

/// A schedule as a moderator asks for it; the adapter has already checked
/// that the channel and role are this server's and usable.
#[derive(Debug, Clone, Default)]
pub struct ScheduleRequest {
    pub channel: Option<ChannelId>,
    pub exercise: Option<String>,
    pub when: Option<String>,
    pub timezone: Option<String>,
    /// `Some(None)` removes the role.
    pub role: Option<Option<RoleId>>,
    /// `Some(None)` removes the expiry.
    pub until: Option<Option<String>>,
}

/// A schedule and its next firings.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    pub schedule: Schedule,
    pub next: Vec<Firing>,
}

impl App {
    /// Creates a schedule.
    pub async fn add_schedule(
        &self,
        caller: &Caller,
        request: ScheduleRequest,
    ) -> Result<ScheduleView, AppError> {
        let settings = self.authorize(caller).await?;
        if self.store.count_schedules(caller.guild).await? >= self.limits.max_schedules {
            return Err(UserError::TooManySchedules {
                max: self.limits.max_schedules,
            }
            .into());
        }
        let channel = request.channel.ok_or(UserError::Missing("channel"))?;
        let exercises = self.enabled_rotation(
            &settings,
            request
                .exercise
                .as_deref()
                .ok_or(UserError::Missing("exercise"))?,
        )?;
        let when = request.when.ok_or(UserError::Missing("when"))?;
        let spec = ScheduleSpec::parse(&when, self.limits.min_interval_minutes)
            .map_err(UserError::from)?;
        let zone = match request.timezone.as_deref() {
            Some(name) => parse_zone(name).map_err(UserError::from)?,
            None => settings.timezone.unwrap_or(self.default_zone),
        };
        let now = self.clock.now();
        let expires_at = match request.until.flatten() {
            Some(text) => Some(self.future_instant(&text, zone)?),
            None => None,
        };
        let quiet = self.quiet(&settings);
        let window = Window {
            paused_until: None,
            expires_at,
        };
        let next = next_due(&spec, zone, &quiet, window, now).map(|f| f.at);
        let schedule = self
            .store
            .insert_schedule(NewSchedule {
                guild: caller.guild,
                kind: ScheduleKind::Prompt,
                channel,
                exercises,
                spec: spec.written().to_owned(),
                timezone: zone,
                role: request.role.flatten(),
                expires_at,
                next_due_at: next,
                created_by: caller.user,
                at: now,
            })
            .await?;
        self.schedules_changed.notify_one();
        self.log(
            caller,
            "schedule.add",
            format!(
                "#{} {} in {} ({})",
                schedule.id,
                spec.written(),
                zone.name(),
                rotation_text(&schedule.exercises)
            ),
        )
        .await?;
        self.view(&settings, schedule, 3)
    }

    /// The server's schedules with their next firing.
    pub async fn list_schedules(&self, caller: &Caller) -> Result<Vec<ScheduleView>, AppError> {
        let settings = self.authorize(caller).await?;
        let schedules = self.store.schedules(caller.guild).await?;
        schedules
            .into_iter()
            .map(|s| self.view(&settings, s, 1))
            .collect()
    }

    /// Changes what the request names; the rest stays.
    pub async fn edit_schedule(
        &self,
        caller: &Caller,
        id: ScheduleId,
        request: ScheduleRequest,
    ) -> Result<ScheduleView, AppError> {
        let settings = self.authorize(caller).await?;
        let mut schedule = self.own_schedule(caller, id).await?;
        let mut changes = Vec::new();
        if let Some(channel) = request.channel {
            schedule.channel = channel;
            changes.push(format!("channel {channel}"));
        }
        if let Some(exercise) = request.exercise.as_deref() {
            let exercises = self.enabled_rotation(&settings, exercise)?;
            // A new list starts at its first exercise (the store does the
            // same); the same list again keeps its place.
            if exercises != schedule.exercises {
                schedule.rotation_turns = 0;
            }
            schedule.exercises = exercises;
            changes.push(format!("exercise {}", rotation_text(&schedule.exercises)));
        }
        if let Some(when) = request.when.as_deref() {
            let spec = ScheduleSpec::parse(when, self.limits.min_interval_minutes)
                .map_err(UserError::from)?;
            schedule.spec = spec.written().to_owned();
            changes.push(format!("when {}", spec.written()));
        }
        if let Some(zone) = request.timezone.as_deref() {
            schedule.timezone = parse_zone(zone).map_err(UserError::from)?;
            changes.push(format!("zone {}", schedule.timezone.name()));
        }
        if let Some(role) = request.role {
            schedule.role = role;
            changes.push(format!(
                "role {}",
                role.map_or_else(|| "none".to_owned(), |r| r.to_string())
            ));
        }
        if let Some(until) = request.until {
            schedule.expires_at = match until.as_deref() {
                Some(text) => Some(self.future_instant(text, schedule.timezone)?),
                None => None,
            };
            changes.push(format!("until {}", until.as_deref().unwrap_or("no end")));
        }
        if changes.is_empty() {
            return Err(UserError::NothingToChange.into());
        }
        self.save(
            caller,
            &settings,
            schedule,
            "schedule.edit",
            changes.join(", "),
        )
        .await
    }

    /// Removes a schedule.
    pub async fn remove_schedule(
        &self,
        caller: &Caller,
        id: ScheduleId,
    ) -> Result<Schedule, AppError> {
        self.authorize(caller).await?;
        let schedule = self.own_schedule(caller, id).await?;
        self.store.remove_schedule(caller.guild, id).await?;
        self.schedules_changed.notify_one();
        self.log(
            caller,
            "schedule.remove",
            format!("#{id} {}", schedule.spec),
        )
        .await?;
        Ok(schedule)
    }

    /// Pauses a schedule, for a while (`2h`, `3d`, `1w`) or until resumed.
    pub async fn pause_schedule(
        &self,
        caller: &Caller,
        id: ScheduleId,
        duration: Option<&str>,
    ) -> Result<ScheduleView, AppError> {
        let settings = self.authorize(caller).await?;
        let mut schedule = self.own_schedule(caller, id).await?;
        let until = duration
            .map(|d| parse_duration(d).map(|d| self.clock.now() + d))
            .transpose()?;
        schedule.state = ScheduleState::Paused { until };
        let detail = until.map_or_else(
            || format!("#{id} until resumed"),
            |u| format!("#{id} until {}", u.to_rfc3339()),
        );
        self.save(caller, &settings, schedule, "schedule.pause", detail)
            .await
    }

    /// Resumes a paused schedule (also one paused by an error).
    pub async fn resume_schedule(
        &self,
        caller: &Caller,
        id: ScheduleId,
    ) -> Result<ScheduleView, AppError> {
        let settings = self.authorize(caller).await?;
        let mut schedule = self.own_schedule(caller, id).await?;
        schedule.state = ScheduleState::Active;
        self.save(
            caller,
            &settings,
            schedule,
            "schedule.resume",
            format!("#{id}"),
        )
        .await
    }

    /// Stores a changed schedule with its next due instant recomputed, and
    /// logs the change.
    async fn save(
        &self,
        caller: &Caller,
        settings: &ServerSettings,
        mut schedule: Schedule,
        action: &str,
        detail: String,
    ) -> Result<ScheduleView, AppError> {
        let now = self.clock.now();
        let view = self.view(settings, schedule.clone(), 3)?;
        schedule.next_due_at = view.next.first().map(|f| f.at);
        schedule.updated_at = now;
        if !self.store.update_schedule(&schedule, now).await? {
            return Err(UserError::UnknownSchedule(schedule.id.0).into());
        }
        self.schedules_changed.notify_one();
        self.log(caller, action, detail).await?;
        Ok(ScheduleView { schedule, ..view })
    }

    /// The server's schedule; another server's answers exactly like one that
    /// does not exist.
    async fn own_schedule(&self, caller: &Caller, id: ScheduleId) -> Result<Schedule, AppError> {
        self.store
            .schedule(caller.guild, id)
            .await?
            .ok_or_else(|| UserError::UnknownSchedule(id.0).into())
    }

    /// `2027-12-31` (end of that day in `zone`) or an RFC 3339 instant, in
    /// the future.
    fn future_instant(&self, text: &str, zone: Tz) -> Result<DateTime<Utc>, AppError> {
        let text = text.trim();
        let at = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let end = date.succ_opt().map(|d| d.and_time(chrono::NaiveTime::MIN));
            end.and_then(|e: NaiveDateTime| zone.from_local_datetime(&e).earliest())
                .map(|t| t.with_timezone(&Utc))
        } else {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        };
        let at = at.ok_or_else(|| UserError::BadInstant(text.to_owned()))?;
        if at <= self.clock.now() {
            return Err(UserError::InThePast(text.to_owned()).into());
        }
        Ok(at)
    }

    /// Appends a moderator action to the server's audit log.
    pub(super) async fn log(
        &self,
        caller: &Caller,
        action: &str,
        detail: String,
    ) -> Result<(), AppError> {
        self.store
            .append_audit(NewAuditEntry {
                guild: caller.guild,
                actor: caller.user,
                action: action.to_owned(),
                detail,
                at: self.clock.now(),
            })
            .await?;
        Ok(())
    }
}

/// A rotation as moderators type it: `heel-raises,calf-raises,stretch`.
fn rotation_text(exercises: &[ExerciseKey]) -> String {
    exercises
        .iter()
        .map(ExerciseKey::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// `30m`, `2h`, `3d` or `1w`, at most a year.
pub fn parse_duration(text: &str) -> Result<Duration, AppError> {
    crate::domain::duration::parse_pause(text).map_err(|bad| UserError::BadDuration(bad.0).into())
}

#[cfg(test)]
mod tests;
