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

/// A freeze day is earned for every this many days of streak.
pub const DAYS_PER_FREEZE: u32 = 7;
/// The most freeze days a member holds at once.
pub const MAX_FREEZES: u32 = 2;
/// The longest vacation, in days.
pub const MAX_VACATION_DAYS: u32 = 21;

/// Dates a member is away, both ends included: the streak neither grows nor
/// breaks on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vacation {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Vacation {
    /// `days` dates from `first` on.
    pub fn starting(first: NaiveDate, days: u32) -> Self {
        let last = first
            .checked_add_days(chrono::Days::new(u64::from(days.max(1) - 1)))
            .unwrap_or(NaiveDate::MAX);
        Self { first, last }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.first..=self.last).contains(&date)
    }
}

/// A streak that forgives: freeze days and vacations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForgivingStreak {
    /// Days that counted in the current streak (freeze and vacation days
    /// keep it alive but add nothing).
    pub current: u32,
    pub best: u32,
    /// Freeze days held now, at most [`MAX_FREEZES`].
    pub freezes_held: u32,
    /// Freeze days spent on missed days, ever.
    pub freezes_used: u32,
}

/// The streak as of the member's `today`, replayed from the dates that
/// counted and the vacations: each [`DAYS_PER_FREEZE`] days of streak earn a
/// freeze day (at most [`MAX_FREEZES`] held); a missed date outside a
/// vacation spends one by itself while the streak lives, and ends the streak
/// when none is held. Today is never missed: the day is not over.
///
/// Everything is derived from stored history each time, so nothing can
/// drift; dates are local calendar dates, so months and daylight-saving
/// changes need no special case.
pub fn forgiving_streak(
    counted: &std::collections::BTreeSet<NaiveDate>,
    vacations: &[Vacation],
    today: NaiveDate,
) -> ForgivingStreak {
    let mut streak = ForgivingStreak::default();
    let Some(&first) = counted.iter().next() else {
        return streak;
    };
    let mut since_earned = 0;
    let mut date = first;
    while date <= today {
        if counted.contains(&date) {
            streak.current += 1;
            since_earned += 1;
            if since_earned == DAYS_PER_FREEZE {
                since_earned = 0;
                streak.freezes_held = (streak.freezes_held + 1).min(MAX_FREEZES);
            }
        } else if date == today || vacations.iter().any(|v| v.contains(date)) {
            // Still today, or away: nothing lost.
        } else if streak.current > 0 && streak.freezes_held > 0 {
            streak.freezes_held -= 1;
            streak.freezes_used += 1;
        } else {
            streak.current = 0;
            since_earned = 0;
        }
        streak.best = streak.best.max(streak.current);
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    streak
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

    fn forgiving(dates: &[NaiveDate], vacations: &[Vacation], today: NaiveDate) -> ForgivingStreak {
        forgiving_streak(&dates.iter().copied().collect(), vacations, today)
    }

    fn run(from: NaiveDate, days: u32) -> Vec<NaiveDate> {
        from.iter_days().take(days as usize).collect()
    }

    #[test]
    fn freezes_are_earned_every_seven_days_and_at_most_two_are_held() {
        let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let held = |days: u32| {
            forgiving(
                &run(start, days),
                &[],
                start + chrono::Days::new(u64::from(days) - 1),
            )
        };
        assert_eq!(held(6).freezes_held, 0);
        assert_eq!(held(7).freezes_held, 1);
        assert_eq!(held(14).freezes_held, 2);
        assert_eq!(
            held(30),
            ForgivingStreak {
                current: 30,
                best: 30,
                freezes_held: 2,
                freezes_used: 0
            }
        );
    }

    #[test]
    fn a_missed_day_spends_a_freeze_across_a_month_end() {
        // 7 days from 24 February 2027 earn a freeze; 3 March is missed and
        // the freeze covers it; the streak goes on to the 5th.
        let start = NaiveDate::from_ymd_opt(2027, 2, 24).unwrap();
        let mut dates = run(start, 7); // 24 Feb .. 2 Mar
        dates.extend([d(4), d(5)]);
        assert_eq!(
            forgiving(&dates, &[], d(5)),
            ForgivingStreak {
                current: 9,
                best: 9,
                freezes_held: 0,
                freezes_used: 1
            }
        );
        // Two missed days with one freeze: the streak ends.
        let mut dates = run(start, 7);
        dates.push(d(5));
        assert_eq!(
            forgiving(&dates, &[], d(5)),
            ForgivingStreak {
                current: 1,
                best: 7,
                freezes_held: 0,
                freezes_used: 1
            }
        );
        // Without any freeze a missed day ends it at once.
        assert_eq!(forgiving(&[d(1), d(2), d(4)], &[], d(4)).current, 1);
        // Today is not missed yet.
        assert_eq!(forgiving(&[d(1), d(2)], &[], d(3)).current, 2);
    }

    #[test]
    fn freezes_and_days_are_local_dates_across_daylight_saving_changes() {
        // New York springs forward on 14 March 2027 (a 23-hour day) and
        // falls back on 7 November (25 hours). Check-ins late in the local
        // evening each day stay on their own local date.
        let tz = America::New_York;
        for (first_day, month) in [(8, 3), (1, 11)] {
            let dates: Vec<NaiveDate> = (0..10)
                .filter(|&i| i != 8) // the 9th day is missed
                .map(|i| {
                    let local = NaiveDate::from_ymd_opt(2027, month, first_day + i)
                        .unwrap()
                        .and_hms_opt(23, 30, 0)
                        .unwrap();
                    let at = tz.from_local_datetime(&local).single().unwrap();
                    local_date(at.with_timezone(&Utc), None, tz)
                })
                .collect();
            assert_eq!(dates.len(), 9);
            let today = NaiveDate::from_ymd_opt(2027, month, first_day + 9).unwrap();
            assert_eq!(
                forgiving(&dates, &[], today),
                ForgivingStreak {
                    current: 9,
                    best: 9,
                    freezes_held: 0,
                    freezes_used: 1
                },
                "month {month}"
            );
        }
    }

    #[test]
    fn a_vacation_protects_the_streak_without_spending_freezes() {
        let vacation = Vacation::starting(d(3), 4); // 3rd to 6th
        assert_eq!(vacation.last, d(6));
        let streak = forgiving(&[d(1), d(2), d(7)], &[vacation], d(7));
        assert_eq!(
            streak,
            ForgivingStreak {
                current: 3,
                best: 3,
                freezes_held: 0,
                freezes_used: 0
            }
        );
        // While away, the streak holds.
        assert_eq!(forgiving(&[d(1), d(2)], &[vacation], d(5)).current, 2);
        // Ended early (on the 4th): the 5th is missed again.
        let ended = Vacation {
            first: d(3),
            last: d(4),
        };
        assert_eq!(forgiving(&[d(1), d(2), d(7)], &[ended], d(7)).current, 1);
        // A vacation ending at a month's end.
        let feb = Vacation::starting(NaiveDate::from_ymd_opt(2027, 2, 27).unwrap(), 2);
        assert_eq!(feb.last, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
        let dates = [NaiveDate::from_ymd_opt(2027, 2, 26).unwrap(), d(1)];
        assert_eq!(forgiving(&dates, &[feb], d(1)).current, 2);
    }
}
