//! SQLite: the queries behind [`crate::store::snoozes`].

use crate::domain::occurrence::Snooze;
use crate::domain::{GuildId, InteractionId, OccurrenceId, UserId};
use crate::store::{db_id, instant, millis, snowflake, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};

impl SqliteStore {
    pub async fn add_snooze(&self, snooze: Snooze) -> Result<bool, StoreError> {
        let interaction = db_id(snooze.interaction.0);
        let (guild_id, user_id) = (db_id(snooze.guild.0), db_id(snooze.user.0));
        let (due_at, expires_at) = (millis(snooze.due_at), millis(snooze.token_expires_at));
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"INSERT INTO snoozes (interaction_id, guild_id, user_id, occurrence_id,
                           interaction_token, due_at, token_expires_at)
                       SELECT ?, guild_id, ?, id, ?, ?, ? FROM occurrences
                       WHERE id = ? AND guild_id = ?
                       ON CONFLICT DO NOTHING"#,
                    interaction,
                    user_id,
                    snooze.token,
                    due_at,
                    expires_at,
                    snooze.occurrence.0,
                    guild_id
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    pub async fn claim_due_snooze(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<Snooze>, StoreError> {
        let (now, until) = (millis(now), millis(now + lease));
        let (total, first, last) = self.shard_filter();
        let row = self
            .write(move |conn| {
                Box::pin(async move {
                    let expired =
                        sqlx::query!("DELETE FROM snoozes WHERE token_expires_at <= ?", now)
                            .execute(&mut *conn)
                            .await?;
                    if expired.rows_affected() > 0 {
                        tracing::info!(
                            count = expired.rows_affected(),
                            "snooze reminders dropped: their interaction token expired"
                        );
                    }
                    Ok(sqlx::query!(
                        r#"UPDATE snoozes SET due_at = ?
                           WHERE interaction_id = (
                               SELECT interaction_id FROM snoozes WHERE due_at <= ?
                                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?
                               ORDER BY due_at, interaction_id LIMIT 1)
                           RETURNING interaction_id, guild_id, user_id, occurrence_id,
                                     interaction_token, due_at, token_expires_at"#,
                        until,
                        now,
                        total,
                        first,
                        last
                    )
                    .fetch_optional(&mut *conn)
                    .await?)
                })
            })
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
        let interaction = db_id(interaction.0);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!("DELETE FROM snoozes WHERE interaction_id = ?", interaction)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn earliest_snooze(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let at = sqlx::query_scalar!(
            r#"SELECT MIN(due_at) AS "at: i64" FROM snoozes
               WHERE ((guild_id >> 22) % ?) BETWEEN ? AND ?"#,
            total,
            first,
            last
        )
        .fetch_one(&self.readers)
        .await?;
        at.map(instant).transpose()
    }
}
