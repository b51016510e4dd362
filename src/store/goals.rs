//! Goals, vacations and the team goal.

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::team_goal::TeamGoal;
use crate::domain::{GuildId, UserId};

/// One exercise's sums in a server over a period, for the team goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseSum {
    pub exercise: String,
    pub amount: i64,
    pub points: i64,
    pub checkins: i64,
}

pub(in crate::store) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

dispatch! {
    postgres: pending;

    /// The server's goal targets as its moderators changed them.
    pub async fn server_goals(&self, guild: GuildId) -> Result<TargetChange, StoreError>;

    /// Stores the server's goal targets (`None`: the guidance's default).
    pub async fn set_server_goals(&self, guild: GuildId, goals: TargetChange, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// The member's own goal settings in the server.
    pub async fn member_goals(&self, guild: GuildId, user: UserId) -> Result<MemberGoals, StoreError>;

    /// Stores the member's own goal settings.
    pub async fn set_member_goals(&self, guild: GuildId, user: UserId, goals: MemberGoals, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// The member's vacations in the server, earliest first.
    pub async fn vacations(&self, guild: GuildId, user: UserId) -> Result<Vec<Vacation>, StoreError>;

    /// Starts a vacation on `today`, replacing what is left of one that is
    /// running (its days before today stay).
    pub async fn start_vacation(&self, guild: GuildId, user: UserId, today: NaiveDate, vacation: Vacation, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Ends the member's vacations from `today` on; whether one was running.
    pub async fn end_vacation(&self, guild: GuildId, user: UserId, today: NaiveDate) -> Result<bool, StoreError>;

    /// The server's team goal, if set.
    pub async fn team_goal(&self, guild: GuildId) -> Result<Option<TeamGoal>, StoreError>;

    /// Sets the server's team goal.
    pub async fn set_team_goal(&self, guild: GuildId, goal: TeamGoal, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Sums per exercise of the whole server in `[from, to)`.
    pub async fn exercise_sums(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ExerciseSum>, StoreError>;
}
