//! `/stats [member] [period]`: totals, points, streaks and today's progress,
//! with a chart of the member's last four weeks.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::choices::PeriodChoice;
use crate::discord::{deferral, pictures, render, CommandError, Context};
use crate::domain::leaderboard::Period;
use crate::domain::UserId;

/// Your totals, points, streak and today's progress (or another member's).
#[poise::command(slash_command, guild_only)]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "Whose stats (default: yours)"] member: Option<serenity::User>,
    #[description = "Which period (default: this week)"] period: Option<PeriodChoice>,
) -> Result<(), CommandError> {
    let (guild, caller) = super::caller(ctx)?;
    let period = period.map_or(Period::ThisWeek, Period::from);
    let user = member.as_ref().map_or(caller, |m| UserId(m.id.get()));
    // A member's whole history is read (for streaks): "thinking…" first.
    // Whether another member's stats are private is known only then, and
    // is said privately (the public placeholder is removed).
    deferral::defer(ctx).await?;
    let app = &ctx.data().app;
    let stats = app.stats(guild, caller, user, period).await?;
    let drawn = match app.stats_chart(guild, &stats).await {
        Ok(chart) => app.renderer.draw(move || chart.draw()).await,
        Err(error) => Err(error),
    };
    let mut reply = CreateReply::default().content(render::stats(&stats, user == caller));
    if let Some(file) = pictures::attachment(drawn, pictures::CHART_FILE, pictures::size_limit(ctx))
    {
        reply = reply.attachment(file);
    }
    deferral::answer(ctx, reply).await?;
    Ok(())
}
