//! Occurrences: single firings of a schedule, and members' answers to them.

use chrono::{DateTime, Utc};

use super::exercise::ExerciseKey;
use super::rotation::Turn;
use super::{
    ChannelId, CheckInId, GuildId, InteractionId, MessageId, OccurrenceId, ScheduleId, UserId,
};

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceState {
    /// A process has claimed it and is posting it.
    Claimed,
    /// The prompt is in the channel.
    Posted,
    /// Deliberately not posted (missed by more than the catch-up window, quiet hours).
    Skipped,
    /// Posting failed for good.
    Failed,
    /// A post may or may not have gone out and the channel could not be read
    /// to tell; it is not retried, to rule out a double post.
    Unknown,
}

impl OccurrenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            OccurrenceState::Claimed => "claimed",
            OccurrenceState::Posted => "posted",
            OccurrenceState::Skipped => "skipped",
            OccurrenceState::Failed => "failed",
            OccurrenceState::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "claimed" => OccurrenceState::Claimed,
            "posted" => OccurrenceState::Posted,
            "skipped" => OccurrenceState::Skipped,
            "failed" => OccurrenceState::Failed,
            "unknown" => OccurrenceState::Unknown,
            _ => return None,
        })
    }

    /// Whether nothing more will happen to it.
    pub fn is_final(self) -> bool {
        self != OccurrenceState::Claimed
    }
}

/// One firing of a schedule at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub id: OccurrenceId,
    /// `None` once the schedule has been removed.
    pub schedule: Option<ScheduleId>,
    pub guild: GuildId,
    pub channel: ChannelId,
    /// What the prompt asks for; `None` for a leaderboard post.
    pub exercise: Option<ExerciseKey>,
    pub due_at: DateTime<Utc>,
    pub state: OccurrenceState,
    pub claim_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub message: Option<MessageId>,
    pub attempts: u32,
    pub detail: Option<String>,
    /// Which of the exercise's catalog tips the prompt shows.
    pub tip: Option<u32>,
    /// When it was first claimed (or recorded as skipped).
    pub created_at: DateTime<Utc>,
}

/// The firing a process wants to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccurrenceClaim {
    pub schedule: ScheduleId,
    pub due_at: DateTime<Utc>,
    /// What the prompt asks for; `None` for a leaderboard post.
    pub exercise: Option<ExerciseKey>,
    /// The schedule's rotation turn the prompt takes (its exercise is the
    /// one in that slot); a new firing moves the rotation on, if the schedule
    /// still has `taken` turns. `None` for a leaderboard post.
    pub turn: Option<Turn>,
    /// Who claims it: an id unique to one running process.
    pub owner: String,
    pub now: DateTime<Utc>,
    /// How long the claim holds before another process may take it over.
    pub lease_until: DateTime<Utc>,
    /// How many tips the exercise has in the catalog; the prompt shows the
    /// one after the last shown in the channel.
    pub tips: u32,
}

/// The result of trying to claim a firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This process owns it now and should post it.
    Claimed(Occurrence),
    /// Another process holds an unexpired claim.
    HeldElsewhere(Occurrence),
    /// It is finished (posted, skipped, failed or unknown).
    Finished(Occurrence),
    /// The schedule does not exist (any more).
    NoSchedule,
}

/// A member's answer to a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Done,
    DoneTwice,
    NotNow,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Done => "done",
            Answer::DoneTwice => "done_twice",
            Answer::NotNow => "not_now",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "done" => Answer::Done,
            "done_twice" => Answer::DoneTwice,
            "not_now" => Answer::NotNow,
            _ => return None,
        })
    }
}

/// A stored answer; one per member and occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptAnswer {
    pub occurrence: OccurrenceId,
    pub guild: GuildId,
    pub user: UserId,
    pub answer: Answer,
    pub checkin: Option<CheckInId>,
    pub at: DateTime<Utc>,
}

/// A member's "Snooze": a private reminder about a prompt, sent through the
/// click's interaction token when `due_at` comes.
#[derive(Clone, PartialEq, Eq)]
pub struct Snooze {
    pub interaction: InteractionId,
    pub guild: GuildId,
    pub user: UserId,
    pub occurrence: OccurrenceId,
    /// Discord's interaction token: it lets the bot send the member a
    /// private follow-up until `token_expires_at`. Never logged.
    pub token: String,
    pub due_at: DateTime<Utc>,
    pub token_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Snooze {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snooze")
            .field("interaction", &self.interaction)
            .field("guild", &self.guild)
            .field("user", &self.user)
            .field("occurrence", &self.occurrence)
            .field("due_at", &self.due_at)
            .field("token_expires_at", &self.token_expires_at)
            .finish_non_exhaustive()
    }
}
