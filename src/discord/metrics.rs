//! Counting interactions: by command and outcome, with the latency from
//! Discord's interaction timestamp to the answer.

use poise::serenity_prelude as serenity;

use super::errors::{discord_code, UNKNOWN_INTERACTION};
use super::Context;

/// Milliseconds from the Unix epoch to Discord's epoch (2015-01-01).
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Counts one answered command; `outcome` is ok, user_error,
/// internal_error or expired.
pub(super) fn interaction(ctx: Context<'_>, outcome: &'static str) {
    record(ctx.command().qualified_name.to_string(), ctx.id(), outcome);
}

/// Counts one answered click on a prompt button; the `command` label is
/// `button:` and the button's action (`button:unknown` for a button that
/// is not ours).
pub(super) fn click(action: Option<&'static str>, interaction: u64, outcome: &'static str) {
    let command = format!("button:{}", action.unwrap_or("unknown"));
    record(command, interaction, outcome);
}

fn record(command: String, interaction: u64, outcome: &'static str) {
    metrics::counter!("secondheart_interactions_total", "command" => command.clone(), "outcome" => outcome)
        .increment(1);
    let created_ms = (interaction >> 22) + DISCORD_EPOCH_MS;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let latency = (now_ms - created_ms as i64).max(0) as f64 / 1000.0;
    metrics::histogram!("secondheart_interaction_latency_seconds", "command" => command)
        .record(latency);
}

/// The outcome of a command that failed inside: expired when Discord no
/// longer knew the interaction (answered too late).
pub(super) fn internal_outcome(error: &anyhow::Error) -> &'static str {
    let too_late = error
        .chain()
        .filter_map(|e| e.downcast_ref::<serenity::Error>())
        .any(expired);
    if too_late {
        "expired"
    } else {
        "internal_error"
    }
}

/// Whether Discord refused an answer because the interaction had expired.
pub(super) fn expired(error: &serenity::Error) -> bool {
    discord_code(error) == Some(UNKNOWN_INTERACTION)
}
