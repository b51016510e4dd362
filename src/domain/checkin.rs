//! Check-ins: one member logging one exercise.

use chrono::{DateTime, NaiveDate, Utc};

use super::exercise::ExerciseKey;
use super::{CheckInId, GuildId, InteractionId, OccurrenceId, UserId};

/// Where a check-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `/checkin`.
    Command,
    /// A "Done" button on a prompt.
    Button,
    /// A moderator logging for a member.
    Moderator,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Command => "command",
            Source::Button => "button",
            Source::Moderator => "moderator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "command" => Some(Source::Command),
            "button" => Some(Source::Button),
            "moderator" => Some(Source::Moderator),
            _ => None,
        }
    }
}

/// A validated check-in about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckIn {
    /// The Discord interaction that asked for it; a redelivered interaction is
    /// stored once.
    pub interaction: InteractionId,
    pub guild: GuildId,
    pub user: UserId,
    pub exercise: ExerciseKey,
    pub amount: u32,
    pub points: i64,
    pub at: DateTime<Utc>,
    /// The member's calendar date at `at`, in the member's zone (else the
    /// server's); streaks count these dates.
    pub local_date: NaiveDate,
    pub source: Source,
    /// The prompt this answers, if any.
    pub occurrence: Option<OccurrenceId>,
    /// The moderator who logged it, for [`Source::Moderator`].
    pub recorded_by: Option<UserId>,
    pub note: Option<String>,
}

/// A stored check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub id: CheckInId,
    pub interaction: InteractionId,
    pub guild: GuildId,
    pub user: UserId,
    pub exercise: ExerciseKey,
    pub amount: u32,
    pub points: i64,
    pub at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub source: Source,
    pub occurrence: Option<OccurrenceId>,
    pub recorded_by: Option<UserId>,
    pub note: Option<String>,
}

/// What storing a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored now.
    New(CheckIn),
    /// This interaction was stored before; here is that check-in, unchanged.
    Duplicate(CheckIn),
}

impl Recorded {
    pub fn checkin(&self) -> &CheckIn {
        match self {
            Recorded::New(c) | Recorded::Duplicate(c) => c,
        }
    }
}
