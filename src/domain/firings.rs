//! When a schedule fires: its firings in its time zone, through
//! daylight-saving changes, and which of them quiet hours, a pause or an
//! expiry suppress.
//!
//! Daylight saving follows Vixie cron. A schedule whose hour field is `*` or
//! a step follows the real clock: it fires in both passes of a repeated hour
//! and not at all in a skipped one. Every other schedule fires once per
//! matching local time: a time inside a spring-forward gap fires at the first
//! instant after the gap, a time in a fall-back overlap at its first
//! occurrence only.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::server::{QuietHours, WeekdaySet};
use super::spec::ScheduleSpec;

/// How far ahead [`next_due`] looks before deciding a schedule will not fire:
/// eight years, so a schedule for 29 February survives a century year
/// without a leap day (2100).
pub const HORIZON_DAYS: i64 = 8 * 366;
/// How many firings [`next_due`] examines at most, so quiet hours that cover
/// every firing of a frequent schedule cannot make the search long.
pub const MAX_CANDIDATES: usize = 200_000;

/// How a daylight-saving change touched a firing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DstEffect {
    None,
    /// Its local time did not exist (spring forward); it fires at the first
    /// instant after the gap.
    MovedAfterGap,
    /// Its local time happened twice (fall back) and the schedule follows the
    /// real clock, so it fires in both passes; this is one of them.
    Repeated,
}

/// One firing of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firing {
    pub at: DateTime<Utc>,
    /// The local time the schedule matched; differs from `at`'s local time
    /// when moved after a gap.
    pub wall: NaiveDateTime,
    pub dst: DstEffect,
}

impl Firing {
    /// The firing's instant on the schedule's clock.
    pub fn local(&self, tz: Tz) -> DateTime<Tz> {
        self.at.with_timezone(&tz)
    }
}

/// The firings of `spec` in `tz` strictly after `after`, in order.
pub fn firings(spec: &ScheduleSpec, tz: Tz, after: DateTime<Utc>) -> Firings<'_> {
    Firings {
        spec,
        tz,
        after,
        naive_cursor: after.with_timezone(&tz).naive_local(),
        zoned_cursor: after.with_timezone(&tz),
        done: false,
    }
}

/// Iterator returned by [`firings`].
pub struct Firings<'a> {
    spec: &'a ScheduleSpec,
    tz: Tz,
    /// Everything emitted is strictly after this; it advances as firings go out.
    after: DateTime<Utc>,
    naive_cursor: NaiveDateTime,
    zoned_cursor: DateTime<Tz>,
    done: bool,
}

impl Iterator for Firings<'_> {
    type Item = Firing;

    fn next(&mut self) -> Option<Firing> {
        while !self.done {
            let candidate = if self.spec.follows_real_clock() {
                self.next_real_clock()
            } else {
                self.next_fixed_time()
            };
            let Some(firing) = candidate else {
                self.done = true;
                break;
            };
            if firing.at > self.after {
                self.after = firing.at;
                return Some(firing);
            }
        }
        None
    }
}

impl Firings<'_> {
    /// Real clock: every instant whose local time matches, in instant order.
    fn next_real_clock(&mut self) -> Option<Firing> {
        let next = self
            .spec
            .croner()
            .find_next_occurrence(&self.zoned_cursor, false)
            .ok()?;
        self.zoned_cursor = next;
        let wall = next.naive_local();
        let dst = match self.tz.from_local_datetime(&wall) {
            LocalResult::Ambiguous(..) => DstEffect::Repeated,
            _ => DstEffect::None,
        };
        Some(Firing {
            at: next.with_timezone(&Utc),
            wall,
            dst,
        })
    }

    /// Fixed time: each matching local time once. The caller drops firings
    /// not after the last one, which folds several skipped times onto the
    /// one instant after a gap.
    fn next_fixed_time(&mut self) -> Option<Firing> {
        let wall = self
            .spec
            .croner()
            .find_next_occurrence(&self.naive_cursor, false)
            .ok()?;
        self.naive_cursor = wall;
        let (at, dst) = match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(at) => (at, DstEffect::None),
            LocalResult::Ambiguous(first, _) => (first, DstEffect::None),
            LocalResult::None => (
                first_instant_after_gap(self.tz, wall),
                DstEffect::MovedAfterGap,
            ),
        };
        Some(Firing {
            at: at.with_timezone(&Utc),
            wall,
            dst,
        })
    }
}

/// The first instant at or after the end of the gap `wall` falls into: the
/// first whole minute after `wall` that exists on the local clock.
fn first_instant_after_gap(tz: Tz, wall: NaiveDateTime) -> DateTime<Tz> {
    let mut probe = wall.with_second(0).unwrap_or(wall);
    // Gaps last at most a few hours; a day bounds the search.
    for _ in 0..24 * 60 {
        probe += Duration::minutes(1);
        if let Some(at) = tz.from_local_datetime(&probe).earliest() {
            return at;
        }
    }
    unreachable!("no daylight-saving gap lasts a day")
}

/// When a server does not want prompts, in its own zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quiet {
    pub tz: Tz,
    pub hours: Option<QuietHours>,
    pub days: WeekdaySet,
}

impl Quiet {
    /// No quiet time at all.
    pub fn none() -> Self {
        Self {
            tz: Tz::UTC,
            hours: None,
            days: WeekdaySet::EMPTY,
        }
    }

    /// Whether a prompt at `at` would fall in quiet time.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz);
        if self.days.contains(chrono::Datelike::weekday(&local)) {
            return true;
        }
        match self.hours {
            None => false,
            Some(QuietHours { start, end }) => {
                let time = local.time();
                in_window(time, start, end)
            }
        }
    }
}

/// Whether `time` is in `[start, end)`, wrapping past midnight when
/// `start > end`.
fn in_window(time: NaiveTime, start: NaiveTime, end: NaiveTime) -> bool {
    if start <= end {
        start <= time && time < end
    } else {
        time >= start || time < end
    }
}

/// What keeps a schedule's firings from going out, besides quiet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// Firings before this are suppressed (a pause that ends by itself).
    pub paused_until: Option<DateTime<Utc>>,
    /// Firings at or after this never happen.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The next firing after `after` that is neither in quiet time, nor inside a
/// pause, nor past expiry. `None` when there is none within
/// [`HORIZON_DAYS`].
pub fn next_due(
    spec: &ScheduleSpec,
    tz: Tz,
    quiet: &Quiet,
    window: Window,
    after: DateTime<Utc>,
) -> Option<Firing> {
    let start = match window.paused_until {
        // A firing exactly at the end of a pause goes out.
        Some(until) if until > after => until - Duration::milliseconds(1),
        _ => after,
    };
    let horizon = after + Duration::days(HORIZON_DAYS);
    firings(spec, tz, start)
        .take(MAX_CANDIDATES)
        .take_while(|f| f.at <= horizon && window.expires_at.is_none_or(|e| f.at < e))
        .find(|f| !quiet.contains(f.at))
}

#[cfg(test)]
mod tests;
