//! Check-ins, stored once per Discord interaction.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    db_id, exercise_key, instant, local_date, millis, snowflake, Backend, Store, StoreError,
};
use crate::domain::checkin::{CheckIn, NewCheckIn, Recorded, Source};
use crate::domain::exercise::ExerciseKey;
use crate::domain::member::MemberPrefs;
use crate::domain::server::ServerSettings;
use crate::domain::{CheckInId, GuildId, InteractionId, OccurrenceId, UserId};

pub(in crate::store) struct CheckInRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) interaction_id: i64,
    pub(in crate::store) guild_id: i64,
    pub(in crate::store) user_id: i64,
    pub(in crate::store) exercise: String,
    pub(in crate::store) amount: i64,
    pub(in crate::store) points: i64,
    pub(in crate::store) occurred_at: i64,
    pub(in crate::store) local_date: String,
    pub(in crate::store) source: String,
    pub(in crate::store) occurrence_id: Option<i64>,
    pub(in crate::store) recorded_by: Option<i64>,
    pub(in crate::store) note: Option<String>,
}

impl CheckInRow {
    /// The row `new` was just stored as under `id`, as reading it back
    /// would give it (the instant to the millisecond), without the trip.
    pub(in crate::store) fn written(id: i64, new: &NewCheckIn) -> Self {
        Self {
            id,
            interaction_id: db_id(new.interaction.0),
            guild_id: db_id(new.guild.0),
            user_id: db_id(new.user.0),
            exercise: new.exercise.as_str().to_owned(),
            amount: i64::from(new.amount),
            points: new.points,
            occurred_at: millis(new.at),
            local_date: new.local_date.format("%Y-%m-%d").to_string(),
            source: new.source.as_str().to_owned(),
            occurrence_id: new.occurrence.map(|o| o.0),
            recorded_by: new.recorded_by.map(|u| db_id(u.0)),
            note: new.note.clone(),
        }
    }
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

/// The `exercise` of `checkin_days` rows that sum a day's every exercise.
pub(in crate::store) const EVERY_EXERCISE: &str = "*";

/// One member's stored check-ins of one exercise on one local date, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInDay {
    pub local_date: NaiveDate,
    pub exercise: ExerciseKey,
    pub amount: i64,
    pub points: i64,
    pub checkins: i64,
}

/// A row of one member's sums of one exercise on one local date (also read
/// from a JSON array of its columns, in this order).
#[derive(serde::Deserialize)]
pub(in crate::store) struct CheckInDayRow {
    pub(in crate::store) local_date: String,
    pub(in crate::store) exercise: String,
    pub(in crate::store) amount: i64,
    pub(in crate::store) points: i64,
    pub(in crate::store) checkins: i64,
}

impl TryFrom<CheckInDayRow> for CheckInDay {
    type Error = StoreError;

    fn try_from(row: CheckInDayRow) -> Result<Self, StoreError> {
        Ok(CheckInDay {
            local_date: local_date(&row.local_date)?,
            exercise: exercise_key(&row.exercise)?,
            amount: row.amount,
            points: row.points,
            checkins: row.checkins,
        })
    }
}

/// One member's sums of one exercise over a period, for `/stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseTotals {
    pub exercise: ExerciseKey,
    pub amount: i64,
    pub points: i64,
    /// How many of the check-ins a moderator logged (kept days have none).
    pub by_moderator: i64,
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

/// What the one-trip check-in wrote and read on its way: the check-in,
/// the member's total of its exercise on its local date, and the server's
/// settings and the member's preferences as the transaction saw them (the
/// name the member goes by already updated), so the receipt need not read
/// them again.
#[derive(Debug, Clone)]
pub struct CheckInWritten {
    pub recorded: Recorded,
    pub day_total: i64,
    pub settings: ServerSettings,
    pub prefs: MemberPrefs,
}

impl Store {
    /// Records a check-in in one trip to the writer, one transaction:
    /// reads the server's settings and the member's preferences, lets
    /// `build` make the check-in of them (or refuse it, with nothing
    /// written), lets `settle` adjust it to the member's amount of its
    /// exercise that day so far (the daily cap), remembers the name the
    /// member goes by if it changed, stores the check-in and reads the member's total of its exercise on
    /// its local date. A check-in for an interaction already stored is not
    /// stored again; the earlier one comes back as [`Recorded::Duplicate`].
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
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => {
                db.record_checkin_with(guild, user, display_name, now, build, settle)
                    .await
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => {
                db.record_checkin_with(guild, user, display_name, now, build, settle)
                    .await
            }
        }
    }
}

dispatch! {
    /// Stores a check-in. A check-in for an interaction already stored is not
    /// stored again; the earlier one comes back as [`Recorded::Duplicate`].
    pub async fn record_checkin(&self, new: NewCheckIn) -> Result<Recorded, StoreError>;

    /// The member's most recent check-in in the server.
    pub async fn latest_checkin(&self, guild: GuildId, user: UserId) -> Result<Option<CheckIn>, StoreError>;

    /// The member's check-ins in the server in `[from, to)`, oldest first.
    pub async fn member_checkins(&self, guild: GuildId, user: UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<CheckIn>, StoreError>;

    /// Removes one of the member's check-ins in the server (`/undo`). Returns
    /// whether it existed; another member's or server's is left alone.
    pub async fn delete_checkin(&self, guild: GuildId, user: UserId, id: CheckInId) -> Result<bool, StoreError>;

    /// Per-member sums in the server over `[from, to)`, of one exercise or of
    /// all. Unranked: ranking is a domain rule.
    pub async fn member_totals(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>, exercise: Option<&ExerciseKey>) -> Result<Vec<MemberTotal>, StoreError>;

    /// The member's sums per exercise over `[from, to)`, retention's kept
    /// days included, in no particular order.
    pub async fn member_exercise_totals(&self, guild: GuildId, user: UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ExerciseTotals>, StoreError>;

    /// The member's stored check-ins summed per local date and exercise
    /// (retention's kept days not included), oldest first.
    pub async fn member_days(&self, guild: GuildId, user: UserId) -> Result<Vec<CheckInDay>, StoreError>;

    /// How much of one exercise the member logged on one local date.
    pub async fn day_amount(&self, guild: GuildId, user: UserId, exercise: &ExerciseKey, date: chrono::NaiveDate) -> Result<i64, StoreError>;

    /// The member's sums per local date and exercise from `first` to `last`
    /// (inclusive), check-ins and the days retention kept alike, oldest
    /// first: what the `/stats` chart draws.
    pub async fn member_days_between(&self, guild: GuildId, user: UserId, first: NaiveDate, last: NaiveDate) -> Result<Vec<CheckInDay>, StoreError>;

    /// When the member first checked in in the server; consistency counts
    /// prompts from then on.
    pub async fn first_checkin_at(&self, guild: GuildId, user: UserId) -> Result<Option<DateTime<Utc>>, StoreError>;
}

#[cfg(test)]
pub(crate) mod tests;
