//! Milestones: streaks of 7, 30 and 100 days and a member's first week of
//! goals met, each celebrated once per member and server.

use std::collections::BTreeSet;
use std::fmt;

/// Streak lengths that are celebrated.
pub const STREAK_MILESTONES: [u32; 3] = [7, 30, 100];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Milestone {
    /// A streak of this many days (one of [`STREAK_MILESTONES`]).
    Streak(u32),
    FirstGoalWeek,
}

impl Milestone {
    /// The key it is remembered by.
    pub fn key(self) -> String {
        match self {
            Milestone::Streak(days) => format!("streak-{days}"),
            Milestone::FirstGoalWeek => "goal-week".into(),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        if key == "goal-week" {
            return Some(Milestone::FirstGoalWeek);
        }
        let days = key.strip_prefix("streak-")?.parse().ok()?;
        STREAK_MILESTONES
            .contains(&days)
            .then_some(Milestone::Streak(days))
    }
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// The milestones reached now and not celebrated before, longest streak
/// first. A member who passes several at once (their history predates
/// milestones) gets them all remembered; callers announce the first.
pub fn newly_reached(
    streak: u32,
    goal_week_met: bool,
    celebrated: &BTreeSet<Milestone>,
) -> Vec<Milestone> {
    let mut reached: Vec<Milestone> = STREAK_MILESTONES
        .iter()
        .rev()
        .filter(|&&days| streak >= days)
        .map(|&days| Milestone::Streak(days))
        .collect();
    if goal_week_met {
        reached.push(Milestone::FirstGoalWeek);
    }
    reached.retain(|m| !celebrated.contains(m));
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_reached_once() {
        let mut celebrated = BTreeSet::new();
        assert!(newly_reached(6, false, &celebrated).is_empty());
        assert_eq!(newly_reached(7, false, &celebrated), [Milestone::Streak(7)]);
        celebrated.insert(Milestone::Streak(7));
        assert!(newly_reached(8, false, &celebrated).is_empty());
        // A broken and rebuilt streak is not celebrated again.
        assert!(newly_reached(7, false, &celebrated).is_empty());
        assert_eq!(
            newly_reached(100, true, &celebrated),
            [
                Milestone::Streak(100),
                Milestone::Streak(30),
                Milestone::FirstGoalWeek
            ]
        );
    }

    #[test]
    fn keys_round_trip() {
        for m in [
            Milestone::Streak(7),
            Milestone::Streak(30),
            Milestone::Streak(100),
            Milestone::FirstGoalWeek,
        ] {
            assert_eq!(Milestone::parse(&m.key()), Some(m));
        }
        assert_eq!(Milestone::parse("streak-8"), None);
    }
}
