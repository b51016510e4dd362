//! SQLite: the queries behind [`crate::store::members`].

use crate::domain::member::MemberPrefs;
use crate::domain::{GuildId, UserId};
use crate::store::members::*;
use crate::store::{db_id, millis, snowflake, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

impl SqliteStore {
    pub async fn member_prefs(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberPrefs, StoreError> {
        read_member_prefs(&self.readers, guild, user).await
    }

    pub async fn set_member_timezone(
        &self,
        guild: GuildId,
        user: UserId,
        timezone: Option<Tz>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let timezone = timezone.map(|tz| tz.name().to_owned());
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO members (guild_id, user_id, timezone, updated_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           timezone = excluded.timezone, updated_at = excluded.updated_at"#,
                    guild_id,
                    user_id,
                    timezone,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn set_leaderboard_opt_out(
        &self,
        guild: GuildId,
        user: UserId,
        opt_out: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO members (guild_id, user_id, leaderboard_opt_out, updated_at)
                       VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           leaderboard_opt_out = excluded.leaderboard_opt_out,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    user_id,
                    opt_out,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn remember_display_name(
        &self,
        guild: GuildId,
        user: UserId,
        name: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move { upsert_display_name(conn, guild, user, &name, now).await })
        })
        .await
    }

    pub async fn display_names(
        &self,
        guild: GuildId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let guild_id = db_id(guild.0);
        // A JSON array, read with json_each: one statement for any number.
        let ids = format!(
            "[{}]",
            users
                .iter()
                .map(|u| db_id(u.0).to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let rows = sqlx::query!(
            r#"SELECT user_id, display_name AS "display_name!" FROM members
               WHERE guild_id = ? AND display_name IS NOT NULL
                 AND user_id IN (SELECT value FROM json_each(?))"#,
            guild_id,
            ids
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (UserId(snowflake(row.user_id)), row.display_name))
            .collect())
    }

    pub async fn opted_out_members(&self, guild: GuildId) -> Result<Vec<UserId>, StoreError> {
        let guild_id = db_id(guild.0);
        let ids = sqlx::query_scalar!(
            "SELECT user_id FROM members WHERE guild_id = ? AND leaderboard_opt_out = 1 ORDER BY user_id",
            guild_id
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(ids.into_iter().map(|id| UserId(snowflake(id))).collect())
    }
}

/// The member's preferences in the server, read with `executor` (the
/// readers, or the writer's transaction).
pub(super) async fn read_member_prefs<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    guild: GuildId,
    user: UserId,
) -> Result<MemberPrefs, StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let row = sqlx::query_as!(
        PrefsRow,
        r#"SELECT timezone, leaderboard_opt_out AS "opt_out: bool", display_name
               FROM members WHERE guild_id = ? AND user_id = ?"#,
        guild_id,
        user_id
    )
    .fetch_optional(executor)
    .await?;
    prefs_from_row(guild, user, row)
}

/// Remembers the name the member goes by, inside the caller's transaction.
pub(super) async fn upsert_display_name(
    conn: &mut sqlx::SqliteConnection,
    guild: GuildId,
    user: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let now = millis(now);
    sqlx::query!(
        r#"INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           display_name = excluded.display_name, updated_at = excluded.updated_at
                       WHERE members.display_name IS NOT excluded.display_name"#,
        guild_id,
        user_id,
        name,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
