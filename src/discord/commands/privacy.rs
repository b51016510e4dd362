//! `/privacy leaderboard:<on|off>`: opt out of every board in this server.

use poise::CreateReply;

use crate::discord::{render, CommandError, Context};

/// Choose whether you appear on this server's leaderboards.
#[poise::command(slash_command, guild_only)]
pub async fn privacy(
    ctx: Context<'_>,
    #[description = "on: appear on leaderboards; off: never"] leaderboard: String,
) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let opt_out = match leaderboard.trim().to_ascii_lowercase().as_str() {
        "on" => false,
        "off" => true,
        _ => return Err(CommandError::User(crate::app::UserError::OnOrOff)),
    };
    ctx.data()
        .app
        .set_leaderboard_privacy(guild, user, opt_out)
        .await?;
    ctx.send(
        CreateReply::default()
            .content(render::privacy(opt_out))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
