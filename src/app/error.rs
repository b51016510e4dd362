//! Errors of use cases: a member's mistake, shown to them, or an internal
//! failure, logged with its context and shown only as an apology.

use thiserror::Error;

use crate::domain::exercise::AmountError;
use crate::domain::leaderboard::{UnknownMetric, UnknownPeriod};
use crate::domain::rotation::RotationError;
use crate::domain::server::QuietError;
use crate::domain::spec::SpecError;
use crate::domain::zone::UnknownZone;
use crate::store::StoreError;

/// A mistake a member can fix, or a condition they should know about. The
/// `Display` is the sentence they read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("There is no exercise `{key}`. Pick one of: {choices}.")]
    UnknownExercise { key: String, choices: String },
    #[error("{name} is turned off in this server.")]
    ExerciseOff { name: String },
    #[error("{0}.")]
    Amount(#[from] AmountError),
    #[error("Your note is {length} characters long; please keep it to {max}.")]
    NoteTooLong { length: usize, max: usize },
    #[error("The bot's storage is busy or full right now, so nothing was saved. Please try again in a minute.")]
    TryLater,
    #[error("That member keeps their stats private.")]
    PrivateStats,
    #[error("You have no check-in here to undo.")]
    NothingToUndo,
    #[error(
        "Your latest check-in is {minutes} minutes old; /undo works for an hour after a check-in."
    )]
    TooOldToUndo { minutes: i64 },
    #[error("{}.", capitalize(&.0.to_string()))]
    Rotation(#[from] RotationError),
    #[error("{}.", capitalize(&.0.to_string()))]
    UnknownZone(#[from] UnknownZone),
    #[error("{}.", capitalize(&.0.to_string()))]
    UnknownPeriod(#[from] UnknownPeriod),
    #[error("{}.", capitalize(&.0.to_string()))]
    UnknownMetric(#[from] UnknownMetric),
    #[error("Ranking by amount needs an exercise: add the `exercise` option.")]
    AmountNeedsExercise,
    #[error("{}.", capitalize(&.0.to_string()))]
    GoalTarget(#[from] crate::domain::goals::TargetOutOfBounds),
    #[error("{}.", capitalize(&.0.to_string()))]
    UnknownTeamMetric(#[from] crate::domain::team_goal::UnknownTeamMetric),
    #[error("A team goal's target is a whole number from 1 to {max}.")]
    TeamTarget { max: u32 },
    #[error("A vacation lasts 1 to {max} days.")]
    VacationDays { max: u32 },
    #[error("You are not on vacation.")]
    NoVacation,
    #[error("Role rewards are for streaks of 7, 30 or 100 days.")]
    MilestoneDays,
    #[error("I cannot give that role: {reason}.")]
    CannotGrantRole { reason: String },
    #[error("This command works in a server, not in direct messages.")]
    ServerOnly,
    #[error("Only moderators can do that: members with Manage Server, or with the server's moderator role.")]
    NotModerator,
    #[error("I could not find that role in this server.")]
    UnknownRole,
    #[error("I could not find that channel in this server.")]
    UnknownChannel,
    #[error("Prompts go to text channels; pick one.")]
    NotATextChannel,
    #[error("Give a new role or remove_role, not both.")]
    RoleOrRemove,
    #[error("I cannot post there: I am missing {missing} in that channel.")]
    ChannelPermissions { missing: String },
    #[error("The role {name} cannot be mentioned; allow anyone to mention it in the server's role settings, or pick another role.")]
    RoleNotMentionable { name: String },
    #[error("Give either a schedule number (`id`) or a spec to try (`when`).")]
    IdOrWhen,
    #[error("There is no schedule #{0} in this server; /schedule list shows them.")]
    UnknownSchedule(i64),
    #[error("This server has {max} schedules, the most allowed; remove one first.")]
    TooManySchedules { max: u32 },
    #[error("Please give `{0}`.")]
    Missing(&'static str),
    #[error("Nothing to change: give at least one option.")]
    NothingToChange,
    #[error(
        "`{0}` is not a date such as 2027-12-31 or an instant such as 2027-12-31T18:00:00+01:00."
    )]
    BadInstant(String),
    #[error("`{0}` is in the past.")]
    InThePast(String),
    #[error("`{0}` is not a duration such as 30m, 2h, 3d or 1w (at most a year).")]
    BadDuration(String),
    #[error("{}", capitalize_sentence(&.0.to_string()))]
    Spec(#[from] SpecError),
    #[error("{}.", capitalize(&.0.to_string()))]
    Quiet(#[from] QuietError),
    #[error("This prompt is not one I can log anything for any more; use /checkin instead.")]
    StalePrompt,
    #[error("Choose a leaderboard channel first with /settings leaderboard-channel.")]
    NoLeaderboardChannel,
    #[error("Choose `this-week` or `last-week`.")]
    BoardWeek,
    #[error("The export is {megabytes} MB even compressed, more than Discord takes in one message; ask the bot's operator for a copy.")]
    ExportTooBig { megabytes: u64 },
}

/// The sentence with a capital first letter.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The sentence capitalized, with a full stop unless it ends in one already.
fn capitalize_sentence(text: &str) -> String {
    let text = capitalize(text);
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

/// Why a use case failed.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if error.is_transient() {
            // The member is told to try later; the operator needs to know why.
            tracing::warn!(%error, "storage unavailable; a request was refused");
            AppError::User(UserError::TryLater)
        } else {
            AppError::Internal(anyhow::Error::new(error))
        }
    }
}
