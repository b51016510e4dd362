//! Discord failing a post: rate limits and server errors waited out, a
//! channel that is gone, and a post that is never answered.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fake_discord::{ChannelAccess, FaultKind};
use secondheart::domain::schedule::ScheduleState;
use secondheart::domain::{GuildId, ScheduleId};
use serde_json::json;

use crate::support::bot::spawn_bot_configured;
use crate::support::{wait_for, wait_for_async};

use super::*;

crate::support::on_both_backends!(
    a_429_then_a_500_are_waited_out_and_one_message_goes_out,
    a_channel_that_is_gone_pauses_its_schedule_and_moderators_are_told_once,
    a_post_that_discord_never_answers_gives_up_instead_of_hanging,
);

async fn a_429_then_a_500_are_waited_out_and_one_message_goes_out() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let posts = format!("/channels/{}/messages", bot.channel);
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::RateLimited {
            retry_after: 1.5,
            global: false,
        },
    );
    bot.discord
        .fail_next(Some("POST"), &posts, 1, FaultKind::Status(500));
    one_prompt(&bot, moderator).await;

    let tries: Vec<_> = bot
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&posts))
        .collect();
    assert_eq!(
        tries.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 500, 200]
    );
    let nonces: BTreeSet<_> = tries
        .iter()
        .map(|r| r.body.as_ref().unwrap()["nonce"].to_string())
        .collect();
    assert_eq!(nonces.len(), 1, "every try carries the same nonce");
    let waited = tries[1].received_ms - tries[0].received_ms;
    assert!(waited >= 1500, "retry_after honoured: waited {waited} ms");
    let backoff = tries[2].received_ms - tries[1].received_ms;
    assert!(
        (200..5000).contains(&backoff),
        "backed off {backoff} ms after the 500"
    );
    assert_eq!(prompts(&bot).len(), 1);
    bot.finish();
}

async fn a_channel_that_is_gone_pauses_its_schedule_and_moderators_are_told_once() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(30), || {
        !prompts(&bot).is_empty()
    })
    .await;
    bot.discord
        .set_channel_access(bot.channel, ChannelAccess::Gone);

    let paused = || async {
        let store = bot.store().await;
        let s = store
            .schedule(GuildId(bot.guild), ScheduleId(1))
            .await
            .unwrap()
            .unwrap();
        store.close().await;
        s.state
    };
    wait_for_async(
        "the schedule to be paused",
        Duration::from_secs(20),
        || async { matches!(paused().await, ScheduleState::PausedByError { .. }) },
    )
    .await;
    assert_eq!(
        paused().await,
        ScheduleState::PausedByError {
            reason: "the channel no longer exists".into()
        }
    );

    // The next moderator command says so, once, before its own answer.
    let first = bot.ask(moderator, "schedule list", &[]).await;
    assert!(first.ephemeral);
    assert!(first.content.starts_with("⚠️ Paused because their prompts could not be posted:\n- **#1**: the channel no longer exists"), "{}", first.content);
    let second = bot.ask(moderator, "schedule list", &[]).await;
    assert!(!second.content.contains("⚠️"), "{}", second.content);
    assert!(
        second
            .content
            .contains("paused: the channel no longer exists"),
        "{}",
        second.content
    );
    bot.finish();
}

async fn a_post_that_discord_never_answers_gives_up_instead_of_hanging() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "0 9 1 1 *", &[]).await;
    // Discord takes the connection and then says nothing for two minutes.
    let posts = format!("/channels/{}/messages", bot.channel);
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::Delay(Duration::from_secs(120)),
    );
    let asked = Instant::now();
    let refused = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert_eq!(
        refused.content,
        "Discord did not take the test prompt just now; please try again in a minute."
    );
    // Within the request timeout (10 s), not the fault's two minutes.
    assert!(asked.elapsed() < Duration::from_secs(20));
    let reply = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert!(
        reply.content.starts_with("Posted a test prompt of **#1**"),
        "{}",
        reply.content
    );
    bot.finish();
}
