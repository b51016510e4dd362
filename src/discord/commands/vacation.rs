//! `/vacation days:N` and `/vacation end:True`: the member's streak is
//! protected while they are away.

use poise::CreateReply;

use crate::app::UserError;
use crate::discord::{render, replies, CommandError, Context};
use crate::domain::streak::MAX_VACATION_DAYS;

/// Away for a while? Protect your streak for 1 to 21 days, or end it early.
#[poise::command(slash_command, guild_only)]
pub async fn vacation(
    ctx: Context<'_>,
    // The same bounds as `MAX_VACATION_DAYS`, which the use case enforces.
    #[description = "How many days, from today (1-21)"]
    #[min = 1]
    #[max = 21]
    days: Option<i64>,
    #[description = "True: your vacation ends today"] end: Option<bool>,
) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let app = &ctx.data().app;
    let text = match (days, end) {
        (Some(days), None | Some(false)) => {
            render::vacation_started(app.start_vacation(guild, user, days).await?)
        }
        (None, Some(true)) => {
            app.end_vacation(guild, user).await?;
            render::vacation_ended()
        }
        _ => {
            return Err(UserError::VacationDays {
                max: MAX_VACATION_DAYS,
            }
            .into())
        }
    };
    replies::send(ctx, CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}
