//! Members' snoozed prompts, waiting for their reminder.

use chrono::{DateTime, Utc};

use super::{db_id, instant, millis, snowflake, Store, StoreError};
use crate::domain::occurrence::Snooze;
use crate::domain::{GuildId, InteractionId, OccurrenceId, UserId};

impl Store {
    /// Stores a snooze. Returns `false` if the member already has a reminder
    /// coming for this prompt, or the server has no such prompt.
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

    /// Every snooze waiting for its reminder, earliest first.
    pub async fn pending_snoozes(&self) -> Result<Vec<Snooze>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT interaction_id, guild_id, user_id, occurrence_id, interaction_token, due_at,
                      token_expires_at
               FROM snoozes ORDER BY due_at, interaction_id"#
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter()
            .map(|r| {
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
            .collect()
    }

    /// Forgets a snooze once its reminder is sent (or can no longer be).
    pub async fn remove_snooze(&self, interaction: InteractionId) -> Result<(), StoreError> {
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

    /// When the earliest snooze is due.
    pub async fn earliest_snooze(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at = sqlx::query_scalar!(r#"SELECT MIN(due_at) AS "at: i64" FROM snoozes"#)
            .fetch_one(&self.readers)
            .await?;
        at.map(instant).transpose()
    }
}
