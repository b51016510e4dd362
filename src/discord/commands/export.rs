//! `/export-me` (a member's own data) and `/export` (the server's
//! check-ins, moderators only): CSV attachments, private to the caller.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::app::export::Export;
use crate::discord::{render, CommandError, Context};

/// Discord's attachment limit for bots when an interaction does not say.
const DEFAULT_ATTACHMENT_LIMIT: u64 = 10 * 1024 * 1024;

/// Download everything this bot keeps about you in this server, as CSV.
#[poise::command(slash_command, guild_only, rename = "export-me")]
pub async fn export_me(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    ctx.defer_ephemeral().await?;
    let export = ctx
        .data()
        .app
        .export_member(guild, user, attachment_limit(ctx))
        .await?;
    send(ctx, &export, "Your data in this server").await
}

/// Download this server's check-ins as CSV (moderators).
#[poise::command(slash_command, guild_only)]
pub async fn export(ctx: Context<'_>) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    ctx.defer_ephemeral().await?;
    let export = ctx
        .data()
        .app
        .export_server(&caller, attachment_limit(ctx))
        .await?;
    send(ctx, &export, "This server's check-ins").await
}

/// The most bytes one attachment may have, as Discord says in the
/// interaction.
fn attachment_limit(ctx: Context<'_>) -> u64 {
    match ctx {
        poise::Context::Application(app) => match app.interaction.attachment_size_limit {
            0 => DEFAULT_ATTACHMENT_LIMIT,
            limit => u64::from(limit),
        },
        poise::Context::Prefix(_) => DEFAULT_ATTACHMENT_LIMIT,
    }
}

/// Sends the export privately: the first part with what it is, each
/// further part in a message of its own (one part in memory at a time).
async fn send(ctx: Context<'_>, export: &Export, what: &str) -> Result<(), CommandError> {
    let count = export.parts.len();
    for (index, part) in export.parts.iter().enumerate() {
        let text = if index == 0 {
            render::export(export, what)
        } else {
            render::export_part(index, count)
        };
        let bytes = export.read_part(part)?;
        ctx.send(
            CreateReply::default()
                .content(text)
                .attachment(serenity::CreateAttachment::bytes(bytes, part.name.clone()))
                .ephemeral(true),
        )
        .await?;
    }
    Ok(())
}
