//! SQLite: the queries behind [`crate::store::standing`].

use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::{GuildId, UserId};
use crate::store::checkins::CheckInDayRow;
use crate::store::standing::*;
use crate::store::{db_id, local_date, sqlite::SqliteStore, CheckInDay, StoreError};

impl SqliteStore {
    pub async fn member_history(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberHistory, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let row = sqlx::query!(
            r#"SELECT
                   (SELECT json_group_array(json_array(local_date, exercise, amount, points,
                                                       checkins)
                                            ORDER BY local_date, exercise)
                    FROM checkin_days
                    WHERE guild_id = ?1 AND user_id = ?2 AND exercise <> '*') AS "days!: String",
                   (SELECT json_group_array(DISTINCT local_date ORDER BY local_date)
                    FROM checkin_day_totals
                    WHERE guild_id = ?1 AND user_id = ?2) AS "kept_dates!: String",
                   (SELECT json_group_array(json_array(first_date, last_date)
                                            ORDER BY first_date, id)
                    FROM vacations
                    WHERE guild_id = ?1 AND user_id = ?2) AS "vacations!: String",
                   m.goals_off AS "goals_off?: bool",
                   m.goal_walk_minutes AS "walk_minutes?: i64",
                   m.goal_strength_days AS "strength_days?: i64",
                   m.goal_heel_sets AS "heel_sets?: i64",
                   m.goal_water_glasses AS "water_glasses?: i64",
                   s.goal_walk_minutes AS "server_walk_minutes?: i64",
                   s.goal_strength_days AS "server_strength_days?: i64",
                   s.goal_heel_sets AS "server_heel_sets?: i64",
                   s.goal_water_glasses AS "server_water_glasses?: i64"
               FROM (SELECT 1)
               LEFT JOIN members m ON m.guild_id = ?1 AND m.user_id = ?2
               LEFT JOIN servers s ON s.guild_id = ?1"#,
            guild_id,
            user_id
        )
        .fetch_one(&self.readers)
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
