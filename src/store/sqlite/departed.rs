//! SQLite: the queries behind [`crate::store::departed`].

use crate::domain::GuildId;
use crate::store::departed::*;
use crate::store::{db_id, millis, snowflake, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

impl SqliteStore {
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

    pub async fn departed_at(&self, guild: GuildId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let guild_id = db_id(guild.0);
        let at = sqlx::query_scalar!(
            "SELECT departed_at FROM departed_servers WHERE guild_id = ?",
            guild_id
        )
        .fetch_optional(&self.readers)
        .await?;
        crate::store::optional_instant(at)
    }

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
