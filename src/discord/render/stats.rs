//! The reply to `/stats`.

use super::{amount, fit, goals, name, period_phrase, plural};
use crate::app::stats::{ExerciseTotal, Stats};
use crate::domain::leaderboard::Period;

fn totals_line(total: &ExerciseTotal) -> String {
    format!("{}: {}", total.name, amount(total.amount, total.unit))
}

/// The reply to `/stats`.
pub fn stats(stats: &Stats, own: bool) -> String {
    let who = if own {
        "Your stats".to_owned()
    } else {
        format!("Stats for {}", name(stats.name.as_deref()))
    };
    let mut lines = vec![format!("**{who}** {}", period_phrase(stats.period))];
    if stats.totals.is_empty() {
        lines.push(format!("No check-ins {} yet.", period_phrase(stats.period)));
    } else {
        lines.push(format!(
            "**{}** · {}",
            plural(stats.points, "point", "points"),
            goals::streak_line(&stats.standing),
        ));
        for total in &stats.totals {
            lines.push(format!(
                "• {} ({})",
                totals_line(total),
                plural(total.points, "point", "points")
            ));
        }
        if stats.by_moderator > 0 {
            lines.push(format!(
                "{} logged by a moderator.",
                plural(i64::from(stats.by_moderator), "check-in", "check-ins")
            ));
        }
    }
    if stats.period != Period::Today {
        let today = if stats.today.is_empty() {
            "nothing yet".to_owned()
        } else {
            stats
                .today
                .iter()
                .map(totals_line)
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(format!("Today: {today}"));
    }
    if let Some(progress) = &stats.standing.goals {
        lines.push(format!("Goals: {}", goals::goal_line(progress)));
    }
    fit(lines)
}
