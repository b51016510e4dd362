//! What the scheduler asks of the store, as use cases: the schedules that
//! are due and when the next one is, the claims of their occurrences (taken,
//! renewed while posting, taken over from a process that stopped, finished),
//! firings skipped, and schedules moved on or paused for an error.
//!
//! The scheduler decides; these record. Errors are the store's, so the
//! scheduler logs what really failed (a busy database is not a member's
//! "try again later").

use chrono::{DateTime, Utc};

use super::App;
use crate::domain::exercise::ExerciseKey;
use crate::domain::firings::Quiet;
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim};
use crate::domain::schedule::Schedule;
use crate::domain::{GuildId, OccurrenceId, ScheduleId};

pub use crate::store::{Finish, StoreError};

impl App {
    /// Up to `limit` schedules whose next firing is due at `now`, earliest
    /// first.
    pub async fn due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Schedule>, StoreError> {
        self.store.due_schedules(now, limit).await
    }

    /// When the earliest schedule is due next, if any is running.
    pub async fn next_firing_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.store.earliest_due().await
    }

    /// How many schedules are active, across all servers.
    pub async fn active_schedules(&self) -> Result<u64, StoreError> {
        self.store.active_schedules().await
    }

    /// The quiet hours and days of `guild`, in its zone (the default zone if
    /// it chose none).
    pub async fn quiet_of(&self, guild: GuildId) -> Result<Quiet, StoreError> {
        let settings = self.store.server_settings(guild).await?;
        Ok(self.quiet(&settings))
    }

    /// Resumes a schedule whose timed pause ended by `now`; whether it did.
    pub async fn end_pause(&self, id: ScheduleId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.store.end_pause(id, now).await
    }

    /// Stops a schedule that cannot go on (its channel is gone, its timing
    /// no longer reads), with the reason moderators are told once.
    pub async fn pause_for_error(
        &self,
        guild: GuildId,
        id: ScheduleId,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .pause_schedule_for_error(guild, id, reason, now)
            .await
    }

    /// Records a firing that is not posted (missed too long ago); `false` if
    /// it was recorded already.
    pub async fn record_skipped(
        &self,
        schedule: ScheduleId,
        exercise: Option<&ExerciseKey>,
        due_at: DateTime<Utc>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .record_skipped(schedule, exercise, due_at, reason, now)
            .await
    }

    /// Moves a schedule on past the firings handled up to `handled`
    /// (`fired` is the one that took its turn), to `next`.
    pub async fn advance_schedule(
        &self,
        id: ScheduleId,
        handled: DateTime<Utc>,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .advance_schedule(id, handled, fired, next, now)
            .await
    }

    /// Records a firing and claims it for posting, unless another process
    /// holds it or it is finished.
    pub async fn claim_occurrence(
        &self,
        claim: OccurrenceClaim,
    ) -> Result<ClaimOutcome, StoreError> {
        self.store.claim_occurrence(claim).await
    }

    /// Extends `owner`'s claim to `lease_until`: the heartbeat of a post in
    /// progress. `None` if the claim is no longer `owner`'s.
    pub async fn renew_claim(
        &self,
        id: OccurrenceId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Occurrence>, StoreError> {
        self.store.renew_claim(id, owner, now, lease_until).await
    }

    /// Ends `owner`'s claim's lease at `now`, unposted, so another process
    /// takes it over at once; `false` if it is no longer `owner`'s.
    pub async fn release_claim(
        &self,
        id: OccurrenceId,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let released = self.store.renew_claim(id, owner, now, now).await?;
        Ok(released.is_some())
    }

    /// Claims whose lease ran out before `now`: their owner stopped.
    pub async fn expired_claims(&self, now: DateTime<Utc>) -> Result<Vec<Occurrence>, StoreError> {
        self.store.expired_claims(now).await
    }

    /// When the earliest claim's lease runs out, if any claim is open.
    pub async fn next_lease_end(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.store.earliest_lease_end().await
    }

    /// Takes an expired claim over for `owner`; `None` if another process
    /// was first or it was finished meanwhile.
    pub async fn take_over_claim(
        &self,
        id: OccurrenceId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Occurrence>, StoreError> {
        self.store
            .take_over_claim(id, owner, now, lease_until)
            .await
    }

    /// Records how `owner`'s post of a claim ended; `false` if the claim was
    /// taken over meanwhile (it is the other process's to finish).
    pub async fn finish_occurrence(
        &self,
        id: OccurrenceId,
        owner: &str,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store.finish_occurrence(id, owner, finish, now).await
    }
}
