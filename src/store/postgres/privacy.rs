//! PostgreSQL: the queries behind [`crate::store::privacy`].

use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt};

use super::PostgresStore;
use crate::domain::checkin::CheckIn;
use crate::domain::{GuildId, UserId};
use crate::store::checkins::CheckInRow;
use crate::store::privacy::*;
use crate::store::{db_id, exercise_key, instant, local_date, millis, snowflake, StoreError};

/// What one transaction of [`PostgresStore::expire_checkins`] did.
enum Expired {
    /// It expired this many check-ins (0: none is old enough).
    Batch(u64),
    /// Every check-in it found was gone once it held their members.
    TakenByOthers,
}

impl PostgresStore {
    pub async fn member_answers(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<AnswerRecord>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT a.answered_at, o.exercise, a.answer FROM prompt_answers a
               JOIN occurrences o ON o.id = a.occurrence_id
               WHERE a.guild_id = $1 AND a.user_id = $2
               ORDER BY a.answered_at, a.occurrence_id"#,
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(AnswerRecord {
                    answered_at: instant(row.answered_at)?,
                    exercise: row.exercise,
                    answer: row.answer,
                })
            })
            .collect()
    }

    pub async fn member_kept_days(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<KeptDay>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT user_id, local_date, exercise, amount, points, checkins, last_at
               FROM checkin_day_totals WHERE guild_id = $1 AND user_id = $2
               ORDER BY local_date COLLATE "C", exercise COLLATE "C""#,
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(KeptDay {
                    user: UserId(snowflake(row.user_id)),
                    local_date: local_date(&row.local_date)?,
                    exercise: exercise_key(&row.exercise)?,
                    amount: row.amount,
                    points: row.points,
                    checkins: row.checkins,
                    last_at: instant(row.last_at)?,
                })
            })
            .collect()
    }

    pub fn server_checkins(
        &self,
        guild: GuildId,
    ) -> BoxStream<'_, Result<ServerCheckIn, StoreError>> {
        sqlx::query!(
            r#"SELECT c.id, c.interaction_id, c.guild_id, c.user_id, c.exercise, c.amount,
                      c.points, c.occurred_at, c.local_date, c.source, c.occurrence_id,
                      c.recorded_by, c.note, m.display_name AS "display_name?"
               FROM checkins c
               LEFT JOIN members m ON m.guild_id = c.guild_id AND m.user_id = c.user_id
               WHERE c.guild_id = $1
               ORDER BY c.occurred_at, c.id"#,
            db_id(guild.0)
        )
        .fetch(&self.pool)
        .map(|row| -> Result<ServerCheckIn, StoreError> {
            let row = row?;
            let checkin = CheckIn::try_from(CheckInRow {
                id: row.id,
                interaction_id: row.interaction_id,
                guild_id: row.guild_id,
                user_id: row.user_id,
                exercise: row.exercise,
                amount: row.amount,
                points: row.points,
                occurred_at: row.occurred_at,
                local_date: row.local_date,
                source: row.source,
                occurrence_id: row.occurrence_id,
                recorded_by: row.recorded_by,
                note: row.note,
            })?;
            Ok(ServerCheckIn {
                checkin,
                display_name: row.display_name,
            })
        })
        .boxed()
    }

    pub async fn forget_member(
        &self,
        guild: GuildId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Forgotten, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let id_text = user.0.to_string();
        let mut tx = self.pool.begin().await?;
        // As every writer of the member's check-ins does: a check-in of
        // theirs at this moment waits, and the sums' row locks are never
        // taken in two orders at once.
        super::checkins::lock_member(&mut tx, guild, user).await?;
        // The member's sums first, so that removing their check-ins leaves
        // the triggers nothing to recompute.
        sqlx::query!(
            "DELETE FROM checkin_days WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM checkin_members WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        let checkins = sqlx::query!(
            "DELETE FROM checkins WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query!(
            "UPDATE checkins SET recorded_by = NULL WHERE guild_id = $1 AND recorded_by = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM checkin_day_totals WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        let answers = sqlx::query!(
            "DELETE FROM prompt_answers WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query!(
            "DELETE FROM snoozes WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM members WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        // Goals and milestones: the member's vacations, what was celebrated
        // for them and the roles granted to them.
        sqlx::query!(
            "DELETE FROM vacations WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM celebrations WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM role_grants WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE team_goals SET set_by = 0 WHERE guild_id = $1 AND set_by = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE milestone_roles SET set_by = 0 WHERE guild_id = $1 AND set_by = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        // 0 stands for "a deleted member" where a row needs someone.
        sqlx::query!(
            "UPDATE schedules SET created_by = 0 WHERE guild_id = $1 AND created_by = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE audit_log SET actor_id = 0 WHERE guild_id = $1 AND actor_id = $2",
            guild_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"UPDATE audit_log SET detail = replace(detail, $1, 'a deleted member')
               WHERE guild_id = $2 AND strpos(detail, $1) > 0"#,
            id_text,
            guild_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"INSERT INTO audit_log (guild_id, actor_id, action, detail, at)
               VALUES ($1, 0, 'member.forget', 'a member deleted their data', $2)"#,
            guild_id,
            millis(at)
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Forgotten { checkins, answers })
    }

    pub async fn expire_checkins(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError> {
        loop {
            match self.expire_checkin_batch(cutoff, limit).await? {
                Expired::Batch(done) => return Ok(done),
                // Another process expired or deleted the whole batch while
                // this one waited for its members: read the next.
                Expired::TakenByOthers => continue,
            }
        }
    }

    /// Expires the oldest `limit` check-ins before `cutoff`, or says none
    /// of those it found was still there once it held their members.
    async fn expire_checkin_batch(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<Expired, StoreError> {
        let mut tx = self.pool.begin().await?;
        let batch = sqlx::query!(
            r#"SELECT id, guild_id, user_id FROM checkins WHERE occurred_at < $1
               ORDER BY occurred_at, id LIMIT $2"#,
            millis(cutoff),
            i64::from(limit)
        )
        .fetch_all(&mut *tx)
        .await?;
        if batch.is_empty() {
            return Ok(Expired::Batch(0));
        }
        // Deleting the check-ins changes their members' sums, so the batch
        // holds its members' locks first, as every other writer of a
        // member's check-ins does: a member's check-in or deletion of
        // their data at this moment waits, or is waited for, and never
        // holds a sum this batch needs while waiting for a row it holds.
        let members = batch.iter().map(|row| {
            (
                GuildId(snowflake(row.guild_id)),
                UserId(snowflake(row.user_id)),
            )
        });
        super::checkins::lock_members(&mut tx, members).await?;
        // What is still there of the batch: another process expiring at the
        // same time deleted its rows before this one got the locks.
        let found: Vec<i64> = batch.iter().map(|row| row.id).collect();
        let ids = sqlx::query_scalar!(
            "SELECT id FROM checkins WHERE id = ANY($1) FOR UPDATE",
            &found
        )
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Ok(Expired::TakenByOthers);
        }
        sqlx::query!(
            r#"INSERT INTO checkin_day_totals AS t (guild_id, user_id, local_date, exercise,
                   amount, points, checkins, first_at, last_at)
               SELECT guild_id, user_id, local_date, exercise, SUM(amount)::BIGINT,
                      SUM(points)::BIGINT, COUNT(*), MIN(occurred_at), MAX(occurred_at)
               FROM checkins WHERE id = ANY($1)
               GROUP BY guild_id, user_id, local_date, exercise
               ON CONFLICT (guild_id, user_id, local_date, exercise) DO UPDATE SET
                   amount = t.amount + excluded.amount,
                   points = t.points + excluded.points,
                   checkins = t.checkins + excluded.checkins,
                   first_at = LEAST(t.first_at, excluded.first_at),
                   last_at = GREATEST(t.last_at, excluded.last_at)"#,
            &ids
        )
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query!("DELETE FROM checkins WHERE id = ANY($1)", &ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Expired::Batch(done.rows_affected()))
    }

    pub async fn expire_prompts(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let (cutoff, limit) = (millis(cutoff), i64::from(limit));
        // Rows another process is deleting (or changing) right now are
        // skipped, not waited for: they are that process's batch.
        let answers = sqlx::query!(
            r#"DELETE FROM prompt_answers WHERE (occurrence_id, user_id) IN (
                   SELECT occurrence_id, user_id FROM prompt_answers WHERE answered_at < $1
                   ORDER BY answered_at LIMIT $2 FOR UPDATE SKIP LOCKED)"#,
            cutoff,
            limit
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        if answers > 0 {
            return Ok(answers);
        }
        // A claim still in flight is left to its process.
        let occurrences = sqlx::query!(
            r#"DELETE FROM occurrences WHERE id IN (
                   SELECT id FROM occurrences WHERE due_at < $1 AND state <> 'claimed'
                   ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"#,
            cutoff,
            limit
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(occurrences)
    }
}

#[cfg(test)]
impl PostgresStore {
    pub(crate) async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub(crate) async fn execute_sql(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    pub(crate) async fn query_i64(&self, sql: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.pool)
            .await?)
    }
}
