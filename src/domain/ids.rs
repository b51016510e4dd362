//! Typed identifiers, so a channel id can never be passed where a guild id is
//! expected.
//!
//! Discord ids are snowflakes (`u64`); the bot's own row ids are `i64`.

use std::fmt;

macro_rules! snowflake {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

snowflake! {
    /// A Discord server.
    GuildId,
    /// A channel of a server.
    ChannelId,
    /// A Discord user; in a server, a member.
    UserId,
    /// A role of a server.
    RoleId,
    /// A message in a channel.
    MessageId,
    /// One Discord interaction (a slash command or a button click). Discord may
    /// deliver it more than once; it is acted on once.
    InteractionId,
}

row_id! {
    /// A schedule, as numbered by the bot. Ids are never reused.
    ScheduleId,
    /// One firing of a schedule.
    OccurrenceId,
    /// One recorded check-in.
    CheckInId,
}
