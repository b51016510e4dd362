//! Replies to `/checkin` and `/undo`.

use super::{amount, escape_line, plural};
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
