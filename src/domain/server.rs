//! Per-server settings.

use std::collections::BTreeSet;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;

use super::exercise::ExerciseKey;
use super::{ChannelId, GuildId, RoleId};

/// A daily window, in the server's zone, in which no prompt fires. `start`
/// after `end` wraps past midnight (19:00-08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A set of weekdays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekdaySet(u8);

impl WeekdaySet {
    pub const EMPTY: WeekdaySet = WeekdaySet(0);

    /// From a bit mask with bit 0 for Monday; `None` if bits above Sunday are set.
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits < 0x80).then_some(Self(bits))
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn with(self, day: Weekday) -> Self {
        Self(self.0 | 1 << day.num_days_from_monday())
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Weekday> for WeekdaySet {
    fn from_iter<I: IntoIterator<Item = Weekday>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

/// One server's settings. A server that never changed anything has
/// [`ServerSettings::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub guild: GuildId,
    /// `None` uses the operator's configured default zone.
    pub timezone: Option<Tz>,
    pub week_start: Weekday,
    /// Members with this role count as moderators, besides Manage Server.
    pub moderator_role: Option<RoleId>,
    pub quiet_hours: Option<QuietHours>,
    pub quiet_days: WeekdaySet,
    /// Catalog exercises this server turned off.
    pub disabled_exercises: BTreeSet<ExerciseKey>,
    pub leaderboard_channel: Option<ChannelId>,
}

impl ServerSettings {
    pub fn new(guild: GuildId) -> Self {
        Self {
            guild,
            timezone: None,
            week_start: Weekday::Mon,
            moderator_role: None,
            quiet_hours: None,
            quiet_days: WeekdaySet::EMPTY,
            disabled_exercises: BTreeSet::new(),
            leaderboard_channel: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_sets_hold_their_days() {
        let weekend: WeekdaySet = [Weekday::Sat, Weekday::Sun].into_iter().collect();
        assert!(weekend.contains(Weekday::Sun));
        assert!(!weekend.contains(Weekday::Mon));
        assert_eq!(weekend.bits(), 0b110_0000);
        assert_eq!(WeekdaySet::from_bits(weekend.bits()), Some(weekend));
        assert_eq!(WeekdaySet::from_bits(0x80), None);
    }
}
