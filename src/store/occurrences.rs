//! Occurrences: claimed before they are posted, so each firing goes out at
//! most once even with two processes on one database.

use chrono::{DateTime, Utc};

use super::{exercise_key, instant, optional_instant, snowflake, StoreError};
use crate::domain::exercise::ExerciseKey;
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim, OccurrenceState};
use crate::domain::{ChannelId, GuildId, MessageId, OccurrenceId, ScheduleId};

pub(in crate::store) struct OccurrenceRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) schedule_id: Option<i64>,
    pub(in crate::store) guild_id: i64,
    pub(in crate::store) channel_id: i64,
    pub(in crate::store) exercise: String,
    pub(in crate::store) due_at: i64,
    pub(in crate::store) state: String,
    pub(in crate::store) claim_owner: Option<String>,
    pub(in crate::store) lease_until: Option<i64>,
    pub(in crate::store) message_id: Option<i64>,
    pub(in crate::store) attempts: i64,
    pub(in crate::store) detail: Option<String>,
    pub(in crate::store) tip_index: Option<i64>,
    pub(in crate::store) created_at: i64,
}

impl TryFrom<OccurrenceRow> for Occurrence {
    type Error = StoreError;

    fn try_from(row: OccurrenceRow) -> Result<Self, StoreError> {
        Ok(Occurrence {
            id: OccurrenceId(row.id),
            schedule: row.schedule_id.map(ScheduleId),
            guild: GuildId(snowflake(row.guild_id)),
            channel: ChannelId(snowflake(row.channel_id)),
            // Board posts have no exercise.
            exercise: match row.exercise.as_str() {
                "" => None,
                key => Some(exercise_key(key)?),
            },
            due_at: instant(row.due_at)?,
            state: OccurrenceState::parse(&row.state)
                .ok_or_else(|| StoreError::Corrupt(format!("occurrence state `{}`", row.state)))?,
            claim_owner: row.claim_owner,
            lease_until: optional_instant(row.lease_until)?,
            message: row.message_id.map(|id| MessageId(snowflake(id))),
            attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            detail: row.detail,
            tip: row.tip_index.and_then(|t| u32::try_from(t).ok()),
            created_at: instant(row.created_at)?,
        })
    }
}

/// How an occurrence that was claimed ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Posted(MessageId),
    Failed(String),
    Unknown(String),
}

dispatch! {
    /// Records the firing and claims it for `claim.owner` until the lease ends,
    /// in one transaction. A firing already claimed by another process whose
    /// lease has not run out, or already finished, is not claimed again.
    pub async fn claim_occurrence(&self, claim: OccurrenceClaim) -> Result<ClaimOutcome, StoreError>;

    /// Records a firing that is deliberately not posted (missed by more than
    /// the catch-up window, or in quiet hours), with the exercise it would
    /// have prompted (`None` for a board); it takes no rotation turn.
    /// Returns `false` if the firing was already recorded, whatever its state.
    pub async fn record_skipped(&self, schedule: ScheduleId, exercise: Option<&ExerciseKey>, due_at: DateTime<Utc>, reason: String, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Ends a claim. Only the owner can end it; returns whether it did (a
    /// claim taken over by another process after its lease ran out is that
    /// process's to end).
    pub async fn finish_occurrence(&self, id: OccurrenceId, owner: &str, finish: Finish, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// The server's occurrence with this id; another server's is `None`.
    pub async fn occurrence(&self, guild: GuildId, id: OccurrenceId) -> Result<Option<Occurrence>, StoreError>;

    /// Which slot of its schedule's rotation the server's occurrence took;
    /// `None` for a board, a skipped firing or an older prompt.
    pub async fn rotation_slot(&self, guild: GuildId, id: OccurrenceId) -> Result<Option<usize>, StoreError>;

    /// Claims not finished, across all servers: after a restart these are
    /// reconciled before anything is posted again.
    pub async fn unfinished_occurrences(&self) -> Result<Vec<Occurrence>, StoreError>;

    /// Renews this owner's claim until `lease_until`, just before posting.
    /// `None` if it is no longer this owner's (another process took it over
    /// after the lease ran out) or is finished: then this owner must not post.
    pub async fn renew_claim(&self, id: OccurrenceId, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Option<Occurrence>, StoreError>;

    /// Claims whose lease ran out before they were finished: the process
    /// posting them stopped. Oldest first.
    pub async fn expired_claims(&self, now: DateTime<Utc>) -> Result<Vec<Occurrence>, StoreError>;

    /// When the first unfinished claim's lease runs out: the scheduler wakes
    /// then to take it over if its owner has not finished it.
    pub async fn earliest_lease_end(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Takes over a claim whose lease has run out, for `owner` until
    /// `lease_until`. `None` if it was finished or taken over meanwhile.
    pub async fn take_over_claim(&self, id: OccurrenceId, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Option<Occurrence>, StoreError>;

    /// How many prompts were posted in the server in `[from, to)`: the
    /// denominator of consistency.
    pub async fn count_posted(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<u32, StoreError>;
}

#[cfg(test)]
pub(crate) mod tests;
