//! Replies to `/settings`, `/me timezone` and `/audit`, and the note about
//! paused schedules moderators get.

use chrono_tz::Tz;

use super::{escape, fit, within_limit};
use crate::domain::exercise::Exercise;

/// The reply to `/me timezone`.
pub fn member_zone(zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => format!("Your streak days now follow **{}**.", zone.name()),
        None => "Your streak days follow the server's time zone again.".to_owned(),
    }
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
        // Actor 0: a member whose data was deleted (`/forget-me`).
        let actor = if e.actor.0 == 0 {
            "a deleted member".to_owned()
        } else {
            format!("<@{}>", e.actor)
        };
        format!(
            "<t:{}:f> {actor} {}: {}",
            e.at.timestamp(),
            e.action,
            escape(&e.detail)
        )
    }));
    fit(lines)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::audit::AuditEntry;
    use crate::domain::{GuildId, UserId};

    #[test]
    fn an_entry_of_a_deleted_member_names_no_one() {
        let entry = |actor| AuditEntry {
            id: 1,
            guild: GuildId(1),
            actor: UserId(actor),
            action: "member.forget".into(),
            detail: "a member deleted their data".into(),
            at: chrono::Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap(),
        };
        assert!(audit(&[entry(0)]).contains("> a deleted member member.forget:"));
        assert!(audit(&[entry(42)]).contains("<@42> member.forget:"));
    }
}
