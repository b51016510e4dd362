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

use super::budget::RouteGroup;
use super::{errors, metrics, render, Data};
use crate::app::prompts::{ClickOutcome, PromptClick};
use crate::app::AppError;
use crate::domain::privacy::ForgetButton;
use crate::domain::prompt::PromptButton;
use crate::domain::{GuildId, InteractionId, MessageId, UserId};

/// Answers a click on a button.
pub async fn handle(ctx: &serenity::Context, data: &Data, click: &ComponentInteraction) {
    let action = match ForgetButton::parse(&click.data.custom_id) {
        Some(_) => Some("forget"),
        None => PromptButton::parse(&click.data.custom_id)
            .ok()
            .map(|b| b.action.code()),
    };
    let (text, mut outcome) = answer(data, click).await;
    let reply = CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(render::within_limit(&text))
            .ephemeral(true)
            .allowed_mentions(CreateAllowedMentions::new()),
    );
    let sent = click.create_response(&ctx.http, reply).await;
    data.budget.noted(RouteGroup::Interactions, &sent);
    if let Err(error) = sent {
        tracing::warn!(%error, interaction = %click.id, "could not answer a button click");
        outcome = if metrics::expired(&error) {
            "expired"
        } else {
            "internal_error"
        };
        if errors::is_unauthorized(&error) {
            data.stop_for_rejected_token();
        }
    }
    metrics::click(action, click.id.get(), outcome);
}

/// What the member reads after clicking, and the outcome to count (ok,
/// user_error or internal_error).
async fn answer(data: &Data, click: &ComponentInteraction) -> (String, &'static str) {
    let Some(guild) = click.guild_id else {
        return (render::not_in_a_server(), "user_error");
    };
    if let Some(button) = ForgetButton::parse(&click.data.custom_id) {
        // Discord says who pressed; the button says whose data it deletes.
        let presser = UserId(click.user.id.get());
        return match data
            .app
            .press_forget(GuildId(guild.get()), presser, button)
            .await
        {
            Ok(outcome) => (render::forget_outcome(&outcome), "ok"),
            Err(error) => failed(error),
        };
    }
    let button = match PromptButton::parse(&click.data.custom_id) {
        Ok(button) => button,
        Err(error) => {
            tracing::info!(%error, user = %click.user.id, "a click on a button that is not ours");
            return (render::unknown_button(), "user_error");
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
            if let ClickOutcome::Logged {
                occurrence,
                receipt,
            } = &outcome
            {
                data.prompt_updates
                    .request(GuildId(guild.get()), *occurrence);
                data.celebrations.after_checkin(
                    crate::domain::ChannelId(click.channel_id.get()),
                    &receipt.celebration,
                );
            }
            (render::prompt_click(&outcome, data.snooze), "ok")
        }
        Err(error) => failed(error),
    }
}

/// What the member reads when their click failed, and the outcome to
/// count.
fn failed(error: AppError) -> (String, &'static str) {
    match error {
        AppError::User(error) => (error.to_string(), "user_error"),
        AppError::Internal(error) => {
            let id = errors::error_id();
            tracing::error!(error_id = %id, error = format!("{error:#}"), "a button click failed");
            (render::apology(&id), "internal_error")
        }
    }
}
