//! How long a moderator pauses a schedule: `30m`, `2h`, `3d` or `1w`.

use chrono::Duration;
use thiserror::Error;

/// The longest pause: a year (and a day, for a leap year).
const MAX_SECONDS: i64 = 366 * 24 * 60 * 60;

/// Text that is not a pause length.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{0}` is not a duration such as 30m, 2h, 3d or 1w")]
pub struct BadDuration(pub String);

/// Parses a whole number of minutes, hours, days or weeks, at most a year.
///
/// The arithmetic is checked before a [`Duration`] is built: chrono's
/// constructors panic out of range, and `99999999999999w` is something a
/// member can type.
pub fn parse_pause(text: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration(text.chars().take(40).collect());
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(digits);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_seconds = match unit.trim() {
        "m" | "min" | "minutes" => 60,
        "h" | "hours" => 60 * 60,
        "d" | "days" => 24 * 60 * 60,
        "w" | "weeks" => 7 * 24 * 60 * 60,
        _ => return Err(bad()),
    };
    let seconds = n.checked_mul(unit_seconds).ok_or_else(bad)?;
    if n <= 0 || seconds > MAX_SECONDS {
        return Err(bad());
    }
    Duration::try_seconds(seconds).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pauses_parse_in_minutes_to_weeks() {
        assert_eq!(parse_pause("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_pause(" 2h "), Ok(Duration::hours(2)));
        assert_eq!(parse_pause("3 days"), Ok(Duration::days(3)));
        assert_eq!(parse_pause("1w"), Ok(Duration::weeks(1)));
        assert_eq!(parse_pause("366d"), Ok(Duration::days(366)));
    }

    #[test]
    fn huge_zero_and_odd_pauses_are_refused_without_panicking() {
        for text in [
            "99999999999999w",
            "99999999999999d",
            "99999999999999h",
            "99999999999999m",
            "9223372036854775807w",
            "99999999999999999999w",
            "367d",
            "53w",
            "0m",
            "-5m",
            "m",
            "5",
            "",
            "5s",
            "5 fortnights",
            "٥m",
        ] {
            assert!(parse_pause(text).is_err(), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn any_text_is_a_pause_or_refused(text in any::<String>()) {
            if let Ok(d) = parse_pause(&text) {
                prop_assert!(d > Duration::zero() && d <= Duration::days(366));
            }
        }

        #[test]
        fn any_number_with_any_unit_is_a_pause_or_refused(
            n in any::<i64>(),
            unit in prop::sample::select(vec!["m", "h", "d", "w", "minutes", "weeks"]),
        ) {
            let _ = parse_pause(&format!("{n}{unit}"));
        }
    }
}
