//! `/help`: what the bot does, the habits it promotes, the disclaimer.

use poise::CreateReply;

use crate::discord::{render, replies, CommandError, Context};

/// What this bot does, the habits behind it, and its commands.
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), CommandError> {
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::help())
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
