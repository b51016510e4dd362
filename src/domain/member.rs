//! What the bot keeps about a member of one server.

use chrono_tz::Tz;

use super::{GuildId, UserId};

/// A member's preferences in one server. Members the bot has never seen have
/// the default: no own time zone, ranked on leaderboards, no known name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPrefs {
    pub guild: GuildId,
    pub user: UserId,
    /// The member's own zone for streak days; `None` uses the server's.
    pub timezone: Option<Tz>,
    pub leaderboard_opt_out: bool,
    /// The display name as the bot last saw it, shown on leaderboards.
    pub display_name: Option<String>,
}

impl MemberPrefs {
    pub fn new(guild: GuildId, user: UserId) -> Self {
        Self {
            guild,
            user,
            timezone: None,
            leaderboard_opt_out: false,
            display_name: None,
        }
    }
}
