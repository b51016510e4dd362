//! `/audit [count]`: the server's recent moderator actions. Moderators only.

use poise::CreateReply;

use crate::app::settings::MAX_AUDIT;
use crate::discord::{render, replies, CommandError, Context};

/// Recent moderator actions in this server, with who and when.
#[poise::command(slash_command, guild_only)]
pub async fn audit(
    ctx: Context<'_>,
    #[description = "How many (default 10, at most 25)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let entries = ctx
        .data()
        .app
        .audit(&caller, count.unwrap_or(10).min(MAX_AUDIT))
        .await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::audit(&entries))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
