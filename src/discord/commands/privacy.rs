//! `/privacy leaderboard:<on|off>`: opt out of every board in this server.

use poise::CreateReply;

use super::choices::OnOff;
use crate::discord::{render, replies, CommandError, Context};

/// Choose whether you appear on this server's leaderboards.
#[poise::command(slash_command, guild_only)]
pub async fn privacy(
    ctx: Context<'_>,
    #[description = "on: appear on leaderboards; off: never"] leaderboard: OnOff,
) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let opt_out = !leaderboard.is_on();
    ctx.data()
        .app
        .set_leaderboard_privacy(guild, user, opt_out)
        .await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::privacy(opt_out))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
