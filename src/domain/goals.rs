//! Members' goals, from the health guidance: brisk walking every day, calf
//! strength work on a few days a week, seated heel raises through the working
//! day, and water.
//!
//! Progress is counted from the stored check-ins of each local date (never
//! from counters). A daily goal is on track on a date when it is met; the
//! weekly strength goal is on track when the strength days of the week so
//! far keep pace with the target (`target × days elapsed / 7`, rounded
//! down, so the last day of the week asks for the whole target). A "week of
//! goals met" is 7 consecutive dates on which every goal was on track.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use thiserror::Error;

use super::server::WeekdaySet;

/// Which catalog exercises count for which goal. Keys the catalog does not
/// have count for nothing.
pub const WALK_KEYS: &[&str] = &["walk"];
pub const STRENGTH_KEYS: &[&str] = &["calf-raises", "stairs", "skipping"];
pub const HEEL_RAISE_KEYS: &[&str] = &["heel-raises"];
pub const WATER_KEYS: &[&str] = &["water"];

/// A member's targets. The defaults are the guidance's: 30 minutes of brisk
/// walking a day, calf strength work on 3 days a week, 8 sets of seated heel
/// raises on working days, 6 glasses of water.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalTargets {
    pub walk_minutes: u32,
    pub strength_days: u32,
    pub heel_sets: u32,
    pub water_glasses: u32,
}

impl Default for GoalTargets {
    fn default() -> Self {
        Self {
            walk_minutes: 30,
            strength_days: 3,
            heel_sets: 8,
            water_glasses: 6,
        }
    }
}

/// The sane bounds of each target, inclusive: enough to be a goal, not so
/// much that it invites overdoing it.
pub const WALK_MINUTES: (u32, u32) = (5, 180);
pub const STRENGTH_DAYS: (u32, u32) = (1, 7);
pub const HEEL_SETS: (u32, u32) = (1, 20);
pub const WATER_GLASSES: (u32, u32) = (1, 15);

/// A target outside its bounds; the `Display` is for members.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the {goal} goal takes {min} to {max} {unit}; {value} is outside that")]
pub struct TargetOutOfBounds {
    pub goal: &'static str,
    pub unit: &'static str,
    pub min: u32,
    pub max: u32,
    pub value: i64,
}

/// A change to some targets; `None` keeps the current one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetChange {
    pub walk_minutes: Option<i64>,
    pub strength_days: Option<i64>,
    pub heel_sets: Option<i64>,
    pub water_glasses: Option<i64>,
}

impl TargetChange {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `base` with the stored values laid over it; a value outside its
    /// bounds (none is ever stored) keeps the base's.
    pub fn overlay(&self, base: GoalTargets) -> GoalTargets {
        let one = |value: Option<i64>, current: u32, (min, max): (u32, u32)| {
            value
                .and_then(|v| u32::try_from(v).ok())
                .filter(|v| (min..=max).contains(v))
                .unwrap_or(current)
        };
        GoalTargets {
            walk_minutes: one(self.walk_minutes, base.walk_minutes, WALK_MINUTES),
            strength_days: one(self.strength_days, base.strength_days, STRENGTH_DAYS),
            heel_sets: one(self.heel_sets, base.heel_sets, HEEL_SETS),
            water_glasses: one(self.water_glasses, base.water_glasses, WATER_GLASSES),
        }
    }

    /// `base` with this change applied, every new value checked.
    pub fn apply(&self, base: GoalTargets) -> Result<GoalTargets, TargetOutOfBounds> {
        fn check(
            value: Option<i64>,
            current: u32,
            (min, max): (u32, u32),
            goal: &'static str,
            unit: &'static str,
        ) -> Result<u32, TargetOutOfBounds> {
            let Some(value) = value else {
                return Ok(current);
            };
            u32::try_from(value)
                .ok()
                .filter(|v| (min..=max).contains(v))
                .ok_or(TargetOutOfBounds {
                    goal,
                    unit,
                    min,
                    max,
                    value,
                })
        }
        Ok(GoalTargets {
            walk_minutes: check(
                self.walk_minutes,
                base.walk_minutes,
                WALK_MINUTES,
                "walk",
                "minutes a day",
            )?,
            strength_days: check(
                self.strength_days,
                base.strength_days,
                STRENGTH_DAYS,
                "strength",
                "days a week",
            )?,
            heel_sets: check(
                self.heel_sets,
                base.heel_sets,
                HEEL_SETS,
                "heel-raise",
                "sets a working day",
            )?,
            water_glasses: check(
                self.water_glasses,
                base.water_glasses,
                WATER_GLASSES,
                "water",
                "glasses a day",
            )?,
        })
    }
}

/// A member's goal settings in one server: their own targets over the
/// server's, or goals off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberGoals {
    pub off: bool,
    pub own: TargetChange,
}

impl MemberGoals {
    /// The member's targets, `None` when they turned goals off.
    pub fn targets(&self, server: GoalTargets) -> Option<GoalTargets> {
        (!self.off).then(|| self.own.overlay(server))
    }
}

/// What counts for goals on one local date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GoalDay {
    pub walk_minutes: u32,
    /// Any calf strength work that day.
    pub strength: bool,
    /// Sets of seated heel raises: one check-in (or one "Done") is one set.
    pub heel_sets: u32,
    pub water_glasses: u32,
}

/// Adds check-ins `(date, exercise key, amount)` up per date.
pub fn goal_days<'a>(
    checkins: impl IntoIterator<Item = (NaiveDate, &'a str, u32)>,
) -> BTreeMap<NaiveDate, GoalDay> {
    day_goal_days(
        checkins
            .into_iter()
            .map(|(date, key, amount)| (date, key, i64::from(amount), 1)),
    )
}

/// Adds sums of check-ins `(date, exercise key, amount, check-ins)` up per
/// date, as [`goal_days`] adds up the check-ins they sum.
pub fn day_goal_days<'a>(
    sums: impl IntoIterator<Item = (NaiveDate, &'a str, i64, i64)>,
) -> BTreeMap<NaiveDate, GoalDay> {
    let saturate = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    let mut days = BTreeMap::<NaiveDate, GoalDay>::new();
    for (date, key, amount, checkins) in sums {
        let day = days.entry(date).or_default();
        if WALK_KEYS.contains(&key) {
            day.walk_minutes = day.walk_minutes.saturating_add(saturate(amount));
        } else if STRENGTH_KEYS.contains(&key) {
            day.strength |= checkins > 0;
        } else if HEEL_RAISE_KEYS.contains(&key) {
            day.heel_sets = day.heel_sets.saturating_add(saturate(checkins));
        } else if WATER_KEYS.contains(&key) {
            day.water_glasses = day.water_glasses.saturating_add(saturate(amount));
        }
    }
    days
}

/// How far one goal has come: `done` of `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u32,
    pub target: u32,
}

impl Progress {
    pub fn met(self) -> bool {
        self.done >= self.target
    }
}

/// Every goal's progress on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalProgress {
    pub date: NaiveDate,
    /// Minutes today.
    pub walk: Progress,
    /// Strength days this week (the week holding `date`).
    pub strength: Progress,
    /// Sets today; `None` on a day off (not one of the server's working days).
    pub heel_sets: Option<Progress>,
    /// Glasses today.
    pub water: Progress,
    /// Every goal on track on `date`.
    pub on_track: bool,
}

/// Progress on `date`, with weeks starting on `week_start` and heel-raise
/// sets asked for on `working_days`.
pub fn progress(
    days: &BTreeMap<NaiveDate, GoalDay>,
    targets: GoalTargets,
    date: NaiveDate,
    week_start: Weekday,
    working_days: WeekdaySet,
) -> GoalProgress {
    let day = days.get(&date).copied().unwrap_or_default();
    let elapsed = days_into_week(date, week_start) + 1;
    let week_start_date = date - Days::new(u64::from(elapsed - 1));
    let strength_days = days
        .range(week_start_date..=date)
        .filter(|(_, d)| d.strength)
        .count();
    let strength = Progress {
        done: u32::try_from(strength_days).unwrap_or(u32::MAX),
        target: targets.strength_days,
    };
    // Keeping pace: by the k-th day of the week, target × k / 7 days.
    let strength_pace = targets.strength_days * elapsed / 7;
    let walk = Progress {
        done: day.walk_minutes,
        target: targets.walk_minutes,
    };
    let heel_sets = working_days.contains(date.weekday()).then_some(Progress {
        done: day.heel_sets,
        target: targets.heel_sets,
    });
    let water = Progress {
        done: day.water_glasses,
        target: targets.water_glasses,
    };
    let on_track = walk.met()
        && strength.done >= strength_pace
        && heel_sets.is_none_or(Progress::met)
        && water.met();
    GoalProgress {
        date,
        walk,
        strength,
        heel_sets,
        water,
        on_track,
    }
}

/// How many days `date` is past the start of its week (0 to 6).
fn days_into_week(date: NaiveDate, week_start: Weekday) -> u32 {
    (date.weekday().num_days_from_monday() + 7 - week_start.num_days_from_monday()) % 7
}

/// The days a "week of goals met" takes.
pub const GOAL_WEEK_DAYS: u64 = 7;

/// The last date of the member's first week of goals met, up to `until`: the
/// first date ending 7 consecutive dates that were all on track.
pub fn first_goal_week(
    days: &BTreeMap<NaiveDate, GoalDay>,
    targets: GoalTargets,
    until: NaiveDate,
    week_start: Weekday,
    working_days: WeekdaySet,
) -> Option<NaiveDate> {
    let first = *days.keys().next()?;
    let mut run = 0;
    let mut date = first;
    while date <= until {
        if progress(days, targets, date, week_start, working_days).on_track {
            run += 1;
            if run >= GOAL_WEEK_DAYS {
                return Some(date);
            }
        } else {
            run = 0;
        }
        date = date.succ_opt()?;
    }
    None
}

#[cfg(test)]
mod tests;
