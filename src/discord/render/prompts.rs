//! What a member reads after clicking a prompt's button, and a prompt's
//! place in its rotation.

use super::{arrows, checkin, duration};

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

/// A prompt's place in its rotation: "Seated heel raises → **Standing calf
/// raises** → Stretch".
pub fn rotation_line(rotation: &crate::app::prompts::RotationLine) -> String {
    let names: Vec<&str> = rotation.names.iter().map(String::as_str).collect();
    arrows(&names, rotation.current)
}

/// A click on a prompt's button outside a server.
pub fn not_in_a_server() -> String {
    "Prompt buttons work in servers, not in direct messages.".to_owned()
}

/// A click on a button whose id is not one of the bot's.
pub fn unknown_button() -> String {
    "That button is not one I know; nothing was logged. /checkin always works.".to_owned()
}
