//! SQLite: the queries behind [`crate::store::goals`].

use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::team_goal::{TeamGoal, TeamMetric};
use crate::domain::{GuildId, UserId};
use crate::store::goals::*;
use crate::store::{db_id, local_date, millis, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, NaiveDate, Utc};

impl SqliteStore {
    pub async fn server_goals(&self, guild: GuildId) -> Result<TargetChange, StoreError> {
        let guild_id = db_id(guild.0);
        let row = sqlx::query!(
            r#"SELECT goal_walk_minutes, goal_strength_days, goal_heel_sets, goal_water_glasses
               FROM servers WHERE guild_id = ?"#,
            guild_id
        )
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.map_or_else(TargetChange::default, |r| TargetChange {
            walk_minutes: r.goal_walk_minutes,
            strength_days: r.goal_strength_days,
            heel_sets: r.goal_heel_sets,
            water_glasses: r.goal_water_glasses,
        }))
    }

    pub async fn set_server_goals(
        &self,
        guild: GuildId,
        goals: TargetChange,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let guild_id = db_id(guild.0);
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO servers (guild_id, goal_walk_minutes, goal_strength_days,
                           goal_heel_sets, goal_water_glasses, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT (guild_id) DO UPDATE SET
                           goal_walk_minutes = excluded.goal_walk_minutes,
                           goal_strength_days = excluded.goal_strength_days,
                           goal_heel_sets = excluded.goal_heel_sets,
                           goal_water_glasses = excluded.goal_water_glasses,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    goals.walk_minutes,
                    goals.strength_days,
                    goals.heel_sets,
                    goals.water_glasses,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn member_goals(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberGoals, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let row = sqlx::query!(
            r#"SELECT goals_off AS "off: bool", goal_walk_minutes, goal_strength_days,
                      goal_heel_sets, goal_water_glasses
               FROM members WHERE guild_id = ? AND user_id = ?"#,
            guild_id,
            user_id
        )
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.map_or_else(MemberGoals::default, |r| MemberGoals {
            off: r.off,
            own: TargetChange {
                walk_minutes: r.goal_walk_minutes,
                strength_days: r.goal_strength_days,
                heel_sets: r.goal_heel_sets,
                water_glasses: r.goal_water_glasses,
            },
        }))
    }

    pub async fn set_member_goals(
        &self,
        guild: GuildId,
        user: UserId,
        goals: MemberGoals,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO members (guild_id, user_id, goals_off, goal_walk_minutes,
                           goal_strength_days, goal_heel_sets, goal_water_glasses, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           goals_off = excluded.goals_off,
                           goal_walk_minutes = excluded.goal_walk_minutes,
                           goal_strength_days = excluded.goal_strength_days,
                           goal_heel_sets = excluded.goal_heel_sets,
                           goal_water_glasses = excluded.goal_water_glasses,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    user_id,
                    goals.off,
                    goals.own.walk_minutes,
                    goals.own.strength_days,
                    goals.own.heel_sets,
                    goals.own.water_glasses,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn vacations(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<Vacation>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        sqlx::query!(
            r#"SELECT first_date, last_date FROM vacations
               WHERE guild_id = ? AND user_id = ? ORDER BY first_date, id"#,
            guild_id,
            user_id
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Vacation {
                first: local_date(&r.first_date)?,
                last: local_date(&r.last_date)?,
            })
        })
        .collect()
    }

    pub async fn start_vacation(
        &self,
        guild: GuildId,
        user: UserId,
        today: NaiveDate,
        vacation: Vacation,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let (first, last) = (date_text(vacation.first), date_text(vacation.last));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                end_vacations(conn, guild_id, user_id, today).await?;
                sqlx::query!(
                    r#"INSERT INTO vacations (guild_id, user_id, first_date, last_date, created_at)
                       VALUES (?, ?, ?, ?, ?)"#,
                    guild_id,
                    user_id,
                    first,
                    last,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn end_vacation(
        &self,
        guild: GuildId,
        user: UserId,
        today: NaiveDate,
    ) -> Result<bool, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        self.write(move |conn| {
            Box::pin(async move { end_vacations(conn, guild_id, user_id, today).await })
        })
        .await
    }

    pub async fn team_goal(&self, guild: GuildId) -> Result<Option<TeamGoal>, StoreError> {
        let guild_id = db_id(guild.0);
        let row = sqlx::query!(
            "SELECT metric, target FROM team_goals WHERE guild_id = ?",
            guild_id
        )
        .fetch_optional(&self.readers)
        .await?;
        row.map(|r| {
            Ok(TeamGoal {
                metric: r
                    .metric
                    .parse::<TeamMetric>()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                target: u32::try_from(r.target)
                    .map_err(|_| StoreError::Corrupt(format!("team goal target {}", r.target)))?,
            })
        })
        .transpose()
    }

    pub async fn set_team_goal(
        &self,
        guild: GuildId,
        goal: TeamGoal,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, by) = (db_id(guild.0), db_id(by.0));
        let metric = goal.metric.key();
        let target = i64::from(goal.target);
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO team_goals (guild_id, metric, target, set_by, updated_at)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (guild_id) DO UPDATE SET metric = excluded.metric,
                           target = excluded.target, set_by = excluded.set_by,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    metric,
                    target,
                    by,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn exercise_sums(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ExerciseSum>, StoreError> {
        let guild_id = db_id(guild.0);
        let (from, to) = (millis(from), millis(to));
        let rows = sqlx::query!(
            r#"SELECT exercise, SUM(amount) AS "amount!: i64", SUM(points) AS "points!: i64",
                      COUNT(*) AS "checkins!: i64"
               FROM checkins WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
               GROUP BY exercise ORDER BY exercise"#,
            guild_id,
            from,
            to
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ExerciseSum {
                exercise: r.exercise,
                amount: r.amount,
                points: r.points,
                checkins: r.checkins,
            })
            .collect())
    }
}

/// Ends the member's vacations at the end of yesterday: running ones are
/// cut short, ones that had not begun are removed. Whether any was running
/// or ahead.
async fn end_vacations(
    conn: &mut sqlx::SqliteConnection,
    guild_id: i64,
    user_id: i64,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let today_text = date_text(today);
    let yesterday = date_text(today.pred_opt().unwrap_or(today));
    let removed = sqlx::query!(
        r#"DELETE FROM vacations WHERE guild_id = ? AND user_id = ? AND first_date >= ?"#,
        guild_id,
        user_id,
        today_text
    )
    .execute(&mut *conn)
    .await?;
    let cut = sqlx::query!(
        r#"UPDATE vacations SET last_date = ?
           WHERE guild_id = ? AND user_id = ? AND first_date < ? AND last_date >= ?"#,
        yesterday,
        guild_id,
        user_id,
        today_text,
        today_text
    )
    .execute(&mut *conn)
    .await?;
    Ok(removed.rows_affected() + cut.rows_affected() > 0)
}
