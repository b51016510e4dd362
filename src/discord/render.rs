//! What members read: every reply's text is built here, so tone and
//! formatting stay consistent, and member text is escaped before it is shown.

use crate::app::checkins::CheckInReceipt;

/// Member text for one line of a reply: markdown escaped so it shows as
/// typed, line breaks folded. Mentions stay as typed; replies allow none, so
/// they never ping.
pub fn escape(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(line.len() + 8);
    // Markers that only count at the start of a line: headings, lists, quotes.
    if line.starts_with(['#', '-', '>']) {
        out.push('\\');
    }
    for c in line.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
        text.push_str(&format!("\n> {}", escape(note)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_in_member_text_is_escaped() {
        assert_eq!(
            escape("**bold** _x_ `code`"),
            "\\*\\*bold\\*\\* \\_x\\_ \\`code\\`"
        );
        assert_eq!(escape("@everyone <@&1>"), "@everyone <@&1>");
        assert_eq!(escape("# big\n- list"), "\\# big - list");
    }
}
