//! `/schedule add|list|edit|remove|pause|resume|preview|test`: the server's prompt
//! schedules. Moderators only, checked by the bot. Channels and roles are
//! checked against the server as Discord shows it when they are named.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::app::schedules::{ScheduleRequest, MAX_PREVIEW};
use crate::app::UserError;
use crate::discord::permissions::{self, Channel, Server};
use crate::discord::{render, replies, CommandError, Context};
use crate::domain::{ChannelId, GuildId, RoleId, ScheduleId};

/// Prompt schedules (moderators).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "list", "edit", "remove", "pause", "resume", "preview", "test")
)]
pub async fn schedule(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

async fn reply(ctx: Context<'_>, text: String) -> Result<(), CommandError> {
    replies::send(ctx, CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

/// A channel of this server where the bot can view, send and embed, as
/// Discord shows it now.
pub(super) async fn usable_channel(
    ctx: Context<'_>,
    server: &Server,
    channel: serenity::ChannelId,
) -> Result<ChannelId, CommandError> {
    let found = match permissions::read_channel(ctx.http(), &ctx.data().budget, channel).await? {
        Channel::Found(found) if found.guild_id == server.id() => found,
        Channel::Found(_) | Channel::Unknown => return Err(UserError::UnknownChannel.into()),
        Channel::Hidden => {
            return Err(UserError::ChannelPermissions {
                missing: "View Channel".into(),
            }
            .into())
        }
    };
    // Prompts go to text channels; a category or voice channel cannot hold them.
    if !matches!(
        found.kind,
        serenity::ChannelType::Text | serenity::ChannelType::News
    ) {
        return Err(UserError::NotATextChannel.into());
    }
    let permissions = server.my_permissions_in(&found);
    let missing: Vec<&str> = [
        (permissions.view_channel(), "View Channel"),
        (permissions.send_messages(), "Send Messages"),
        (permissions.embed_links(), "Embed Links"),
        // To find its own prompts again after a restart.
        (permissions.read_message_history(), "Read Message History"),
    ]
    .into_iter()
    .filter_map(|(has, name)| (!has).then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(UserError::ChannelPermissions {
            missing: missing.join(", "),
        }
        .into());
    }
    Ok(ChannelId(channel.get()))
}

/// A mentionable role of this server.
fn usable_role(server: &Server, role: serenity::RoleId) -> Result<RoleId, CommandError> {
    let (id, name, mentionable) = super::server_role(server, role)?;
    if !mentionable {
        return Err(UserError::RoleNotMentionable { name }.into());
    }
    Ok(id)
}

/// The server's exercises that complete the last item of a list being typed.
async fn exercises(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = match ctx.guild_id() {
        Some(guild) => ctx
            .data()
            .app
            .complete_rotation(GuildId(guild.get()), partial)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot complete an exercise list");
                Vec::new()
            }),
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(
        choices
            .into_iter()
            .map(serenity::AutocompleteChoice::from)
            .collect(),
    )
}

/// Create a schedule: where, what, and when (cron, or e.g. "every 30 minutes 09:00-17:00 mon-fri").
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Where prompts go"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
    #[description = "One exercise, or several in turn, e.g. heel-raises,calf-raises,stretch"]
    #[autocomplete = "exercises"]
    #[max_length = 400]
    exercise: String,
    #[description = "Cron, or e.g. every 30 minutes 09:00-17:00 mon-fri"]
    #[max_length = 100]
    when: String,
    #[description = "IANA zone (default: the server's)"]
    #[autocomplete = "super::me::zones"]
    timezone: Option<String>,
    #[description = "A role to mention with each prompt"] role: Option<serenity::RoleId>,
    #[description = "Last day, e.g. 2027-12-31"]
    #[max_length = 40]
    until: Option<String>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let server = super::server(ctx).await?;
    let channel = usable_channel(ctx, &server, channel).await?;
    let role = role.map(|r| usable_role(&server, r)).transpose()?;
    let view = ctx
        .data()
        .app
        .add_schedule(
            &caller,
            ScheduleRequest {
                channel: Some(channel),
                exercise: Some(exercise),
                when: Some(when),
                timezone,
                role: Some(role),
                until: Some(until),
            },
        )
        .await?;
    reply(ctx, render::schedule_added(&view)).await
}

/// The server's schedules.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let views = ctx.data().app.list_schedules(&caller).await?;
    reply(ctx, render::schedule_list(&views)).await
}

/// Change a schedule: only the options you give change.
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "Schedule number, from /schedule list"] id: i64,
    #[description = "Where prompts go"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
    #[description = "One exercise, or several in turn; a new list starts at its first"]
    #[autocomplete = "exercises"]
    #[max_length = 400]
    exercise: Option<String>,
    #[description = "Cron, or a form such as daily 10:30"]
    #[max_length = 100]
    when: Option<String>,
    #[description = "IANA zone"]
    #[autocomplete = "super::me::zones"]
    timezone: Option<String>,
    #[description = "A role to mention"] role: Option<serenity::RoleId>,
    #[description = "true: mention no role any more"] remove_role: Option<bool>,
    #[description = "Last day, e.g. 2027-12-31, or none"]
    #[max_length = 40]
    until: Option<String>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    if let (Some(_), Some(true)) = (role, remove_role) {
        return Err(UserError::RoleOrRemove.into());
    }
    // Discord is asked only when a channel or role is named.
    let server = match (channel, role) {
        (None, None) => None,
        _ => Some(super::server(ctx).await?),
    };
    let channel = match (channel, &server) {
        (Some(c), Some(server)) => Some(usable_channel(ctx, server, c).await?),
        _ => None,
    };
    let role = match (role, remove_role, &server) {
        (Some(r), _, Some(server)) => Some(Some(usable_role(server, r)?)),
        (None, Some(true), _) => Some(None),
        _ => None,
    };
    let until = until.map(|u| (!u.trim().eq_ignore_ascii_case("none")).then_some(u));
    let view = ctx
        .data()
        .app
        .edit_schedule(
            &caller,
            ScheduleId(id),
            ScheduleRequest {
                channel,
                exercise,
                when,
                timezone,
                role,
                until,
            },
        )
        .await?;
    reply(ctx, render::schedule_changed("Changed", &view)).await
}

/// Remove a schedule.
#[poise::command(slash_command, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "Schedule number"] id: i64,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let removed = ctx
        .data()
        .app
        .remove_schedule(&caller, ScheduleId(id))
        .await?;
    reply(ctx, render::schedule_removed(&removed)).await
}

/// Pause a schedule, for a while (30m, 2h, 3d, 1w) or until resumed.
#[poise::command(slash_command, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "Schedule number"] id: i64,
    #[rename = "for"]
    #[description = "How long, e.g. 2h or 3d (default: until resumed)"]
    #[max_length = 20]
    duration: Option<String>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let view = ctx
        .data()
        .app
        .pause_schedule(&caller, ScheduleId(id), duration.as_deref())
        .await?;
    reply(ctx, render::schedule_changed("Paused", &view)).await
}

/// Resume a paused schedule.
#[poise::command(slash_command, guild_only)]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "Schedule number"] id: i64,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let view = ctx
        .data()
        .app
        .resume_schedule(&caller, ScheduleId(id))
        .await?;
    reply(ctx, render::schedule_changed("Resumed", &view)).await
}

/// The next firings of a schedule, or of a spec before you save it.
#[poise::command(slash_command, guild_only)]
pub async fn preview(
    ctx: Context<'_>,
    #[description = "Schedule number"] id: Option<i64>,
    #[description = "Or a spec to try, e.g. every 2 hours 09:00-17:00 mon-fri"] when: Option<
        String,
    >,
    #[description = "IANA zone for a spec (default: the server's)"]
    #[autocomplete = "super::me::zones"]
    timezone: Option<String>,
    #[description = "How many firings (default 5)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let count = count.map_or(5, |c| c as usize).min(MAX_PREVIEW);
    let text = match (id, when) {
        (Some(id), None) => {
            let view = ctx
                .data()
                .app
                .preview_schedule(&caller, ScheduleId(id), count)
                .await?;
            render::schedule_changed("Preview of", &view)
        }
        (None, Some(when)) => {
            let (spec, zone, next) = ctx
                .data()
                .app
                .preview_spec(&caller, &when, timezone.as_deref(), count)
                .await?;
            render::spec_preview(&spec, zone, &next)
        }
        _ => return Err(UserError::IdOrWhen.into()),
    };
    reply(ctx, text).await
}

/// Post one prompt of a schedule now, to see how it looks (nothing counts).
#[poise::command(slash_command, guild_only)]
pub async fn test(
    ctx: Context<'_>,
    #[description = "Schedule number"] id: i64,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let data = ctx.data();
    let prompt = data.app.test_prompt(&caller, ScheduleId(id)).await?;
    // Answered first: a post that waits on Discord's rate limits must not
    // make the interaction expire.
    replies::defer(ctx, true).await?;
    let text = match data.notifier.post_test(&prompt).await {
        Ok(()) => render::test_prompt_posted(ScheduleId(id), prompt.channel),
        Err(crate::scheduler::PostError::ChannelUnusable(reason)) => {
            render::test_prompt_unusable(&reason)
        }
        // Discord's side, not ours: worth another try, no error id needed.
        Err(
            error @ (crate::scheduler::PostError::RateLimited { .. }
            | crate::scheduler::PostError::Unavailable(_)),
        ) => {
            tracing::warn!(%error, "a test prompt was not taken by Discord");
            render::test_prompt_not_taken()
        }
        Err(error) => {
            return Err(CommandError::Internal(anyhow::anyhow!(
                "posting a test prompt failed: {error}"
            )))
        }
    };
    reply(ctx, text).await
}
