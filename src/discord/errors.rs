//! Errors of commands and how members see them: their own mistakes as an
//! ephemeral sentence, anything else as a short apology with an error id
//! that points to the log entry holding the details.

use std::sync::atomic::{AtomicU32, Ordering};

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{Context, Data};
use crate::app::{AppError, UserError};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<AppError> for CommandError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::User(e) => CommandError::User(e),
            AppError::Internal(e) => CommandError::Internal(e),
        }
    }
}

impl From<serenity::Error> for CommandError {
    fn from(error: serenity::Error) -> Self {
        CommandError::Internal(error.into())
    }
}

/// Discord's JSON error code in an HTTP error, if any.
pub fn discord_code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.error.code)
        }
        _ => None,
    }
}

/// Whether Discord answered with a 5xx: it failed on its side.
pub fn is_server_error(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.is_server_error()
    )
}

/// Whether Discord refused the bot's token. An interaction's own token
/// past its fifteen minutes is refused with 401 too, but not the bot's.
pub fn is_unauthorized(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 401
                && response.error.code != INVALID_WEBHOOK_TOKEN
    )
}

/// Discord's code for an interaction whose response window has passed.
pub const UNKNOWN_INTERACTION: isize = 10062;
/// Discord's code for an interaction token past its fifteen minutes.
pub const INVALID_WEBHOOK_TOKEN: isize = 50027;
/// Discord's code for an interaction (webhook) it does not know.
pub const UNKNOWN_WEBHOOK: isize = 10015;
/// Discord's code for a second initial response to one interaction.
pub const ALREADY_ACKNOWLEDGED: isize = 40060;

/// A short id that ties an apology to its log entry.
pub(super) fn error_id() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{:06x}", (nanos ^ n.rotate_left(20)) & 0xff_ffff)
}

/// poise's single error handler.
pub async fn on_error(error: poise::FrameworkError<'_, Data, CommandError>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => match error {
            CommandError::User(user_error) => {
                reply_privately(ctx, &user_error.to_string()).await;
                super::metrics::interaction(ctx, "user_error");
            }
            CommandError::Internal(error) => {
                internal(ctx, &error).await;
                super::metrics::interaction(ctx, super::metrics::internal_outcome(&error));
            }
        },
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            // The parser's own text describes types, not what to fix.
            tracing::info!(command = %ctx.command().name, %error, ?input, "unreadable option");
            let what = input
                .map(|i| format!(" `{}`", super::render::escape(&i)))
                .unwrap_or_default();
            reply_privately(ctx, &format!("I could not read the option{what}. Please pick a value from the list and try again.")).await;
            super::metrics::interaction(ctx, "user_error");
        }
        // Options that do not fit the command (an unresolvable role or user,
        // or a stale command list): nothing the member can see, so say so.
        poise::FrameworkError::CommandStructureMismatch {
            description, ctx, ..
        } => {
            let ctx = poise::Context::Application(ctx);
            tracing::info!(command = %ctx.command().name, %description, "options do not fit the command");
            reply_privately(ctx, "I could not read the options of that command. Please pick the values from the lists and try again.").await;
            super::metrics::interaction(ctx, "user_error");
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            let error = anyhow::anyhow!("the command panicked: {}", payload.unwrap_or_default());
            internal(ctx, &error).await;
            super::metrics::interaction(ctx, "internal_error");
        }
        poise::FrameworkError::GuildOnly { ctx, .. } => {
            reply_privately(
                ctx,
                "This command works in a server, not in direct messages.",
            )
            .await;
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(%error, "could not report an error");
            }
        }
    }
}

async fn internal(ctx: Context<'_>, error: &anyhow::Error) {
    let id = error_id();
    tracing::error!(error_id = %id, command = %ctx.command().name, error = format!("{error:#}"), "command failed");
    if error
        .chain()
        .filter_map(|e| e.downcast_ref::<serenity::Error>())
        .any(is_unauthorized)
    {
        ctx.data().stop_for_rejected_token();
        return;
    }
    reply_privately(ctx, &super::render::apology(&id)).await;
}

async fn reply_privately(ctx: Context<'_>, text: &str) {
    // A public "thinking…" message would take this reply, and show it to
    // everyone: remove it first, then say it privately.
    if super::deferral::placeholder_waiting(ctx).await {
        if let Err(error) = super::deferral::remove_placeholder(ctx).await {
            tracing::warn!(%error, "could not remove a deferred reply");
        }
    }
    let reply = CreateReply::default()
        .content(super::render::within_limit(text))
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Err(error) = super::replies::send(ctx, reply).await {
        tracing::warn!(%error, "could not send an error reply");
    }
}
