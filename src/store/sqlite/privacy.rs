//! SQLite: the queries behind [`crate::store::privacy`].

use crate::domain::checkin::CheckIn;
use crate::domain::{GuildId, UserId};
use crate::store::checkins::CheckInRow;
use crate::store::privacy::*;
use crate::store::{
    db_id, exercise_key, instant, local_date, millis, snowflake, sqlite::SqliteStore, StoreError,
};
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt};
#[cfg(test)]
use sqlx::AssertSqlSafe;

impl SqliteStore {
    pub async fn member_answers(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<AnswerRecord>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let rows = sqlx::query!(
            r#"SELECT a.answered_at, o.exercise, a.answer FROM prompt_answers a
               JOIN occurrences o ON o.id = a.occurrence_id
               WHERE a.guild_id = ? AND a.user_id = ?
               ORDER BY a.answered_at, a.occurrence_id"#,
            guild_id,
            user_id
        )
        .fetch_all(&self.readers)
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
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let rows = sqlx::query!(
            r#"SELECT user_id, local_date, exercise, amount, points, checkins, last_at
               FROM checkin_day_totals WHERE guild_id = ? AND user_id = ?
               ORDER BY local_date, exercise"#,
            guild_id,
            user_id
        )
        .fetch_all(&self.readers)
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
        let guild_id = db_id(guild.0);
        sqlx::query!(
            r#"SELECT c.id, c.interaction_id, c.guild_id, c.user_id, c.exercise, c.amount,
                      c.points, c.occurred_at, c.local_date, c.source, c.occurrence_id,
                      c.recorded_by, c.note, m.display_name
               FROM checkins c
               LEFT JOIN members m ON m.guild_id = c.guild_id AND m.user_id = c.user_id
               WHERE c.guild_id = ?
               ORDER BY c.occurred_at, c.id"#,
            guild_id
        )
        .fetch(&self.readers)
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
        let at = millis(at);
        self.write(move |conn| {
            Box::pin(async move {
                // The member's sums first, so that removing their
                // check-ins leaves the triggers nothing to recompute.
                sqlx::query!(
                    "DELETE FROM checkin_days WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "DELETE FROM checkin_members WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                let checkins = sqlx::query!(
                    "DELETE FROM checkins WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?
                .rows_affected();
                sqlx::query!(
                    "UPDATE checkins SET recorded_by = NULL WHERE guild_id = ? AND recorded_by = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "DELETE FROM checkin_day_totals WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                let answers = sqlx::query!(
                    "DELETE FROM prompt_answers WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?
                .rows_affected();
                sqlx::query!(
                    "DELETE FROM snoozes WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "DELETE FROM members WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                // Goals and milestones: the member's vacations, what was
                // celebrated for them and the roles granted to them.
                sqlx::query!(
                    "DELETE FROM vacations WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "DELETE FROM celebrations WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "DELETE FROM role_grants WHERE guild_id = ? AND user_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "UPDATE team_goals SET set_by = 0 WHERE guild_id = ? AND set_by = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "UPDATE milestone_roles SET set_by = 0 WHERE guild_id = ? AND set_by = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                // 0 stands for "a deleted member" where a row needs someone.
                sqlx::query!(
                    "UPDATE schedules SET created_by = 0 WHERE guild_id = ? AND created_by = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    "UPDATE audit_log SET actor_id = 0 WHERE guild_id = ? AND actor_id = ?",
                    guild_id,
                    user_id
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    r#"UPDATE audit_log SET detail = replace(detail, ?, 'a deleted member')
                       WHERE guild_id = ? AND instr(detail, ?) > 0"#,
                    id_text,
                    guild_id,
                    id_text
                )
                .execute(&mut *conn)
                .await?;
                sqlx::query!(
                    r#"INSERT INTO audit_log (guild_id, actor_id, action, detail, at)
                       VALUES (?, 0, 'member.forget', 'a member deleted their data', ?)"#,
                    guild_id,
                    at
                )
                .execute(&mut *conn)
                .await?;
                Ok(Forgotten { checkins, answers })
            })
        })
        .await
    }

    pub async fn expire_checkins(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let cutoff = millis(cutoff);
        let limit = i64::from(limit);
        self.write(move |conn| {
            Box::pin(async move {
                let ids = sqlx::query_scalar!(
                    "SELECT id FROM checkins WHERE occurred_at < ? ORDER BY occurred_at, id LIMIT ?",
                    cutoff,
                    limit
                )
                .fetch_all(&mut *conn)
                .await?;
                if ids.is_empty() {
                    return Ok(0);
                }
                let ids = json_ids(&ids);
                sqlx::query!(
                    r#"INSERT INTO checkin_day_totals (guild_id, user_id, local_date, exercise,
                           amount, points, checkins, first_at, last_at)
                       SELECT guild_id, user_id, local_date, exercise, SUM(amount), SUM(points),
                              COUNT(*), MIN(occurred_at), MAX(occurred_at)
                       FROM checkins WHERE id IN (SELECT value FROM json_each(?))
                       GROUP BY guild_id, user_id, local_date, exercise
                       ON CONFLICT (guild_id, user_id, local_date, exercise) DO UPDATE SET
                           amount = amount + excluded.amount,
                           points = points + excluded.points,
                           checkins = checkins + excluded.checkins,
                           first_at = MIN(first_at, excluded.first_at),
                           last_at = MAX(last_at, excluded.last_at)"#,
                    ids
                )
                .execute(&mut *conn)
                .await?;
                let done = sqlx::query!(
                    "DELETE FROM checkins WHERE id IN (SELECT value FROM json_each(?))",
                    ids
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected())
            })
        })
        .await
    }

    pub async fn expire_prompts(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let cutoff = millis(cutoff);
        let limit = i64::from(limit);
        self.write(move |conn| {
            Box::pin(async move {
                let answers = sqlx::query!(
                    r#"DELETE FROM prompt_answers WHERE rowid IN (
                           SELECT rowid FROM prompt_answers WHERE answered_at < ?
                           ORDER BY answered_at LIMIT ?)"#,
                    cutoff,
                    limit
                )
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if answers > 0 {
                    return Ok(answers);
                }
                // A claim still in flight is left to its process.
                let occurrences = sqlx::query!(
                    r#"DELETE FROM occurrences WHERE id IN (
                           SELECT id FROM occurrences WHERE due_at < ? AND state <> 'claimed'
                           ORDER BY due_at LIMIT ?)"#,
                    cutoff,
                    limit
                )
                .execute(&mut *conn)
                .await?
                .rows_affected();
                Ok(occurrences)
            })
        })
        .await
    }
}

#[cfg(test)]
impl SqliteStore {
    pub(crate) async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.readers)
                .await?,
        )
    }

    pub(crate) async fn execute_sql(&self, sql: &str) -> Result<u64, StoreError> {
        let sql = sql.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                Ok(sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            })
        })
        .await
    }

    pub(crate) async fn query_i64(&self, sql: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.readers)
            .await?)
    }
}

/// Row ids as a JSON array, read with `json_each`: one statement for any
/// number.
fn json_ids(ids: &[i64]) -> String {
    format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    )
}
