//! PostgreSQL: the queries behind [`crate::store::standing`].

use super::PostgresStore;
use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::{GuildId, UserId};
use crate::store::checkins::CheckInDayRow;
use crate::store::standing::*;
use crate::store::{db_id, local_date, CheckInDay, StoreError};

impl PostgresStore {
    pub async fn member_history(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberHistory, StoreError> {
        // The lists as JSON arrays of rows, as SQLite builds them: text in
        // bytes' order (`C`), as SQLite orders it.
        let row = sqlx::query!(
            r#"SELECT
                   (SELECT COALESCE(json_agg(json_build_array(local_date, exercise, amount, points,
                                                              checkins)
                                             ORDER BY local_date COLLATE "C",
                                                      exercise COLLATE "C"), '[]')::TEXT
                    FROM checkin_days
                    WHERE guild_id = $1 AND user_id = $2 AND exercise <> '*') AS "days!",
                   (SELECT COALESCE(json_agg(local_date ORDER BY local_date COLLATE "C"), '[]')::TEXT
                    FROM (SELECT DISTINCT local_date FROM checkin_day_totals
                          WHERE guild_id = $1 AND user_id = $2) AS kept) AS "kept_dates!",
                   (SELECT COALESCE(json_agg(json_build_array(first_date, last_date)
                                             ORDER BY first_date COLLATE "C", id), '[]')::TEXT
                    FROM vacations
                    WHERE guild_id = $1 AND user_id = $2) AS "vacations!",
                   m.goals_off <> 0 AS "goals_off?",
                   m.goal_walk_minutes AS "walk_minutes?",
                   m.goal_strength_days AS "strength_days?",
                   m.goal_heel_sets AS "heel_sets?",
                   m.goal_water_glasses AS "water_glasses?",
                   s.goal_walk_minutes AS "server_walk_minutes?",
                   s.goal_strength_days AS "server_strength_days?",
                   s.goal_heel_sets AS "server_heel_sets?",
                   s.goal_water_glasses AS "server_water_glasses?"
               FROM (SELECT 1) AS one
               LEFT JOIN members m ON m.guild_id = $1 AND m.user_id = $2
               LEFT JOIN servers s ON s.guild_id = $1"#,
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_one(&self.pool)
        .await?;
        let days = json_rows::<CheckInDayRow>("member days", &row.days)?
            .into_iter()
            .map(CheckInDay::try_from)
            .collect::<Result<_, _>>()?;
        let kept_dates = json_rows::<String>("kept dates", &row.kept_dates)?
            .iter()
            .map(|date| local_date(date))
            .collect::<Result<_, _>>()?;
        let vacations = json_rows::<(String, String)>("vacations", &row.vacations)?
            .iter()
            .map(|(first, last)| {
                Ok(Vacation {
                    first: local_date(first)?,
                    last: local_date(last)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(MemberHistory {
            days,
            kept_dates,
            vacations,
            goals: MemberGoals {
                off: row.goals_off.unwrap_or_default(),
                own: TargetChange {
                    walk_minutes: row.walk_minutes,
                    strength_days: row.strength_days,
                    heel_sets: row.heel_sets,
                    water_glasses: row.water_glasses,
                },
            },
            server_goals: TargetChange {
                walk_minutes: row.server_walk_minutes,
                strength_days: row.server_strength_days,
                heel_sets: row.server_heel_sets,
                water_glasses: row.server_water_glasses,
            },
        })
    }
}
