//! Replies to `/checkin` and `/undo`.

use super::{amount, escape_line, goals, plural};
use crate::app::checkins::CheckInReceipt;
use crate::domain::checkin::CheckIn;
use crate::domain::exercise::Exercise;

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
    if receipt.past_cap > 0 {
        if let Some(cap) = receipt.exercise.daily_cap {
            let past = receipt.past_cap;
            text.push_str(&format!(
                "\nFair play: points stop at {cap} {} of {} a day, so {past} {} earned no points. It is still logged.",
                unit.label(cap),
                receipt.exercise.name.to_lowercase(),
                unit.label(past),
            ));
        }
    }
    text.push_str(&format!("\n{}", goals::streak_line(&receipt.standing)));
    if let Some(progress) = &receipt.standing.goals {
        text.push_str(&format!("\nGoals: {}", goals::goal_line(progress)));
    }
    text
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
