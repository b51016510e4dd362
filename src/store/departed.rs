//! Servers the bot has left: recorded, forgiven when it is added back, and
//! their rows deleted in batches once the grace period is over.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{db_id, millis, snowflake, Store, StoreError};
use crate::domain::GuildId;

/// The tables that hold a server's rows, in the order a departed server's
/// rows are deleted (rows that others point at last).
const SERVER_TABLES: [&str; 14] = [
    "role_grants",
    "milestone_roles",
    "celebrations",
    "team_goals",
    "vacations",
    "snoozes",
    "prompt_answers",
    "checkins",
    "checkin_day_totals",
    "occurrences",
    "schedules",
    "members",
    "audit_log",
    "servers",
];

impl Store {
    /// Records that the bot was removed from the server (kept if already
    /// recorded: the grace period counts from the first time).
    pub async fn mark_departed(&self, guild: GuildId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let guild_id = db_id(guild.0);
        let at = millis(at);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO departed_servers (guild_id, departed_at) VALUES (?, ?)
                       ON CONFLICT (guild_id) DO NOTHING"#,
                    guild_id,
                    at
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The bot is in the server (again): nothing of it is to be deleted.
    /// Returns whether it had been recorded as departed.
    pub async fn mark_present(&self, guild: GuildId) -> Result<bool, StoreError> {
        let guild_id = db_id(guild.0);
        self.write(move |conn| {
            Box::pin(async move {
                let done =
                    sqlx::query!("DELETE FROM departed_servers WHERE guild_id = ?", guild_id)
                        .execute(&mut *conn)
                        .await?;
                Ok(done.rows_affected() > 0)
            })
        })
        .await
    }

    /// Whether the server is recorded as departed (read on the writer, so
    /// a just-recorded departure is seen).
    pub async fn departed_at(&self, guild: GuildId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let guild_id = db_id(guild.0);
        let at = sqlx::query_scalar!(
            "SELECT departed_at FROM departed_servers WHERE guild_id = ?",
            guild_id
        )
        .fetch_optional(&self.readers)
        .await?;
        super::optional_instant(at)
    }

    /// Every server the store holds anything of: settings, schedules or
    /// members (everyone who checked in has a members row).
    pub async fn stored_servers(&self) -> Result<Vec<GuildId>, StoreError> {
        let ids = sqlx::query_scalar!(
            r#"SELECT guild_id AS "guild_id!" FROM servers
               UNION SELECT guild_id FROM schedules
               UNION SELECT guild_id FROM members
               ORDER BY 1"#
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(ids.into_iter().map(|id| GuildId(snowflake(id))).collect())
    }

    /// Servers the bot left at or before `before`.
    pub async fn departed_before(&self, before: DateTime<Utc>) -> Result<Vec<GuildId>, StoreError> {
        let before = millis(before);
        let ids = sqlx::query_scalar!(
            "SELECT guild_id FROM departed_servers WHERE departed_at <= ? ORDER BY guild_id",
            before
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(ids.into_iter().map(|id| GuildId(snowflake(id))).collect())
    }

    /// Deletes up to `limit` rows of a departed server, table by table;
    /// once none is left, its departure record too. Returns how many rows
    /// it deleted; 0 when the server is gone. A server no longer recorded
    /// as departed (the bot was added back) is left alone.
    pub async fn purge_departed(&self, guild: GuildId, limit: u32) -> Result<u64, StoreError> {
        let guild_id = db_id(guild.0);
        let limit = i64::from(limit);
        self.write(move |conn| {
            Box::pin(async move {
                let departed = sqlx::query_scalar!(
                    "SELECT guild_id FROM departed_servers WHERE guild_id = ?",
                    guild_id
                )
                .fetch_optional(&mut *conn)
                .await?;
                if departed.is_none() {
                    return Ok(0);
                }
                for table in SERVER_TABLES {
                    // The table names are the constants above, never input.
                    let sql = format!(
                        "DELETE FROM {table} WHERE rowid IN \
                         (SELECT rowid FROM {table} WHERE guild_id = ? LIMIT ?)"
                    );
                    let done = sqlx::query(AssertSqlSafe(sql))
                        .bind(guild_id)
                        .bind(limit)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                    if done > 0 {
                        return Ok(done);
                    }
                }
                sqlx::query!("DELETE FROM departed_servers WHERE guild_id = ?", guild_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(0)
            })
        })
        .await
    }
}
