//! Per-server settings.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveTime, Timelike, Utc, Weekday};

use super::{db_id, exercise_keys, join_keys, millis, snowflake, time_zone, Store, StoreError};
use crate::domain::server::{QuietHours, ServerSettings, WeekdaySet};
use crate::domain::{ChannelId, GuildId, RoleId};

impl Store {
    /// The server's settings; a server that never changed any has the defaults.
    pub async fn server_settings(&self, guild: GuildId) -> Result<ServerSettings, StoreError> {
        read_server_settings(&self.readers, guild).await
    }

    /// Stores the server's settings, replacing what was there.
    pub async fn save_server_settings(
        &self,
        settings: &ServerSettings,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let guild_id = db_id(settings.guild.0);
        let timezone = settings.timezone.map(|tz| tz.name().to_owned());
        let week_start = i64::from(settings.week_start.num_days_from_monday());
        let moderator_role = settings.moderator_role.map(|r| db_id(r.0));
        let quiet_start = settings.quiet_hours.map(|q| minutes(q.start));
        let quiet_end = settings.quiet_hours.map(|q| minutes(q.end));
        let quiet_days = i64::from(settings.quiet_days.bits());
        let disabled = join_keys(&settings.disabled_exercises);
        let leaderboard_channel = settings.leaderboard_channel.map(|c| db_id(c.0));
        let updated_at = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO servers (guild_id, timezone, week_start, moderator_role_id,
                           quiet_start_minute, quiet_end_minute, quiet_days, disabled_exercises,
                           leaderboard_channel_id, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (guild_id) DO UPDATE SET
                           timezone = excluded.timezone,
                           week_start = excluded.week_start,
                           moderator_role_id = excluded.moderator_role_id,
                           quiet_start_minute = excluded.quiet_start_minute,
                           quiet_end_minute = excluded.quiet_end_minute,
                           quiet_days = excluded.quiet_days,
                           disabled_exercises = excluded.disabled_exercises,
                           leaderboard_channel_id = excluded.leaderboard_channel_id,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    timezone,
                    week_start,
                    moderator_role,
                    quiet_start,
                    quiet_end,
                    quiet_days,
                    disabled,
                    leaderboard_channel,
                    updated_at,
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }
}

fn minutes(time: NaiveTime) -> i64 {
    i64::from(time.hour() * 60 + time.minute())
}

fn minute_of_day(minute: i64) -> Result<NaiveTime, StoreError> {
    u32::try_from(minute)
        .ok()
        .and_then(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0))
        .ok_or_else(|| StoreError::Corrupt(format!("minute of day {minute}")))
}

fn weekday(days_from_monday: i64) -> Result<Weekday, StoreError> {
    u8::try_from(days_from_monday)
        .ok()
        .and_then(|d| Weekday::try_from(d).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("weekday {days_from_monday}")))
}

/// The server's settings, read with `executor` (the readers, or the
/// writer's transaction).
pub(super) async fn read_server_settings<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    guild: GuildId,
) -> Result<ServerSettings, StoreError> {
    let guild_id = db_id(guild.0);
    let row = sqlx::query_as!(
        SettingsRow,
        r#"SELECT timezone, week_start, moderator_role_id, quiet_start_minute,
                      quiet_end_minute, quiet_days, disabled_exercises, leaderboard_channel_id
               FROM servers WHERE guild_id = ?"#,
        guild_id
    )
    .fetch_optional(executor)
    .await?;
    settings_from_row(guild, row)
}

/// The settings columns of a `servers` row.
pub(super) struct SettingsRow {
    pub(super) timezone: Option<String>,
    pub(super) week_start: i64,
    pub(super) moderator_role_id: Option<i64>,
    pub(super) quiet_start_minute: Option<i64>,
    pub(super) quiet_end_minute: Option<i64>,
    pub(super) quiet_days: i64,
    pub(super) disabled_exercises: String,
    pub(super) leaderboard_channel_id: Option<i64>,
}

/// The server's settings from its row; the defaults without one.
pub(super) fn settings_from_row(
    guild: GuildId,
    row: Option<SettingsRow>,
) -> Result<ServerSettings, StoreError> {
    let Some(row) = row else {
        return Ok(ServerSettings::new(guild));
    };
    let quiet_hours = match (row.quiet_start_minute, row.quiet_end_minute) {
        (Some(start), Some(end)) => Some(QuietHours {
            start: minute_of_day(start)?,
            end: minute_of_day(end)?,
        }),
        _ => None,
    };
    Ok(ServerSettings {
        guild,
        timezone: row.timezone.as_deref().map(time_zone).transpose()?,
        week_start: weekday(row.week_start)?,
        moderator_role: row.moderator_role_id.map(|id| RoleId(snowflake(id))),
        quiet_hours,
        quiet_days: u8::try_from(row.quiet_days)
            .ok()
            .and_then(WeekdaySet::from_bits)
            .ok_or_else(|| StoreError::Corrupt(format!("quiet days {}", row.quiet_days)))?,
        disabled_exercises: exercise_keys(&row.disabled_exercises)?
            .into_iter()
            .collect::<BTreeSet<_>>(),
        leaderboard_channel: row
            .leaderboard_channel_id
            .map(|id| ChannelId(snowflake(id))),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::exercise::ExerciseKey;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn settings_default_until_saved_and_round_trip() {
        let (store, _dir) = temp_store().await;
        let guild = GuildId(1);
        assert_eq!(
            store.server_settings(guild).await.unwrap(),
            ServerSettings::new(guild)
        );

        let settings = ServerSettings {
            guild,
            timezone: Some(chrono_tz::Europe::Berlin),
            week_start: Weekday::Sun,
            moderator_role: Some(RoleId(u64::MAX - 1)),
            quiet_hours: Some(QuietHours {
                start: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            }),
            quiet_days: [Weekday::Sat, Weekday::Sun].into_iter().collect(),
            disabled_exercises: [ExerciseKey::parse("water").unwrap()].into_iter().collect(),
            leaderboard_channel: Some(ChannelId(77)),
        };
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        store.save_server_settings(&settings, now).await.unwrap();
        assert_eq!(store.server_settings(guild).await.unwrap(), settings);
        // Another server is untouched.
        assert_eq!(
            store.server_settings(GuildId(2)).await.unwrap(),
            ServerSettings::new(GuildId(2))
        );

        // Saving again replaces every field, including clearing optional ones.
        let cleared = ServerSettings::new(guild);
        store.save_server_settings(&cleared, now).await.unwrap();
        assert_eq!(store.server_settings(guild).await.unwrap(), cleared);
        store.close().await;
    }
}
