//! PostgreSQL: the queries behind [`crate::store::servers`].

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::domain::server::ServerSettings;
use crate::domain::GuildId;
use crate::store::servers::*;
use crate::store::{db_id, join_keys, millis, StoreError};

impl PostgresStore {
    pub async fn server_settings(&self, guild: GuildId) -> Result<ServerSettings, StoreError> {
        read_server_settings(&self.pool, guild).await
    }

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
        // One statement: the last of two concurrent saves wins whole, as on
        // SQLite (the goal columns, set elsewhere, are left alone).
        sqlx::query!(
            r#"INSERT INTO servers (guild_id, timezone, week_start, moderator_role_id,
                   quiet_start_minute, quiet_end_minute, quiet_days, disabled_exercises,
                   leaderboard_channel_id, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
            millis(now),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// The server's settings, read with `executor` (the pool, or a
/// transaction).
pub(super) async fn read_server_settings<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    guild: GuildId,
) -> Result<ServerSettings, StoreError> {
    let guild_id = db_id(guild.0);
    let row = sqlx::query_as!(
        SettingsRow,
        r#"SELECT timezone, week_start, moderator_role_id, quiet_start_minute,
                  quiet_end_minute, quiet_days, disabled_exercises, leaderboard_channel_id
           FROM servers WHERE guild_id = $1"#,
        guild_id
    )
    .fetch_optional(executor)
    .await?;
    settings_from_row(guild, row)
}
