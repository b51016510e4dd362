//! Leaderboards: the periods they cover, in the server's zone, and ranking.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use thiserror::Error;

use super::UserId;

/// The fewest prompts a member must have had for a consistency rank.
pub const MIN_PROMPTS_FOR_CONSISTENCY: u32 = 5;

/// The span a leaderboard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    ThisWeek,
    LastWeek,
    ThisMonth,
    /// The last 28 days, today included.
    Rolling4Weeks,
    AllTime,
}

impl Period {
    pub const ALL: [Period; 6] = [
        Period::Today,
        Period::ThisWeek,
        Period::LastWeek,
        Period::ThisMonth,
        Period::Rolling4Weeks,
        Period::AllTime,
    ];

    /// The name used in commands.
    pub fn key(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::ThisWeek => "this-week",
            Period::LastWeek => "last-week",
            Period::ThisMonth => "this-month",
            Period::Rolling4Weeks => "4-weeks",
            Period::AllTime => "all-time",
        }
    }

    /// The instants `[from, to)` the period covers at `now`, with days and
    /// weeks in `tz` and weeks starting on `week_start`.
    pub fn range(self, now: DateTime<Utc>, tz: Tz, week_start: Weekday) -> Range {
        let today = now.with_timezone(&tz).date_naive();
        let start_of_week = today - Days::new(u64::from(days_since(today.weekday(), week_start)));
        let (from, to) = match self {
            Period::Today => (today, today + Days::new(1)),
            Period::ThisWeek => (start_of_week, start_of_week + Days::new(7)),
            Period::LastWeek => (start_of_week - Days::new(7), start_of_week),
            Period::ThisMonth => {
                let first = today - Days::new(u64::from(today.day0()));
                (first, first + Months::new(1))
            }
            Period::Rolling4Weeks => (today - Days::new(27), today + Days::new(1)),
            Period::AllTime => {
                return Range {
                    from: DateTime::<Utc>::MIN_UTC,
                    to: DateTime::<Utc>::MAX_UTC,
                }
            }
        };
        Range {
            from: start_of_day(from, tz),
            to: start_of_day(to, tz),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A period name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("there is no period `{0}`; choose one of today, this-week, last-week, this-month, 4-weeks, all-time")]
pub struct UnknownPeriod(pub String);

impl FromStr for Period {
    type Err = UnknownPeriod;

    fn from_str(s: &str) -> Result<Self, UnknownPeriod> {
        Period::ALL
            .into_iter()
            .find(|p| p.key() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownPeriod(s.to_owned()))
    }
}

/// Instants `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Range {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

fn days_since(day: Weekday, week_start: Weekday) -> u32 {
    (7 + day.num_days_from_monday() - week_start.num_days_from_monday()) % 7
}

/// The first instant of `date` in `tz`; where midnight is skipped by a
/// daylight-saving change, the first instant that exists.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut time = date.and_time(NaiveTime::MIN);
    loop {
        if let Some(at) = tz.from_local_datetime(&time).earliest() {
            return at.with_timezone(&Utc);
        }
        time += Duration::minutes(1);
    }
}

/// What a leaderboard ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Points,
    /// The amount of one exercise (which is chosen separately).
    Amount,
    /// Prompts answered per prompt posted.
    Consistency,
}

impl Metric {
    pub fn key(self) -> &'static str {
        match self {
            Metric::Points => "points",
            Metric::Amount => "amount",
            Metric::Consistency => "consistency",
        }
    }
}

/// A metric name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("there is no metric `{0}`; choose one of points, amount, consistency")]
pub struct UnknownMetric(pub String);

impl FromStr for Metric {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, UnknownMetric> {
        [Metric::Points, Metric::Amount, Metric::Consistency]
            .into_iter()
            .find(|m| m.key() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownMetric(s.to_owned()))
    }
}

/// A member's score on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Score {
    /// Points or an amount.
    Total(i64),
    /// Prompts answered of prompts posted.
    Ratio { answered: u32, posted: u32 },
}

impl Score {
    /// A consistency score; `None` below [`MIN_PROMPTS_FOR_CONSISTENCY`]
    /// prompts, which are too few to rank fairly.
    pub fn consistency(answered: u32, posted: u32) -> Option<Score> {
        (posted >= MIN_PROMPTS_FOR_CONSISTENCY).then_some(Score::Ratio {
            answered: answered.min(posted),
            posted,
        })
    }

    /// Higher is better; ratios compare exactly, without floating point.
    fn compare(&self, other: &Score) -> Ordering {
        match (self, other) {
            (Score::Total(a), Score::Total(b)) => a.cmp(b),
            (
                Score::Ratio {
                    answered: a,
                    posted: p,
                },
                Score::Ratio {
                    answered: b,
                    posted: q,
                },
            ) => (u64::from(*a) * u64::from(*q)).cmp(&(u64::from(*b) * u64::from(*p))),
            // Boards never mix kinds; order them deterministically anyway.
            (Score::Total(_), Score::Ratio { .. }) => Ordering::Greater,
            (Score::Ratio { .. }, Score::Total(_)) => Ordering::Less,
        }
    }
}

/// One member's score, before ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub user: UserId,
    pub score: Score,
    /// When the member reached this score: among equals, earlier ranks first.
    pub reached_at: DateTime<Utc>,
}

/// A ranked entry; tied scores share a rank ("1, 1, 3").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    pub rank: u32,
    pub entry: Entry,
}

/// Ranks `entries`, leaving out members who opted out before ranks are given,
/// so they take no place. Zero totals are not ranked.
pub fn rank(entries: impl IntoIterator<Item = Entry>, opted_out: &HashSet<UserId>) -> Vec<Ranked> {
    let mut entries: Vec<Entry> = entries
        .into_iter()
        .filter(|e| !opted_out.contains(&e.user))
        .filter(|e| !matches!(e.score, Score::Total(t) if t <= 0))
        .collect();
    entries.sort_by(|a, b| {
        b.score
            .compare(&a.score)
            .then(a.reached_at.cmp(&b.reached_at))
            .then(a.user.cmp(&b.user))
    });
    let mut ranked: Vec<Ranked> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(prev) if prev.entry.score.compare(&entry.score) == Ordering::Equal => prev.rank,
            _ => i as u32 + 1,
        };
        ranked.push(Ranked { rank, entry });
    }
    ranked
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::{America, Europe, Pacific};

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(r: Range, tz: Tz) -> (String, String) {
        let f = |t: DateTime<Utc>| t.with_timezone(&tz).format("%F %H:%M%:z").to_string();
        (f(r.from), f(r.to))
    }

    #[test]
    fn periods_follow_the_servers_days_and_week_start() {
        // Wednesday 2027-03-31, 23:30 in Berlin (21:30 UTC).
        let now = utc("2027-03-31T21:30:00Z");
        let tz = Europe::Berlin;
        let range = |p: Period, w| local(p.range(now, tz, w), tz);
        let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            range(Period::Today, Weekday::Mon),
            s("2027-03-31 00:00+02:00", "2027-04-01 00:00+02:00")
        );
        assert_eq!(
            range(Period::ThisWeek, Weekday::Mon),
            s("2027-03-29 00:00+02:00", "2027-04-05 00:00+02:00")
        );
        assert_eq!(
            range(Period::ThisWeek, Weekday::Sun),
            s("2027-03-28 00:00+01:00", "2027-04-04 00:00+02:00")
        );
        assert_eq!(
            range(Period::LastWeek, Weekday::Mon),
            s("2027-03-22 00:00+01:00", "2027-03-29 00:00+02:00")
        );
        assert_eq!(
            range(Period::ThisMonth, Weekday::Mon),
            s("2027-03-01 00:00+01:00", "2027-04-01 00:00+02:00")
        );
        assert_eq!(
            range(Period::Rolling4Weeks, Weekday::Mon),
            s("2027-03-04 00:00+01:00", "2027-04-01 00:00+02:00")
        );
        // In UTC it is still the 31st, in Auckland already 1 April.
        assert_eq!(
            local(
                Period::Today.range(now, Pacific::Auckland, Weekday::Mon),
                Pacific::Auckland
            )
            .0,
            "2027-04-01 00:00+13:00"
        );
        assert!(Period::AllTime
            .range(now, tz, Weekday::Mon)
            .contains(utc("1999-01-01T00:00:00Z")));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_after_the_gap() {
        // Santiago springs forward at midnight on 2027-09-05.
        let start = start_of_day(
            NaiveDate::from_ymd_opt(2027, 9, 5).unwrap(),
            America::Santiago,
        );
        assert_eq!(
            start
                .with_timezone(&America::Santiago)
                .format("%H:%M%:z")
                .to_string(),
            "01:00-03:00"
        );
    }

    #[test]
    fn names_parse_strictly() {
        assert_eq!("this-week".parse(), Ok(Period::ThisWeek));
        assert_eq!(" All-Time ".parse(), Ok(Period::AllTime));
        assert_eq!(
            "fortnight".parse::<Period>().unwrap_err().to_string(),
            "there is no period `fortnight`; choose one of today, this-week, last-week, this-month, 4-weeks, all-time"
        );
        assert_eq!("consistency".parse(), Ok(Metric::Consistency));
        assert!("speed".parse::<Metric>().is_err());
    }

    fn entry(user: u64, score: i64, minute: u32) -> Entry {
        Entry {
            user: UserId(user),
            score: Score::Total(score),
            reached_at: Utc.with_ymd_and_hms(2027, 3, 1, 9, minute, 0).unwrap(),
        }
    }

    fn ranks(ranked: &[Ranked]) -> Vec<(u32, u64)> {
        ranked.iter().map(|r| (r.rank, r.entry.user.0)).collect()
    }

    #[test]
    fn ties_share_a_rank_and_list_earlier_achievers_first() {
        let ranked = rank(
            [
                entry(1, 50, 30),
                entry(2, 80, 0),
                entry(3, 80, 10),
                entry(4, 50, 20),
                entry(5, 10, 0),
            ],
            &HashSet::new(),
        );
        assert_eq!(ranks(&ranked), [(1, 2), (1, 3), (3, 4), (3, 1), (5, 5)]);
        // Same score and same moment: by member id.
        let ranked = rank([entry(9, 5, 0), entry(7, 5, 0)], &HashSet::new());
        assert_eq!(ranks(&ranked), [(1, 7), (1, 9)]);
    }

    #[test]
    fn opted_out_members_are_removed_before_ranking() {
        let opted_out = HashSet::from([UserId(2)]);
        let ranked = rank(
            [entry(1, 50, 0), entry(2, 80, 0), entry(3, 40, 0)],
            &opted_out,
        );
        assert_eq!(ranks(&ranked), [(1, 1), (2, 3)]);
    }

    #[test]
    fn nothing_done_is_not_ranked() {
        assert!(rank([entry(1, 0, 0)], &HashSet::new()).is_empty());
    }

    #[test]
    fn consistency_ranks_exact_ratios_with_enough_prompts() {
        assert_eq!(Score::consistency(3, 4), None);
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap();
        let e = |user, answered, posted| Entry {
            user: UserId(user),
            score: Score::consistency(answered, posted).unwrap(),
            reached_at: at,
        };
        // 2/3 of 6 equals 4/6 of ... 4 of 6; 5 of 10 is less.
        let ranked = rank(
            [e(1, 5, 10), e(2, 4, 6), e(3, 6, 9), e(4, 10, 10)],
            &HashSet::new(),
        );
        assert_eq!(ranks(&ranked), [(1, 4), (2, 2), (2, 3), (4, 1)]);
    }
}
