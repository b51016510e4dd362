//! `/settings ...`: a server's time zone, week start, moderator role, quiet
//! hours, exercises and leaderboard posts. Moderators only, checked by the
//! bot.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::choices::{DayChoice, OnOff, WeekChoice};
use crate::discord::{render, replies, CommandError, Context};

/// Server settings (moderators).
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "timezone",
        "week_start",
        "moderator_role",
        "quiet_hours",
        "exercises",
        "leaderboard_channel",
        "leaderboard_schedule",
        "goals",
        "milestone_role",
        "show"
    )
)]
pub async fn settings(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

async fn confirm(ctx: Context<'_>, text: String) -> Result<(), CommandError> {
    replies::send(ctx, CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

/// The server's time zone for days, weeks and quiet hours.
#[poise::command(slash_command, guild_only)]
pub async fn timezone(
    ctx: Context<'_>,
    #[description = "An IANA zone such as Europe/Berlin"]
    #[autocomplete = "super::me::zones"]
    zone: String,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let zone = ctx.data().app.set_server_zone(&caller, &zone).await?;
    confirm(ctx, render::server_zone(zone)).await
}

/// The first day of the server's weeks.
#[poise::command(slash_command, guild_only, rename = "week-start")]
pub async fn week_start(
    ctx: Context<'_>,
    #[description = "The day weeks start on"] day: DayChoice,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let day = chrono::Weekday::from(day).to_string();
    let day = ctx.data().app.set_week_start(&caller, &day).await?;
    confirm(ctx, render::week_start(day)).await
}

/// The role whose members count as moderators (leave empty for none).
#[poise::command(slash_command, guild_only, rename = "moderator-role")]
pub async fn moderator_role(
    ctx: Context<'_>,
    #[description = "The moderator role; leave empty to have none"] role: Option<serenity::RoleId>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let id = match role {
        Some(role) => Some(super::server_role(&super::server(ctx).await?, role)?.0),
        None => None,
    };
    ctx.data().app.set_moderator_role(&caller, id).await?;
    confirm(ctx, render::moderator_role(id)).await
}

/// Quiet hours (19:00-08:00 or off) and days (sat,sun or none) without prompts.
#[poise::command(slash_command, guild_only, rename = "quiet-hours")]
pub async fn quiet_hours(
    ctx: Context<'_>,
    #[description = "A window such as 19:00-08:00, or off"] hours: String,
    #[description = "Quiet days such as sat,sun, or none"] days: Option<String>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let (hours, days) = ctx
        .data()
        .app
        .set_quiet(&caller, &hours, days.as_deref())
        .await?;
    confirm(ctx, render::quiet(hours, days)).await
}

/// Turn a catalog exercise on or off in this server.
#[poise::command(slash_command, guild_only)]
pub async fn exercises(
    ctx: Context<'_>,
    #[description = "Which exercise"]
    #[autocomplete = "super::exercises"]
    exercise: String,
    #[description = "on or off"] enabled: OnOff,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let on = enabled.is_on();
    let exercise = ctx
        .data()
        .app
        .set_exercise_enabled(&caller, &exercise, on)
        .await?;
    confirm(ctx, render::exercise_switched(&exercise, on)).await
}

/// Where the weekly leaderboard is posted (leave empty to stop the posts).
#[poise::command(slash_command, guild_only, rename = "leaderboard-channel")]
pub async fn leaderboard_channel(
    ctx: Context<'_>,
    #[description = "A text channel; leave empty for none"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let channel = match channel {
        Some(c) => {
            let server = super::server(ctx).await?;
            Some(super::schedule::usable_channel(ctx, &server, c).await?)
        }
        None => None,
    };
    ctx.data()
        .app
        .set_leaderboard_channel(&caller, channel)
        .await?;
    confirm(ctx, render::leaderboard_channel(channel)).await
}

/// When the leaderboard is posted, e.g. fri 16:00 (or off), and which week.
#[poise::command(slash_command, guild_only, rename = "leaderboard-schedule")]
pub async fn leaderboard_schedule(
    ctx: Context<'_>,
    #[description = "e.g. fri 16:00, or off"]
    #[max_length = 100]
    when: String,
    #[description = "Which week the board shows (default: this week)"] week: Option<WeekChoice>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let set = ctx
        .data()
        .app
        .set_board_schedule(&caller, &when, week.map(WeekChoice::key))
        .await?;
    confirm(ctx, render::board_schedule(set.as_ref())).await
}

/// Members' default goals (each member may set their own with /me goals).
#[poise::command(slash_command, guild_only)]
pub async fn goals(
    ctx: Context<'_>,
    #[description = "Brisk walking, minutes a day (5-180; default 30)"] walk_minutes: Option<i64>,
    #[description = "Calf strength work, days a week (1-7; default 3)"] strength_days: Option<i64>,
    #[description = "Seated heel-raise sets a working day (1-20; default 8)"] heel_sets: Option<
        i64,
    >,
    #[description = "Glasses of water a day (1-15; default 6)"] water_glasses: Option<i64>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let change = crate::domain::goals::TargetChange {
        walk_minutes,
        strength_days,
        heel_sets,
        water_glasses,
    };
    let targets = ctx.data().app.set_server_goals(&caller, change).await?;
    confirm(ctx, render::server_goals(targets)).await
}

/// A role members get at a 7, 30 or 100-day streak (leave the role empty to stop).
#[poise::command(slash_command, guild_only, rename = "milestone-role")]
pub async fn milestone_role(
    ctx: Context<'_>,
    #[description = "The streak: 7, 30 or 100 days"]
    #[min = 1]
    #[max = 100]
    days: i64,
    #[description = "The role to give; leave empty to give none"] role: Option<serenity::RoleId>,
) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let (id, name, cannot_grant) = match role {
        Some(role) => {
            let server = super::server(ctx).await?;
            let (id, name, _) = super::server_role(&server, role)?;
            (Some(id), Some(name), super::cannot_grant(&server, role)?)
        }
        None => (None, None, None),
    };
    ctx.data()
        .app
        .set_milestone_role(
            &caller,
            crate::app::goals::RoleReward {
                days,
                role: id,
                cannot_grant,
            },
        )
        .await?;
    confirm(ctx, render::milestone_role(days, name.as_deref())).await
}

/// This server's settings.
#[poise::command(slash_command, guild_only)]
pub async fn show(ctx: Context<'_>) -> Result<(), CommandError> {
    let caller = super::moderator_caller(ctx).await?;
    let settings = ctx.data().app.settings(&caller).await?;
    let text = render::settings(
        &settings,
        ctx.data().app.default_zone,
        &ctx.data().app.catalog,
    );
    confirm(ctx, text).await
}
