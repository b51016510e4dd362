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
    // Snoozes stored or left behind by another process on the database are
    // noticed within seconds, like its schedules.
    let mut elsewhere = app.watch_other_processes().await;
    loop {
        // Claimed one at a time, not taken out: a snooze leaves the store only
        // once its reminder was sent (or can never be), so a crash loses none.
        loop {
            match app.due_snooze().await {
                Ok(Some(snooze)) => {
                    if remind(&app, &http, &budget, &snooze).await == Reminder::Done {
                        if let Err(error) = app.snooze_finished(&snooze).await {
                            tracing::error!(%error, "cannot take a sent snooze out of the store");
                        }
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(%error, "cannot read due snoozes");
                    break;
                }
            }
        }
        let now = app.clock.now();
        let next = match app.next_snooze().await {
            Ok(next) => next,
            Err(error) => {
                tracing::error!(%error, "cannot read when the next snooze is due");
                Some(now + chrono::Duration::seconds(5))
            }
        };
        let next = async {
            match next {
                Some(at) => {
                    app.clock
                        .sleep_until(at.max(now + chrono::Duration::milliseconds(10)))
                        .await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = next => {}
            () = changed.notified() => {}
            () = elsewhere.changed(&app) => {}
        }
    }
}

/// What became of one reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reminder {
    /// Sent, or never sendable: the snooze is finished.
    Done,
    /// Maybe not sent (a timeout, Discord failing): left claimed, so it comes
    /// due again after its claim and is tried once more.
    TryAgain,
}

async fn remind(
    app: &App,
    http: &serenity::Http,
    budget: &RestBudget,
    snooze: &Snooze,
) -> Reminder {
    if app.clock.now() >= snooze.token_expires_at {
        tracing::info!(user = %snooze.user, "a snooze reminder came too late to send");
        return Reminder::Done;
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
            // It may have gone out, or not: kept, and tried again after its
            // claim. A second reminder is better than none.
            tracing::warn!(user = %snooze.user, "a snooze reminder timed out");
            return Reminder::TryAgain;
        };
        match sent {
            Ok(_) => {
                tracing::info!(user = %snooze.user, occurrence = %snooze.occurrence, "snooze reminder sent");
                return Reminder::Done;
            }
            Err(error) if refused_for_good(&error) => {
                tracing::warn!(%error, user = %snooze.user, "cannot send a snooze reminder");
                return Reminder::Done;
            }
            Err(_) if attempt < 2 => {
                tokio::time::sleep(std::time::Duration::from_secs(1 << attempt)).await;
            }
            Err(error) => {
                tracing::warn!(%error, user = %snooze.user, "Discord keeps failing a snooze reminder; trying again later");
                return Reminder::TryAgain;
            }
        }
    }
    Reminder::TryAgain
}

/// Whether Discord refused a reminder in a way no retry changes (a 4xx other
/// than 429: the token is unknown or the member cannot be reached). Server
/// errors, rate limits and lost connections are worth another try.
fn refused_for_good(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.is_client_error() && response.status_code.as_u16() != 429
    )
}
