//! PostgreSQL: the queries behind [`crate::store::goals`].

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::team_goal::{TeamGoal, TeamMetric};
use crate::domain::{GuildId, UserId};
use crate::store::goals::*;
use crate::store::{db_id, local_date, millis, StoreError};

impl PostgresStore {
    pub async fn server_goals(&self, guild: GuildId) -> Result<TargetChange, StoreError> {
        let guild_id = db_id(guild.0);
        let row = sqlx::query!(
            r#"SELECT goal_walk_minutes, goal_strength_days, goal_heel_sets, goal_water_glasses
               FROM servers WHERE guild_id = $1"#,
            guild_id
        )
        .fetch_optional(&self.pool)
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
        sqlx::query!(
            r#"INSERT INTO servers (guild_id, goal_walk_minutes, goal_strength_days,
                   goal_heel_sets, goal_water_glasses, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (guild_id) DO UPDATE SET
                   goal_walk_minutes = excluded.goal_walk_minutes,
                   goal_strength_days = excluded.goal_strength_days,
                   goal_heel_sets = excluded.goal_heel_sets,
                   goal_water_glasses = excluded.goal_water_glasses,
                   updated_at = excluded.updated_at"#,
            db_id(guild.0),
            goals.walk_minutes,
            goals.strength_days,
            goals.heel_sets,
            goals.water_glasses,
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn member_goals(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberGoals, StoreError> {
        let row = sqlx::query!(
            r#"SELECT goals_off <> 0 AS "off!", goal_walk_minutes, goal_strength_days,
                      goal_heel_sets, goal_water_glasses
               FROM members WHERE guild_id = $1 AND user_id = $2"#,
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_optional(&self.pool)
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
        sqlx::query!(
            r#"INSERT INTO members (guild_id, user_id, goals_off, goal_walk_minutes,
                   goal_strength_days, goal_heel_sets, goal_water_glasses, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (guild_id, user_id) DO UPDATE SET
                   goals_off = excluded.goals_off,
                   goal_walk_minutes = excluded.goal_walk_minutes,
                   goal_strength_days = excluded.goal_strength_days,
                   goal_heel_sets = excluded.goal_heel_sets,
                   goal_water_glasses = excluded.goal_water_glasses,
                   updated_at = excluded.updated_at"#,
            db_id(guild.0),
            db_id(user.0),
            i64::from(goals.off),
            goals.own.walk_minutes,
            goals.own.strength_days,
            goals.own.heel_sets,
            goals.own.water_glasses,
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn vacations(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<Vacation>, StoreError> {
        sqlx::query!(
            r#"SELECT first_date, last_date FROM vacations
               WHERE guild_id = $1 AND user_id = $2 ORDER BY first_date, id"#,
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        lock_vacations(&mut tx, guild_id, user_id).await?;
        end_vacations(&mut tx, guild_id, user_id, today).await?;
        sqlx::query!(
            r#"INSERT INTO vacations (guild_id, user_id, first_date, last_date, created_at)
               VALUES ($1, $2, $3, $4, $5)"#,
            guild_id,
            user_id,
            date_text(vacation.first),
            date_text(vacation.last),
            millis(now)
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn end_vacation(
        &self,
        guild: GuildId,
        user: UserId,
        today: NaiveDate,
    ) -> Result<bool, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let mut tx = self.pool.begin().await?;
        lock_vacations(&mut tx, guild_id, user_id).await?;
        let ended = end_vacations(&mut tx, guild_id, user_id, today).await?;
        tx.commit().await?;
        Ok(ended)
    }

    pub async fn team_goal(&self, guild: GuildId) -> Result<Option<TeamGoal>, StoreError> {
        let row = sqlx::query!(
            "SELECT metric, target FROM team_goals WHERE guild_id = $1",
            db_id(guild.0)
        )
        .fetch_optional(&self.pool)
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
        sqlx::query!(
            r#"INSERT INTO team_goals (guild_id, metric, target, set_by, updated_at)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (guild_id) DO UPDATE SET metric = excluded.metric,
                   target = excluded.target, set_by = excluded.set_by,
                   updated_at = excluded.updated_at"#,
            db_id(guild.0),
            goal.metric.key(),
            i64::from(goal.target),
            db_id(by.0),
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn exercise_sums(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ExerciseSum>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT exercise, SUM(amount)::BIGINT AS "amount!", SUM(points)::BIGINT AS "points!",
                      COUNT(*) AS "checkins!"
               FROM checkins WHERE guild_id = $1 AND occurred_at >= $2 AND occurred_at < $3
               GROUP BY exercise ORDER BY exercise COLLATE "C""#,
            db_id(guild.0),
            millis(from),
            millis(to)
        )
        .fetch_all(&self.pool)
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

/// Holds the member's vacations for the rest of the transaction: starting
/// one reads what is running, then writes, and two processes doing that at
/// once would each keep their own. A vacation ahead may have no row to lock
/// yet, so the lock is an advisory one on the member.
async fn lock_vacations(
    conn: &mut PgConnection,
    guild_id: i64,
    user_id: i64,
) -> Result<(), StoreError> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('vacations ' || $1::BIGINT || ' ' || $2::BIGINT, 0))",
        guild_id,
        user_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends the member's vacations at the end of yesterday: running ones are
/// cut short, ones that had not begun are removed. Whether any was running
/// or ahead.
async fn end_vacations(
    conn: &mut PgConnection,
    guild_id: i64,
    user_id: i64,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let today_text = date_text(today);
    let yesterday = date_text(today.pred_opt().unwrap_or(today));
    let removed = sqlx::query!(
        "DELETE FROM vacations WHERE guild_id = $1 AND user_id = $2 AND first_date >= $3",
        guild_id,
        user_id,
        today_text
    )
    .execute(&mut *conn)
    .await?;
    let cut = sqlx::query!(
        r#"UPDATE vacations SET last_date = $1
           WHERE guild_id = $2 AND user_id = $3 AND first_date < $4 AND last_date >= $4"#,
        yesterday,
        guild_id,
        user_id,
        today_text
    )
    .execute(&mut *conn)
    .await?;
    Ok(removed.rows_affected() + cut.rows_affected() > 0)
}
