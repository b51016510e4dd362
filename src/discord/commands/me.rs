//! `/me timezone <zone>`: the member's own zone for streak days;
//! `/me goals`: the member's own goal targets, or goals off.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::discord::{render, replies, CommandError, Context};

/// Your own settings.
#[poise::command(slash_command, guild_only, subcommands("timezone", "goals"))]
pub async fn me(_ctx: Context<'_>) -> Result<(), CommandError> {
    Ok(())
}

/// Your time zone for streak days (`server` to follow the server's again).
#[poise::command(slash_command, guild_only)]
pub async fn timezone(
    ctx: Context<'_>,
    #[description = "An IANA zone such as Europe/Berlin, or `server`"]
    #[autocomplete = "zones"]
    zone: String,
) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let zone = (!zone.trim().eq_ignore_ascii_case("server")).then_some(zone.as_str());
    let set = ctx.data().app.set_member_zone(guild, user, zone).await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::member_zone(set))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Your own goals (empty: show them); `enabled:False` turns goals off.
#[poise::command(slash_command, guild_only)]
pub async fn goals(
    ctx: Context<'_>,
    #[description = "Goals on (True) or off (False)"] enabled: Option<bool>,
    #[description = "Brisk walking, minutes a day (5-180)"] walk_minutes: Option<i64>,
    #[description = "Calf strength work, days a week (1-7)"] strength_days: Option<i64>,
    #[description = "Seated heel-raise sets a working day (1-20)"] heel_sets: Option<i64>,
    #[description = "Glasses of water a day (1-15)"] water_glasses: Option<i64>,
) -> Result<(), CommandError> {
    let (guild, user) = super::caller(ctx)?;
    let change = crate::domain::goals::TargetChange {
        walk_minutes,
        strength_days,
        heel_sets,
        water_glasses,
    };
    let targets = ctx
        .data()
        .app
        .set_member_goals(guild, user, enabled, change)
        .await?;
    replies::send(
        ctx,
        CreateReply::default()
            .content(render::goals_reply(targets))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// IANA zone names containing what the member typed, at most 25.
pub(super) async fn zones(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_ascii_lowercase();
    let choices = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| name.to_ascii_lowercase().contains(&partial))
        .take(25)
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
