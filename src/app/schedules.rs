//! Moderator use cases for schedules: add, list, edit, remove, pause,
//! resume, preview. Schedules fire from the scheduler; here they are created
//! and changed, and their stored next due instant kept right.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::audit::NewAuditEntry;
use crate::domain::exercise::ExerciseKey;
use crate::domain::firings::{next_due, Firing, Quiet, Window};
use crate::domain::rotation::{complete_last, parse_list};
use crate::domain::schedule::{NewSchedule, Schedule, ScheduleKind, ScheduleState};
use crate::domain::server::ServerSettings;
use crate::domain::spec::ScheduleSpec;
use crate::domain::zone::parse_zone;
use crate::domain::{ChannelId, RoleId, ScheduleId};

use super::settings::Caller;
use super::{App, AppError, UserError};

/// How many firings a preview may show.
pub const MAX_PREVIEW: usize = 25;
/// Discord's limits on autocomplete: choices per answer, characters per choice.
const MAX_CHOICES: usize = 25;
const MAX_CHOICE_CHARS: usize = 100;

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
    pub(super) async fn refresh_next_due(
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

    pub(super) fn quiet(&self, settings: &ServerSettings) -> Quiet {
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

    pub(super) fn view(
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

    /// The exercises of a list such as `heel-raises,calf-raises,stretch`,
    /// each in the catalog and on in the server; the first that is not is
    /// named in the error.
    fn enabled_rotation(
        &self,
        settings: &ServerSettings,
        list: &str,
    ) -> Result<Vec<ExerciseKey>, AppError> {
        parse_list(list)
            .map_err(UserError::from)?
            .iter()
            .map(|key| self.enabled_exercise(settings, key))
            .collect()
    }

    /// The exercises the server has on, for autocomplete: the completions of
    /// the last item of a list being typed.
    pub async fn complete_rotation(
        &self,
        guild: crate::domain::GuildId,
        partial: &str,
    ) -> Result<Vec<String>, AppError> {
        let settings = self.store.server_settings(guild).await?;
        let keys = self
            .catalog
            .iter()
            .filter(|e| !settings.disabled_exercises.contains(&e.key))
            .map(|e| e.key.as_str());
        Ok(complete_last(partial, keys, MAX_CHOICES, MAX_CHOICE_CHARS))
    }

    fn enabled_exercise(
        &self,
        settings: &ServerSettings,
        key: &str,
    ) -> Result<ExerciseKey, AppError> {
        let exercise = self.catalog_exercise(key)?;
        if settings.disabled_exercises.contains(&exercise.key) {
            return Err(UserError::ExerciseOff {
                name: exercise.name.clone(),
            }
            .into());
        }
        Ok(exercise.key.clone())
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
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::app::test_support::{admin, app_at};
    use crate::domain::GuildId;

    fn hourly() -> ScheduleRequest {
        ScheduleRequest {
            channel: Some(ChannelId(5)),
            exercise: Some("walk".into()),
            when: Some("0 * * * *".into()),
            timezone: Some("UTC".into()),
            ..ScheduleRequest::default()
        }
    }

    #[tokio::test]
    async fn the_stored_next_due_instant_follows_pauses_and_quiet_hours() {
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
        let view = app.add_schedule(&admin(), hourly()).await.unwrap();
        let id = view.schedule.id;
        let stored = || async { app.store.schedule(GuildId(1), id).await.unwrap().unwrap() };
        assert_eq!(
            stored().await.next_due_at,
            Some(Utc.with_ymd_and_hms(2027, 5, 3, 10, 0, 0).unwrap())
        );

        // Quiet 10:00-12:00 in the server's zone moves it to noon.
        app.set_quiet(&admin(), "10:00-12:00", None).await.unwrap();
        assert_eq!(
            stored().await.next_due_at,
            Some(Utc.with_ymd_and_hms(2027, 5, 3, 12, 0, 0).unwrap())
        );

        // Paused for a day: the next firing after the pause is stored, and
        // once the pause is over the schedule shows as active again.
        app.pause_schedule(&admin(), id, Some("1d")).await.unwrap();
        assert_eq!(
            stored().await.next_due_at,
            Some(Utc.with_ymd_and_hms(2027, 5, 4, 12, 0, 0).unwrap())
        );
        clock.advance(Duration::days(2));
        let list = app.list_schedules(&admin()).await.unwrap();
        assert_eq!(list[0].schedule.state, ScheduleState::Active);

        // Paused until resumed: nothing due; resumed: due again.
        app.pause_schedule(&admin(), id, None).await.unwrap();
        assert_eq!(stored().await.next_due_at, None);
        app.resume_schedule(&admin(), id).await.unwrap();
        assert!(stored().await.next_due_at.is_some());
    }

    #[tokio::test]
    async fn limits_and_bad_values_are_refused() {
        let (app, _clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
        for _ in 0..3 {
            app.add_schedule(&admin(), hourly()).await.unwrap();
        }
        let err = app.add_schedule(&admin(), hourly()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "This server has 3 schedules, the most allowed; remove one first."
        );
        assert!(app
            .pause_schedule(&admin(), ScheduleId(1), Some("forever"))
            .await
            .is_err());
        assert!(app
            .pause_schedule(&admin(), ScheduleId(1), Some("400d"))
            .await
            .is_err());
        let nothing = app
            .edit_schedule(&admin(), ScheduleId(1), ScheduleRequest::default())
            .await
            .unwrap_err();
        assert_eq!(
            nothing.to_string(),
            "Nothing to change: give at least one option."
        );
        assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
    }

    fn with_exercise(list: &str) -> ScheduleRequest {
        ScheduleRequest {
            exercise: Some(list.into()),
            ..hourly()
        }
    }

    #[tokio::test]
    async fn a_rotation_is_a_list_of_enabled_exercises_in_order() {
        let (app, _clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
        let keys = |s: &Schedule| -> Vec<String> {
            s.exercises.iter().map(|e| e.as_str().to_owned()).collect()
        };
        // Spaces around commas and capitals are fine; a key twice is kept.
        let view = app
            .add_schedule(
                &admin(),
                with_exercise(" heel-raises , Calf-Raises,heel-raises "),
            )
            .await
            .unwrap();
        assert_eq!(
            keys(&view.schedule),
            ["heel-raises", "calf-raises", "heel-raises"]
        );
        let id = view.schedule.id;

        let refused = |list: &'static str| {
            let app = &app;
            async move {
                let add = app.add_schedule(&admin(), with_exercise(list)).await;
                let edit = app.edit_schedule(&admin(), id, with_exercise(list)).await;
                let (add, edit) = (add.unwrap_err().to_string(), edit.unwrap_err().to_string());
                assert_eq!(add, edit);
                add
            }
        };
        assert!(refused("walk,plank,stretch")
            .await
            .starts_with("There is no exercise `plank`. Pick one of: calf-raises, heel-raises,"));
        assert!(refused("walk stretch")
            .await
            .starts_with("There is no exercise `walk stretch`."));
        assert_eq!(
            refused("walk,,stretch").await,
            "Exercise 2 of the list is empty: separate exercises with single commas, as in `heel-raises,calf-raises,stretch`."
        );
        assert_eq!(
            refused("walk,stretch,").await,
            "Exercise 3 of the list is empty: separate exercises with single commas, as in `heel-raises,calf-raises,stretch`."
        );
        assert_eq!(
            refused("walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk").await,
            "That is 11 exercises; a schedule rotates through at most 10."
        );
        assert_eq!(refused("  ").await, "No exercise given.");
        app.set_exercise_enabled(&admin(), "water", false)
            .await
            .unwrap();
        assert_eq!(
            refused("walk,water").await,
            "Glass of water is turned off in this server."
        );
        // Nothing refused was stored.
        let stored = app.store.schedule(GuildId(1), id).await.unwrap().unwrap();
        assert_eq!(keys(&stored), ["heel-raises", "calf-raises", "heel-raises"]);

        // Autocomplete offers the server's exercises for the last item only.
        let offered = app
            .complete_rotation(GuildId(1), "heel-raises, wa")
            .await
            .unwrap();
        assert_eq!(offered, ["heel-raises,walk"]);
        let all = app.complete_rotation(GuildId(1), "").await.unwrap();
        assert!(all.contains(&"stretch".to_owned()) && !all.contains(&"water".to_owned()));

        // Editing to a new list restarts it; ten is the most.
        let ten = "stretch,walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk";
        let view = app
            .edit_schedule(&admin(), id, with_exercise(ten))
            .await
            .unwrap();
        assert_eq!(view.schedule.exercises.len(), 10);
        assert_eq!(view.schedule.rotation_turns, 0);
    }
}
