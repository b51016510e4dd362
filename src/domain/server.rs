//! Per-server settings.

use std::collections::BTreeSet;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use thiserror::Error;

use super::exercise::ExerciseKey;
use super::{ChannelId, GuildId, RoleId};

/// A daily window, in the server's zone, in which no prompt fires. `start`
/// after `end` wraps past midnight (19:00-08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Quiet hours or days that do not parse; the `Display` is for moderators.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuietError {
    #[error("`{0}` is not a time window such as 19:00-08:00 (or `off`)")]
    Hours(String),
    #[error("`{0}` is not a list of days such as sat,sun (or `none`)")]
    Days(String),
    #[error("`{0}` is not a weekday such as mon or sunday")]
    Weekday(String),
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM`; `off` is `None`.
    pub fn parse(text: &str) -> Result<Option<QuietHours>, QuietError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || QuietError::Hours(text.to_owned());
        let (start, end) = text.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (time(start)?, time(end)?);
        if start == end {
            return Err(bad());
        }
        Ok(Some(QuietHours { start, end }))
    }
}

/// Parses a weekday name such as `mon` or `sunday`.
pub fn parse_weekday(text: &str) -> Result<Weekday, QuietError> {
    text.trim()
        .parse()
        .map_err(|_| QuietError::Weekday(text.to_owned()))
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

impl WeekdaySet {
    /// Parses `sat,sun` or ranges such as `mon-fri`; `none` is empty.
    pub fn parse(text: &str) -> Result<Self, QuietError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") || text.is_empty() {
            return Ok(Self::EMPTY);
        }
        let bad = || QuietError::Days(text.to_owned());
        let mut set = Self::EMPTY;
        for part in text.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (
                        parse_weekday(a).map_err(|_| bad())?,
                        parse_weekday(b).map_err(|_| bad())?,
                    );
                    let mut day = a;
                    loop {
                        set = set.with(day);
                        if day == b {
                            break;
                        }
                        day = day.succ();
                    }
                }
                None => set = set.with(parse_weekday(part).map_err(|_| bad())?),
            }
        }
        Ok(set)
    }

    /// The days, Monday first.
    pub fn days(self) -> impl Iterator<Item = Weekday> {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .filter(move |d| self.contains(*d))
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
    fn quiet_hours_and_days_parse_strictly() {
        let q = QuietHours::parse("19:00-08:00").unwrap().unwrap();
        assert_eq!(
            (q.start.to_string(), q.end.to_string()),
            ("19:00:00".into(), "08:00:00".into())
        );
        assert_eq!(QuietHours::parse("off"), Ok(None));
        assert!(QuietHours::parse("7pm-8am").is_err());
        assert!(QuietHours::parse("08:00-08:00").is_err());
        let weekend = WeekdaySet::parse("sat,sun").unwrap();
        assert_eq!(
            weekend.days().collect::<Vec<_>>(),
            [Weekday::Sat, Weekday::Sun]
        );
        assert_eq!(WeekdaySet::parse("fri-mon").unwrap().days().count(), 4);
        assert_eq!(WeekdaySet::parse("none"), Ok(WeekdaySet::EMPTY));
        assert_eq!(
            WeekdaySet::parse("sat,funday").unwrap_err().to_string(),
            "`sat,funday` is not a list of days such as sat,sun (or `none`)"
        );
    }

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
