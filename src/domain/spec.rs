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

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use thiserror::Error;

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

/// A cron field, named as a moderator knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    fn range(self) -> (u32, u32) {
        match self {
            Field::Second | Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &[
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ],
            Field::DayOfWeek => &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
            _ => &[],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Second => "second",
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
        })
    }
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

/// The fields of a cron expression as value sets.
struct CronFields {
    /// 6 fields, names replaced by numbers, weekday 7 folded to 0.
    normalized: String,
    seconds: BTreeSet<u32>,
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    days: BTreeSet<u32>,
    months: BTreeSet<u32>,
    weekdays: BTreeSet<u32>,
    day_restricted: bool,
    weekday_restricted: bool,
    hour_is_wildcard_or_step: bool,
}

impl CronFields {
    fn parse(text: &str) -> Result<Self, SpecError> {
        if let Some(nickname) = text.split_whitespace().find(|t| t.starts_with('@')) {
            return Err(SpecError::Nickname(nickname.to_owned()));
        }
        let parts: Vec<&str> = text.split_whitespace().collect();
        let raw = match parts.as_slice() {
            &[m, h, dom, mon, dow] => ["0", m, h, dom, mon, dow],
            &[s, m, h, dom, mon, dow] => [s, m, h, dom, mon, dow],
            other => return Err(SpecError::FieldCount(other.len())),
        };
        let [s_raw, m_raw, h_raw, dom_raw, mon_raw, dow_raw] = raw;
        let seconds = parse_field(Field::Second, s_raw)?;
        let minutes = parse_field(Field::Minute, m_raw)?;
        let hours = parse_field(Field::Hour, h_raw)?;
        let days = parse_field(Field::DayOfMonth, dom_raw)?;
        let months = parse_field(Field::Month, mon_raw)?;
        let mut weekdays = parse_field(Field::DayOfWeek, dow_raw)?;
        if weekdays.remove(&7) {
            weekdays.insert(0);
        }
        // Fields written `*` stay `*`; every other field becomes its explicit
        // list, so croner sees exactly the sets checked here.
        let join = |set: &BTreeSet<u32>, raw: &str| {
            if raw == "*" {
                "*".to_owned()
            } else {
                set.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
            }
        };
        let normalized = [
            join(&seconds, s_raw),
            join(&minutes, m_raw),
            join(&hours, h_raw),
            join(&days, dom_raw),
            join(&months, mon_raw),
            join(&weekdays, dow_raw),
        ]
        .join(" ");
        // Vixie cron: a field that starts with `*` is unrestricted, even with
        // a step, for the day-of-month / day-of-week rule.
        let day_restricted = !dom_raw.starts_with('*');
        let weekday_restricted = !dow_raw.starts_with('*');
        Ok(Self {
            normalized,
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
            day_restricted,
            weekday_restricted,
            hour_is_wildcard_or_step: h_raw == "*" || h_raw.contains('/'),
        })
    }

    /// Whether any date matches.
    fn can_fire(&self) -> bool {
        if self.day_restricted && self.weekday_restricted {
            // Either matches: any weekday fires on some date of any month.
            return true;
        }
        // Both apply: with `*/n` days and some weekdays, some date in 28
        // years (the calendar's full cycle) has both, or none ever will.
        if !self.day_restricted && self.weekday_restricted {
            return self.some_date_matches_both();
        }
        if !self.day_restricted {
            return true;
        }
        self.months.iter().any(|&month| {
            let longest = match month {
                2 => 29,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            self.days.iter().any(|&day| day <= longest)
        })
    }

    fn some_date_matches_both(&self) -> bool {
        use chrono::{Datelike, NaiveDate};
        let Some(start) = NaiveDate::from_ymd_opt(2001, 1, 1) else {
            return true;
        };
        start.iter_days().take(28 * 366).any(|d| {
            self.days.contains(&d.day())
                && self.months.contains(&d.month())
                && self.weekdays.contains(&d.weekday().num_days_from_sunday())
        })
    }

    /// The shortest possible time between two firings, in seconds, on the
    /// local clock: within a day, and from the last time of a day to the
    /// first of the next (counted as if consecutive days could both fire).
    fn shortest_gap(&self) -> i64 {
        let mut times = Vec::new();
        for &h in &self.hours {
            for &m in &self.minutes {
                for &s in &self.seconds {
                    times.push(i64::from(h * 3600 + m * 60 + s));
                }
            }
        }
        let within = times.windows(2).filter_map(|w| match w {
            &[a, b] => Some(b - a),
            _ => None,
        });
        let across = times.first().zip(times.last()).map(|(f, l)| f + 86_400 - l);
        within.chain(across).min().unwrap_or(86_400)
    }
}

fn parse_field(field: Field, text: &str) -> Result<BTreeSet<u32>, SpecError> {
    let (min, max) = field.range();
    let mut set = BTreeSet::new();
    for item in text.split(',') {
        if let Some(symbol) = ["?", "#", "L", "W"]
            .into_iter()
            .find(|s| item.to_ascii_uppercase().contains(s) && !is_name(field, item))
        {
            return Err(SpecError::Unsupported {
                field,
                symbol: symbol.to_owned(),
            });
        }
        let bad = || SpecError::BadItem {
            field,
            item: item.to_owned(),
        };
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(field, a)?, value(field, b)?);
            if a > b {
                return Err(SpecError::Backwards {
                    field,
                    item: item.to_owned(),
                });
            }
            (a, b)
        } else {
            let v = value(field, range)?;
            if step.is_some() {
                // `5/10` is not POSIX; ask for the range it means.
                return Err(bad());
            }
            (v, v)
        };
        let step = match step {
            None => 1,
            Some(s) => match s.parse::<u32>() {
                Ok(s) if (1..=max - min + 1).contains(&s) => s,
                _ => {
                    return Err(SpecError::BadStep {
                        field,
                        item: item.to_owned(),
                        max: max - min + 1,
                    })
                }
            },
        };
        set.extend((low..=high).step_by(step as usize));
    }
    Ok(set)
}

fn is_name(field: Field, item: &str) -> bool {
    let lower = item.to_ascii_lowercase();
    field
        .names()
        .iter()
        .any(|name| lower.split(['-', '/']).any(|part| part == *name))
}

fn value(field: Field, text: &str) -> Result<u32, SpecError> {
    let (min, max) = field.range();
    let lower = text.to_ascii_lowercase();
    if let Some(index) = field.names().iter().position(|n| *n == lower) {
        let base = if field == Field::Month { 1 } else { 0 };
        return Ok(index as u32 + base);
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SpecError::BadItem {
            field,
            item: text.to_owned(),
        });
    }
    match text.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(SpecError::OutOfRange {
            field,
            value: text.to_owned(),
            min,
            max,
        }),
    }
}

/// Compiles a friendly form to a 5-field cron expression.
fn compile_friendly(written: &str) -> Result<String, SpecError> {
    let fail = |reason: &str| SpecError::Friendly {
        written: written.to_owned(),
        reason: reason.to_owned(),
    };
    let lower = written.to_ascii_lowercase();
    let mut tokens: Vec<&str> = lower.split(' ').collect();
    // "every day" is "daily".
    if let Some(i) = tokens.windows(2).position(|w| w == ["every", "day"]) {
        tokens.splice(i..i + 2, ["daily"]);
    }

    if tokens.first() == Some(&"every") {
        let (count, unit, rest) = match tokens.as_slice() {
            [_, unit, rest @ ..] if unit_of(unit).is_some() => (1, *unit, rest),
            [_, n, unit, rest @ ..] => (
                n.parse::<u32>()
                    .map_err(|_| fail("after `every` comes a number, as in `every 30 minutes`"))?,
                *unit,
                rest,
            ),
            _ => return Err(fail("say how often, as in `every 30 minutes`")),
        };
        let unit = unit_of(unit).ok_or_else(|| fail("the unit is `minutes` or `hours`"))?;
        let (window, rest) = match rest.first().and_then(|t| window(t)) {
            Some(w) => (
                Some(w.map_err(|r| fail(&r))?),
                rest.get(1..).unwrap_or_default(),
            ),
            None => (None, rest),
        };
        let weekdays = weekdays(rest).map_err(|r| fail(&r))?;
        let hours = |step: Option<u32>| match (window, step) {
            (None, None) => "*".to_owned(),
            (None, Some(s)) => format!("*/{s}"),
            (Some((a, b)), None) if a < b => format!("{a}-{}", b - 1),
            (Some((a, b)), Some(s)) if a < b => format!("{a}-{}/{s}", b - 1),
            // A window past midnight, such as 22:00-02:00.
            (Some((a, b)), step) => {
                let hours: Vec<String> = (a..24).chain(0..b).map(|h| h.to_string()).collect();
                match step {
                    None => hours.join(","),
                    Some(s) => hours
                        .into_iter()
                        .step_by(s as usize)
                        .collect::<Vec<_>>()
                        .join(","),
                }
            }
        };
        return match unit {
            Unit::Minutes => {
                if count == 0 || 60 % count != 0 {
                    return Err(fail(
                        "minute intervals divide an hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30",
                    ));
                }
                let minutes = if count == 1 {
                    "*".to_owned()
                } else {
                    format!("*/{count}")
                };
                Ok(format!("{minutes} {} * * {weekdays}", hours(None)))
            }
            Unit::Hours => {
                if count == 0 || 24 % count != 0 {
                    return Err(fail("hour intervals divide a day: 1, 2, 3, 4, 6, 8 or 12"));
                }
                Ok(format!(
                    "0 {} * * {weekdays}",
                    hours((count > 1).then_some(count))
                ))
            }
        };
    }

    // "[days] HH:MM[,HH:MM...]" where days may also come after the times.
    let (times_at, times) = tokens
        .iter()
        .enumerate()
        .find(|(_, t)| t.contains(':'))
        .ok_or_else(|| {
            fail("give a time such as 10:30, or an interval such as `every 30 minutes`")
        })?;
    let mut day_tokens: Vec<&str> = tokens.get(..times_at).unwrap_or_default().to_vec();
    day_tokens.extend_from_slice(tokens.get(times_at + 1..).unwrap_or_default());
    let weekdays = weekdays(&day_tokens).map_err(|r| fail(&r))?;
    let mut minute = None;
    let mut hours = Vec::new();
    for time in times.split(',') {
        let (h, m) = clock_time(time)
            .ok_or_else(|| fail(&format!("`{time}` is not a time such as 09:15")))?;
        if *minute.get_or_insert(m) != m {
            return Err(fail("the times of one schedule must share their minutes (09:15,13:15); make a second schedule for the others"));
        }
        hours.push(h.to_string());
    }
    Ok(format!(
        "{} {} * * {weekdays}",
        minute.unwrap_or(0),
        hours.join(",")
    ))
}

#[derive(Clone, Copy)]
enum Unit {
    Minutes,
    Hours,
}

fn unit_of(token: &str) -> Option<Unit> {
    match token {
        "minute" | "minutes" | "min" | "mins" => Some(Unit::Minutes),
        "hour" | "hours" | "h" => Some(Unit::Hours),
        _ => None,
    }
}

/// `HH:00-HH:00` as start and end hour; `None` if the token is no window.
fn window(token: &str) -> Option<Result<(u32, u32), String>> {
    let (a, b) = token.split_once('-')?;
    let (start, end) = (clock_time(a)?, clock_time(b)?);
    Some(if start.1 != 0 || end.1 != 0 {
        Err("a window runs between whole hours, such as 09:00-17:00".to_owned())
    } else if start.0 == end.0 {
        Err("the window starts and ends at the same time".to_owned())
    } else {
        Ok((start.0, end.0))
    })
}

fn clock_time(text: &str) -> Option<(u32, u32)> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// The day-of-week field for day words: nothing or `daily` is every day.
fn weekdays(tokens: &[&str]) -> Result<String, String> {
    match tokens {
        [] | ["daily"] => Ok("*".into()),
        ["weekdays"] => Ok("1-5".into()),
        ["weekends"] => Ok("0,6".into()),
        [days] => {
            let names = Field::DayOfWeek.names();
            let number = |d: &str| {
                names
                    .iter()
                    .position(|n| d.starts_with(n) && n.len() >= 3)
                    .map(|i| i.to_string())
                    .ok_or_else(|| format!("`{d}` is not a day such as mon, or weekdays"))
            };
            let mut list = Vec::new();
            for part in days.split(',') {
                match part.split_once('-') {
                    // A range may wrap past Sunday: fri-mon.
                    Some((a, b)) => {
                        let (a, b) = (
                            number(a)?.parse::<u32>().unwrap_or(0),
                            number(b)?.parse::<u32>().unwrap_or(0),
                        );
                        let mut day = a;
                        loop {
                            list.push(day.to_string());
                            if day == b {
                                break;
                            }
                            day = (day + 1) % 7;
                        }
                    }
                    None => list.push(number(part)?),
                }
            }
            Ok(list.join(","))
        }
        _ => Err(format!("`{}` is not understood", tokens.join(" "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(written: &str) -> String {
        ScheduleSpec::parse(written, 0)
            .unwrap_or_else(|e| panic!("{written}: {e}"))
            .cron()
            .to_owned()
    }

    fn error(written: &str) -> String {
        ScheduleSpec::parse(written, 5)
            .expect_err(written)
            .to_string()
    }

    #[test]
    fn cron_fields_are_counted_first() {
        assert!(error("0 9 * *").contains("expected 5 or 6 fields, got 4"));
        assert!(error("0 0 9 * * * 2027").contains("got 7"));
        assert_eq!(cron("30 9 * * 1-5"), "0 30 9 * * 1,2,3,4,5");
        assert_eq!(cron("0 9 1-31 * *"), "0 0 9 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31 * *");
        assert_eq!(cron("15 30 9 * * *"), "15 30 9 * * *");
    }

    #[test]
    fn names_and_posix_weekdays() {
        assert_eq!(cron("0 9 * jan-mar mon-fri"), "0 0 9 * 1,2,3 1,2,3,4,5");
        assert_eq!(cron("0 9 * * 7"), "0 0 9 * * 0");
        assert_eq!(cron("0 9 * * 0,7"), "0 0 9 * * 0");
        assert_eq!(cron("0 9 * * SUN"), "0 0 9 * * 0");
        assert_eq!(cron("0 9 * * 5-7"), "0 0 9 * * 0,5,6");
    }

    #[test]
    fn unsupported_syntax_is_refused_with_a_reason() {
        assert!(error("@daily").contains("`@daily` shortcuts are not supported"));
        assert!(error("0 9 L * *").contains("`L` in the day-of-month field is not supported"));
        assert!(error("0 9 15W * *").contains("`W` in the day-of-month field"));
        assert!(error("0 9 * * 5#3").contains("`#` in the day-of-week field"));
        assert!(error("0 9 ? * *").contains("`?`"));
        assert!(error("0 9 * * 5L").contains("`L` in the day-of-week field"));
        assert_eq!(
            error("0 25 * * *"),
            "the hour field has `25`, but hour values go from 0 to 23"
        );
        assert!(error("0 17-9 * * *").contains("runs backwards"));
        assert!(error("5/10 * * * *").contains("the minute field `5/10` is not understood"));
        assert!(error("*/0 * * * *").contains("step"));
        assert!(error("0 9 * * funday").contains("`funday` is not understood"));
        assert!(error("0 9 * * *,").contains("not understood"));
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
    fn friendly_forms_compile_to_cron() {
        assert_eq!(cron("every 30 minutes"), "0 0,30 * * * *");
        assert_eq!(
            cron("every 2 hours 09:00-17:00 mon-fri"),
            "0 0 9,11,13,15 * * 1,2,3,4,5"
        );
        assert_eq!(
            cron("every 15 minutes 09:00-17:00 weekdays"),
            "0 0,15,30,45 9,10,11,12,13,14,15,16 * * 1,2,3,4,5"
        );
        assert_eq!(cron("daily 10:30"), "0 30 10 * * *");
        assert_eq!(cron("every day 10:30"), "0 30 10 * * *");
        assert_eq!(cron("weekdays 09:15,13:15"), "0 15 9,13 * * 1,2,3,4,5");
        assert_eq!(cron("Mon,Wed,Fri 12:00"), "0 0 12 * * 1,3,5");
        assert_eq!(cron("12:00 weekends"), "0 0 12 * * 0,6");
        assert_eq!(cron("sat-sun 10:00"), "0 0 10 * * 0,6");
        assert_eq!(cron("fri-mon 10:00"), "0 0 10 * * 0,1,5,6");
        assert_eq!(cron("every hour"), "0 0 * * * *");
        assert_eq!(
            cron("every 30 minutes 22:00-02:00"),
            "0 0,30 0,1,22,23 * * *"
        );
    }

    #[test]
    fn friendly_mistakes_explain_and_show_examples() {
        let e = error("every 45 minutes");
        assert!(e.contains("minute intervals divide an hour"), "{e}");
        assert!(e.contains("Examples: "), "{e}");
        assert!(error("every 5 hours").contains("hour intervals divide a day"));
        assert!(error("weekdays 09:15,13:45").contains("share their minutes"));
        assert!(error("daily 25:00").contains("`25:00` is not a time"));
        assert!(error("every 30 minutes 09:30-17:00").contains("whole hours"));
        assert!(error("sometimes").contains("give a time"));
        assert!(error("every fortnight").contains("say how often"));
        assert!(error("every few minutes").contains("after `every` comes a number"));
        assert!(error("every 2 fortnights").contains("the unit is `minutes` or `hours`"));
        assert!(error("everyday 10:00").contains("`everyday` is not a day"));
        assert!(ScheduleSpec::parse("", 5).unwrap_err() == SpecError::Empty);
        assert_eq!(
            ScheduleSpec::parse(&"x".repeat(101), 5).unwrap_err(),
            SpecError::TooLong(101)
        );
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
