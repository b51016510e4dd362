//! Schedule specs: what a moderator writes in `when`, checked strictly and
//! compiled to one cron expression.
//!
//! Two forms are accepted.
//!
//! **Cron**, 5 fields (minute hour day-of-month month day-of-week) or 6 with a
//! leading seconds field. Each field is `*`, a number, a range `9-17`, a step
//! `*/15` or `9-17/2`, or a comma list of those. Months may be written
//! `jan`-`dec`, weekdays `sun`-`sat`; weekdays are POSIX (0 and 7 are Sunday).
//! When both day-of-month and day-of-week are restricted, a day matching
//! either fires (as in Vixie cron). `L`, `W`, `#`, `?` and `@daily`-style
//! shortcuts are refused.
//!
//! **Friendly forms**, compiled to the same cron:
//!
//! | written | cron |
//! | --- | --- |
//! | `every 30 minutes` | `*/30 * * * *` |
//! | `every 2 hours 09:00-17:00 mon-fri` | `0 9-16/2 * * 1-5` |
//! | `every 15 minutes 09:00-17:00 weekdays` | `*/15 9-16 * * 1-5` |
//! | `daily 10:30` | `30 10 * * *` |
//! | `weekdays 09:15,13:15` | `15 9,13 * * 1-5` |
//! | `mon,wed,fri 12:00` | `0 12 * * 1,3,5` |
//!
//! A window `HH:00-HH:00` runs from its start up to, not including, its end.
//! Minute intervals must divide 60 and hour intervals 24, so every hour (or
//! day) looks alike; the times of one schedule share their minute.
//!
//! A spec that never fires (`0 0 31 2 *`) or fires more often than the
//! configured minimum interval is refused here, not discovered later.

mod cron;
mod friendly;

use std::fmt;
use std::str::FromStr;

use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use thiserror::Error;

use cron::CronFields;
pub use cron::Field;
use friendly::compile_friendly;

/// The longest spec accepted; real ones are far shorter.
pub const MAX_SPEC_CHARS: usize = 100;

/// Examples shown whenever a spec is not understood.
pub const EXAMPLES: &str = "`*/30 9-17 * * 1-5`, `every 30 minutes`, `every 2 hours 09:00-17:00 mon-fri`, `daily 10:30`, `weekdays 09:15,13:15`";

/// Why a spec was refused; the `Display` is what the moderator reads.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    #[error("the schedule is empty; write a cron expression or a form such as {EXAMPLES}")]
    Empty,
    #[error("the schedule is {0} characters long; keep it to {MAX_SPEC_CHARS}")]
    TooLong(usize),
    #[error("a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; expected 5 or 6 fields, got {0}")]
    FieldCount(usize),
    #[error("`{0}` shortcuts are not supported; write the fields instead, e.g. `0 9 * * *` for every day at 09:00")]
    Nickname(String),
    #[error("`{symbol}` in the {field} field is not supported (`L`, `W`, `#` and `?` are not); use numbers, ranges, lists and steps")]
    Unsupported { field: Field, symbol: String },
    #[error("the {field} field has `{value}`, but {field} values go from {min} to {max}")]
    OutOfRange {
        field: Field,
        value: String,
        min: u32,
        max: u32,
    },
    #[error("the {field} field `{item}` is not understood; use a number, a range like 9-17, a list like 0,30, or a step like */15")]
    BadItem { field: Field, item: String },
    #[error("the {field} field range `{item}` runs backwards; write the smaller value first")]
    Backwards { field: Field, item: String },
    #[error("the {field} field step in `{item}` must be between 1 and {max}")]
    BadStep {
        field: Field,
        item: String,
        max: u32,
    },
    #[error("`{0}` never fires: no date matches it")]
    NeverFires(String),
    #[error("`{0}` is not a cron expression I can read; examples: {EXAMPLES}")]
    Unreadable(String),
    #[error("`{spec}` can fire {gap} apart; the shortest interval allowed here is {min} minutes")]
    TooFrequent { spec: String, gap: Gap, min: u32 },
    #[error("`{written}` is not understood: {reason}. Examples: {EXAMPLES}")]
    Friendly { written: String, reason: String },
}

/// A duration as a moderator reads it ("1 minute", "90 seconds").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap(pub i64);

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0;
        match seconds {
            s if s % 60 != 0 => write!(f, "{s} second{}", plural(s)),
            s => write!(f, "{} minute{}", s / 60, plural(s / 60)),
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A checked, compiled schedule spec.
#[derive(Clone)]
pub struct ScheduleSpec {
    written: String,
    cron_text: String,
    cron: Cron,
    real_clock: bool,
}

impl fmt::Debug for ScheduleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScheduleSpec")
            .field("written", &self.written)
            .field("cron", &self.cron_text)
            .field("real_clock", &self.real_clock)
            .finish()
    }
}

impl PartialEq for ScheduleSpec {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written && self.cron_text == other.cron_text
    }
}

impl ScheduleSpec {
    /// Parses a cron expression or friendly form, refusing specs that never
    /// fire or fire less than `min_interval_minutes` apart.
    pub fn parse(written: &str, min_interval_minutes: u32) -> Result<Self, SpecError> {
        let length = written.chars().count();
        if length > MAX_SPEC_CHARS {
            return Err(SpecError::TooLong(length));
        }
        let written = written.split_whitespace().collect::<Vec<_>>().join(" ");
        let first = written.chars().next().ok_or(SpecError::Empty)?;
        // Cron fields never hold a clock time; friendly forms start with a word
        // or hold one (`12:00 weekends`).
        let cron_text = if first.is_ascii_alphabetic() || written.contains(':') {
            compile_friendly(&written)?
        } else {
            written.clone()
        };
        let fields = CronFields::parse(&cron_text)?;
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Disallowed)
            // Vixie cron: a day field written with `*` (even `*/2`) makes the
            // two day fields both apply; two restricted ones match either.
            .dom_and_dow(!fields.day_restricted || !fields.weekday_restricted)
            .build()
            .parse(&fields.normalized)
            .map_err(|_| SpecError::Unreadable(written.clone()))?;
        if !fields.can_fire() {
            return Err(SpecError::NeverFires(written));
        }
        let gap = fields.shortest_gap();
        if gap < i64::from(min_interval_minutes) * 60 {
            return Err(SpecError::TooFrequent {
                spec: written,
                gap: Gap(gap),
                min: min_interval_minutes,
            });
        }
        Ok(Self {
            written,
            cron_text: fields.normalized,
            cron,
            real_clock: fields.hour_is_wildcard_or_step,
        })
    }

    /// The spec as the moderator wrote it (whitespace normalised).
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The compiled cron expression, 6 fields with seconds first.
    pub fn cron(&self) -> &str {
        &self.cron_text
    }

    /// Whether the schedule follows the real clock through daylight-saving
    /// changes (its hour field is `*` or a step), rather than firing once per
    /// matching local time.
    pub fn follows_real_clock(&self) -> bool {
        self.real_clock
    }

    pub(crate) fn croner(&self) -> &Cron {
        &self.cron
    }
}

impl FromStr for ScheduleSpec {
    type Err = SpecError;

    /// Parses with no minimum interval.
    fn from_str(s: &str) -> Result<Self, SpecError> {
        Self::parse(s, 0)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn cron(written: &str) -> String {
        ScheduleSpec::parse(written, 0)
            .unwrap_or_else(|e| panic!("{written}: {e}"))
            .cron()
            .to_owned()
    }

    pub(super) fn error(written: &str) -> String {
        ScheduleSpec::parse(written, 5)
            .expect_err(written)
            .to_string()
    }

    #[test]
    fn never_firing_and_too_frequent_specs_are_refused() {
        assert_eq!(
            error("0 0 31 2 *"),
            "`0 0 31 2 *` never fires: no date matches it"
        );
        assert!(error("0 0 30 2 *").contains("never fires"));
        assert!(ScheduleSpec::parse("0 0 29 2 *", 5).is_ok()); // leap days exist
        assert!(ScheduleSpec::parse("0 0 31 2 1", 5).is_ok()); // or Mondays (Vixie)
                                                               // `*/n` days with weekdays: both must match, which can be never.
        assert!(ScheduleSpec::parse("0 0 */2 2 *", 5).is_ok());
        assert!(error("0 0 30-31/1 2 *").contains("never fires"));
        assert_eq!(
            error("* * * * *"),
            "`* * * * *` can fire 1 minute apart; the shortest interval allowed here is 5 minutes"
        );
        assert!(error("*/10 * * * * *").contains("10 seconds apart"));
        assert!(error("0,3 9 * * *").contains("3 minutes apart"));
        // Across the hour counts too: :56 to :00.
        assert!(error("*/7 * * * *").contains("4 minutes apart"));
        assert!(ScheduleSpec::parse("55 23 * * *", 5).is_ok());
        assert!(ScheduleSpec::parse("*/5 * * * *", 5).is_ok());
    }

    #[test]
    fn the_real_clock_rule_follows_the_hour_field() {
        let real = |s: &str| ScheduleSpec::parse(s, 0).unwrap().follows_real_clock();
        assert!(real("*/30 * * * *"));
        assert!(real("0 */2 * * *"));
        assert!(real("0 9-17/2 * * *"));
        assert!(!real("30 2 * * *"));
        assert!(!real("30 2,14 * * *"));
        assert!(!real("*/30 9-17 * * *"));
    }
}
