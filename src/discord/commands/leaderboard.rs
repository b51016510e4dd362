//! `/leaderboard [period] [metric] [exercise]`: the top ten, and your place,
//! in text and as a picture.

use poise::CreateReply;

use super::choices::{MetricChoice, PeriodChoice};
use crate::discord::{deferral, pictures, render, CommandError, Context};
use crate::domain::leaderboard::{Metric, Period};

/// The server's top ten for a period, by points, an exercise's amount, or consistency.
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Which period (default: this week)"] period: Option<PeriodChoice>,
    #[description = "Rank by (default: points)"] metric: Option<MetricChoice>,
    #[description = "Only this exercise (needed for amount)"]
    #[autocomplete = "super::exercises"]
    exercise: Option<String>,
) -> Result<(), CommandError> {
    let (guild, caller) = super::caller(ctx)?;
    let period = period.map_or(Period::ThisWeek, Period::from);
    let metric = metric.map_or(Metric::Points, Metric::from);
    let app = &ctx.data().app;
    app.board_exercise(metric, exercise.as_deref())?;
    // Ranking reads the whole period's check-ins: "thinking…" first.
    deferral::defer(ctx).await?;
    let board = app
        .leaderboard(guild, caller, period, metric, exercise.as_deref())
        .await?;
    let team = app.show_team_goal(guild).await?;
    let picture = render::board_picture(&board, caller, team.as_ref());
    let drawn = app.renderer.draw(move || picture.draw()).await;
    let mut reply = CreateReply::default().content(render::leaderboard(&board, caller));
    if let Some(file) = pictures::attachment(drawn, pictures::BOARD_FILE, pictures::size_limit(ctx))
    {
        reply = reply.attachment(file);
    }
    deferral::answer(ctx, reply).await?;
    Ok(())
}
