//! Per-server settings.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveTime, Timelike, Utc, Weekday};

use super::{exercise_keys, snowflake, time_zone, StoreError};
use crate::domain::server::{QuietHours, ServerSettings, WeekdaySet};
use crate::domain::{ChannelId, GuildId, RoleId};

pub(in crate::store) fn minutes(time: NaiveTime) -> i64 {
    i64::from(time.hour() * 60 + time.minute())
}

pub(in crate::store) fn minute_of_day(minute: i64) -> Result<NaiveTime, StoreError> {
    u32::try_from(minute)
        .ok()
        .and_then(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0))
        .ok_or_else(|| StoreError::Corrupt(format!("minute of day {minute}")))
}

pub(in crate::store) fn weekday(days_from_monday: i64) -> Result<Weekday, StoreError> {
    u8::try_from(days_from_monday)
        .ok()
        .and_then(|d| Weekday::try_from(d).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("weekday {days_from_monday}")))
}

/// The settings columns of a `servers` row.
pub(in crate::store) struct SettingsRow {
    pub(in crate::store) timezone: Option<String>,
    pub(in crate::store) week_start: i64,
    pub(in crate::store) moderator_role_id: Option<i64>,
    pub(in crate::store) quiet_start_minute: Option<i64>,
    pub(in crate::store) quiet_end_minute: Option<i64>,
    pub(in crate::store) quiet_days: i64,
    pub(in crate::store) disabled_exercises: String,
    pub(in crate::store) leaderboard_channel_id: Option<i64>,
}

/// The server's settings from its row; the defaults without one.
pub(in crate::store) fn settings_from_row(
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

dispatch! {
    /// The server's settings; a server that never changed any has the defaults.
    pub async fn server_settings(&self, guild: GuildId) -> Result<ServerSettings, StoreError>;

    /// Stores the server's settings, replacing what was there.
    pub async fn save_server_settings(&self, settings: &ServerSettings, now: DateTime<Utc>) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::exercise::ExerciseKey;
    use crate::store::test_support::TestBackend;

    on_both_backends!(settings_default_until_saved_and_round_trip);

    async fn settings_default_until_saved_and_round_trip(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
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
