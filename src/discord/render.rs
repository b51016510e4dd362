//! What members read: every reply's text is built here, so tone and
//! formatting stay consistent, and member text is escaped before it is shown.

use chrono_tz::Tz;

use crate::app::checkins::CheckInReceipt;
use crate::app::leaderboard::{Board, BoardRow};
use crate::app::stats::{ExerciseTotal, Stats};
use crate::domain::checkin::CheckIn;
use crate::domain::exercise::{Exercise, Unit};
use crate::domain::leaderboard::{Metric, Period, Score};
use crate::domain::text;
use crate::domain::UserId;

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

/// What a member reads after clicking a prompt's button.
pub fn prompt_click(
    outcome: &crate::app::prompts::ClickOutcome,
    snooze: std::time::Duration,
) -> String {
    use crate::app::prompts::ClickOutcome;
    use crate::domain::occurrence::Answer;
    match outcome {
        ClickOutcome::Logged { receipt, .. } => format!("{} /undo takes it back.", checkin(receipt)),
        ClickOutcome::NotNow => "Noted: not now. The next prompt is another chance.".to_owned(),
        ClickOutcome::AlreadyAnswered(Answer::NotNow) => "You already answered \"not now\" to this prompt. /checkin logs it if you did it after all.".to_owned(),
        ClickOutcome::AlreadyAnswered(Answer::Done | Answer::DoneTwice) => "Already logged for this prompt. /undo removes your latest check-in if you want to change it.".to_owned(),
        ClickOutcome::Snoozed { .. } => format!(
            "I will remind you in {} (only you will see it).",
            duration(snooze)
        ),
        ClickOutcome::AlreadySnoozed => "A reminder for this prompt is already on its way.".to_owned(),
        ClickOutcome::TestPrompt => "This is a test prompt: nothing is logged from it.".to_owned(),
    }
}

/// The apology for a failure on the bot's side, with the id of its log entry.
pub fn apology(error_id: &str) -> String {
    format!("Sorry, something went wrong on my side. If it keeps happening, give a moderator this error id: `{error_id}`.")
}

/// The note moderators get once about schedules paused by an error.
pub fn pause_notices(notices: &[(crate::domain::ScheduleId, String)]) -> String {
    let mut text = String::from("⚠️ Paused because their prompts could not be posted:");
    for (id, reason) in notices {
        text.push_str(&format!("\n- **#{id}**: {}", escape(reason)));
    }
    text.push_str("\nFix the channel (or /schedule edit it to another), then /schedule resume.");
    within_limit(&text)
}

/// The reply to a recorded check-in.
pub fn checkin(receipt: &CheckInReceipt) -> String {
    let c = &receipt.checkin;
    let unit = receipt.exercise.unit;
    let mut text = format!(
        "Logged **{} {}** of {} (+{} point{}). Today: {} {}.",
        c.amount,
        unit.label(c.amount),
        receipt.exercise.name,
        c.points,
        if c.points == 1 { "" } else { "s" },
        receipt.day_amount,
        unit.label(u32::try_from(receipt.day_amount).unwrap_or(u32::MAX)),
    );
    if let Some(note) = &c.note {
        text.push_str(&format!("\n> {}", escape_line(note)));
    }
    text
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

/// The reply to `/undo`.
pub fn undone(checkin: &CheckIn, exercise: Option<&Exercise>) -> String {
    format!(
        "Removed your check-in: **{}** of {} (−{}).",
        amount(i64::from(checkin.amount), exercise.map(|e| e.unit)),
        exercise.map_or_else(|| checkin.exercise.to_string(), |e| e.name.clone()),
        plural(checkin.points, "point", "points"),
    )
}

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
            "**{}** · streak **{}** (best {})",
            plural(stats.points, "point", "points"),
            plural(i64::from(stats.streak.current), "day", "days"),
            plural(i64::from(stats.streak.best), "day", "days"),
        ));
        for total in &stats.totals {
            lines.push(format!(
                "• {} ({})",
                totals_line(total),
                plural(total.points, "point", "points")
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
    fit(lines)
}

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

/// The reply to `/me timezone`.
pub fn member_zone(zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => format!("Your streak days now follow **{}**.", zone.name()),
        None => "Your streak days follow the server's time zone again.".to_owned(),
    }
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

/// The reply to `/help`.
pub fn help() -> String {
    [
        "**secondheart** keeps your team's \"second heart\" working: your calf muscles pump blood from the legs back to the heart, and long sitting lets it pool. The bot posts short movement prompts and counts what you do.",
        "",
        "**Habits worth building**",
        "• Seated heel raises every 30 minutes of desk work",
        "• A brisk walk, at least 30 minutes a day (hills and stairs work the calves harder)",
        "• Calf strength work 2 to 3 times a week: calf raises, skipping rope, stairs",
        "• A calf stretch after long sitting or standing: wall stretch, downward dog",
        "• Enough water through the day",
        "",
        "**Commands**",
        "`/checkin exercise amount [note]` log what you did · `/undo` take back your latest check-in (within an hour)",
        "`/stats [member] [period]` totals, points, streak · `/leaderboard [period] [metric] [exercise]` the top ten",
        "`/me timezone zone` your zone for streak days · `/privacy leaderboard:on|off` appear on leaderboards or not",
        "",
        "**For moderators** (Manage Server, or the server's moderator role)",
        "`/schedule add|list|edit|remove|pause|resume|preview` prompt schedules · `/settings timezone|week-start|moderator-role|quiet-hours|exercises|show` · `/audit` recent moderator actions",
        "",
        DISCLAIMER,
    ]
    .join("\n")
}

/// The reply to `/settings moderator-role`.
pub fn moderator_role(role: Option<crate::domain::RoleId>) -> String {
    match role {
        Some(role) => {
            format!("Members with <@&{role}> are now moderators, besides those with Manage Server.")
        }
        None => "Only members with Manage Server are moderators now.".to_owned(),
    }
}

fn quiet_text(
    hours: Option<crate::domain::server::QuietHours>,
    days: crate::domain::server::WeekdaySet,
) -> String {
    let hours = hours.map_or_else(
        || "no quiet hours".to_owned(),
        |q| {
            format!(
                "quiet {}-{}",
                q.start.format("%H:%M"),
                q.end.format("%H:%M")
            )
        },
    );
    let days: Vec<String> = days.days().map(|d| d.to_string()).collect();
    let days = if days.is_empty() {
        "no quiet days".to_owned()
    } else {
        format!("quiet on {}", days.join(", "))
    };
    format!("{hours}, {days}")
}

/// The reply to `/settings timezone`.
pub fn server_zone(zone: Tz) -> String {
    format!(
        "This server's days and weeks now follow **{}**.",
        zone.name()
    )
}

/// The reply to `/settings week-start`.
pub fn week_start(day: chrono::Weekday) -> String {
    format!("Weeks now start on **{day}**.")
}

/// The reply to `/settings exercises`.
pub fn exercise_switched(exercise: &Exercise, on: bool) -> String {
    format!(
        "{} is now **{}** in this server.",
        exercise.name,
        if on { "on" } else { "off" }
    )
}

/// The reply to `/schedule remove`.
pub fn schedule_removed(schedule: &crate::domain::schedule::Schedule) -> String {
    format!(
        "Removed schedule #{} ({}).",
        schedule.id,
        escape(&schedule.spec)
    )
}

/// The reply to `/settings quiet-hours`.
pub fn quiet(
    hours: Option<crate::domain::server::QuietHours>,
    days: crate::domain::server::WeekdaySet,
) -> String {
    format!("Prompts now keep to this: {}.", quiet_text(hours, days))
}

/// The reply to `/settings show`.
pub fn settings(
    settings: &crate::domain::server::ServerSettings,
    default_zone: Tz,
    catalog: &crate::domain::exercise::Catalog,
) -> String {
    let zone = match settings.timezone {
        Some(zone) => zone.name().to_owned(),
        None => format!("{} (the default)", default_zone.name()),
    };
    let role = settings.moderator_role.map_or_else(
        || "none (Manage Server only)".to_owned(),
        |r| format!("<@&{r}>"),
    );
    let off: Vec<&str> = catalog
        .iter()
        .filter(|e| settings.disabled_exercises.contains(&e.key))
        .map(|e| e.name.as_str())
        .collect();
    let off = if off.is_empty() {
        "none".to_owned()
    } else {
        off.join(", ")
    };
    fit(vec![
        "**Settings**".to_owned(),
        format!("Time zone: {zone}"),
        format!("Weeks start on: {}", settings.week_start),
        format!("Moderator role: {role}"),
        format!(
            "Quiet time: {}",
            quiet_text(settings.quiet_hours, settings.quiet_days)
        ),
        format!("Exercises turned off: {off}"),
    ])
}

/// The reply to `/audit`: who did what, when (Discord shows the time in each
/// reader's zone). Mentions render as names and never ping.
pub fn audit(entries: &[crate::domain::audit::AuditEntry]) -> String {
    if entries.is_empty() {
        return "No moderator actions yet.".to_owned();
    }
    let mut lines = vec!["**Recent moderator actions**".to_owned()];
    lines.extend(entries.iter().map(|e| {
        format!(
            "<t:{}:f> <@{}> {}: {}",
            e.at.timestamp(),
            e.actor,
            e.action,
            escape(&e.detail)
        )
    }));
    fit(lines)
}

fn firing_line(firing: &crate::domain::firings::Firing, zone: Tz) -> String {
    use crate::domain::firings::DstEffect;
    let local = firing.local(zone);
    let mark = match firing.dst {
        DstEffect::None => "",
        DstEffect::MovedAfterGap => " (moved: clocks spring forward)",
        DstEffect::Repeated => " (repeated hour: clocks fall back)",
    };
    format!("{}{mark}", local.format("%a %Y-%m-%d %H:%M %:z"))
}

fn schedule_state(schedule: &crate::domain::schedule::Schedule) -> String {
    use crate::domain::schedule::ScheduleState;
    match &schedule.state {
        ScheduleState::Active => "active".to_owned(),
        ScheduleState::Paused { until: Some(until) } => {
            format!("paused until <t:{}:f>", until.timestamp())
        }
        ScheduleState::Paused { until: None } => "paused until resumed".to_owned(),
        ScheduleState::PausedByError { reason } => format!("paused: {}", escape(reason)),
    }
}

fn schedule_line(view: &crate::app::schedules::ScheduleView) -> String {
    let s = &view.schedule;
    let role = s
        .role
        .map(|r| format!(", mentions <@&{r}>"))
        .unwrap_or_default();
    format!(
        "**#{}** `{}` ({}) in <#{}>, {}{role}; {}",
        s.id,
        s.spec.replace('`', "'"),
        s.timezone.name(),
        s.channel,
        schedule_exercises(s),
        schedule_state(s),
    )
}

/// A schedule's exercise, or its rotation with the one next in line in bold:
/// "rotation heel-raises → **calf-raises** → stretch".
fn schedule_exercises(schedule: &crate::domain::schedule::Schedule) -> String {
    let keys: Vec<&str> = schedule.exercises.iter().map(|e| e.as_str()).collect();
    match (keys.as_slice(), schedule.next_turn()) {
        ([one], _) => (*one).to_owned(),
        (_, Some(turn)) => format!("rotation {}", arrows(&keys, turn.slot)),
        _ => keys.join(", "),
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

/// A prompt's place in its rotation: "Seated heel raises → **Standing calf
/// raises** → Stretch".
pub fn rotation_line(rotation: &crate::app::prompts::RotationLine) -> String {
    let names: Vec<&str> = rotation.names.iter().map(String::as_str).collect();
    arrows(&names, rotation.current)
}

/// The reply to `/schedule add`.
pub fn schedule_added(view: &crate::app::schedules::ScheduleView) -> String {
    schedule_changed("Added", view)
}

/// A schedule after a change, with its next firings.
pub fn schedule_changed(verb: &str, view: &crate::app::schedules::ScheduleView) -> String {
    let mut lines = vec![format!("{verb} {}", schedule_line(view))];
    if view.next.is_empty() {
        lines.push("It will not fire (paused, expired, or always in quiet time).".to_owned());
    } else {
        lines.push("Next:".to_owned());
        lines.extend(
            view.next
                .iter()
                .map(|f| format!("• {}", firing_line(f, view.schedule.timezone))),
        );
    }
    fit(lines)
}

/// The reply to `/schedule list`.
pub fn schedule_list(views: &[crate::app::schedules::ScheduleView]) -> String {
    if views.is_empty() {
        return "No schedules yet. `/schedule add` creates one.".to_owned();
    }
    let mut lines = vec!["**Schedules**".to_owned()];
    for view in views {
        let next = view.next.first().map_or_else(
            || "no next firing".to_owned(),
            |f| format!("next {}", firing_line(f, view.schedule.timezone)),
        );
        lines.push(format!("{} · {next}", schedule_line(view)));
    }
    fit(lines)
}

/// The reply to `/schedule preview when:...`.
pub fn spec_preview(
    spec: &crate::domain::spec::ScheduleSpec,
    zone: Tz,
    next: &[crate::domain::firings::Firing],
) -> String {
    let mut lines = vec![format!(
        "`{}` in {} fires:",
        spec.written().replace('`', "'"),
        zone.name()
    )];
    if next.is_empty() {
        lines.push("never within the next years (always in quiet time?)".to_owned());
    }
    lines.extend(next.iter().map(|f| format!("• {}", firing_line(f, zone))));
    fit(lines)
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
    fn help_carries_the_disclaimer_and_fits() {
        assert!(help().contains(DISCLAIMER));
        assert!(help().chars().count() <= MAX_CONTENT);
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
