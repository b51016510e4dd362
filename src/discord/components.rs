//! The component router: clicks on prompt buttons and on `/forget-me`
//! confirmations. poise dispatches only
//! commands, so clicks come here from the event handler.
//!
//! A button's `custom_id` is untrusted: it is parsed strictly, and what it
//! names must be a posted prompt of the server the click came from, on the
//! message clicked. Every answer is private to the member and pings nobody.

use chrono::Duration;
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};

use super::{errors, render, Data};
use crate::app::prompts::{ClickOutcome, PromptClick};
use crate::app::AppError;
use crate::domain::privacy::ForgetButton;
use crate::domain::prompt::PromptButton;
use crate::domain::{GuildId, InteractionId, MessageId, UserId};

/// Answers a click on a button.
pub async fn handle(ctx: &serenity::Context, data: &Data, click: &ComponentInteraction) {
    let text = answer(data, click).await;
    let reply = CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(render::within_limit(&text))
            .ephemeral(true)
            .allowed_mentions(CreateAllowedMentions::new()),
    );
    if let Err(error) = click.create_response(&ctx.http, reply).await {
        tracing::warn!(%error, interaction = %click.id, "could not answer a button click");
        if errors::is_unauthorized(&error) {
            data.stop_for_rejected_token();
        }
    }
}

/// What the member reads after clicking.
async fn answer(data: &Data, click: &ComponentInteraction) -> String {
    let Some(guild) = click.guild_id else {
        return render::not_in_a_server();
    };
    if let Some(button) = ForgetButton::parse(&click.data.custom_id) {
        // Discord says who pressed; the button says whose data it deletes.
        let presser = UserId(click.user.id.get());
        return match data
            .app
            .press_forget(GuildId(guild.get()), presser, button)
            .await
        {
            Ok(outcome) => render::forget_outcome(&outcome),
            Err(error) => failed(error),
        };
    }
    let button = match PromptButton::parse(&click.data.custom_id) {
        Ok(button) => button,
        Err(error) => {
            tracing::info!(%error, user = %click.user.id, "a click on a button that is not ours");
            return render::unknown_button();
        }
    };
    let display_name = click
        .member
        .as_ref()
        .map(|m| m.display_name().to_owned())
        .unwrap_or_else(|| click.user.display_name().to_owned());
    let request = PromptClick {
        interaction: InteractionId(click.id.get()),
        guild: GuildId(guild.get()),
        user: UserId(click.user.id.get()),
        display_name,
        message: MessageId(click.message.id.get()),
        button,
        token: click.token.clone(),
    };
    let snooze = Duration::from_std(data.snooze).unwrap_or(Duration::minutes(10));
    match data.app.click_prompt(request, snooze).await {
        Ok(outcome) => {
            if let ClickOutcome::Logged { occurrence, .. } = &outcome {
                data.prompt_updates
                    .request(GuildId(guild.get()), *occurrence);
            }
            render::prompt_click(&outcome, data.snooze)
        }
        Err(error) => failed(error),
    }
}

/// What the member reads when their click failed.
fn failed(error: AppError) -> String {
    match error {
        AppError::User(error) => error.to_string(),
        AppError::Internal(error) => {
            let id = errors::error_id();
            tracing::error!(error_id = %id, error = format!("{error:#}"), "a button click failed");
            render::apology(&id)
        }
    }
}
