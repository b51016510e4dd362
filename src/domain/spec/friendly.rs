//! Friendly forms (`every 30 minutes 09:00-17:00 mon-fri`, `daily 10:30`,
//! `weekdays 09:15,13:15`), compiled to a cron expression.

use super::cron::Field;
use super::SpecError;

/// Compiles a friendly form to a 5-field cron expression.
pub(super) fn compile_friendly(written: &str) -> Result<String, SpecError> {
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
    use super::super::tests::{cron, error};
    use super::super::{ScheduleSpec, SpecError};

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
}
