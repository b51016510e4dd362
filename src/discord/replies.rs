//! Answers to commands go out here, so that Discord's answer to each is
//! counted by status, and its refusals count towards the brake, like every
//! other request the bot sends (see `budget.rs`).

use poise::serenity_prelude as serenity;
use poise::{CreateReply, ReplyHandle};

use super::budget::RouteGroup;
use super::Context;

/// Sends a reply: the response, or a follow-up once there is one.
pub async fn send(
    ctx: Context<'_>,
    reply: CreateReply,
) -> Result<ReplyHandle<'_>, serenity::Error> {
    let sent = ctx.send(reply).await;
    noted(ctx, &sent);
    sent
}

/// Answers "thinking…", in public or privately.
pub async fn defer(ctx: Context<'_>, ephemeral: bool) -> Result<(), serenity::Error> {
    let deferred = if ephemeral {
        ctx.defer_ephemeral().await
    } else {
        ctx.defer().await
    };
    noted(ctx, &deferred);
    deferred
}

/// Notes Discord's answer to a request about this interaction.
pub fn noted<T>(ctx: Context<'_>, result: &Result<T, serenity::Error>) {
    ctx.data().budget.noted(RouteGroup::Interactions, result);
}
