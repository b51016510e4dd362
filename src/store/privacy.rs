//! What members own: their rows for an export, deleting them on request,
//! and retention of old rows.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::BoxStream;

use super::{Backend, Store, StoreError};
use crate::domain::checkin::CheckIn;
use crate::domain::exercise::ExerciseKey;
use crate::domain::{GuildId, UserId};

/// A member's answer to a prompt, for their export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub answered_at: DateTime<Utc>,
    /// The prompt's exercise (empty for a leaderboard post).
    pub exercise: String,
    /// `done`, `done_twice` or `not_now`.
    pub answer: String,
}

/// One member's day of one exercise as retention kept it: sums, no notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDay {
    pub user: UserId,
    pub local_date: NaiveDate,
    pub exercise: ExerciseKey,
    pub amount: i64,
    pub points: i64,
    pub checkins: i64,
    /// The latest check-in summed: where the day falls in a period.
    pub last_at: DateTime<Utc>,
}

/// A check-in of a server's export, with the member's name as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCheckIn {
    pub checkin: CheckIn,
    pub display_name: Option<String>,
}

/// What deleting a member's data removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub checkins: u64,
    pub answers: u64,
}

/// Row ids as a JSON array, read with `json_each`: one statement for any
/// number.
pub(in crate::store) fn json_ids(ids: &[i64]) -> String {
    format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    )
}

impl Store {
    /// Every check-in of the server, oldest first, read as it is consumed:
    /// an export of a big server never holds them all.
    pub fn server_checkins(
        &self,
        guild: GuildId,
    ) -> BoxStream<'_, Result<ServerCheckIn, StoreError>> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.server_checkins(guild),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Box::pin(futures_util::stream::once(async {
                Err(StoreError::Unsupported("server_checkins"))
            })),
        }
    }

    /// How many rows `table` holds (tests name a fixed table).
    #[cfg(test)]
    pub(crate) async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.count_rows(table).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Err(StoreError::Unsupported("count_rows")),
        }
    }
}

dispatch! {
    postgres: pending;

    /// The member's answers to prompts in the server, oldest first.
    pub async fn member_answers(&self, guild: GuildId, user: UserId) -> Result<Vec<AnswerRecord>, StoreError>;

    /// The days retention kept of the member's deleted check-ins, oldest
    /// first.
    pub async fn member_kept_days(&self, guild: GuildId, user: UserId) -> Result<Vec<KeptDay>, StoreError>;

    /// Deletes everything the server holds about the member, in one
    /// transaction: their check-ins, kept days, answers, snoozes and
    /// preferences. Where their id stands in others' rows (check-ins they
    /// logged as a moderator, schedules they made, audit entries) it is
    /// cleared; the audit log records the deletion without the id.
    pub async fn forget_member(&self, guild: GuildId, user: UserId, at: DateTime<Utc>) -> Result<Forgotten, StoreError>;

    /// Deletes up to `limit` of the oldest check-ins from before `cutoff`
    /// (every server's), adding their sums to the kept daily totals first.
    /// Returns how many it deleted; 0 when none is left.
    pub async fn expire_checkins(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<u64, StoreError>;

    /// Deletes up to `limit` prompt answers, then (once none is left)
    /// finished prompts, from before `cutoff`. Returns how many it deleted.
    pub async fn expire_prompts(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<u64, StoreError>;
}
