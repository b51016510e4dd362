//! PostgreSQL: the queries behind [`crate::store::checkins`].
//!
//! Processes write check-ins at once, and what SQLite's single writer gives
//! by running alone a member's check-ins get here from a lock of their own
//! (see [`lock_member`]): the daily cap is judged against the day's amount
//! with no other check-in of the member's in between, and the triggers that
//! keep the day sums never wait on each other in a cycle. The UNIQUE
//! interaction id decides which of two deliveries of one interaction counts.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::checkin::{CheckIn, NewCheckIn, Recorded};
use crate::domain::exercise::ExerciseKey;
use crate::domain::member::MemberPrefs;
use crate::domain::server::ServerSettings;
use crate::domain::{CheckInId, GuildId, UserId};
use crate::store::checkins::*;
use crate::store::{db_id, exercise_key, instant, millis, snowflake, StoreError};

/// The first key of the advisory locks on members' check-ins (PostgreSQL's
/// two-key advisory locks are a space apart from the one-key ones the
/// migrator takes): "SHCI".
const MEMBER_LOCK_CLASS: i32 = 0x5348_4349;

/// Takes the lock on the member's check-ins in the server until the
/// transaction ends: their check-ins, undos and answers are written one at a
/// time, by whichever process. Members whose keys collide only wait for
/// each other.
pub(super) async fn lock_member(
    conn: &mut PgConnection,
    guild: GuildId,
    user: UserId,
) -> Result<(), StoreError> {
    sqlx::query!(
        r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock($1, $2)"#,
        MEMBER_LOCK_CLASS,
        member_lock_key(guild, user)
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the locks of several members' check-ins, as [`lock_member`] takes
/// one, in the order of their keys: two transactions that each lock many
/// members never wait for each other in a cycle, and one that locks a
/// single member waits at most for one of them.
pub(super) async fn lock_members(
    conn: &mut PgConnection,
    members: impl IntoIterator<Item = (GuildId, UserId)>,
) -> Result<(), StoreError> {
    let mut keys: Vec<i32> = members
        .into_iter()
        .map(|(guild, user)| member_lock_key(guild, user))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // `unnest` yields the keys in the array's order, and each row's lock is
    // taken as the row is produced.
    sqlx::query!(
        r#"SELECT count(*) AS "locked!" FROM (
               SELECT pg_advisory_xact_lock($1, key) FROM unnest($2::INT4[]) AS key) AS locks"#,
        MEMBER_LOCK_CLASS,
        &keys
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(())
}

/// The member's lock key: the 64 bits of the server and the member folded
/// into the lock's 32, the same in every process.
fn member_lock_key(guild: GuildId, user: UserId) -> i32 {
    let mixed = guild.0 ^ user.0.rotate_left(32);
    ((mixed >> 32) ^ (mixed & 0xFFFF_FFFF)) as u32 as i32
}

/// The server's settings and the member's preferences, in one statement.
pub(super) async fn read_settings_and_prefs(
    conn: &mut PgConnection,
    guild: GuildId,
    user: UserId,
) -> Result<(ServerSettings, MemberPrefs), StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let row = sqlx::query!(
        r#"SELECT s.timezone AS "server_timezone?", s.week_start AS "week_start?",
                  s.moderator_role_id AS "moderator_role_id?",
                  s.quiet_start_minute AS "quiet_start_minute?",
                  s.quiet_end_minute AS "quiet_end_minute?",
                  s.quiet_days AS "quiet_days?",
                  s.disabled_exercises AS "disabled_exercises?",
                  s.leaderboard_channel_id AS "leaderboard_channel_id?",
                  m.timezone AS "member_timezone?",
                  m.leaderboard_opt_out <> 0 AS "opt_out?",
                  m.display_name AS "display_name?"
           FROM (SELECT 1) AS one
           LEFT JOIN servers s ON s.guild_id = $1
           LEFT JOIN members m ON m.guild_id = $1 AND m.user_id = $2"#,
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

impl PostgresStore {
    pub async fn record_checkin(&self, new: NewCheckIn) -> Result<Recorded, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock_member(&mut tx, new.guild, new.user).await?;
        let recorded = insert_checkin(&mut tx, &new).await?;
        tx.commit().await?;
        Ok(recorded)
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
        let mut tx = self.pool.begin().await?;
        // Taken before anything is read: a check-in of the member's from
        // another process commits wholly before these reads, or waits.
        lock_member(&mut tx, guild, user).await?;
        let (settings, mut prefs) = read_settings_and_prefs(&mut tx, guild, user).await?;
        let new = match build(&settings, &prefs) {
            Ok(new) => new,
            // Nothing written: the transaction rolls back as it drops.
            Err(refused) => return Ok(Err(refused)),
        };
        if prefs.display_name.as_deref() != Some(display_name.as_str()) {
            super::members::upsert_display_name(&mut tx, guild, user, &display_name, now).await?;
            prefs.display_name = Some(display_name);
        }
        let day_before =
            read_day_amount(&mut *tx, new.guild, new.user, &new.exercise, new.local_date).await?;
        let new = settle(new, day_before);
        let recorded = insert_checkin(&mut tx, &new).await?;
        let total = match &recorded {
            Recorded::New(stored) => day_before + i64::from(stored.amount),
            // The earlier one may be of another day or exercise.
            Recorded::Duplicate(stored) => {
                read_day_amount(
                    &mut *tx,
                    stored.guild,
                    stored.user,
                    &stored.exercise,
                    stored.local_date,
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(Ok(CheckInWritten {
            recorded,
            day_total: total,
            settings,
            prefs,
        }))
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
               FROM checkins WHERE guild_id = $1 AND user_id = $2
               ORDER BY occurred_at DESC, id DESC LIMIT 1"#,
            guild_id,
            user_id
        )
        .fetch_optional(&self.pool)
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
        sqlx::query_as!(
            CheckInRow,
            r#"SELECT id, interaction_id, guild_id, user_id, exercise, amount, points, occurred_at,
                      local_date, source, occurrence_id, recorded_by, note
               FROM checkins
               WHERE guild_id = $1 AND user_id = $2 AND occurred_at >= $3 AND occurred_at < $4
               ORDER BY occurred_at, id"#,
            guild_id,
            user_id,
            millis(from),
            millis(to)
        )
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        lock_member(&mut tx, guild, user).await?;
        let done = sqlx::query!(
            "DELETE FROM checkins WHERE guild_id = $1 AND user_id = $2 AND id = $3",
            guild_id,
            user_id,
            id.0
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
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
        // As on SQLite: a period of a good part of the server's history
        // sums its days member by member, a short one takes them by instant.
        let span = sqlx::query!(
            r#"SELECT (SELECT MIN(occurred_at) FROM checkins WHERE guild_id = $1) AS "first?",
                      (SELECT MAX(occurred_at) FROM checkins WHERE guild_id = $1) AS "last?""#,
            guild_id
        )
        .fetch_one(&self.pool)
        .await?;
        let in_member_order = match (span.first, span.last) {
            (Some(first), Some(last)) => {
                let covered = to.min(last + 1).saturating_sub(from.max(first));
                covered.saturating_mul(3) > last - first
            }
            _ => false,
        };
        let rows = sqlx::query!(
            r#"SELECT user_id AS "user_id!", SUM(points)::BIGINT AS "points!",
                      SUM(amount)::BIGINT AS "amount!", SUM(checkins)::BIGINT AS "checkins!",
                      MAX(reached) AS "reached_at!"
               FROM (-- All time: every member's sums.
                     SELECT user_id, points, amount, checkins, last_at AS reached
                     FROM checkin_members
                     WHERE NOT $5 AND guild_id = $1 AND exercise = $2
                     UNION ALL
                     -- A period: the days wholly inside it, as summed ...
                     SELECT user_id, points, amount, checkins, last_at
                     FROM checkin_days
                     WHERE $5 AND NOT $6 AND guild_id = $1 AND exercise = $2
                       AND last_at >= $3 AND last_at < $4 AND first_at >= $3
                     UNION ALL
                     -- ... or, for a long one, member by member.
                     SELECT user_id, SUM(points)::BIGINT, SUM(amount)::BIGINT,
                            SUM(checkins)::BIGINT, MAX(last_at)
                     FROM checkin_days
                     WHERE $5 AND $6 AND guild_id = $1 AND exercise = $2
                       AND first_at >= $3 AND last_at < $4
                     GROUP BY user_id
                     UNION ALL
                     -- Days the period's bounds cut, from their check-ins.
                     SELECT c.user_id, c.points, c.amount, 1, c.occurred_at
                     FROM checkin_days d
                     JOIN checkins c ON c.guild_id = d.guild_id AND c.user_id = d.user_id
                          AND c.occurred_at BETWEEN d.first_at AND d.last_at
                          AND c.local_date = d.local_date
                     WHERE $5 AND d.guild_id = $1 AND d.exercise = $2 AND d.last_at >= $3
                       AND d.first_at < $4 AND (d.first_at < $3 OR d.last_at >= $4)
                       AND ($2 = '*' OR c.exercise = $2)
                       AND c.occurred_at >= $3 AND c.occurred_at < $4
                     UNION ALL
                     -- What retention kept of deleted check-ins, one row a day.
                     SELECT user_id, points, amount, checkins, last_at
                     FROM checkin_day_totals
                     WHERE guild_id = $1 AND last_at >= $3 AND last_at < $4
                       AND ($2 = '*' OR exercise = $2)) AS sums
               GROUP BY user_id
               ORDER BY user_id"#,
            guild_id,
            exercise,
            from,
            to,
            bounded,
            in_member_order
        )
        .fetch_all(&self.pool)
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
        let rows = sqlx::query!(
            r#"SELECT exercise AS "exercise!", SUM(amount)::BIGINT AS "amount!",
                      SUM(points)::BIGINT AS "points!", SUM(moderated)::BIGINT AS "moderated!"
               FROM (-- Days wholly inside the period, as summed.
                     SELECT exercise, amount, points, moderated
                     FROM checkin_days
                     WHERE guild_id = $1 AND user_id = $2 AND exercise <> '*'
                       AND first_at >= $3 AND last_at < $4
                     UNION ALL
                     -- Days the period's bounds cut, from their check-ins.
                     SELECT c.exercise, c.amount, c.points,
                            CASE WHEN c.source = 'moderator' THEN 1 ELSE 0 END
                     FROM checkin_days d
                     JOIN checkins c ON c.guild_id = d.guild_id AND c.user_id = d.user_id
                          AND c.occurred_at BETWEEN d.first_at AND d.last_at
                          AND c.local_date = d.local_date AND c.exercise = d.exercise
                     WHERE d.guild_id = $1 AND d.user_id = $2 AND d.exercise <> '*'
                       AND d.first_at < $4 AND d.last_at >= $3
                       AND (d.first_at < $3 OR d.last_at >= $4)
                       AND c.occurred_at >= $3 AND c.occurred_at < $4
                     UNION ALL
                     -- What retention kept of deleted check-ins, one row a day.
                     SELECT exercise, amount, points, 0
                     FROM checkin_day_totals
                     WHERE guild_id = $1 AND user_id = $2 AND last_at >= $3 AND last_at < $4)
                    AS sums
               GROUP BY exercise"#,
            guild_id,
            user_id,
            millis(from),
            millis(to)
        )
        .fetch_all(&self.pool)
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
        // Text in bytes' order (`C`), as SQLite orders it, whatever the
        // database's collation.
        let rows = sqlx::query_as!(
            CheckInDayRow,
            r#"SELECT local_date, exercise, amount, points, checkins
               FROM checkin_days WHERE guild_id = $1 AND user_id = $2 AND exercise <> '*'
               ORDER BY local_date COLLATE "C", exercise COLLATE "C""#,
            guild_id,
            user_id
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(CheckInDay::try_from).collect()
    }

    pub async fn day_amount(
        &self,
        guild: GuildId,
        user: UserId,
        exercise: &ExerciseKey,
        date: NaiveDate,
    ) -> Result<i64, StoreError> {
        read_day_amount(&self.pool, guild, user, exercise, date).await
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
            r#"SELECT local_date AS "local_date!", exercise AS "exercise!",
                      SUM(amount)::BIGINT AS "amount!", SUM(points)::BIGINT AS "points!",
                      SUM(checkins)::BIGINT AS "checkins!"
               FROM (SELECT local_date, exercise, amount, points, checkins
                     FROM checkin_days
                     WHERE guild_id = $1 AND user_id = $2 AND exercise <> '*'
                       AND local_date >= $3 AND local_date <= $4
                     UNION ALL
                     SELECT local_date, exercise, amount, points, checkins
                     FROM checkin_day_totals
                     WHERE guild_id = $1 AND user_id = $2 AND local_date >= $3
                       AND local_date <= $4) AS days
               GROUP BY local_date, exercise
               ORDER BY local_date COLLATE "C", exercise COLLATE "C""#,
            guild_id,
            user_id,
            first,
            last
        )
        .fetch_all(&self.pool)
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
            r#"SELECT MIN(first) AS "first?" FROM (
                   SELECT MIN(occurred_at) AS first FROM checkins
                   WHERE guild_id = $1 AND user_id = $2
                   UNION ALL
                   SELECT MIN(first_at) FROM checkin_day_totals
                   WHERE guild_id = $1 AND user_id = $2) AS firsts"#,
            guild_id,
            user_id
        )
        .fetch_one(&self.pool)
        .await?;
        crate::store::optional_instant(first)
    }
}

/// Inserts a check-in inside the caller's transaction. Of two deliveries of
/// one interaction, from any processes, the UNIQUE interaction id lets one
/// in: the other waits for it to commit and then reads it.
pub(super) async fn insert_checkin(
    conn: &mut PgConnection,
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
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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
           FROM checkins WHERE interaction_id = $1 AND guild_id = $2"#,
        interaction_id,
        guild_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Recorded::Duplicate(CheckIn::try_from(stored)?))
}

/// How much of one exercise the member logged on one local date, read with
/// `executor` (the pool, or a transaction).
pub(super) async fn read_day_amount<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    guild: GuildId,
    user: UserId,
    exercise: &ExerciseKey,
    date: NaiveDate,
) -> Result<i64, StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let date = date.format("%Y-%m-%d").to_string();
    let total = sqlx::query_scalar!(
        r#"SELECT amount FROM checkin_days
           WHERE guild_id = $1 AND exercise = $2 AND user_id = $3 AND local_date = $4"#,
        guild_id,
        exercise.as_str(),
        user_id,
        date
    )
    .fetch_optional(executor)
    .await?;
    Ok(total.unwrap_or(0))
}

#[cfg(test)]
impl PostgresStore {
    /// The pool, for tests that compare the day sums the triggers keep with
    /// the check-ins.
    pub(in crate::store) fn sums_pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}
