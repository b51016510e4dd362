//! Snooze reminders: when a snooze is due, the member gets a private
//! follow-up through the interaction token of their click (Discord accepts
//! follow-ups for 15 minutes). Snoozes are stored, so a restart in between
//! loses none.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{Builder as _, CreateAllowedMentions, CreateInteractionResponseFollowup};
use tokio::sync::Notify;

use super::budget::{RestBudget, Spend};
use crate::app::App;
use crate::domain::occurrence::Snooze;

/// Sends reminders as snoozes come due, until the task is dropped.
pub async fn run(
    app: Arc<App>,
    http: Arc<serenity::Http>,
    budget: Arc<RestBudget>,
    changed: Arc<Notify>,
) {
    loop {
        let now = app.clock.now();
        // Taken out of the store before sending: a reminder that fails to
        // send is lost (and logged), never sent twice.
        match app.store.take_due_snoozes(now).await {
            Ok(due) => {
                for snooze in due {
                    remind(&app, &http, &budget, &snooze).await;
                }
            }
            Err(error) => tracing::error!(%error, "cannot read due snoozes"),
        }
        match app.store.earliest_snooze().await {
            Ok(Some(at)) => {
                tokio::select! {
                    () = app.clock.sleep_until(at.max(now + chrono::Duration::milliseconds(10))) => {}
                    () = changed.notified() => {}
                }
            }
            Ok(None) => changed.notified().await,
            Err(error) => {
                tracing::error!(%error, "cannot read when the next snooze is due");
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), changed.notified())
                    .await;
            }
        }
    }
}

async fn remind(app: &App, http: &serenity::Http, budget: &RestBudget, snooze: &Snooze) {
    if app.clock.now() >= snooze.token_expires_at {
        tracing::info!(user = %snooze.user, "a snooze reminder came too late to send");
        return;
    }
    let link = match app.store.occurrence(snooze.guild, snooze.occurrence).await {
        Ok(Some(o)) => o.message.map(|m| {
            format!(
                " https://discord.com/channels/{}/{}/{m}",
                o.guild, o.channel
            )
        }),
        _ => None,
    };
    let text = format!(
        "⏰ Reminder: time for the movement prompt you snoozed.{} Its buttons still work.",
        link.unwrap_or_default()
    );
    let followup = CreateInteractionResponseFollowup::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new());
    for attempt in 0..3u32 {
        // A follow-up through the interaction token: outside Discord's
        // global limit, so only the budget's brake applies. Bounded also
        // when serenity's own rate limiter is the one waiting.
        let sent = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            budget.serenity(
                Spend::Interaction,
                followup.clone().execute(http, (None, &snooze.token)),
            ),
        )
        .await;
        let Ok(sent) = sent else {
            // It may have gone out: not sent again.
            tracing::warn!(user = %snooze.user, "a snooze reminder timed out");
            return;
        };
        match sent {
            Ok(_) => {
                tracing::info!(user = %snooze.user, occurrence = %snooze.occurrence, "snooze reminder sent");
                return;
            }
            Err(error) if super::errors::is_server_error(&error) && attempt < 2 => {
                tokio::time::sleep(std::time::Duration::from_secs(1 << attempt)).await;
            }
            Err(error) => {
                tracing::warn!(%error, user = %snooze.user, "cannot send a snooze reminder");
                return;
            }
        }
    }
}
