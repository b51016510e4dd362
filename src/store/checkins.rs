//! Check-ins, stored once per Discord interaction.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::{db_id, exercise_key, instant, local_date, millis, snowflake, Store, StoreError};
use crate::domain::checkin::{CheckIn, NewCheckIn, Recorded, Source};
use crate::domain::exercise::ExerciseKey;
use crate::domain::{CheckInId, GuildId, InteractionId, OccurrenceId, UserId};

pub(super) struct CheckInRow {
    id: i64,
    interaction_id: i64,
    guild_id: i64,
    user_id: i64,
    exercise: String,
    amount: i64,
    points: i64,
    occurred_at: i64,
    local_date: String,
    source: String,
    occurrence_id: Option<i64>,
    recorded_by: Option<i64>,
    note: Option<String>,
}

impl TryFrom<CheckInRow> for CheckIn {
    type Error = StoreError;

    fn try_from(row: CheckInRow) -> Result<Self, StoreError> {
        Ok(CheckIn {
            id: CheckInId(row.id),
            interaction: InteractionId(snowflake(row.interaction_id)),
            guild: GuildId(snowflake(row.guild_id)),
            user: UserId(snowflake(row.user_id)),
            exercise: exercise_key(&row.exercise)?,
            amount: u32::try_from(row.amount)
                .map_err(|_| StoreError::Corrupt(format!("check-in amount {}", row.amount)))?,
            points: row.points,
            at: instant(row.occurred_at)?,
            local_date: local_date(&row.local_date)?,
            source: Source::parse(&row.source)
                .ok_or_else(|| StoreError::Corrupt(format!("check-in source `{}`", row.source)))?,
            occurrence: row.occurrence_id.map(OccurrenceId),
            recorded_by: row.recorded_by.map(|id| UserId(snowflake(id))),
            note: row.note,
        })
    }
}

/// One member's sums over a period, for leaderboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberTotal {
    pub user: UserId,
    pub points: i64,
    pub amount: i64,
    pub checkins: u32,
    /// The last check-in counted: who reached the total first ranks first
    /// among equals.
    pub reached_at: DateTime<Utc>,
}

impl Store {
    /// Stores a check-in. A check-in for an interaction already stored is not
    /// stored again; the earlier one comes back as [`Recorded::Duplicate`].
    pub async fn record_checkin(&self, new: NewCheckIn) -> Result<Recorded, StoreError> {
        self.write(move |conn| Box::pin(async move { insert_checkin(conn, &new).await }))
            .await
    }

    /// The member's most recent check-in in the server.
    pub async fn latest_checkin(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<CheckIn>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        sqlx::query_as!(
            CheckInRow,
            r#"SELECT id, interaction_id, guild_id, user_id, exercise, amount, points, occurred_at,
                      local_date, source, occurrence_id, recorded_by, note
               FROM checkins WHERE guild_id = ? AND user_id = ?
               ORDER BY occurred_at DESC, id DESC LIMIT 1"#,
            guild_id,
            user_id
        )
        .fetch_optional(&self.readers)
        .await?
        .map(CheckIn::try_from)
        .transpose()
    }

    /// The member's check-ins in the server in `[from, to)`, oldest first.
    pub async fn member_checkins(
        &self,
        guild: GuildId,
        user: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CheckIn>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let (from, to) = (millis(from), millis(to));
        sqlx::query_as!(
            CheckInRow,
            r#"SELECT id, interaction_id, guild_id, user_id, exercise, amount, points, occurred_at,
                      local_date, source, occurrence_id, recorded_by, note
               FROM checkins
               WHERE guild_id = ? AND user_id = ? AND occurred_at >= ? AND occurred_at < ?
               ORDER BY occurred_at, id"#,
            guild_id,
            user_id,
            from,
            to
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(CheckIn::try_from)
        .collect()
    }

    /// Removes one of the member's check-ins in the server (`/undo`). Returns
    /// whether it existed; another member's or server's is left alone.
    pub async fn delete_checkin(
        &self,
        guild: GuildId,
        user: UserId,
        id: CheckInId,
    ) -> Result<bool, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    "DELETE FROM checkins WHERE guild_id = ? AND user_id = ? AND id = ?",
                    guild_id,
                    user_id,
                    id.0
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// Per-member sums in the server over `[from, to)`, of one exercise or of
    /// all. Unranked: ranking is a domain rule.
    pub async fn member_totals(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        exercise: Option<&ExerciseKey>,
    ) -> Result<Vec<MemberTotal>, StoreError> {
        let guild_id = db_id(guild.0);
        let (from, to) = (millis(from), millis(to));
        let exercise = exercise.map(|e| e.as_str().to_owned());
        let rows = sqlx::query!(
            r#"SELECT user_id AS "user_id!", SUM(points) AS "points!: i64", SUM(amount) AS "amount!: i64",
                      COUNT(*) AS "checkins!: i64", MAX(occurred_at) AS "reached_at!: i64"
               FROM checkins
               WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
                 AND (? IS NULL OR exercise = ?)
               GROUP BY user_id
               ORDER BY user_id"#,
            guild_id,
            from,
            to,
            exercise,
            exercise
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(MemberTotal {
                    user: UserId(snowflake(row.user_id)),
                    points: row.points,
                    amount: row.amount,
                    checkins: u32::try_from(row.checkins).unwrap_or(u32::MAX),
                    reached_at: instant(row.reached_at)?,
                })
            })
            .collect()
    }

    /// How much of one exercise the member logged on one local date.
    pub async fn day_amount(
        &self,
        guild: GuildId,
        user: UserId,
        exercise: &ExerciseKey,
        date: chrono::NaiveDate,
    ) -> Result<i64, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let exercise = exercise.as_str();
        let date = date.format("%Y-%m-%d").to_string();
        let total = sqlx::query_scalar!(
            r#"SELECT COALESCE(SUM(amount), 0) AS "total!: i64" FROM checkins
               WHERE guild_id = ? AND user_id = ? AND exercise = ? AND local_date = ?"#,
            guild_id,
            user_id,
            exercise,
            date
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(total)
    }

    /// When the member first checked in in the server; consistency counts
    /// prompts from then on.
    pub async fn first_checkin_at(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let first = sqlx::query_scalar!(
            r#"SELECT MIN(occurred_at) AS "first: i64" FROM checkins WHERE guild_id = ? AND user_id = ?"#,
            guild_id,
            user_id
        )
        .fetch_one(&self.readers)
        .await?;
        super::optional_instant(first)
    }
}

/// Inserts a check-in inside the caller's transaction.
pub(super) async fn insert_checkin(
    conn: &mut SqliteConnection,
    new: &NewCheckIn,
) -> Result<Recorded, StoreError> {
    let interaction_id = db_id(new.interaction.0);
    let guild_id = db_id(new.guild.0);
    let user_id = db_id(new.user.0);
    let exercise = new.exercise.as_str();
    let amount = i64::from(new.amount);
    let at = millis(new.at);
    let date = new.local_date.format("%Y-%m-%d").to_string();
    let source = new.source.as_str();
    let occurrence_id = new.occurrence.map(|o| o.0);
    let recorded_by = new.recorded_by.map(|u| db_id(u.0));
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO checkins (interaction_id, guild_id, user_id, exercise, amount, points,
               occurred_at, local_date, source, occurrence_id, recorded_by, note)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (interaction_id) DO NOTHING
           RETURNING id"#,
        interaction_id,
        guild_id,
        user_id,
        exercise,
        amount,
        new.points,
        at,
        date,
        source,
        occurrence_id,
        recorded_by,
        new.note
    )
    .fetch_optional(&mut *conn)
    .await?;
    let stored = sqlx::query_as!(
        CheckInRow,
        r#"SELECT id, interaction_id, guild_id, user_id, exercise, amount, points, occurred_at,
                  local_date, source, occurrence_id, recorded_by, note
           FROM checkins WHERE interaction_id = ? AND guild_id = ?"#,
        interaction_id,
        guild_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let checkin = CheckIn::try_from(stored)?;
    Ok(if inserted.is_some() {
        Recorded::New(checkin)
    } else {
        Recorded::Duplicate(checkin)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;
    use crate::store::test_support::temp_store;

    pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
    }

    pub(crate) fn checkin(
        interaction: u64,
        guild: u64,
        user: u64,
        exercise: &str,
        amount: u32,
        when: DateTime<Utc>,
    ) -> NewCheckIn {
        NewCheckIn {
            interaction: InteractionId(interaction),
            guild: GuildId(guild),
            user: UserId(user),
            exercise: ExerciseKey::parse(exercise).unwrap(),
            amount,
            points: i64::from(amount) * 2,
            at: when,
            local_date: when.date_naive(),
            source: Source::Command,
            occurrence: None,
            recorded_by: None,
            note: None,
        }
    }

    #[tokio::test]
    async fn a_check_in_is_stored_once_per_interaction() {
        let (store, _dir) = temp_store().await;
        let mut new = checkin(1000, 1, 7, "walk", 30, at(1, 9));
        new.note = Some("around the block".into());
        new.local_date = NaiveDate::from_ymd_opt(2027, 2, 28).unwrap();
        let Recorded::New(first) = store.record_checkin(new.clone()).await.unwrap() else {
            panic!("first delivery is new")
        };
        assert_eq!(first.amount, 30);
        assert_eq!(first.points, 60);
        assert_eq!(first.note.as_deref(), Some("around the block"));
        assert_eq!(
            first.local_date,
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );

        // The same interaction again, even with other values: the first stays.
        let mut again = new.clone();
        again.amount = 99;
        assert_eq!(
            store.record_checkin(again).await.unwrap(),
            Recorded::Duplicate(first.clone())
        );
        assert_eq!(
            store
                .member_checkins(GuildId(1), UserId(7), at(1, 0), at(2, 0))
                .await
                .unwrap(),
            vec![first]
        );
        store.close().await;
    }

    #[tokio::test]
    async fn latest_delete_and_periods_are_scoped_to_member_and_server() {
        let (store, _dir) = temp_store().await;
        let a = store
            .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap();
        let b = store
            .record_checkin(checkin(2, 1, 7, "water", 1, at(1, 10)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(3, 1, 8, "walk", 5, at(1, 11)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(4, 2, 7, "walk", 5, at(1, 12)))
            .await
            .unwrap();

        assert_eq!(
            store
                .latest_checkin(GuildId(1), UserId(7))
                .await
                .unwrap()
                .as_ref(),
            Some(b.checkin())
        );
        assert_eq!(
            store.latest_checkin(GuildId(3), UserId(7)).await.unwrap(),
            None
        );
        assert_eq!(
            store.first_checkin_at(GuildId(1), UserId(7)).await.unwrap(),
            Some(at(1, 9))
        );
        assert_eq!(
            store.first_checkin_at(GuildId(1), UserId(9)).await.unwrap(),
            None
        );
        let window = store
            .member_checkins(GuildId(1), UserId(7), at(1, 9), at(1, 10))
            .await
            .unwrap();
        assert_eq!(window, vec![a.checkin().clone()]);

        // Not someone else's, not in another server.
        let b_id = b.checkin().id;
        assert!(!store
            .delete_checkin(GuildId(1), UserId(8), b_id)
            .await
            .unwrap());
        assert!(!store
            .delete_checkin(GuildId(2), UserId(7), b_id)
            .await
            .unwrap());
        assert!(store
            .delete_checkin(GuildId(1), UserId(7), b_id)
            .await
            .unwrap());
        assert!(!store
            .delete_checkin(GuildId(1), UserId(7), b_id)
            .await
            .unwrap());
        assert_eq!(
            store
                .latest_checkin(GuildId(1), UserId(7))
                .await
                .unwrap()
                .as_ref(),
            Some(a.checkin())
        );
        store.close().await;
    }

    #[tokio::test]
    async fn totals_sum_per_member_for_a_period_and_exercise() {
        let (store, _dir) = temp_store().await;
        store
            .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(2, 1, 7, "walk", 20, at(1, 15)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(3, 1, 7, "water", 1, at(1, 16)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(4, 1, 8, "walk", 30, at(1, 10)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(5, 1, 8, "walk", 30, at(2, 10)))
            .await
            .unwrap(); // next day
        store
            .record_checkin(checkin(6, 2, 9, "walk", 99, at(1, 10)))
            .await
            .unwrap(); // other server

        let totals = store
            .member_totals(GuildId(1), at(1, 0), at(2, 0), None)
            .await
            .unwrap();
        assert_eq!(
            totals,
            vec![
                MemberTotal {
                    user: UserId(7),
                    points: 62,
                    amount: 31,
                    checkins: 3,
                    reached_at: at(1, 16)
                },
                MemberTotal {
                    user: UserId(8),
                    points: 60,
                    amount: 30,
                    checkins: 1,
                    reached_at: at(1, 10)
                },
            ]
        );
        let walk = ExerciseKey::parse("walk").unwrap();
        let day = at(1, 0).date_naive();
        assert_eq!(
            store
                .day_amount(GuildId(1), UserId(7), &walk, day)
                .await
                .unwrap(),
            30
        );
        assert_eq!(
            store
                .day_amount(GuildId(1), UserId(8), &walk, day)
                .await
                .unwrap(),
            30
        );
        assert_eq!(
            store
                .day_amount(GuildId(2), UserId(7), &walk, day)
                .await
                .unwrap(),
            0
        );
        let walks = store
            .member_totals(
                GuildId(1),
                at(1, 0),
                at(1, 0) + Duration::days(2),
                Some(&walk),
            )
            .await
            .unwrap();
        assert_eq!(
            walks.iter().map(|t| (t.user, t.amount)).collect::<Vec<_>>(),
            vec![(UserId(7), 30), (UserId(8), 60)]
        );
        assert!(store
            .member_totals(GuildId(3), at(1, 0), at(2, 0), None)
            .await
            .unwrap()
            .is_empty());
        store.close().await;
    }
}
