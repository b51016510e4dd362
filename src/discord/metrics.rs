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
    let command = ctx.command().qualified_name.clone();
    metrics::counter!("secondheart_interactions_total", "command" => command.clone(), "outcome" => outcome)
        .increment(1);
    let created_ms = (ctx.id() >> 22) + DISCORD_EPOCH_MS;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let latency = (now_ms - created_ms as i64).max(0) as f64 / 1000.0;
    metrics::histogram!("secondheart_interaction_latency_seconds", "command" => command)
        .record(latency);
}

/// The outcome of a command that failed inside: expired when Discord no
/// longer knew the interaction (answered too late).
pub(super) fn internal_outcome(error: &anyhow::Error) -> &'static str {
    let expired = error
        .chain()
        .filter_map(|e| e.downcast_ref::<serenity::Error>())
        .any(|e| discord_code(e) == Some(UNKNOWN_INTERACTION));
    if expired {
        "expired"
    } else {
        "internal_error"
    }
}
