//! `/checkin exercise amount [note]`: log an activity.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::app::checkins::CheckInRequest;
use crate::discord::errors::{
    discord_code, is_server_error, ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION,
};
use crate::discord::retry::honouring_rate_limits;
use crate::discord::{render, CommandError, Context};
use crate::domain::checkin::Source;
use crate::domain::{GuildId, InteractionId, UserId};

/// Log an activity: calf raises, a brisk walk, a stretch, a glass of water.
#[poise::command(slash_command, guild_only)]
pub async fn checkin(
    ctx: Context<'_>,
    #[description = "What you did"] exercise: String,
    #[description = "How much: reps, minutes or glasses"]
    #[min = 1]
    #[max = 1000]
    amount: i64,
    // The same limit as `MAX_NOTE_CHARS`, which the use case enforces.
    #[description = "A short note (optional)"]
    #[max_length = 200]
    note: Option<String>,
) -> Result<(), CommandError> {
    let Some(guild) = ctx.guild_id() else {
        return Ok(()); // guild_only: poise answers before we get here.
    };
    let author = ctx.author();
    let display_name = ctx
        .author_member()
        .await
        .map(|m| m.display_name().to_owned())
        .unwrap_or_else(|| author.display_name().to_owned());
    let receipt = ctx
        .data()
        .app
        .record_checkin(CheckInRequest {
            interaction: InteractionId(ctx.id()),
            guild: GuildId(guild.get()),
            user: UserId(author.id.get()),
            display_name,
            exercise,
            amount,
            note,
            source: Source::Command,
        })
        .await?;
    let reply = CreateReply::default()
        .content(render::checkin(&receipt))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    // Discord drops an interaction not answered within three seconds.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(2500);
    match honouring_rate_limits(deadline, || ctx.send(reply.clone())).await {
        Ok(_) => Ok(()),
        // A redelivered interaction already answered: nothing more to say.
        Err(error) if receipt.duplicate && discord_code(&error) == Some(ALREADY_ACKNOWLEDGED) => {
            Ok(())
        }
        // The member did not get the confirmation (too late, or Discord
        // failed on its side): they will try again, so this check-in must not
        // count. A 40060 means another delivery of this interaction answered.
        Err(error)
            if !receipt.duplicate
                && (discord_code(&error) == Some(UNKNOWN_INTERACTION)
                    || is_server_error(&error)) =>
        {
            let expired = discord_code(&error) == Some(UNKNOWN_INTERACTION);
            tracing::warn!(checkin = %receipt.checkin.id, expired, "reply failed; withdrawing the check-in");
            ctx.data().app.withdraw_checkin(&receipt.checkin).await?;
            if expired {
                Ok(())
            } else {
                Err(error.into())
            }
        }
        Err(error) => Err(error.into()),
    }
}
