//! PostgreSQL: the queries behind [`crate::store::departed`].

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::PostgresStore;
use crate::domain::{GuildId, UserId};
use crate::store::departed::*;
use crate::store::{db_id, millis, optional_instant, snowflake, StoreError};

impl PostgresStore {
    pub async fn mark_departed(&self, guild: GuildId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query!(
            r#"INSERT INTO departed_servers (guild_id, departed_at) VALUES ($1, $2)
               ON CONFLICT (guild_id) DO NOTHING"#,
            db_id(guild.0),
            millis(at)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mark_present(&self, guild: GuildId) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            "DELETE FROM departed_servers WHERE guild_id = $1",
            db_id(guild.0)
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn departed_at(&self, guild: GuildId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at = sqlx::query_scalar!(
            "SELECT departed_at FROM departed_servers WHERE guild_id = $1",
            db_id(guild.0)
        )
        .fetch_optional(&self.pool)
        .await?;
        optional_instant(at)
    }

    pub async fn stored_servers(&self) -> Result<Vec<GuildId>, StoreError> {
        // Not the text of SQLite's query: the committed metadata of a query
        // is named by its text, and this one has no placeholders to differ.
        let ids = sqlx::query_scalar!(
            r#"SELECT guild_id AS "guild_id!" FROM servers
               UNION SELECT guild_id FROM members
               UNION SELECT guild_id FROM schedules
               ORDER BY 1"#
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(|id| GuildId(snowflake(id))).collect())
    }

    pub async fn departed_before(&self, before: DateTime<Utc>) -> Result<Vec<GuildId>, StoreError> {
        let ids = sqlx::query_scalar!(
            "SELECT guild_id FROM departed_servers WHERE departed_at <= $1 ORDER BY guild_id",
            millis(before)
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(|id| GuildId(snowflake(id))).collect())
    }

    pub async fn purge_departed(&self, guild: GuildId, limit: u32) -> Result<u64, StoreError> {
        loop {
            if let Some(done) = self.purge_departed_batch(guild, limit).await? {
                return Ok(done);
            }
            // Another process's clean-up deleted the check-ins this batch
            // chose before it had their members' locks: choose again.
        }
    }

    /// One batch of [`Self::purge_departed`]; `None` when the check-ins it
    /// chose were gone once it could delete them.
    async fn purge_departed_batch(
        &self,
        guild: GuildId,
        limit: u32,
    ) -> Result<Option<u64>, StoreError> {
        let guild_id = db_id(guild.0);
        let limit = i64::from(limit);
        let mut tx = self.pool.begin().await?;
        // The departure's row stays locked to the end: the bot added back
        // meanwhile (`mark_present`) waits for this batch, then stops the
        // next one, and two processes purging the server take turns.
        let departed = sqlx::query_scalar!(
            "SELECT guild_id FROM departed_servers WHERE guild_id = $1 FOR UPDATE",
            guild_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if departed.is_none() {
            return Ok(Some(0));
        }
        for table in SERVER_TABLES {
            if table == "checkins" {
                match purge_checkins(&mut tx, guild, limit).await? {
                    None => continue,
                    Some(0) => return Ok(None),
                    Some(done) => {
                        tx.commit().await?;
                        return Ok(Some(done));
                    }
                }
            }
            // The table names are the constants above, never input. A batch
            // is found by the rows' physical addresses (`ctid`), which every
            // table has; `= ANY(ARRAY(...))` lets the delete fetch them
            // directly.
            let sql = format!(
                "DELETE FROM {table} WHERE ctid = ANY(ARRAY( \
                 SELECT ctid FROM {table} WHERE guild_id = $1 LIMIT $2 FOR UPDATE))"
            );
            let done = sqlx::query(AssertSqlSafe(sql))
                .bind(guild_id)
                .bind(limit)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done > 0 {
                tx.commit().await?;
                return Ok(Some(done));
            }
        }
        sqlx::query!("DELETE FROM departed_servers WHERE guild_id = $1", guild_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(0))
    }
}

/// A batch of the server's check-ins, deleted under their members' locks:
/// how many, or `None` when the server has none.
/// Deleting check-ins changes their members' day sums (the triggers), so
/// the batch takes those locks first, in key order, as every other writer
/// of check-ins does: another process's clean-up expiring the same
/// server's old check-ins never waits for this one in a cycle.
async fn purge_checkins(
    tx: &mut sqlx::PgConnection,
    guild: GuildId,
    limit: i64,
) -> Result<Option<u64>, StoreError> {
    let guild_id = db_id(guild.0);
    let members = sqlx::query_scalar!(
        r#"SELECT DISTINCT user_id AS "user_id!" FROM (
               SELECT user_id FROM checkins WHERE guild_id = $1 LIMIT $2) AS batch"#,
        guild_id,
        limit
    )
    .fetch_all(&mut *tx)
    .await?;
    if members.is_empty() {
        return Ok(None);
    }
    super::checkins::lock_members(
        &mut *tx,
        members.iter().map(|user| (guild, UserId(snowflake(*user)))),
    )
    .await?;
    // Only the locked members' rows: others may have check-ins the first
    // read did not reach.
    let done = sqlx::query!(
        "DELETE FROM checkins WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM checkins WHERE guild_id = $1 AND user_id = ANY($2)
             LIMIT $3 FOR UPDATE))",
        guild_id,
        &members,
        limit
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(Some(done))
}
