//! The trivial bot: serenity and poise as the bot uses them, with one
//! `/checkin` of the same options that answers at once from memory. What
//! `checkin_load` measures against it is the floor of the setup: the fake
//! Discord, the gateway and the HTTP round trip, with no work of ours.
//!
//! Started by `checkin_load`; reads DISCORD_TOKEN and
//! SECONDHEART__DISCORD__API_URL like the bot.

use poise::serenity_prelude as serenity;

type Context<'a> = poise::Context<'a, (), serenity::Error>;

/// Log an activity.
#[poise::command(slash_command, guild_only)]
async fn checkin(
    ctx: Context<'_>,
    #[description = "What you did"] exercise: String,
    #[description = "How much"]
    #[min = 1]
    #[max = 1000]
    amount: i64,
    #[description = "A short note (optional)"] note: Option<String>,
) -> Result<(), serenity::Error> {
    let _ = note;
    ctx.say(format!("Logged {amount} × {exercise}.")).await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    let token = std::env::var("DISCORD_TOKEN").expect("DISCORD_TOKEN");
    let api = std::env::var("SECONDHEART__DISCORD__API_URL").expect("the fake's URL");
    let http = serenity::HttpBuilder::new(&token)
        .proxy(api.trim_end_matches('/'))
        .ratelimiter_disabled(true)
        .build();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![checkin()],
            ..Default::default()
        })
        .setup(|ctx, ready, framework| {
            Box::pin(async move {
                ctx.http.set_application_id(ready.application.id);
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                Ok(())
            })
        })
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .expect("client");
    client.start().await.expect("the gateway");
}
