//! Leaderboards as asked for and as posted, their settings, and `/privacy`.

use super::schedules::firing_line;
use super::{amount, fit, name, period_phrase, plural};
use crate::app::leaderboard::{Board, BoardRow};
use crate::domain::leaderboard::{Metric, Score};
use crate::domain::UserId;

fn score(score: &Score, board: &Board) -> String {
    match (score, board.metric) {
        (Score::Ratio { answered, posted }, _) => {
            let percent = if *posted == 0 {
                0
            } else {
                u64::from(*answered) * 100 / u64::from(*posted)
            };
            format!("{percent}% ({answered} of {posted} prompts)")
        }
        (Score::Total(total), Metric::Amount) => {
            amount(*total, board.exercise.as_ref().map(|e| e.unit))
        }
        (Score::Total(total), _) => plural(*total, "point", "points"),
    }
}

fn row(row: &BoardRow, board: &Board, viewer: UserId) -> String {
    let you = if row.user == viewer { " (you)" } else { "" };
    format!(
        "{}. {}{you} — {}",
        row.rank,
        name(row.name.as_deref()),
        score(&row.score, board)
    )
}

/// The reply to `/leaderboard`. Names are shown as text, never as mentions.
pub fn leaderboard(board: &Board, viewer: UserId) -> String {
    let what = match (&board.metric, &board.exercise) {
        (Metric::Points, None) => "points".to_owned(),
        (Metric::Points, Some(e)) => format!("points from {}", e.name),
        (Metric::Amount, Some(e)) => e.name.clone(),
        (Metric::Amount, None) => "amount".to_owned(),
        (Metric::Consistency, _) => "consistency".to_owned(),
    };
    let mut lines = vec![format!(
        "**Leaderboard** · {what} · {}",
        period_phrase(board.period)
    )];
    if board.top.is_empty() {
        lines.push(match board.metric {
            Metric::Consistency => "Nobody has had 5 prompts in this period yet.".to_owned(),
            _ => "Nobody is on the board yet. A /checkin puts you there.".to_owned(),
        });
    }
    lines.extend(board.top.iter().map(|r| row(r, board, viewer)));
    if let Some(own) = &board.viewer {
        lines.push("…".to_owned());
        lines.push(row(own, board, viewer));
    }
    fit(lines)
}

/// The reply to `/settings leaderboard-channel`.
pub fn leaderboard_channel(channel: Option<crate::domain::ChannelId>) -> String {
    match channel {
        Some(channel) => format!(
            "The leaderboard is posted in <#{channel}>. /settings leaderboard-schedule sets when."
        ),
        None => "No leaderboard channel: scheduled leaderboard posts are off.".to_owned(),
    }
}

/// The reply to `/settings leaderboard-schedule`.
pub fn board_schedule(
    set: Option<&(
        crate::app::schedules::ScheduleView,
        crate::domain::schedule::BoardWeek,
    )>,
) -> String {
    let Some((view, week)) = set else {
        return "Scheduled leaderboard posts are off.".to_owned();
    };
    let s = &view.schedule;
    let which = match week {
        crate::domain::schedule::BoardWeek::This => "this week's",
        crate::domain::schedule::BoardWeek::Last => "last week's",
    };
    let mut lines = vec![
        format!(
            "The leaderboard ({which} points) is posted in <#{}> on `{}` ({}).",
            s.channel,
            s.spec.replace('`', "'"),
            s.timezone.name()
        ),
        "Next:".to_owned(),
    ];
    lines.extend(
        view.next
            .iter()
            .map(|f| format!("• {}", firing_line(f, s.timezone))),
    );
    fit(lines)
}

/// The reply to `/privacy`.
pub fn privacy(opt_out: bool) -> String {
    if opt_out {
        "You are off this server's leaderboards. `/privacy leaderboard:on` brings you back."
            .to_owned()
    } else {
        "You are on this server's leaderboards.".to_owned()
    }
}
