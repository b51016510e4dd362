//! `/team-goal set metric target period` (moderators) and `/team-goal show`:
//! one weekly target for the whole server.

use poise::CreateReply;

use super::choices::{TeamMetricChoice, TeamPeriodChoice};
use crate::discord::{render, replies, CommandError, Context};
use crate::domain::team_goal::TeamMetric;

/// The team's weekly goal.
#[poise::command(
    slash_command,
    guild_only,
    rename = "team-goal",
    subcommands("set", "show")
)]
pub async fn team_goal(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Set the team's weekly goal (moderators).
#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[description = "What adds up: points, minutes or check-ins"] metric: TeamMetricChoice,
    // The same bound as `MAX_TEAM_TARGET`, which the use case enforces.
    #[description = "The target for the whole team"]
    #[min = 1]
    #[max = 1000000]
    target: i64,
    #[description = "The goal's period (a week)"] period: Option<TeamPeriodChoice>,
) -> Result<(), CommandError> {
    let _ = period;
    let caller = super::moderator_caller(ctx).await?;
    let metric = TeamMetric::from(metric);
    let team = ctx
        .data()
        .app
        .set_team_goal(&caller, metric.key(), target)
        .await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::team_goal_set(&team))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// The team goal and this week's progress.
#[poise::command(slash_command, guild_only)]
pub async fn show(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, _) = super::caller(ctx)?;
    let team = ctx.data().app.show_team_goal(guild).await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::team_goal(team.as_ref()))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
