//! Cron expressions: five or six fields, each checked strictly and
//! expanded to the set of values it matches.

use std::collections::BTreeSet;
use std::fmt;

use super::SpecError;

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

    pub(super) fn names(self) -> &'static [&'static str] {
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

/// The fields of a cron expression as value sets.
pub(super) struct CronFields {
    /// 6 fields, names replaced by numbers, weekday 7 folded to 0.
    pub(super) normalized: String,
    seconds: BTreeSet<u32>,
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    days: BTreeSet<u32>,
    months: BTreeSet<u32>,
    weekdays: BTreeSet<u32>,
    pub(super) day_restricted: bool,
    pub(super) weekday_restricted: bool,
    pub(super) hour_is_wildcard_or_step: bool,
}

impl CronFields {
    pub(super) fn parse(text: &str) -> Result<Self, SpecError> {
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
    pub(super) fn can_fire(&self) -> bool {
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
    pub(super) fn shortest_gap(&self) -> i64 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{cron, error};

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
}
