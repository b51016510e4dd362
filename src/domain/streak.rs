//! Streak days: consecutive local dates on which a member met the day's
//! minimum.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The calendar date a check-in belongs to: the member's own zone if set,
/// else the server's.
pub fn local_date(at: DateTime<Utc>, member_zone: Option<Tz>, server_zone: Tz) -> NaiveDate {
    at.with_timezone(&member_zone.unwrap_or(server_zone))
        .date_naive()
}

/// What a day needs to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DayMinimum {
    /// Any check-in at all (the default).
    #[default]
    AnyCheckIn,
    /// At least this many points that day.
    Points(i64),
}

/// A member's activity on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayActivity {
    pub checkins: u32,
    pub points: i64,
}

/// Current and best streak, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streak {
    /// Ends today, or yesterday while today has not counted yet: a streak
    /// stays alive until the member's day is over.
    pub current: u32,
    pub best: u32,
}

/// Sums check-ins per date: `(date, points)` pairs in any order.
pub fn days(
    checkins: impl IntoIterator<Item = (NaiveDate, i64)>,
) -> BTreeMap<NaiveDate, DayActivity> {
    let mut days = BTreeMap::<NaiveDate, DayActivity>::new();
    for (date, points) in checkins {
        let day = days.entry(date).or_default();
        day.checkins += 1;
        day.points += points;
    }
    days
}

/// The streaks in `days` as of the member's `today`.
pub fn streaks(
    days: &BTreeMap<NaiveDate, DayActivity>,
    minimum: DayMinimum,
    today: NaiveDate,
) -> Streak {
    let counts = |day: &DayActivity| match minimum {
        DayMinimum::AnyCheckIn => day.checkins > 0,
        DayMinimum::Points(min) => day.points >= min,
    };
    let mut best = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    let mut last_run_end = None;
    for (&date, day) in days.range(..=today) {
        if !counts(day) {
            continue;
        }
        run = match previous {
            Some(p) if p.succ_opt() == Some(date) => run + 1,
            _ => 1,
        };
        previous = Some(date);
        best = best.max(run);
        last_run_end = Some((date, run));
    }
    let current = match last_run_end {
        Some((end, run)) if end == today || end.succ_opt() == Some(today) => run,
        _ => 0,
    };
    Streak { current, best }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::{America, Asia, Pacific};

    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn any(dates: &[u32], today: u32) -> Streak {
        streaks(
            &days(dates.iter().map(|&x| (d(x), 10))),
            DayMinimum::AnyCheckIn,
            d(today),
        )
    }

    #[test]
    fn consecutive_days_make_a_streak() {
        assert_eq!(
            any(&[1, 2, 3], 3),
            Streak {
                current: 3,
                best: 3
            }
        );
        assert_eq!(
            any(&[1, 2, 3, 3, 3], 3),
            Streak {
                current: 3,
                best: 3
            }
        );
        assert_eq!(
            any(&[], 3),
            Streak {
                current: 0,
                best: 0
            }
        );
    }

    #[test]
    fn a_streak_lives_until_the_day_is_over() {
        assert_eq!(
            any(&[1, 2, 3], 4),
            Streak {
                current: 3,
                best: 3
            }
        );
        assert_eq!(
            any(&[1, 2, 3], 5),
            Streak {
                current: 0,
                best: 3
            }
        );
    }

    #[test]
    fn the_best_streak_is_remembered() {
        assert_eq!(
            any(&[1, 2, 3, 4, 6, 7], 7),
            Streak {
                current: 2,
                best: 4
            }
        );
        // Across a month end.
        let run = [
            (NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(), 1),
            (d(1), 1),
        ];
        assert_eq!(streaks(&days(run), DayMinimum::AnyCheckIn, d(1)).current, 2);
    }

    #[test]
    fn days_below_the_minimum_break_the_streak() {
        let activity = days([(d(1), 10), (d(2), 3), (d(2), 4), (d(3), 5)]);
        let min = DayMinimum::Points(7);
        assert_eq!(
            streaks(&activity, min, d(2)),
            Streak {
                current: 2,
                best: 2
            }
        );
        // The 3rd did not reach the minimum: the streak survives the 3rd
        // itself (the day may not be over) but not the 4th.
        assert_eq!(
            streaks(&activity, min, d(3)),
            Streak {
                current: 2,
                best: 2
            }
        );
        assert_eq!(
            streaks(&activity, min, d(4)),
            Streak {
                current: 0,
                best: 2
            }
        );
    }

    #[test]
    fn future_dates_are_ignored() {
        assert_eq!(
            any(&[1, 2, 9], 2),
            Streak {
                current: 2,
                best: 2
            }
        );
    }

    #[test]
    fn a_check_in_belongs_to_the_members_local_date() {
        // 23:30 UTC on 1 March is already 2 March in Kolkata and in Auckland,
        // still 1 March in New York.
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(local_date(at, Some(Asia::Kolkata), America::New_York), d(2));
        assert_eq!(local_date(at, None, America::New_York), d(1));
        assert_eq!(local_date(at, None, Pacific::Auckland), d(2));
    }
}
