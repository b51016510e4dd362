//! Replies to `/schedule`: schedules, their next firings, previews and tests.

use chrono_tz::Tz;

use super::{arrows, escape, fit};

/// The reply to `/schedule remove`.
pub fn schedule_removed(schedule: &crate::domain::schedule::Schedule) -> String {
    format!(
        "Removed schedule #{} ({}).",
        schedule.id,
        escape(&schedule.spec)
    )
}

pub(super) fn firing_line(firing: &crate::domain::firings::Firing, zone: Tz) -> String {
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

/// The reply to `/schedule test` once the test prompt is posted.
pub fn test_prompt_posted(
    schedule: crate::domain::ScheduleId,
    channel: crate::domain::ChannelId,
) -> String {
    format!("Posted a test prompt of **#{schedule}** in <#{channel}>. Its buttons log nothing.")
}

/// The reply to `/schedule test` when the schedule's channel cannot take it.
pub fn test_prompt_unusable(reason: &str) -> String {
    format!("I could not post the test prompt: {reason}.")
}

/// The reply to `/schedule test` when Discord did not take the post.
pub fn test_prompt_not_taken() -> String {
    "Discord did not take the test prompt just now; please try again in a minute.".to_owned()
}
