//! Schedules and their stored next due instant.

pub(in crate::store) mod row;

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::schedule::{NewSchedule, Schedule};
use crate::domain::{GuildId, ScheduleId};

dispatch! {
    /// Creates a schedule, active.
    pub async fn insert_schedule(&self, new: NewSchedule) -> Result<Schedule, StoreError>;

    /// The server's schedule with this id; another server's is `None`, exactly
    /// like one that does not exist.
    pub async fn schedule(&self, guild: GuildId, id: ScheduleId) -> Result<Option<Schedule>, StoreError>;

    /// All of the server's schedules, oldest first.
    pub async fn schedules(&self, guild: GuildId) -> Result<Vec<Schedule>, StoreError>;

    /// The server's leaderboard schedule, if it has one.
    pub async fn board_schedule(&self, guild: GuildId) -> Result<Option<Schedule>, StoreError>;

    /// Removes the server's leaderboard schedule; whether it had one.
    pub async fn remove_board_schedule(&self, guild: GuildId) -> Result<bool, StoreError>;

    /// How many schedules the server has, for the per-server limit.
    pub async fn count_schedules(&self, guild: GuildId) -> Result<u32, StoreError>;

    /// Stores everything a moderator can change about a schedule, and its
    /// state and next due instant. A new list of exercises starts its
    /// rotation at the first; otherwise the rotation stays where the claims
    /// have moved it. Returns whether the server has it.
    pub async fn update_schedule(&self, schedule: &Schedule, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Removes a schedule; its past occurrences stay for the records. Returns
    /// whether the server had it.
    pub async fn remove_schedule(&self, guild: GuildId, id: ScheduleId) -> Result<bool, StoreError>;

    /// The earliest next due instant of any schedule that will fire: active
    /// ones, and ones paused until a set time (their next due instant is
    /// after the pause). When the scheduler next has work.
    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// How many schedules are active (not paused in any way) and will fire
    /// again, across all servers.
    pub async fn active_schedules(&self) -> Result<u64, StoreError>;

    /// Schedules due at or before `at` (active, or paused until a time that
    /// has come), earliest first, across all servers (the scheduler's view).
    pub async fn due_schedules(&self, at: DateTime<Utc>, limit: u32) -> Result<Vec<Schedule>, StoreError>;

    /// Pauses a schedule because its prompts cannot be posted (the channel
    /// is gone or not writable), with the reason moderators will read. The
    /// next moderator command in the server tells them, once.
    pub async fn pause_schedule_for_error(&self, guild: GuildId, id: ScheduleId, reason: String, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// The server's schedules paused by an error that moderators have not
    /// been told about, marked as told.
    pub async fn take_pause_notices(&self, guild: GuildId) -> Result<Vec<(ScheduleId, String)>, StoreError>;

    /// Puts back notices that could not be delivered, for the next
    /// moderator command (of schedules still paused by an error).
    pub async fn restore_pause_notices(&self, guild: GuildId, ids: Vec<ScheduleId>) -> Result<(), StoreError>;

    /// Ends a pause whose time has come: the schedule is active again.
    pub async fn end_pause(&self, id: ScheduleId, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Moves a schedule on after it fired (or was skipped) at `fired_at`,
    /// if its next due instant is still `handled`: a moderator's change or
    /// another process's advance in the meantime wins. Returns whether it
    /// moved.
    pub async fn advance_schedule(&self, id: ScheduleId, handled: DateTime<Utc>, fired_at: DateTime<Utc>, next_due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<bool, StoreError>;
}

#[cfg(test)]
pub(crate) mod tests;
