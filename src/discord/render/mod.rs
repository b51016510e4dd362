//! What members read: every reply's text is built here, so tone and
//! formatting stay consistent, and member text is escaped before it is shown.
//! One file per feature; this one holds what they share: escaping, names,
//! amounts, and keeping within Discord's limit.

mod checkin;
mod goals;
mod help;
mod leaderboard;
mod privacy;
mod prompts;
mod schedules;
mod settings;
mod stats;

use crate::domain::exercise::Unit;
use crate::domain::leaderboard::Period;
use crate::domain::text;

pub use checkin::{checkin, undone};
pub use goals::{
    goals_reply, milestone, milestone_role, server_goals, team_goal, team_goal_reached,
    team_goal_set, team_progress, vacation_ended, vacation_started,
};
pub use help::help;
pub use leaderboard::{board_picture, board_schedule, leaderboard, leaderboard_channel, privacy};
pub use privacy::{
    checkin_for, export, export_part, forget_outcome, forget_question, FORGET_BUTTON,
};
pub use prompts::{not_in_a_server, prompt_click, rotation_line, unknown_button};
pub use schedules::{
    schedule_added, schedule_changed, schedule_list, schedule_removed, spec_preview,
    test_prompt_not_taken, test_prompt_posted, test_prompt_unusable,
};
pub use settings::{
    audit, exercise_switched, member_zone, moderator_role, pause_notices, quiet, server_zone,
    settings, week_start,
};
pub use stats::stats;

/// Discord's limit on a message's content.
pub const MAX_CONTENT: usize = 2000;
/// The longest member name shown on a board.
const MAX_NAME: usize = 32;

/// The disclaimer every health text carries.
pub const DISCLAIMER: &str = "*General movement tips for information only, not medical advice. If you have circulation problems, leg swelling or a heart condition, ask a health professional before starting new exercise.*";

/// Member text inside a line of a reply: line breaks folded, invisible and
/// reordering characters taken out ([`text::readable`]), markdown escaped so
/// it shows as typed. Mentions stay as typed; replies allow none, so they
/// never ping.
pub fn escape(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = text::readable(&line);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        // Brackets too: a bot's message renders [text](url) as a link.
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Member text that starts a line (or follows a quote marker): as
/// [`escape`], and markers that only count at a line's start (headings,
/// lists, quotes) are escaped too.
pub fn escape_line(text: &str) -> String {
    let escaped = escape(text);
    if escaped.starts_with(['#', '-', '>']) {
        format!("\\{escaped}")
    } else {
        escaped
    }
}

/// A short wait in words: "4 s", "1 min", "10 min".
pub fn duration(wait: std::time::Duration) -> String {
    let seconds = wait.as_secs();
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min", seconds.div_ceil(60))
    }
}

/// The apology for a failure on the bot's side, with the id of its log entry.
pub fn apology(error_id: &str) -> String {
    format!("Sorry, something went wrong on my side. If it keeps happening, give a moderator this error id: `{error_id}`.")
}

fn amount(amount: i64, unit: Option<Unit>) -> String {
    match unit {
        Some(unit) => format!(
            "{amount} {}",
            unit.label(u32::try_from(amount).unwrap_or(u32::MAX))
        ),
        None => amount.to_string(),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn period_phrase(period: Period) -> &'static str {
    match period {
        Period::Today => "today",
        Period::ThisWeek => "this week",
        Period::LastWeek => "last week",
        Period::ThisMonth => "this month",
        Period::Rolling4Weeks => "in the last 4 weeks",
        Period::AllTime => "of all time",
    }
}

/// A member's name as the bot last saw it, escaped and cut to size.
fn name(name: Option<&str>) -> String {
    let name = name.map(text::readable);
    match name.as_deref() {
        Some(n) if !n.trim().is_empty() => {
            let cut: String = n.chars().take(MAX_NAME).collect();
            let more = if n.chars().count() > MAX_NAME {
                "…"
            } else {
                ""
            };
            format!("{}{more}", escape(&cut))
        }
        _ => "a member".to_owned(),
    }
}

/// Items in order joined by arrows, the `current` one in bold.
fn arrows(items: &[&str], current: usize) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if i == current {
                format!("**{item}**")
            } else {
                (*item).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Any reply text cut to Discord's limit (error replies can echo long input).
pub fn within_limit(text: &str) -> String {
    if text.chars().count() <= MAX_CONTENT {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_CONTENT - 1).collect();
    cut.push('…');
    cut
}

/// Joins lines, keeping within Discord's limit: lines that do not fit are
/// replaced by "and N more".
fn fit(lines: Vec<String>) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let rest = lines.len() - i;
        let tail = format!("\n…and {rest} more");
        if out.chars().count() + line.chars().count() + 1 + tail.chars().count() > MAX_CONTENT {
            out.push_str(&tail);
            return out;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_replies_are_cut_with_a_count() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("{i:03} {}", "x".repeat(40)))
            .collect();
        let text = fit(lines);
        assert!(text.chars().count() <= MAX_CONTENT, "{}", text.len());
        assert!(text.ends_with("more"), "{text}");
        let shown = text.lines().count() - 1;
        assert!(
            text.ends_with(&format!("…and {} more", 100 - shown)),
            "{text}"
        );
    }

    #[test]
    fn names_are_escaped_and_cut() {
        assert_eq!(name(Some("**Ada**")), "\\*\\*Ada\\*\\*");
        assert_eq!(name(None), "a member");
        assert_eq!(name(Some(&"n".repeat(40))), format!("{}…", "n".repeat(32)));
    }

    #[test]
    fn markdown_in_member_text_is_escaped() {
        assert_eq!(
            escape("**bold** _x_ `code`"),
            "\\*\\*bold\\*\\* \\_x\\_ \\`code\\`"
        );
        assert_eq!(escape("@everyone <@&1>"), "@everyone <@&1>");
        assert_eq!(escape("[win](https://x.co)"), "\\[win\\](https://x.co)");
        assert_eq!(escape_line("# big\n- list"), "\\# big - list");
        assert_eq!(escape("#1 mid-line"), "#1 mid-line");
    }

    #[test]
    fn member_text_shown_to_others_cannot_hide_or_reorder() {
        assert_eq!(escape("legs\u{202E}gnp.exe\u{0}"), "legsgnp.exe");
        assert_eq!(escape_line("\u{200B}# big"), "\\# big");
        assert_eq!(name(Some("\u{200B}\u{2060}\u{FEFF}")), "a member");
        assert_eq!(name(Some("Ada\u{202E}\u{2066}")), "Ada");
        let family = "\u{1F468}\u{200D}\u{1F469}";
        assert_eq!(name(Some(family)), family);
    }
}
