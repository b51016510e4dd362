//! Goals, streaks that forgive, vacations, the team goal and milestones.

use chrono::NaiveDate;

use super::{escape, plural};
use crate::app::goals::Standing;
use crate::domain::goals::{GoalProgress, GoalTargets};
use crate::domain::milestones::Milestone;
use crate::domain::team_goal::{TeamMetric, TeamProgress};

/// Cells of a progress bar.
const BAR_CELLS: usize = 10;

/// A progress bar: `▰▰▰▱▱▱▱▱▱▱ 30%`.
pub fn bar(fraction: f64) -> String {
    let fraction = fraction.clamp(0.0, 1.0);
    let filled = (fraction * BAR_CELLS as f64).floor() as usize;
    format!(
        "{}{} {}%",
        "▰".repeat(filled),
        "▱".repeat(BAR_CELLS - filled),
        (fraction * 100.0).floor() as u32
    )
}

/// Goal progress, one short line: "walk: 20 of 30 min today · strength: 2 of
/// 3 days this week · heel raises: 3 of 8 sets · water: 2 of 6 glasses".
pub fn goal_line(goals: &GoalProgress) -> String {
    let mark = |met: bool| if met { " ✓" } else { "" };
    let mut parts = vec![
        format!(
            "walk: {} of {} min today{}",
            goals.walk.done,
            goals.walk.target,
            mark(goals.walk.met())
        ),
        format!(
            "strength: {} of {} days this week{}",
            goals.strength.done,
            goals.strength.target,
            mark(goals.strength.met())
        ),
    ];
    if let Some(sets) = goals.heel_sets {
        parts.push(format!(
            "heel raises: {} of {} sets{}",
            sets.done,
            sets.target,
            mark(sets.met())
        ));
    }
    parts.push(format!(
        "water: {} of {} glasses{}",
        goals.water.done,
        goals.water.target,
        mark(goals.water.met())
    ));
    parts.join(" · ")
}

/// The streak with its freezes: "streak 9 days · 1 freeze held, 1 used".
pub fn streak_line(standing: &Standing) -> String {
    let s = &standing.streak;
    let mut line = format!(
        "streak **{}** (best {}) · {} held, {} used",
        plural(i64::from(s.current), "day", "days"),
        plural(i64::from(s.best), "day", "days"),
        plural(i64::from(s.freezes_held), "freeze", "freezes"),
        s.freezes_used
    );
    if let Some(until) = standing.away_until {
        line.push_str(&format!(" · on vacation until {}", date(until)));
    }
    line
}

/// Goals as they stand for the member, or that they are off.
pub fn goals_reply(targets: Option<GoalTargets>) -> String {
    match targets {
        None => "Goals are off for you. `/me goals enabled:True` turns them on again.".into(),
        Some(t) => format!(
            "Your goals: brisk walking **{} min** a day · calf strength work on **{}** · **{}** of seated heel raises on working days · **{}** of water a day.",
            t.walk_minutes,
            plural(i64::from(t.strength_days), "day a week", "days a week"),
            plural(i64::from(t.heel_sets), "set", "sets"),
            plural(i64::from(t.water_glasses), "glass", "glasses"),
        ),
    }
}

/// The server's default goals after `/settings goals`.
pub fn server_goals(t: GoalTargets) -> String {
    format!(
        "Default goals for members: brisk walking {} min a day, calf strength work on {} days a week, {} sets of seated heel raises on working days, {} glasses of water. Members can set their own with `/me goals`.",
        t.walk_minutes, t.strength_days, t.heel_sets, t.water_glasses
    )
}

fn date(date: NaiveDate) -> String {
    date.format("%a %-d %b").to_string()
}

/// The reply to `/vacation days:N`.
pub fn vacation_started(last: NaiveDate) -> String {
    format!(
        "Enjoy your break! Your streak is protected through **{}**. `/vacation end` ends it early.",
        date(last)
    )
}

/// The reply to `/vacation end`.
pub fn vacation_ended() -> String {
    "Welcome back! Your vacation is over; from today your days count again.".into()
}

fn metric_unit(metric: TeamMetric, total: i64) -> String {
    match metric {
        TeamMetric::Points => plural(total, "point", "points"),
        TeamMetric::Minutes => plural(total, "minute", "minutes"),
        TeamMetric::Checkins => plural(total, "check-in", "check-ins"),
    }
}

/// The team goal and this week's progress as a bar.
pub fn team_progress(team: &TeamProgress) -> String {
    format!("{}\n{}", team_total(team), bar(team.fraction()))
}

/// "340 of 500 points this week".
pub fn team_total(team: &TeamProgress) -> String {
    format!(
        "{} of {} this week",
        team.total.min(i64::from(u32::MAX)),
        metric_unit(team.goal.metric, i64::from(team.goal.target))
    )
}

/// The reply to `/team-goal show`.
pub fn team_goal(team: Option<&TeamProgress>) -> String {
    match team {
        None => {
            "This server has no team goal yet. Moderators set one with `/team-goal set`.".into()
        }
        Some(team) => format!("**Team goal**: {}", team_progress(team)),
    }
}

/// The reply to `/team-goal set`.
pub fn team_goal_set(team: &TeamProgress) -> String {
    format!(
        "Team goal set: **{}** a week. Prompts and weekly boards show the progress.\n{}",
        metric_unit(team.goal.metric, i64::from(team.goal.target)),
        team_progress(team)
    )
}

/// Said once in the leaderboard channel when the team reaches its goal.
pub fn team_goal_reached(team: &TeamProgress) -> String {
    format!(
        "🎉 **Team goal reached!** Together you logged {} this week. Well done, everyone.",
        metric_unit(team.goal.metric, team.total)
    )
}

/// Said once in the channel of the check-in. The name is text, never a
/// mention.
pub fn milestone(name: &str, milestone: Milestone) -> String {
    let name = escape(name);
    match milestone {
        Milestone::Streak(days) => {
            format!("🔥 **{name}** reached a **{days}-day streak**! Keep those calves pumping.")
        }
        Milestone::FirstGoalWeek => {
            format!("🏅 **{name}** met every goal for a whole week, for the first time!")
        }
    }
}

/// The reply to `/settings milestone-role`.
pub fn milestone_role(days: i64, role: Option<&str>) -> String {
    match role {
        Some(name) => format!(
            "Members reaching a {days}-day streak get the role **{}**.",
            escape(name)
        ),
        None => format!("No role is given at a {days}-day streak any more."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_by_tenths() {
        assert_eq!(bar(0.0), "▱▱▱▱▱▱▱▱▱▱ 0%");
        assert_eq!(bar(0.34), "▰▰▰▱▱▱▱▱▱▱ 34%");
        assert_eq!(bar(1.7), "▰▰▰▰▰▰▰▰▰▰ 100%");
    }

    #[test]
    fn milestone_names_are_text() {
        let text = milestone("<@123> *bold*", Milestone::Streak(7));
        assert!(text.contains("\\*bold\\*"), "{text}");
    }
}
