//! `/checkin-for member exercise amount [note]`: a moderator logs a
//! check-in for a member. Moderators only; audited.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::app::checkins::CheckInRequest;
use crate::discord::{render, CommandError, Context};
use crate::domain::checkin::Source;
use crate::domain::{InteractionId, UserId};

/// Log a check-in for a member (moderators); their stats show it was you.
#[poise::command(slash_command, guild_only, rename = "checkin-for")]
pub async fn checkin_for(
    ctx: Context<'_>,
    #[description = "Whom it is for"] member: serenity::User,
    #[description = "What they did"]
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
    let caller = super::moderator_caller(ctx).await?;
    // Their server nickname as Discord resolved it, else their own name.
    let nick = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .data
            .resolved
            .members
            .get(&member.id)
            .and_then(|m| m.nick.clone()),
        poise::Context::Prefix(_) => None,
    };
    let display_name = nick.unwrap_or_else(|| member.display_name().to_owned());
    let request = CheckInRequest {
        interaction: InteractionId(ctx.id()),
        guild: caller.guild,
        user: UserId(member.id.get()),
        display_name: display_name.clone(),
        exercise,
        amount,
        note,
        source: Source::Moderator,
    };
    let receipt = ctx.data().app.checkin_for(&caller, request).await?;
    ctx.send(
        CreateReply::default()
            .content(render::checkin_for(&receipt, &display_name))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}
