//! Schedules: when and where a server's prompts fire.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::exercise::ExerciseKey;
use super::{ChannelId, GuildId, RoleId, ScheduleId, UserId};

/// Whether a schedule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleState {
    Active,
    /// Paused by a moderator; resumes by itself at `until` if one is set.
    Paused {
        until: Option<DateTime<Utc>>,
    },
    /// Paused because posting failed for good (the channel is gone or not
    /// writable); `reason` is shown to moderators.
    PausedByError {
        reason: String,
    },
}

impl ScheduleState {
    pub fn is_active(&self) -> bool {
        matches!(self, ScheduleState::Active)
    }
}

/// A moderator's schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: ScheduleId,
    pub guild: GuildId,
    pub channel: ChannelId,
    /// Prompted in rotation; at least one.
    pub exercises: Vec<ExerciseKey>,
    /// The cron expression or friendly form, as the moderator wrote it.
    pub spec: String,
    pub timezone: Tz,
    pub role: Option<RoleId>,
    pub expires_at: Option<DateTime<Utc>>,
    pub state: ScheduleState,
    /// The next firing; `None` when it will never fire again.
    pub next_due_at: Option<DateTime<Utc>>,
    pub last_fired_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A schedule about to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub exercises: Vec<ExerciseKey>,
    pub spec: String,
    pub timezone: Tz,
    pub role: Option<RoleId>,
    pub expires_at: Option<DateTime<Utc>>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub at: DateTime<Utc>,
}
