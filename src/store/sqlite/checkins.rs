//! SQLite: the queries behind [`crate::store::checkins`].

use crate::domain::checkin::{CheckIn, NewCheckIn, Recorded};
use crate::domain::exercise::ExerciseKey;
use crate::domain::member::MemberPrefs;
use crate::domain::server::ServerSettings;
use crate::domain::{CheckInId, GuildId, UserId};
use crate::store::checkins::*;
use crate::store::{
    db_id, exercise_key, instant, millis, snowflake, sqlite::SqliteStore, StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

/// The server's settings and the member's preferences, in one statement:
/// each is a trip to the connection's thread and back.
pub(in crate::store) async fn read_settings_and_prefs(
    conn: &mut SqliteConnection,
    guild: GuildId,
    user: UserId,
) -> Result<(ServerSettings, MemberPrefs), StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let row = sqlx::query!(
        r#"SELECT s.timezone AS "server_timezone?: String", s.week_start AS "week_start?: i64",
                  s.moderator_role_id AS "moderator_role_id?: i64",
                  s.quiet_start_minute AS "quiet_start_minute?: i64",
                  s.quiet_end_minute AS "quiet_end_minute?: i64",
                  s.quiet_days AS "quiet_days?: i64",
                  s.disabled_exercises AS "disabled_exercises?: String",
                  s.leaderboard_channel_id AS "leaderboard_channel_id?: i64",
                  m.timezone AS "member_timezone?: String",
                  m.leaderboard_opt_out AS "opt_out?: bool",
                  m.display_name AS "display_name?: String"
           FROM (SELECT 1)
           LEFT JOIN servers s ON s.guild_id = ?1
           LEFT JOIN members m ON m.guild_id = ?1 AND m.user_id = ?2"#,
        guild_id,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    // Columns that are never NULL in a row tell whether there is one.
    let server = match (row.week_start, row.quiet_days, row.disabled_exercises) {
        (Some(week_start), Some(quiet_days), Some(disabled_exercises)) => {
            Some(crate::store::servers::SettingsRow {
                timezone: row.server_timezone,
                week_start,
                moderator_role_id: row.moderator_role_id,
                quiet_start_minute: row.quiet_start_minute,
                quiet_end_minute: row.quiet_end_minute,
                quiet_days,
                disabled_exercises,
                leaderboard_channel_id: row.leaderboard_channel_id,
            })
        }
        _ => None,
    };
    let member = row.opt_out.map(|opt_out| crate::store::members::PrefsRow {
        timezone: row.member_timezone,
        opt_out,
        display_name: row.display_name,
    });
    Ok((
        crate::store::servers::settings_from_row(guild, server)?,
        crate::store::members::prefs_from_row(guild, user, member)?,
    ))
}

impl SqliteStore {
    pub async fn record_checkin(&self, new: NewCheckIn) -> Result<Recorded, StoreError> {
        self.write(move |conn| Box::pin(async move { insert_checkin(conn, &new).await }))
            .await
    }

    pub async fn record_checkin_with<E, F, S>(
        &self,
        guild: GuildId,
        user: UserId,
        display_name: String,
        now: DateTime<Utc>,
        build: F,
        settle: S,
    ) -> Result<Result<CheckInWritten, E>, StoreError>
    where
        E: Send + 'static,
        F: FnOnce(&ServerSettings, &MemberPrefs) -> Result<NewCheckIn, E> + Send + 'static,
        S: FnOnce(NewCheckIn, i64) -> NewCheckIn + Send + 'static,
    {
        self.write(move |conn| {
            Box::pin(async move {
                let (settings, mut prefs) =
                    read_settings_and_prefs(&mut *conn, guild, user).await?;
                let new = match build(&settings, &prefs) {
                    Ok(new) => new,
                    Err(refused) => return Ok(Err(refused)),
                };
                if prefs.display_name.as_deref() != Some(display_name.as_str()) {
                    super::members::upsert_display_name(
                        &mut *conn,
                        guild,
                        user,
                        &display_name,
                        now,
                    )
                    .await?;
                    prefs.display_name = Some(display_name);
                }
                let day_before = read_day_amount(
                    &mut *conn,
                    new.guild,
                    new.user,
                    &new.exercise,
                    new.local_date,
                )
                .await?;
                let new = settle(new, day_before);
                let recorded = insert_checkin(conn, &new).await?;
                let total = match &recorded {
                    Recorded::New(stored) => day_before + i64::from(stored.amount),
                    // The earlier one may be of another day or exercise.
                    Recorded::Duplicate(stored) => {
                        read_day_amount(
                            &mut *conn,
                            stored.guild,
                            stored.user,
                            &stored.exercise,
                            stored.local_date,
                        )
                        .await?
                    }
                };
                Ok(Ok(CheckInWritten {
                    recorded,
                    day_total: total,
                    settings,
                    prefs,
                }))
            })
        })
        .await
    }

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

    pub async fn member_totals(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        exercise: Option<&ExerciseKey>,
    ) -> Result<Vec<MemberTotal>, StoreError> {
        let guild_id = db_id(guild.0);
        let (from, to) = (millis(from), millis(to));
        let exercise = exercise.map_or(EVERY_EXERCISE, |e| e.as_str()).to_owned();
        // All time is every member's sums; a period is read by days, and
        // the check-ins of the days its bounds cut.
        let bounded =
            from > millis(DateTime::<Utc>::MIN_UTC) || to < millis(DateTime::<Utc>::MAX_UTC);
        // A period of a good part of the server's history reads its days
        // in member order (no sorting); a short one finds them by instant.
        let span = sqlx::query!(
            r#"SELECT (SELECT MIN(occurred_at) FROM checkins WHERE guild_id = ?1) AS "first: i64",
                      (SELECT MAX(occurred_at) FROM checkins WHERE guild_id = ?1) AS "last: i64""#,
            guild_id
        )
        .fetch_one(&self.readers)
        .await?;
        let in_member_order = match (span.first, span.last) {
            (Some(first), Some(last)) => {
                let covered = to.min(last + 1).saturating_sub(from.max(first));
                covered.saturating_mul(3) > last - first
            }
            _ => false,
        };
        let rows = sqlx::query!(
            r#"SELECT user_id AS "user_id!", SUM(points) AS "points!: i64", SUM(amount) AS "amount!: i64",
                      SUM(checkins) AS "checkins!: i64", MAX(reached) AS "reached_at!: i64"
               FROM (-- All time: every member's sums.
                     SELECT user_id, points, amount, checkins, last_at AS reached
                     FROM checkin_members
                     WHERE NOT ?5 AND guild_id = ?1 AND exercise = ?2
                     UNION ALL
                     -- A period: the days wholly inside it, as summed ...
                     SELECT user_id, points, amount, checkins, last_at
                     FROM checkin_days INDEXED BY checkin_days_by_time
                     WHERE ?5 AND NOT ?6 AND guild_id = ?1 AND exercise = ?2
                       AND last_at >= ?3 AND last_at < ?4 AND first_at >= ?3
                     UNION ALL
                     -- ... or, for a long one, member by member.
                     SELECT user_id, SUM(points), SUM(amount), SUM(checkins), MAX(last_at)
                     FROM checkin_days
                     WHERE ?5 AND ?6 AND guild_id = ?1 AND exercise = ?2
                       AND first_at >= ?3 AND last_at < ?4
                     GROUP BY user_id
                     UNION ALL
                     -- Days the period's bounds cut, from their check-ins (CROSS
                     -- JOIN: the few days first, then their check-ins).
                     SELECT c.user_id, c.points, c.amount, 1, c.occurred_at
                     FROM checkin_days d INDEXED BY checkin_days_by_time
                     CROSS JOIN checkins c ON c.guild_id = d.guild_id AND c.user_id = d.user_id
                          AND c.occurred_at BETWEEN d.first_at AND d.last_at
                          AND c.local_date = d.local_date
                     WHERE ?5 AND d.guild_id = ?1 AND d.exercise = ?2 AND d.last_at >= ?3
                       AND d.first_at < ?4 AND (d.first_at < ?3 OR d.last_at >= ?4)
                       AND (?2 = '*' OR c.exercise = ?2)
                       AND c.occurred_at >= ?3 AND c.occurred_at < ?4
                     UNION ALL
                     -- What retention kept of deleted check-ins, one row a day.
                     SELECT user_id, points, amount, checkins, last_at
                     FROM checkin_day_totals
                     WHERE guild_id = ?1 AND last_at >= ?3 AND last_at < ?4
                       AND (?2 = '*' OR exercise = ?2))
               GROUP BY user_id
               ORDER BY user_id"#,
            guild_id,
            exercise,
            from,
            to,
            bounded,
            in_member_order
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

    pub async fn member_exercise_totals(
        &self,
        guild: GuildId,
        user: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ExerciseTotals>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let (from, to) = (millis(from), millis(to));
        let rows = sqlx::query!(
            r#"SELECT exercise AS "exercise!", SUM(amount) AS "amount!: i64",
                      SUM(points) AS "points!: i64", SUM(moderated) AS "moderated!: i64"
               FROM (-- Days wholly inside the period, as summed.
                     SELECT exercise, amount, points, moderated
                     FROM checkin_days
                     WHERE guild_id = ?1 AND user_id = ?2 AND exercise <> '*'
                       AND first_at >= ?3 AND last_at < ?4
                     UNION ALL
                     -- Days the period's bounds cut, from their check-ins (CROSS JOIN:
                     -- the few days first, then their check-ins).
                     SELECT c.exercise, c.amount, c.points, c.source = 'moderator'
                     FROM checkin_days d
                     CROSS JOIN checkins c ON c.guild_id = d.guild_id AND c.user_id = d.user_id
                          AND c.occurred_at BETWEEN d.first_at AND d.last_at
                          AND c.local_date = d.local_date AND c.exercise = d.exercise
                     WHERE d.guild_id = ?1 AND d.user_id = ?2 AND d.exercise <> '*'
                       AND d.first_at < ?4 AND d.last_at >= ?3
                       AND (d.first_at < ?3 OR d.last_at >= ?4)
                       AND c.occurred_at >= ?3 AND c.occurred_at < ?4
                     UNION ALL
                     -- What retention kept of deleted check-ins, one row a day.
                     SELECT exercise, amount, points, 0
                     FROM checkin_day_totals
                     WHERE guild_id = ?1 AND user_id = ?2 AND last_at >= ?3 AND last_at < ?4)
               GROUP BY exercise"#,
            guild_id,
            user_id,
            from,
            to
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ExerciseTotals {
                    exercise: exercise_key(&row.exercise)?,
                    amount: row.amount,
                    points: row.points,
                    by_moderator: row.moderated,
                })
            })
            .collect()
    }

    pub async fn member_days(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Vec<CheckInDay>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let rows = sqlx::query_as!(
            CheckInDayRow,
            r#"SELECT local_date, exercise, amount, points, checkins
               FROM checkin_days WHERE guild_id = ? AND user_id = ? AND exercise <> '*'
               ORDER BY local_date, exercise"#,
            guild_id,
            user_id
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(CheckInDay::try_from).collect()
    }

    pub async fn day_amount(
        &self,
        guild: GuildId,
        user: UserId,
        exercise: &ExerciseKey,
        date: chrono::NaiveDate,
    ) -> Result<i64, StoreError> {
        read_day_amount(&self.readers, guild, user, exercise, date).await
    }

    pub async fn member_days_between(
        &self,
        guild: GuildId,
        user: UserId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<CheckInDay>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let first = first.format("%Y-%m-%d").to_string();
        let last = last.format("%Y-%m-%d").to_string();
        let rows = sqlx::query_as!(
            CheckInDayRow,
            r#"SELECT local_date AS "local_date!: String", exercise AS "exercise!: String",
                      SUM(amount) AS "amount!: i64", SUM(points) AS "points!: i64",
                      SUM(checkins) AS "checkins!: i64"
               FROM (SELECT local_date, exercise, amount, points, checkins
                     FROM checkin_days
                     WHERE guild_id = ? AND user_id = ? AND exercise <> '*'
                       AND local_date >= ? AND local_date <= ?
                     UNION ALL
                     SELECT local_date, exercise, amount, points, checkins
                     FROM checkin_day_totals
                     WHERE guild_id = ? AND user_id = ? AND local_date >= ? AND local_date <= ?)
               GROUP BY local_date, exercise
               ORDER BY local_date, exercise"#,
            guild_id,
            user_id,
            first,
            last,
            guild_id,
            user_id,
            first,
            last
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(CheckInDay::try_from).collect()
    }

    pub async fn first_checkin_at(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let first = sqlx::query_scalar!(
            r#"SELECT MIN(first) AS "first: i64" FROM (
                   SELECT MIN(occurred_at) AS first FROM checkins WHERE guild_id = ? AND user_id = ?
                   UNION ALL
                   SELECT MIN(first_at) FROM checkin_day_totals WHERE guild_id = ? AND user_id = ?)"#,
            guild_id,
            user_id,
            guild_id,
            user_id
        )
        .fetch_one(&self.readers)
        .await?;
        crate::store::optional_instant(first)
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
    if let Some(id) = inserted {
        // What was just written, as reading it back would give it (the
        // instant to the millisecond), without the trip to read it.
        let stored = CheckInRow::written(id, new);
        return Ok(Recorded::New(CheckIn::try_from(stored)?));
    }
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
    Ok(Recorded::Duplicate(CheckIn::try_from(stored)?))
}

/// How much of one exercise the member logged on one local date, read with
/// `executor` (the readers, or the writer's transaction).
pub(super) async fn read_day_amount<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    guild: GuildId,
    user: UserId,
    exercise: &ExerciseKey,
    date: chrono::NaiveDate,
) -> Result<i64, StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let exercise = exercise.as_str();
    let date = date.format("%Y-%m-%d").to_string();
    let total = sqlx::query_scalar!(
        r#"SELECT amount FROM checkin_days
               WHERE guild_id = ? AND exercise = ? AND user_id = ? AND local_date = ?"#,
        guild_id,
        exercise,
        user_id,
        date
    )
    .fetch_optional(executor)
    .await?;
    Ok(total.unwrap_or(0))
}
