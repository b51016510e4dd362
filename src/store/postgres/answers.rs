//! PostgreSQL: the queries behind [`crate::store::answers`].

use chrono::{DateTime, Utc};

use super::checkins::{insert_checkin, lock_member, read_day_amount};
use super::PostgresStore;
use crate::domain::checkin::Recorded;
use crate::domain::occurrence::{Answer, PromptAnswer};
use crate::domain::{CheckInId, GuildId, OccurrenceId, UserId};
use crate::store::answers::*;
use crate::store::{db_id, instant, millis, snowflake, StoreError};

impl PostgresStore {
    pub async fn answer_prompt(
        &self,
        guild: GuildId,
        occurrence: OccurrenceId,
        user: UserId,
        answer: Answer,
        checkin: Option<PromptCheckIn>,
        at: DateTime<Utc>,
    ) -> Result<AnswerOutcome, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let mut tx = self.pool.begin().await?;
        // The occurrence must be this server's; the key names both. Of two
        // answers at once, from any processes, the key lets one in: the
        // other waits for it to commit, then finds it.
        let inserted = sqlx::query!(
            r#"INSERT INTO prompt_answers (occurrence_id, user_id, guild_id, answer, answered_at,
                                          due_at)
               SELECT id, $1, guild_id, $2, $3, due_at FROM occurrences
               WHERE id = $4 AND guild_id = $5
               ON CONFLICT (occurrence_id, user_id) DO NOTHING"#,
            user_id,
            answer.as_str(),
            millis(at),
            occurrence.0,
            guild_id
        )
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            let row = sqlx::query!(
                r#"SELECT answer, checkin_id, answered_at FROM prompt_answers
                   WHERE occurrence_id = $1 AND user_id = $2 AND guild_id = $3"#,
                occurrence.0,
                user_id,
                guild_id
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(AnswerOutcome::NoSuchPrompt);
            };
            return Ok(AnswerOutcome::AlreadyAnswered(PromptAnswer {
                occurrence,
                guild,
                user,
                answer: Answer::parse(&row.answer)
                    .ok_or_else(|| StoreError::Corrupt(format!("answer `{}`", row.answer)))?,
                checkin: row.checkin_id.map(CheckInId),
                at: instant(row.answered_at)?,
            }));
        }
        let Some(PromptCheckIn { new, settle }) = checkin else {
            tx.commit().await?;
            return Ok(AnswerOutcome::Recorded { checkin: None });
        };
        // Under the member's lock, the day so far is the one this check-in
        // joins: a check-in of theirs from another process commits first,
        // or waits.
        lock_member(&mut tx, new.guild, new.user).await?;
        let day_before =
            read_day_amount(&mut *tx, new.guild, new.user, &new.exercise, new.local_date).await?;
        let new = settle(new, day_before);
        let stored = match insert_checkin(&mut tx, &new).await? {
            Recorded::New(c) | Recorded::Duplicate(c) => c,
        };
        sqlx::query!(
            "UPDATE prompt_answers SET checkin_id = $1 WHERE occurrence_id = $2 AND user_id = $3",
            stored.id.0,
            occurrence.0,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AnswerOutcome::Recorded {
            checkin: Some(stored),
        })
    }

    pub async fn done_count(
        &self,
        guild: GuildId,
        occurrence: OccurrenceId,
    ) -> Result<u32, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!" FROM prompt_answers
               WHERE guild_id = $1 AND occurrence_id = $2 AND answer IN ('done', 'done_twice')"#,
            db_id(guild.0),
            occurrence.0
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub async fn members_consistency(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MemberConsistency>, StoreError> {
        let rows = sqlx::query!(
            r#"WITH standing AS (
                   SELECT user_id, MIN(first) AS first, MAX(reached) AS reached FROM (
                       -- Members whose every check-in is before the period's end.
                       SELECT user_id, first_at AS first, last_at AS reached
                       FROM checkin_members
                       WHERE guild_id = $1 AND exercise = '*' AND last_at < $3
                       UNION ALL
                       -- The others: their first, and their latest day before
                       -- the period's end.
                       SELECT m.user_id, m.first_at,
                              (SELECT MAX(d.last_at) FROM checkin_days d
                               WHERE d.guild_id = $1 AND d.user_id = m.user_id
                                 AND d.exercise = '*' AND d.last_at < $3)
                       FROM checkin_members m
                       WHERE m.guild_id = $1 AND m.exercise = '*' AND m.last_at >= $3
                         AND m.first_at < $3
                       UNION ALL
                       -- A day the period's end cuts, from its check-ins.
                       SELECT c.user_id, c.occurred_at, c.occurred_at
                       FROM checkin_days d
                       JOIN checkins c ON c.guild_id = d.guild_id AND c.user_id = d.user_id
                            AND c.occurred_at BETWEEN d.first_at AND d.last_at
                            AND c.local_date = d.local_date
                       WHERE d.guild_id = $1 AND d.exercise = '*' AND d.last_at >= $3
                         AND d.first_at < $3 AND c.occurred_at < $3
                       UNION ALL
                       -- Days retention kept of deleted check-ins.
                       SELECT user_id, first_at, first_at
                       FROM checkin_day_totals WHERE guild_id = $1 AND first_at < $3) AS firsts
                   GROUP BY user_id)
               SELECT m.user_id AS "user_id!", m.first AS "first!", m.reached AS "reached!",
                      (SELECT COUNT(*) FROM prompt_answers a
                       WHERE a.guild_id = $1 AND a.user_id = m.user_id
                         AND a.answer IN ('done', 'done_twice')
                         AND a.due_at >= GREATEST($2, m.first) AND a.due_at < $3) AS "answered!"
               FROM standing m
               ORDER BY m.user_id"#,
            db_id(guild.0),
            millis(from),
            millis(to)
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(MemberConsistency {
                    user: UserId(snowflake(row.user_id)),
                    first: instant(row.first)?,
                    reached_at: instant(row.reached)?,
                    answered: u32::try_from(row.answered).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    pub async fn posted_prompt_times(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        sqlx::query_scalar!(
            r#"SELECT due_at FROM occurrences
               WHERE guild_id = $1 AND due_at >= $2 AND due_at < $3 AND state = 'posted'
                 AND kind = 'prompt'
               ORDER BY due_at"#,
            db_id(guild.0),
            millis(from),
            millis(to)
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(instant)
        .collect()
    }

    pub async fn prompts_done(
        &self,
        guild: GuildId,
        user: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!" FROM prompt_answers a
               JOIN occurrences o ON o.id = a.occurrence_id
               WHERE a.guild_id = $1 AND a.user_id = $2 AND a.answer IN ('done', 'done_twice')
                 AND o.due_at >= $3 AND o.due_at < $4"#,
            db_id(guild.0),
            db_id(user.0),
            millis(from),
            millis(to)
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
