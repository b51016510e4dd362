//! A team goal: one weekly target for the whole server, in points, minutes
//! or check-ins, announced once when the team reaches it.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// What a team goal adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamMetric {
    Points,
    /// Minutes of exercises counted in minutes.
    Minutes,
    Checkins,
}

impl TeamMetric {
    pub const ALL: [TeamMetric; 3] = [
        TeamMetric::Points,
        TeamMetric::Minutes,
        TeamMetric::Checkins,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TeamMetric::Points => "points",
            TeamMetric::Minutes => "minutes",
            TeamMetric::Checkins => "checkins",
        }
    }
}

impl fmt::Display for TeamMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A team metric that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{0}` is not a team goal metric; use points, minutes or checkins")]
pub struct UnknownTeamMetric(pub String);

impl FromStr for TeamMetric {
    type Err = UnknownTeamMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.key().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownTeamMetric(s.to_owned()))
    }
}

/// The largest weekly target a server may set.
pub const MAX_TEAM_TARGET: u32 = 1_000_000;

/// A server's weekly goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamGoal {
    pub metric: TeamMetric,
    pub target: u32,
}

/// Where the team stands this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamProgress {
    pub goal: TeamGoal,
    pub total: i64,
}

impl TeamProgress {
    pub fn reached(&self) -> bool {
        self.total >= i64::from(self.goal.target)
    }

    /// How much of the target is done, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.goal.target == 0 {
            return 1.0;
        }
        (self.total.max(0) as f64 / f64::from(self.goal.target)).min(1.0)
    }

    /// Whether the team reached the goal with this week's newest activity,
    /// given whether that was already said this week: true exactly once per
    /// week, whatever order and however many check-ins come after.
    pub fn to_announce(&self, announced_this_week: bool) -> bool {
        self.reached() && !announced_this_week
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_parse_in_any_case() {
        assert_eq!("Minutes".parse(), Ok(TeamMetric::Minutes));
        assert_eq!(
            "steps".parse::<TeamMetric>().unwrap_err().to_string(),
            "`steps` is not a team goal metric; use points, minutes or checkins"
        );
    }

    #[test]
    fn the_team_goal_is_announced_exactly_once_when_crossed() {
        let goal = TeamGoal {
            metric: TeamMetric::Points,
            target: 100,
        };
        let mut announced = false;
        let mut announcements = 0;
        // Totals after each check-in: below, exactly at, and past the target.
        for total in [10, 60, 99, 100, 140, 250] {
            let progress = TeamProgress { goal, total };
            if progress.to_announce(announced) {
                announcements += 1;
                announced = true;
                assert_eq!(total, 100, "announced when crossed");
            }
        }
        assert_eq!(announcements, 1);
        // Overshooting in one step is one crossing too.
        let leap = TeamProgress { goal, total: 500 };
        assert!(leap.to_announce(false));
        assert!(!leap.to_announce(true));
        assert!((leap.fraction() - 1.0).abs() < f64::EPSILON);
        let half = TeamProgress { goal, total: 50 };
        assert!(!half.to_announce(false));
        assert!((half.fraction() - 0.5).abs() < f64::EPSILON);
    }
}
