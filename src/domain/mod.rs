//! The rules of secondheart, free of Discord, SQL and clocks.
//!
//! Everything here is a pure function of its inputs: the current instant is
//! always a parameter, never read.

pub mod audit;
pub mod catch_up;
pub mod checkin;
pub mod duration;
pub mod exercise;
pub mod firings;
pub mod goals;
pub mod ids;
pub mod leaderboard;
pub mod member;
pub mod milestones;
pub mod moderation;
pub mod occurrence;
pub mod privacy;
pub mod prompt;
pub mod rotation;
pub mod schedule;
pub mod server;
pub mod shards;
pub mod spec;
pub mod streak;
pub mod team_goal;
pub mod text;
#[cfg(test)]
mod untrusted_input;
pub mod zone;

pub use ids::{
    ChannelId, CheckInId, GuildId, InteractionId, MessageId, OccurrenceId, RoleId, ScheduleId,
    UserId,
};

/// Cases per property test: few, so the suite stays fast on two cores; set
/// `PROPTEST_CASES` (e.g. 20000) for a long run.
#[cfg(test)]
pub(crate) fn proptest_config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    proptest::test_runner::Config::with_cases(cases)
}
