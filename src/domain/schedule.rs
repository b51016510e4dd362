//! Schedules: when and where a server's prompts fire.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::exercise::ExerciseKey;
use super::leaderboard::Period;
use super::rotation::{self, Turn};
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

/// Which week a leaderboard post shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardWeek {
    This,
    Last,
}

impl BoardWeek {
    pub fn key(self) -> &'static str {
        match self {
            BoardWeek::This => "this-week",
            BoardWeek::Last => "last-week",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "this-week" | "this" => Some(BoardWeek::This),
            "last-week" | "last" => Some(BoardWeek::Last),
            _ => None,
        }
    }

    pub fn period(self) -> Period {
        match self {
            BoardWeek::This => Period::ThisWeek,
            BoardWeek::Last => Period::LastWeek,
        }
    }
}

/// What a schedule posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// Movement prompts with buttons.
    Prompt,
    /// The server's leaderboard for a week; one such schedule per server.
    Board(BoardWeek),
}

/// A moderator's schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: ScheduleId,
    pub guild: GuildId,
    pub kind: ScheduleKind,
    pub channel: ChannelId,
    /// Prompted in rotation, in this order; at least one for prompts, none
    /// for boards.
    pub exercises: Vec<ExerciseKey>,
    /// How many firings it has prompted since its exercises were last set;
    /// which exercise comes next follows from it.
    pub rotation_turns: u64,
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

impl Schedule {
    /// The turn its next firing takes; `None` for a board.
    pub fn next_turn(&self) -> Option<Turn> {
        let slot = rotation::slot(self.rotation_turns, self.exercises.len())?;
        Some(Turn {
            taken: self.rotation_turns,
            slot,
        })
    }

    /// The exercise its next firing prompts; `None` for a board.
    pub fn next_exercise(&self) -> Option<&ExerciseKey> {
        self.next_turn()
            .and_then(|turn| self.exercises.get(turn.slot))
    }
}

/// A schedule about to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub guild: GuildId,
    pub kind: ScheduleKind,
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
