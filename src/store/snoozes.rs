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

    /// Claims the earliest snooze due at `now` for `lease`: its due instant
    /// moves to `now + lease`, so another process (or this one) sees it due
    /// again only if the reminder was not [finished] by then. One at a time,
    /// so a claim's lease covers one send, not a queue of them. A process
    /// that dies between claiming and sending loses no reminder; one that
    /// dies after sending and before finishing sends it again, which a member
    /// can live with better than a lost one. Snoozes whose token has expired
    /// are deleted here: no reminder can be sent for them.
    ///
    /// [finished]: Self::finish_snooze
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

    /// Takes a snooze out of the store once its reminder was sent, or can
    /// never be.
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

    /// When the earliest snooze is due.
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

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
    use crate::store::occurrences::tests::claim;
    use crate::store::schedules::tests::new_schedule;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn a_snooze_is_claimed_when_due_and_kept_until_its_reminder_is_finished() {
        let (store, _dir) = temp_store().await;
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let s = store
            .insert_schedule(new_schedule(1, Some(now)))
            .await
            .unwrap();
        // A posted-or-not prompt of the schedule, due at `due`.
        let prompt = |due| {
            let store = &store;
            async move {
                let claim = OccurrenceClaim {
                    due_at: due,
                    ..claim(s.id, "a", now)
                };
                match store.claim_occurrence(claim).await.unwrap() {
                    ClaimOutcome::Claimed(o) => o,
                    other => panic!("{other:?}"),
                }
            }
        };
        let o = prompt(now).await;
        let snooze = |interaction: u64, guild: u64| Snooze {
            interaction: InteractionId(interaction),
            guild: GuildId(guild),
            user: UserId(7),
            occurrence: o.id,
            token: "secret".into(),
            due_at: now + Duration::minutes(10),
            token_expires_at: now + Duration::minutes(15),
        };
        assert!(store.add_snooze(snooze(1, 1)).await.unwrap());
        // One per member and prompt; none for another server's prompt.
        assert!(!store.add_snooze(snooze(2, 1)).await.unwrap());
        assert!(!store.add_snooze(snooze(3, 2)).await.unwrap());
        assert_eq!(
            store.earliest_snooze().await.unwrap(),
            Some(now + Duration::minutes(10))
        );

        let lease = Duration::minutes(1);
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(9), lease)
                .await
                .unwrap(),
            None
        );
        let due = store
            .claim_due_snooze(now + Duration::minutes(10), lease)
            .await
            .unwrap();
        let claimed = Snooze {
            due_at: now + Duration::minutes(11),
            ..snooze(1, 1)
        };
        assert_eq!(due, Some(claimed));
        // Claimed: not due again while its reminder is being sent.
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(10) + Duration::seconds(59), lease)
                .await
                .unwrap(),
            None
        );
        // Not finished (the process died before sending): due again after the
        // lease, so the reminder is not lost.
        let again = store
            .claim_due_snooze(now + Duration::minutes(11), lease)
            .await
            .unwrap();
        assert!(again.is_some());
        store.finish_snooze(InteractionId(1)).await.unwrap();
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(13), lease)
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.earliest_snooze().await.unwrap(), None);

        // A snooze whose token expired can never be sent: it goes.
        let o2 = prompt(now + Duration::hours(1)).await;
        assert!(store
            .add_snooze(Snooze {
                occurrence: o2.id,
                ..snooze(4, 1)
            })
            .await
            .unwrap());
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(20), lease)
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.earliest_snooze().await.unwrap(), None);
        store.close().await;
    }
}
