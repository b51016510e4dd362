//! Moderator use cases for a server's settings, and the audit log. Every one
//! checks the caller is a moderator, and every change is written to the
//! audit log.

use chrono::Weekday;
use chrono_tz::Tz;

use crate::domain::audit::{AuditEntry, NewAuditEntry};
use crate::domain::exercise::Exercise;
use crate::domain::moderation::is_moderator;
use crate::domain::server::{parse_weekday, QuietHours, ServerSettings, WeekdaySet};
use crate::domain::zone::parse_zone;
use crate::domain::{GuildId, RoleId, UserId};

use super::{App, AppError, UserError};

/// Who is asking, as Discord described them in the interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub guild: GuildId,
    pub user: UserId,
    /// Manage Server (or Administrator) in the member's permissions.
    pub manage_server: bool,
    pub roles: Vec<RoleId>,
}

/// The most audit entries one request lists.
pub const MAX_AUDIT: u32 = 25;

impl App {
    /// The server's settings, if the caller is a moderator.
    pub async fn authorize(&self, caller: &Caller) -> Result<ServerSettings, AppError> {
        let settings = self.store.server_settings(caller.guild).await?;
        if !is_moderator(caller.manage_server, &caller.roles, settings.moderator_role) {
            return Err(UserError::NotModerator.into());
        }
        Ok(settings)
    }

    /// The server's settings, for `/settings show`.
    pub async fn settings(&self, caller: &Caller) -> Result<ServerSettings, AppError> {
        self.authorize(caller).await
    }

    /// The zone of the server's days, weeks and quiet hours.
    pub async fn set_server_zone(&self, caller: &Caller, zone: &str) -> Result<Tz, AppError> {
        let zone = parse_zone(zone).map_err(UserError::from)?;
        self.change(caller, "settings.timezone", zone.name().to_owned(), |s| {
            s.timezone = Some(zone)
        })
        .await?;
        // Quiet hours are in the server's zone: prompts may move.
        self.refresh_next_due(caller.guild).await?;
        Ok(zone)
    }

    /// The first day of the server's weeks.
    pub async fn set_week_start(&self, caller: &Caller, day: &str) -> Result<Weekday, AppError> {
        let day = parse_weekday(day).map_err(UserError::from)?;
        self.change(caller, "settings.week-start", day.to_string(), |s| {
            s.week_start = day
        })
        .await?;
        Ok(day)
    }

    /// The role whose members count as moderators; `None` leaves only
    /// Manage Server.
    pub async fn set_moderator_role(
        &self,
        caller: &Caller,
        role: Option<RoleId>,
    ) -> Result<(), AppError> {
        let detail = role.map_or_else(|| "none".to_owned(), |r| format!("role {r}"));
        self.change(caller, "settings.moderator-role", detail, |s| {
            s.moderator_role = role
        })
        .await
    }

    /// Quiet hours (`19:00-08:00` or `off`) and, if given, quiet days
    /// (`sat,sun` or `none`).
    pub async fn set_quiet(
        &self,
        caller: &Caller,
        hours: &str,
        days: Option<&str>,
    ) -> Result<(Option<QuietHours>, WeekdaySet), AppError> {
        let hours = QuietHours::parse(hours).map_err(UserError::from)?;
        let days = days
            .map(WeekdaySet::parse)
            .transpose()
            .map_err(UserError::from)?;
        let mut result = (hours, WeekdaySet::EMPTY);
        let detail = format!(
            "hours {}, days {}",
            hours.map_or_else(
                || "off".to_owned(),
                |q| format!("{}-{}", q.start.format("%H:%M"), q.end.format("%H:%M"))
            ),
            days.map_or_else(
                || "unchanged".to_owned(),
                |d| d
                    .days()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        self.change(caller, "settings.quiet-hours", detail, |s| {
            s.quiet_hours = hours;
            if let Some(days) = days {
                s.quiet_days = days;
            }
            result.1 = s.quiet_days;
        })
        .await?;
        self.refresh_next_due(caller.guild).await?;
        Ok(result)
    }

    /// Turns a catalog exercise on or off in the server.
    pub async fn set_exercise_enabled(
        &self,
        caller: &Caller,
        exercise: &str,
        on: bool,
    ) -> Result<Exercise, AppError> {
        let exercise = self.catalog_exercise(exercise)?.clone();
        let key = exercise.key.clone();
        let detail = format!("{key} {}", if on { "on" } else { "off" });
        self.change(caller, "settings.exercises", detail, |s| {
            if on {
                s.disabled_exercises.remove(&key);
            } else {
                s.disabled_exercises.insert(key.clone());
            }
        })
        .await?;
        Ok(exercise)
    }

    /// The server's latest moderator actions, newest first.
    pub async fn audit(&self, caller: &Caller, count: u32) -> Result<Vec<AuditEntry>, AppError> {
        self.authorize(caller).await?;
        Ok(self
            .store
            .recent_audit(caller.guild, count.clamp(1, MAX_AUDIT))
            .await?)
    }

    /// Applies `change` to the settings as a moderator, and logs it.
    pub(super) async fn change(
        &self,
        caller: &Caller,
        action: &str,
        detail: String,
        change: impl FnOnce(&mut ServerSettings),
    ) -> Result<(), AppError> {
        let mut settings = self.authorize(caller).await?;
        change(&mut settings);
        let now = self.clock.now();
        self.store.save_server_settings(&settings, now).await?;
        self.store
            .append_audit(NewAuditEntry {
                guild: caller.guild,
                actor: caller.user,
                action: action.to_owned(),
                detail,
                at: now,
            })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::app::test_support::app_at;

    fn member(manage_server: bool, roles: &[u64]) -> Caller {
        Caller {
            guild: GuildId(1),
            user: UserId(if manage_server { 10 } else { 20 }),
            manage_server,
            roles: roles.iter().map(|r| RoleId(*r)).collect(),
        }
    }

    #[tokio::test]
    async fn only_moderators_change_settings_and_every_change_is_audited() {
        let (app, _clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
        let admin = member(true, &[]);
        let plain = member(false, &[5]);
        let err = app
            .set_server_zone(&plain, "Europe/Berlin")
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "Only moderators can do that: members with Manage Server, or with the server's moderator role.");
        assert_eq!(
            app.store.server_settings(GuildId(1)).await.unwrap(),
            ServerSettings::new(GuildId(1))
        );

        app.set_moderator_role(&admin, Some(RoleId(5)))
            .await
            .unwrap();
        // Now the role makes the plain member a moderator.
        assert_eq!(
            app.set_server_zone(&plain, "Europe/Berlin").await.unwrap(),
            chrono_tz::Europe::Berlin
        );
        app.set_week_start(&plain, "sunday").await.unwrap();
        let (hours, days) = app
            .set_quiet(&plain, "19:00-08:00", Some("sat,sun"))
            .await
            .unwrap();
        assert!(hours.is_some());
        assert_eq!(days.days().count(), 2);
        app.set_exercise_enabled(&plain, "water", false)
            .await
            .unwrap();
        let settings = app.settings(&plain).await.unwrap();
        assert_eq!(settings.timezone, Some(chrono_tz::Europe::Berlin));
        assert_eq!(settings.week_start, Weekday::Sun);
        assert!(settings
            .disabled_exercises
            .iter()
            .any(|e| e.as_str() == "water"));

        let log = app.audit(&admin, 10).await.unwrap();
        let actions: Vec<_> = log.iter().map(|e| (e.action.as_str(), e.actor)).collect();
        assert_eq!(actions[0], ("settings.exercises", UserId(20)));
        assert_eq!(actions.len(), 5);
        assert!(app.audit(&member(false, &[]), 10).await.is_err());
        // Bad values change nothing.
        assert!(app.set_server_zone(&admin, "Mars/Olympus").await.is_err());
        assert!(app.set_quiet(&admin, "soon", None).await.is_err());
        assert_eq!(app.audit(&admin, 10).await.unwrap().len(), 5);
    }
}
