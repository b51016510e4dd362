//! `/checkin exercise amount [note]`: log an activity.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use std::time::Duration;

use crate::app::checkins::{CheckInReceipt, CheckInRequest};
use crate::app::{AppError, UserError};
use crate::discord::errors::{
    discord_code, is_server_error, ALREADY_ACKNOWLEDGED, INVALID_WEBHOOK_TOKEN,
    UNKNOWN_INTERACTION, UNKNOWN_WEBHOOK,
};
use crate::discord::retry::honouring_rate_limits;
use crate::discord::{deferral, render, replies, CommandError, Context};
use crate::domain::checkin::Source;
use crate::domain::{GuildId, InteractionId, UserId};

/// Log an activity: calf raises, a brisk walk, a stretch, a glass of water.
#[poise::command(slash_command, guild_only)]
pub async fn checkin(
    ctx: Context<'_>,
    #[description = "What you did"]
    #[autocomplete = "super::exercises"]
    exercise: String,
    #[description = "How much: reps, minutes or glasses"]
    #[min = 1]
    #[max = 1000]
    amount: i64,
    // The same limit as `MAX_NOTE_CHARS`, which the use case enforces.
    #[description = "A short note (optional)"]
    #[max_length = 200]
    note: Option<String>,
) -> Result<(), CommandError> {
    let received = tokio::time::Instant::now();
    let Some(guild) = ctx.guild_id() else {
        return Ok(()); // guild_only: poise answers before we get here.
    };
    let author = ctx.author();
    let display_name = ctx
        .author_member()
        .await
        .map(|m| m.display_name().to_owned())
        .unwrap_or_else(|| author.display_name().to_owned());
    let request = CheckInRequest {
        interaction: InteractionId(ctx.id()),
        guild: GuildId(guild.get()),
        user: UserId(author.id.get()),
        display_name,
        exercise,
        amount,
        note,
        source: Source::Command,
    };
    let app = &ctx.data().app;
    // Answered directly when the store is quick; when it is not (another
    // process holds the database's lock, say), "thinking…" first, so the
    // member is told once it is stored rather than never.
    let defer_at = deferral::after_creation(ctx.id(), received, deferral::CHECKIN_DEFER_AFTER);
    let write = app.record_checkin(request.clone());
    tokio::pin!(write);
    let early = tokio::select! {
        written = &mut write => Some(written),
        () = tokio::time::sleep_until(defer_at) => None,
    };
    let (receipt, sent) = match early {
        Some(Ok(receipt)) => {
            let reply = confirmation(&receipt);
            let deadline = deferral::after_creation(ctx.id(), received, deferral::ANSWER_BY);
            let sent = honouring_rate_limits(deadline, || replies::send(ctx, reply.clone()))
                .await
                .map(drop);
            (receipt, sent)
        }
        // A mistake in the options: said privately, at once.
        Some(Err(error)) if !matches!(error, AppError::User(UserError::TryLater)) => {
            return Err(error.into())
        }
        // Slow, or refused for a busy store: "thinking…" first.
        early => match deferral::defer(ctx).await {
            Ok(()) => {
                let written = match early {
                    Some(written) => written,
                    None => write.await,
                };
                let receipt = match written {
                    Err(AppError::User(UserError::TryLater)) => {
                        keep_trying(|| app.record_checkin(request.clone())).await?
                    }
                    written => written?,
                };
                let sent = deferral::answer(ctx, confirmation(&receipt)).await;
                (receipt, sent)
            }
            // Too late even for "thinking…": the member sees nothing, so
            // what is being stored must not count (below).
            Err(error) => {
                let written = match early {
                    Some(written) => written,
                    None => write.await,
                };
                (written?, Err(error))
            }
        },
    };
    if sent.is_ok() {
        ctx.data().celebrations.after_checkin(
            crate::domain::ChannelId(ctx.channel_id().get()),
            &receipt.celebration,
        );
    }
    match sent {
        Ok(()) => Ok(()),
        // A redelivered interaction already answered: nothing more to say.
        Err(error) if receipt.duplicate && discord_code(&error) == Some(ALREADY_ACKNOWLEDGED) => {
            Ok(())
        }
        // The member did not get the confirmation (too late, or Discord
        // failed on its side): they will try again, so this check-in must not
        // count. A 40060 means another delivery of this interaction answered.
        Err(error) if !receipt.duplicate && (expired(&error) || is_server_error(&error)) => {
            let expired = expired(&error);
            tracing::warn!(checkin = %receipt.checkin.id, expired, "reply failed; withdrawing the check-in");
            app.withdraw_checkin(&receipt.checkin).await?;
            if expired {
                Ok(())
            } else {
                Err(error.into())
            }
        }
        Err(error) => Err(error.into()),
    }
}

fn confirmation(receipt: &CheckInReceipt) -> CreateReply {
    CreateReply::default()
        .content(render::checkin(receipt))
        .allowed_mentions(serenity::CreateAllowedMentions::new())
}

/// Whether Discord refused because the interaction's time had run out.
fn expired(error: &serenity::Error) -> bool {
    matches!(
        discord_code(error),
        Some(UNKNOWN_INTERACTION | UNKNOWN_WEBHOOK | INVALID_WEBHOOK_TOKEN)
    )
}

/// Once the member sees "thinking…", a check-in refused because the
/// database was locked (longer than `database.busy_timeout_ms`) is tried
/// again for up to this long before they are asked to try later.
const KEEP_TRYING: Duration = Duration::from_secs(20);

/// Tries `write` again while it is refused for a busy store, within
/// [`KEEP_TRYING`]. The check-in is keyed by its interaction, so a retry
/// can never store it twice.
async fn keep_trying<F, Fut>(mut write: F) -> Result<CheckInReceipt, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<CheckInReceipt, AppError>>,
{
    let give_up = tokio::time::Instant::now() + KEEP_TRYING;
    loop {
        match write().await {
            Err(AppError::User(UserError::TryLater)) if tokio::time::Instant::now() < give_up => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}
