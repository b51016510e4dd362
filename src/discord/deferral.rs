//! Answering within Discord's deadline, whatever the store does.
//!
//! Discord refuses an interaction's first response three seconds after it
//! created the interaction (the instant its id carries), and the member then
//! sees nothing at all. A command whose answer may take longer answers
//! "thinking…" first (a deferred response) and edits its answer into that
//! message; Discord accepts the edit, or follow-ups, for fifteen minutes.
//!
//! - `/leaderboard` and `/stats` defer as soon as their options are read,
//!   every time: their work grows with the server's history.
//! - `/checkin` answers directly when its check-in is stored within
//!   [`CHECKIN_DEFER_AFTER`] of the interaction's creation, and otherwise
//!   defers and edits the confirmation in once the store has written it.
//!
//! A command that fails after deferring publicly removes its "thinking…"
//! message and tells the member privately (see `errors.rs`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use poise::CreateReply;
use tokio::time::Instant;

use super::Context;

/// Snowflakes count milliseconds from the first instant of 2015 (UTC).
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// How long after its creation `/checkin` waits for the store before it
/// defers: what is left of Discord's three seconds is for the answer itself.
pub const CHECKIN_DEFER_AFTER: Duration = Duration::from_millis(1500);

/// A direct answer is not sent later than this after the interaction's
/// creation: Discord's three seconds, less the request's own way there.
pub const ANSWER_BY: Duration = Duration::from_millis(2500);

/// When Discord created the interaction with this id.
pub fn created_at(interaction: u64) -> DateTime<Utc> {
    let millis = i64::try_from(interaction >> 22).unwrap_or(i64::MAX) + DISCORD_EPOCH_MS;
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The instant `budget` after Discord created the interaction, on tokio's
/// clock. Never later than `budget` after `received` (when the bot got
/// it), so a clock behind Discord's cannot stretch the budget.
pub fn after_creation(interaction: u64, received: Instant, budget: Duration) -> Instant {
    let age = (Utc::now() - created_at(interaction))
        .to_std()
        .unwrap_or(Duration::ZERO);
    (Instant::now() + budget.saturating_sub(age)).min(received + budget)
}

/// What an invocation remembers once it has deferred publicly: whether its
/// "thinking…" message still waits for the answer.
struct Placeholder {
    waiting: bool,
}

/// Answers "thinking…" in public; the answer follows with [`answer`].
pub async fn defer(ctx: Context<'_>) -> Result<(), serenity::Error> {
    super::replies::defer(ctx, false).await?;
    ctx.set_invocation_data(Placeholder { waiting: true }).await;
    Ok(())
}

/// Whether the command deferred publicly and its answer is not in yet.
pub async fn placeholder_waiting(ctx: Context<'_>) -> bool {
    ctx.invocation_data::<Placeholder>()
        .await
        .is_some_and(|p| p.waiting)
}

/// Sends the command's answer: into its "thinking…" message when it
/// deferred, else as its response. Mentions never ping.
pub async fn answer(ctx: Context<'_>, reply: CreateReply) -> Result<(), serenity::Error> {
    let reply = reply.allowed_mentions(serenity::CreateAllowedMentions::new());
    let poise::Context::Application(app) = ctx else {
        return super::replies::send(ctx, reply).await.map(drop);
    };
    if !placeholder_waiting(ctx).await {
        return super::replies::send(ctx, reply).await.map(drop);
    }
    let edit = reply.to_slash_initial_response_edit(serenity::EditInteractionResponse::new());
    let edited = app.interaction.edit_response(ctx.http(), edit).await;
    super::replies::noted(ctx, &edited);
    edited?;
    ctx.set_invocation_data(Placeholder { waiting: false })
        .await;
    Ok(())
}

/// Removes the public "thinking…" message, so that what follows can be said
/// privately (a follow-up right after a deferral would take its place, and
/// its visibility).
pub async fn remove_placeholder(ctx: Context<'_>) -> Result<(), serenity::Error> {
    if let poise::Context::Application(app) = ctx {
        let deleted = app.interaction.delete_response(ctx.http()).await;
        super::replies::noted(ctx, &deleted);
        deleted?;
        ctx.set_invocation_data(Placeholder { waiting: false })
            .await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_interactions_id_carries_when_discord_created_it() {
        // Discord's documented example: 175928847299117063 is 2016-04-30
        // 11:18:25.796 UTC.
        assert_eq!(
            created_at(175_928_847_299_117_063),
            Utc.with_ymd_and_hms(2016, 4, 30, 11, 18, 25).unwrap()
                + chrono::Duration::milliseconds(796)
        );
    }

    #[tokio::test]
    async fn the_budget_counts_from_creation_but_never_past_receipt() {
        let id = |ago_ms: i64| {
            let created = Utc::now().timestamp_millis() - ago_ms - DISCORD_EPOCH_MS;
            (created as u64) << 22
        };
        let received = Instant::now();
        let budget = Duration::from_millis(1500);
        // Created a second ago: half a second left.
        let left = after_creation(id(1000), received, budget) - Instant::now();
        assert!(left <= Duration::from_millis(500), "{left:?}");
        assert!(left >= Duration::from_millis(300), "{left:?}");
        // Created long ago: nothing left.
        assert!(after_creation(id(60_000), received, budget) <= Instant::now());
        // Created "in the future" (the bot's clock is behind): no more than
        // the budget from receipt.
        assert!(after_creation(id(-60_000), received, budget) <= received + budget);
    }
}
