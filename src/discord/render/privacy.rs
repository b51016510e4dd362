//! Replies about members' data: exports, `/forget-me`, `/checkin-for`.

use super::{escape, plural};
use crate::app::checkins::CheckInReceipt;
use crate::app::export::{Export, Packing};
use crate::app::privacy::ForgetOutcome;

/// The message carrying an export's first part.
pub fn export(export: &Export, what: &str) -> String {
    let rows = plural(
        i64::try_from(export.rows).unwrap_or(i64::MAX),
        "row",
        "rows",
    );
    let first = export.parts.first().map_or("", |p| p.name.as_str());
    let how = match export.packing {
        Packing::Plain => format!("as CSV: `{first}`."),
        Packing::Gzip => format!(
            "as CSV, compressed with gzip to fit Discord's attachment limit: `{first}` (open it with any unzip tool)."
        ),
        Packing::Split(parts) => format!(
            "as CSV compressed with gzip and, to fit Discord's attachment limit, split into {parts} parts sent one per message. Join them with `cat {} > {}` and unzip the result.",
            first.replace(".001", ".*"),
            first.trim_end_matches(".001"),
        ),
    };
    format!("{what} ({rows}) {how}")
}

/// A later part of a split export.
pub fn export_part(index: usize, count: usize) -> String {
    format!("Part {} of {count}.", index + 1)
}

/// The `/forget-me` question, above its confirmation button.
pub fn forget_question(minutes: i64) -> String {
    format!(
        "This deletes everything I keep about you in this server: your check-ins and notes, prompt answers, snoozes, preferences and display name. Leaderboards will no longer count you. It cannot be undone; `/export-me` first if you want a copy.\nPress **Delete my data** within {minutes} minutes to go ahead."
    )
}

/// The label of the confirmation button.
pub const FORGET_BUTTON: &str = "Delete my data";

/// The answer to a press of the confirmation button.
pub fn forget_outcome(outcome: &ForgetOutcome) -> String {
    match outcome {
        ForgetOutcome::Forgotten(f) => format!(
            "Done: I deleted your data in this server ({} and {}). If you use the bot again, it starts afresh.",
            plural(i64::try_from(f.checkins).unwrap_or(i64::MAX), "check-in", "check-ins"),
            plural(i64::try_from(f.answers).unwrap_or(i64::MAX), "prompt answer", "prompt answers"),
        ),
        ForgetOutcome::NotYours => {
            "This button belongs to another member; run `/forget-me` yourself to delete your own data.".to_owned()
        }
        ForgetOutcome::Expired => {
            "This confirmation has expired and nothing was deleted; run `/forget-me` again.".to_owned()
        }
    }
}

/// The reply to `/checkin-for`.
pub fn checkin_for(receipt: &CheckInReceipt, member: &str) -> String {
    let c = &receipt.checkin;
    format!(
        "Logged **{} {}** of {} for {} (+{}), marked as logged by a moderator.",
        c.amount,
        receipt.exercise.unit.label(c.amount),
        receipt.exercise.name,
        escape(member),
        plural(c.points, "point", "points"),
    )
}
