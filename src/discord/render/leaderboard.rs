//! Leaderboards as asked for and as posted, their settings, and `/privacy`.

use super::goals::team_total;
use super::schedules::firing_line;
use super::{amount, fit, name, period_phrase, plural, MAX_NAME};
use crate::app::leaderboard::{Board, BoardRow};
use crate::domain::leaderboard::{Metric, Score};
use crate::domain::team_goal::TeamProgress;
use crate::domain::{text, UserId};
use crate::pictures;

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

/// What a board ranks by: "points", "points from Walk", "Walk".
fn ranked_by(board: &Board) -> String {
    match (&board.metric, &board.exercise) {
        (Metric::Points, None) => "points".to_owned(),
        (Metric::Points, Some(e)) => format!("points from {}", e.name),
        (Metric::Amount, Some(e)) => e.name.clone(),
        (Metric::Amount, None) => "amount".to_owned(),
        (Metric::Consistency, _) => "consistency".to_owned(),
    }
}

fn empty_board(board: &Board) -> String {
    match board.metric {
        Metric::Consistency => "Nobody has had 5 prompts in this period yet.".to_owned(),
        _ => "Nobody is on the board yet. A /checkin puts you there.".to_owned(),
    }
}

/// The reply to `/leaderboard`. Names are shown as text, never as mentions.
pub fn leaderboard(board: &Board, viewer: UserId) -> String {
    let mut lines = vec![format!(
        "**Leaderboard** · {} · {}",
        ranked_by(board),
        period_phrase(board.period)
    )];
    if board.top.is_empty() {
        lines.push(empty_board(board));
    }
    lines.extend(board.top.iter().map(|r| row(r, board, viewer)));
    if let Some(own) = &board.viewer {
        lines.push("…".to_owned());
        lines.push(row(own, board, viewer));
    }
    fit(lines)
}

/// The board as a picture: the same places as [`leaderboard`]'s text, with
/// a bar each, and the team goal's progress when there is one. Names are
/// drawn as the member wrote them (no markdown to escape in a picture).
pub fn board_picture(
    board: &Board,
    viewer: UserId,
    team: Option<&TeamProgress>,
) -> pictures::Board {
    let picture_row = |row: &BoardRow| pictures::BoardRow {
        rank: row.rank,
        name: plain_name(row.name.as_deref()),
        value: match row.score {
            Score::Total(total) => total as f64,
            Score::Ratio { answered, posted } if posted > 0 => {
                f64::from(answered) / f64::from(posted)
            }
            Score::Ratio { .. } => 0.0,
        },
        figure: figure(&row.score, board),
        own: row.user == viewer,
    };
    let unit = match (&board.metric, &board.exercise) {
        (Metric::Amount, Some(e)) => format!(" ({})", e.unit.label(2)),
        (Metric::Consistency, _) => " (prompts answered)".to_owned(),
        _ => String::new(),
    };
    pictures::Board {
        title: format!("Leaderboard: {}", period_phrase(board.period)),
        subtitle: format!("by {}{unit}", ranked_by(board)),
        rows: board.top.iter().map(picture_row).collect(),
        own: board.viewer.as_ref().map(picture_row),
        team_goal: team.map(|team| pictures::GoalBar {
            label: format!("Team goal: {}", team_total(team)),
            done: team.total.max(0) as f64,
            target: f64::from(team.goal.target),
        }),
        empty: empty_board(board),
    }
}

/// A score as a board's picture shows it beside its bar: the figure alone
/// (the subtitle names the unit).
fn figure(score: &Score, board: &Board) -> String {
    match (score, board.metric) {
        (Score::Ratio { answered, posted }, _) => {
            let percent = if *posted == 0 {
                0
            } else {
                u64::from(*answered) * 100 / u64::from(*posted)
            };
            format!("{percent}%")
        }
        (Score::Total(total), _) => thousands(*total),
    }
}

/// "12,345".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A member's name for a picture: invisible characters out, cut to size.
fn plain_name(name: Option<&str>) -> String {
    let name = name.map(text::readable).unwrap_or_default();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return "a member".to_owned();
    }
    let mut cut: String = name.chars().take(MAX_NAME).collect();
    if name.chars().count() > MAX_NAME {
        cut.push('…');
    }
    cut
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::leaderboard::Period;
    use crate::domain::team_goal::{TeamGoal, TeamMetric};

    fn row(rank: u32, user: u64, name: Option<&str>, score: Score) -> BoardRow {
        BoardRow {
            rank,
            user: UserId(user),
            name: name.map(str::to_owned),
            score,
        }
    }

    #[test]
    fn the_boards_picture_shows_the_texts_places_and_the_team_goal() {
        let board = Board {
            period: Period::ThisWeek,
            metric: Metric::Points,
            exercise: None,
            top: vec![
                row(1, 1, Some("**Ada**"), Score::Total(12_345)),
                row(2, 2, None, Score::Total(80)),
            ],
            viewer: Some(row(12, 3, Some("Cy\u{202E}  Ng"), Score::Total(5))),
            ranked: 12,
        };
        let team = TeamProgress {
            goal: TeamGoal {
                metric: TeamMetric::Points,
                target: 500,
            },
            total: 340,
        };
        let picture = board_picture(&board, UserId(3), Some(&team));
        assert_eq!(picture.title, "Leaderboard: this week");
        assert_eq!(picture.subtitle, "by points");
        let rows: Vec<_> = picture
            .rows
            .iter()
            .map(|r| (r.rank, r.name.as_str(), r.figure.as_str(), r.own))
            .collect();
        // Names as written (a picture has no markdown), invisible marks out.
        assert_eq!(
            rows,
            [
                (1, "**Ada**", "12,345", false),
                (2, "a member", "80", false)
            ]
        );
        let own = picture.own.unwrap();
        assert_eq!((own.rank, own.name.as_str(), own.own), (12, "Cy Ng", true));
        let goal = picture.team_goal.unwrap();
        assert_eq!(goal.label, "Team goal: 340 of 500 points this week");
        assert_eq!((goal.done, goal.target), (340.0, 500.0));

        let consistency = Board {
            metric: Metric::Consistency,
            top: vec![row(
                1,
                1,
                Some("Ada"),
                Score::Ratio {
                    answered: 6,
                    posted: 7,
                },
            )],
            viewer: None,
            ..board
        };
        let picture = board_picture(&consistency, UserId(9), None);
        assert_eq!(picture.subtitle, "by consistency (prompts answered)");
        assert_eq!(picture.rows[0].figure, "85%");
        assert!(picture.team_goal.is_none());
    }
}
