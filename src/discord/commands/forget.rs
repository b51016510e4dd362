//! `/forget-me`: deletes what the bot keeps about the member in this
//! server, once they confirm with a button only they can press, within
//! minutes. The press is answered in [`crate::discord::components`].

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::discord::{render, CommandError, Context};
use crate::domain::privacy::FORGET_CONFIRM_FOR;

/// Delete everything this bot keeps about you in this server.
#[poise::command(slash_command, guild_only, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), CommandError> {
    let (_, user) = super::caller(ctx)?;
    let button = ctx.data().app.forget_button(user);
    let confirm = serenity::CreateButton::new(button.custom_id())
        .label(render::FORGET_BUTTON)
        .style(serenity::ButtonStyle::Danger);
    ctx.send(
        CreateReply::default()
            .content(render::forget_question(FORGET_CONFIRM_FOR.num_minutes()))
            .components(vec![serenity::CreateActionRow::Buttons(vec![confirm])])
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
