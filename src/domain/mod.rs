//! The rules of secondheart, free of Discord, SQL and clocks.
//!
//! Everything here is a pure function of its inputs: the current instant is
//! always a parameter, never read.

pub mod audit;
pub mod checkin;
pub mod exercise;
pub mod firings;
pub mod ids;
pub mod member;
pub mod occurrence;
pub mod schedule;
pub mod server;
pub mod spec;

pub use ids::{
    ChannelId, CheckInId, GuildId, InteractionId, MessageId, OccurrenceId, RoleId, ScheduleId,
    UserId,
};
