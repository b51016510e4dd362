//! `/undo`: take back your latest check-in, within an hour.

use poise::CreateReply;

use crate::discord::{render, replies, CommandError, Context};

/// Take back your latest check-in in this server (within an hour).
#[poise::command(slash_command, guild_only)]
pub async fn undo(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let removed = ctx.data().app.undo_latest(guild, user).await?;
    let exercise = ctx
        .data()
        .app
        .catalog
        .get(removed.exercise.as_str())
        .cloned();
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::undone(&removed, exercise.as_ref()))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
