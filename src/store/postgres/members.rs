//! PostgreSQL: the queries behind [`crate::store::members`].

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::member::MemberPrefs;
use crate::domain::{GuildId, UserId};
use crate::store::members::*;
use crate::store::{db_id, millis, snowflake, StoreError};

impl PostgresStore {
    pub async fn member_prefs(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberPrefs, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let row = sqlx::query_as!(
            PrefsRow,
            r#"SELECT timezone, leaderboard_opt_out <> 0 AS "opt_out!", display_name
               FROM members WHERE guild_id = $1 AND user_id = $2"#,
            guild_id,
            user_id
        )
        .fetch_optional(&self.pool)
        .await?;
        prefs_from_row(guild, user, row)
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
        sqlx::query!(
            r#"INSERT INTO members (guild_id, user_id, timezone, updated_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (guild_id, user_id) DO UPDATE SET
                   timezone = excluded.timezone, updated_at = excluded.updated_at"#,
            guild_id,
            user_id,
            timezone,
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_leaderboard_opt_out(
        &self,
        guild: GuildId,
        user: UserId,
        opt_out: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        sqlx::query!(
            r#"INSERT INTO members (guild_id, user_id, leaderboard_opt_out, updated_at)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (guild_id, user_id) DO UPDATE SET
                   leaderboard_opt_out = excluded.leaderboard_opt_out,
                   updated_at = excluded.updated_at"#,
            guild_id,
            user_id,
            i64::from(opt_out),
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remember_display_name(
        &self,
        guild: GuildId,
        user: UserId,
        name: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        upsert_display_name(&mut conn, guild, user, &name, now).await
    }

    pub async fn display_names(
        &self,
        guild: GuildId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let guild_id = db_id(guild.0);
        // An array parameter: one statement for any number.
        let ids: Vec<i64> = users.iter().map(|u| db_id(u.0)).collect();
        let rows = sqlx::query!(
            r#"SELECT user_id, display_name AS "display_name!" FROM members
               WHERE guild_id = $1 AND display_name IS NOT NULL AND user_id = ANY($2)"#,
            guild_id,
            &ids
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (UserId(snowflake(row.user_id)), row.display_name))
            .collect())
    }

    pub async fn opted_out_members(&self, guild: GuildId) -> Result<Vec<UserId>, StoreError> {
        let guild_id = db_id(guild.0);
        let ids = sqlx::query_scalar!(
            "SELECT user_id FROM members WHERE guild_id = $1 AND leaderboard_opt_out = 1 ORDER BY user_id",
            guild_id
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(|id| UserId(snowflake(id))).collect())
    }
}

/// Remembers the name the member goes by, inside the caller's transaction
/// (or on a connection of its own): one atomic upsert, which leaves the row
/// untouched when the name is the same.
pub(super) async fn upsert_display_name(
    conn: &mut PgConnection,
    guild: GuildId,
    user: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    sqlx::query!(
        r#"INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (guild_id, user_id) DO UPDATE SET
               display_name = excluded.display_name, updated_at = excluded.updated_at
           WHERE members.display_name IS DISTINCT FROM excluded.display_name"#,
        guild_id,
        user_id,
        name,
        millis(now)
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
