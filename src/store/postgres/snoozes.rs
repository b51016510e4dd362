//! PostgreSQL: the queries behind [`crate::store::snoozes`].

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::domain::occurrence::Snooze;
use crate::domain::{GuildId, InteractionId, OccurrenceId, UserId};
use crate::store::{db_id, instant, millis, snowflake, StoreError};

impl PostgresStore {
    pub async fn add_snooze(&self, snooze: Snooze) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            r#"INSERT INTO snoozes (interaction_id, guild_id, user_id, occurrence_id,
                   interaction_token, due_at, token_expires_at)
               SELECT $1, guild_id, $2, id, $3, $4, $5 FROM occurrences
               WHERE id = $6 AND guild_id = $7
               ON CONFLICT DO NOTHING"#,
            db_id(snooze.interaction.0),
            db_id(snooze.user.0),
            snooze.token,
            millis(snooze.due_at),
            millis(snooze.token_expires_at),
            snooze.occurrence.0,
            db_id(snooze.guild.0)
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn claim_due_snooze(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<Snooze>, StoreError> {
        let (now, until) = (millis(now), millis(now + lease));
        // Rows another process is claiming or deleting right now are
        // skipped, never waited for: two processes never lock in opposite
        // orders, and never take the same snooze.
        let expired = sqlx::query!(
            r#"DELETE FROM snoozes WHERE interaction_id IN (
                   SELECT interaction_id FROM snoozes WHERE token_expires_at <= $1
                   FOR UPDATE SKIP LOCKED)"#,
            now
        )
        .execute(&self.pool)
        .await?;
        if expired.rows_affected() > 0 {
            tracing::info!(
                count = expired.rows_affected(),
                "snooze reminders dropped: their interaction token expired"
            );
        }
        // The earliest due snooze no one else holds, moved past the lease in
        // the same statement: the row lock taken by the scan is the claim.
        let (total, first, last) = self.shard_filter();
        let row = sqlx::query!(
            r#"UPDATE snoozes SET due_at = $1
               WHERE interaction_id = (
                   SELECT interaction_id FROM snoozes
                   WHERE due_at <= $2 AND token_expires_at > $2
                     AND ((guild_id >> 22) % $3) BETWEEN $4 AND $5
                   ORDER BY due_at, interaction_id LIMIT 1
                   FOR UPDATE SKIP LOCKED)
               RETURNING interaction_id AS "interaction_id!", guild_id AS "guild_id!",
                         user_id AS "user_id!", occurrence_id AS "occurrence_id!",
                         interaction_token AS "interaction_token!", due_at AS "due_at!",
                         token_expires_at AS "token_expires_at!""#,
            until,
            now,
            total,
            first,
            last
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Snooze {
                interaction: InteractionId(snowflake(r.interaction_id)),
                guild: GuildId(snowflake(r.guild_id)),
                user: UserId(snowflake(r.user_id)),
                occurrence: OccurrenceId(r.occurrence_id),
                token: r.interaction_token,
                due_at: instant(r.due_at)?,
                token_expires_at: instant(r.token_expires_at)?,
            })
        })
        .transpose()
    }

    pub async fn finish_snooze(&self, interaction: InteractionId) -> Result<(), StoreError> {
        sqlx::query!(
            "DELETE FROM snoozes WHERE interaction_id = $1",
            db_id(interaction.0)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn earliest_snooze(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let at = sqlx::query_scalar!(
            r#"SELECT MIN(due_at) AS "at?" FROM snoozes
               WHERE ((guild_id >> 22) % $1) BETWEEN $2 AND $3"#,
            total,
            first,
            last
        )
        .fetch_one(&self.pool)
        .await?;
        at.map(instant).transpose()
    }
}
