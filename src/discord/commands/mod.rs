//! The slash commands, one file each.

mod audit;
mod checkin;
mod checkin_for;
mod choices;
mod export;
mod forget;
mod help;
mod leaderboard;
mod me;
mod privacy;
mod schedule;
mod settings;
mod stats;
mod team_goal;
mod undo;
mod vacation;

use poise::serenity_prelude as serenity;

use super::permissions::Server;
use super::{CommandError, Context, Data};
use crate::domain::{GuildId, UserId};

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![
        checkin::checkin(),
        undo::undo(),
        stats::stats(),
        leaderboard::leaderboard(),
        me::me(),
        privacy::privacy(),
        export::export_me(),
        forget::forget_me(),
        help::help(),
        settings::settings(),
        schedule::schedule(),
        audit::audit(),
        vacation::vacation(),
        team_goal::team_goal(),
        export::export(),
        checkin_for::checkin_for(),
    ]
}

/// Discord's limit on the choices of one autocomplete answer.
const MAX_CHOICES: usize = 25;

/// Catalog exercises whose key or name contains what the member typed,
/// shown by name and sent by key. A value typed past the suggestions gets
/// the catalog's "unknown exercise" error from the use case.
async fn exercises(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = ctx
        .data()
        .app
        .catalog
        .matching(partial)
        .take(MAX_CHOICES)
        .map(|e| serenity::AutocompleteChoice::new(e.name.clone(), e.key.as_str()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// The server (as Discord put it in the interaction) and the member calling.
/// Commands are registered server-only; this is the check in the bot.
fn caller(ctx: Context<'_>) -> Result<(GuildId, UserId), CommandError> {
    let guild = ctx.guild_id().ok_or(crate::app::UserError::ServerOnly)?;
    Ok((GuildId(guild.get()), UserId(ctx.author().id.get())))
}

/// This server as the bot's checks see it (its roles, the bot's own
/// member), read from Discord.
async fn server(ctx: Context<'_>) -> Result<Server, CommandError> {
    let guild = ctx.guild_id().ok_or(crate::app::UserError::ServerOnly)?;
    let data = ctx.data();
    Ok(Server::read(ctx.http(), &data.budget, guild, data.bot_user).await?)
}

/// A role of this server, looked up among the server's own roles: its id,
/// name and whether it can be mentioned. An option's resolved role carries
/// the interaction's server whatever role it is, so only this lookup tells
/// another server's role apart; it is answered like one that does not exist.
fn server_role(
    server: &Server,
    role: poise::serenity_prelude::RoleId,
) -> Result<(crate::domain::RoleId, String, bool), CommandError> {
    let found = server
        .role(role)
        .ok_or(crate::app::UserError::UnknownRole)?;
    Ok((
        crate::domain::RoleId(role.get()),
        found.name.clone(),
        found.mentionable,
    ))
}

/// Why the bot could not give `role` to members, if it could not: it needs
/// Manage Roles, and the role must be below its own highest role (Discord's
/// role hierarchy), neither @everyone nor a role an integration manages.
fn cannot_grant(
    server: &Server,
    role: poise::serenity_prelude::RoleId,
) -> Result<Option<String>, CommandError> {
    let Some(target) = server.role(role) else {
        return Err(crate::app::UserError::UnknownRole.into());
    };
    if role.get() == server.id().get() {
        return Ok(Some("everyone has @everyone already".into()));
    }
    if target.managed {
        return Ok(Some(format!(
            "{} belongs to an integration, which alone gives it",
            target.name
        )));
    }
    let permissions = server.my_permissions();
    if !permissions.manage_roles() && !permissions.administrator() {
        return Ok(Some(
            "I am missing the Manage Roles permission; give it to my role in the server settings"
                .into(),
        ));
    }
    if target.position >= server.my_highest_position() {
        return Ok(Some(format!(
            "{} is not below my own highest role; move my role above it in the server settings",
            target.name
        )));
    }
    Ok(None)
}

/// The caller of a moderator command, refused here unless they are a
/// moderator: before anything else is looked at, so a plain member learns
/// nothing about channels, roles or schedules. (The use cases check again.)
async fn moderator_caller(ctx: Context<'_>) -> Result<crate::app::settings::Caller, CommandError> {
    let (guild, user) = caller(ctx)?;
    let member = ctx
        .author_member()
        .await
        .ok_or(crate::app::UserError::ServerOnly)?;
    let manage_server = member
        .permissions
        .is_some_and(|p| p.manage_guild() || p.administrator());
    let caller = crate::app::settings::Caller {
        guild,
        user,
        manage_server,
        roles: member
            .roles
            .iter()
            .map(|r| crate::domain::RoleId(r.get()))
            .collect(),
    };
    let app = &ctx.data().app;
    app.authorize(&caller).await?;
    // Schedules paused because their channel became unusable: told once,
    // to the first moderator who runs a command, before its own answer.
    let notices = app.take_pause_notices(guild).await?;
    if !notices.is_empty() {
        let text = crate::discord::render::pause_notices(&notices);
        let sent = crate::discord::replies::send(
            ctx,
            poise::CreateReply::default()
                .content(text)
                .ephemeral(true)
                .allowed_mentions(poise::serenity_prelude::CreateAllowedMentions::new()),
        )
        .await;
        if let Err(error) = sent {
            // Not seen: keep it for the next moderator command.
            let ids = notices.into_iter().map(|(id, _)| id).collect();
            app.restore_pause_notices(guild, ids).await?;
            return Err(error.into());
        }
    }
    Ok(caller)
}
