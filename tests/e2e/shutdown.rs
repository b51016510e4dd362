//! Stopping with SIGTERM, as `docker stop` does: the work in flight ends,
//! nothing acknowledged is lost, nothing unacknowledged is kept, and a
//! prompt the bot had not posted goes out once, from the next process.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_discord::{FaultKind, SeenMessage};
use secondheart::domain::occurrence::OccurrenceState;
use secondheart::domain::{GuildId, UserId};
use serde_json::{json, Value};

use crate::support::bot::{launch_bot_configured, spawn_bot_configured, Bot};
use crate::support::wait_for;

const GRACE: Duration = Duration::from_secs(10);

/// The occurrence a scheduled prompt belongs to, from its buttons.
fn occurrence_of(message: &SeenMessage) -> Option<i64> {
    let first = message.components[0]["components"][0]["custom_id"].as_str()?;
    let mut parts = first.split(':');
    (parts.next()? == "p").then_some(())?;
    parts.next()?.parse().ok()
}

fn prompts(bot: &Bot) -> Vec<i64> {
    bot.discord
        .channel_as_seen_by(bot.channel, bot.member)
        .iter()
        .filter_map(occurrence_of)
        .collect()
}

async fn stored_interactions(bot: &Bot) -> BTreeSet<u64> {
    let store = bot.store().await;
    let day = chrono::Duration::days(1);
    let rows = store
        .member_checkins(
            GuildId(bot.guild),
            UserId(bot.member),
            Utc::now() - day,
            Utc::now() + day,
        )
        .await
        .unwrap();
    store.close().await;
    rows.into_iter().map(|c| c.interaction.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_burst_keeps_what_was_acknowledged_and_hands_the_prompt_on() {
    let mut bot = spawn_bot_configured(&[
        ("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0"),
        ("SECONDHEART__SHUTDOWN__GRACE_SECONDS", "10"),
    ])
    .await;
    let moderator = bot.add_moderator("Mo");
    let options: Vec<(&str, Value)> = vec![
        ("channel", json!(bot.channel.to_string())),
        ("exercise", json!("calf-raises")),
        ("when", json!("*/5 * * * * *")),
        ("timezone", json!("UTC")),
    ];
    let added = bot.ask(moderator, "schedule add", &options).await;
    assert!(added.content.starts_with("Added"), "{}", added.content);

    // The next prompt is due and claimed, but Discord asks the bot to wait
    // half a minute before posting it.
    bot.discord.fail_next(
        Some("POST"),
        &format!("/channels/{}/messages", bot.channel),
        1,
        FaultKind::RateLimited {
            retry_after: 30.0,
            global: false,
        },
    );
    wait_for(
        "the prompt to be held back",
        Duration::from_secs(30),
        || bot.discord.faults_pending() == 0,
    )
    .await;
    let store = bot.store().await;
    let held = store.unfinished_occurrences().await.unwrap();
    store.close().await;
    assert_eq!(held.len(), 1, "{held:?}");
    let held = held[0].id;
    // No further firing: the held one is the prompt in flight.
    bot.ask(moderator, "schedule pause", &[("id", json!(1))])
        .await;

    // A burst of check-ins, and SIGTERM in the middle of it.
    let mut sent = Vec::new();
    for _ in 0..20 {
        let id = bot
            .discord
            .send_command(
                bot.guild,
                bot.channel,
                bot.member,
                "checkin",
                &[("exercise", json!("stretch")), ("amount", json!(1))],
            )
            .unwrap();
        sent.push(id);
        if sent.len() == 10 {
            // In the middle of the burst: once the bot has answered one,
            // with others still on their way.
            let first = bot.discord.reply(sent[0], Duration::from_secs(20)).await;
            assert!(first.is_some(), "no answer to the first check-in");
            bot.terminate();
        }
    }
    let stopping = Instant::now();
    let exited = bot.wait_exit(GRACE + Duration::from_secs(5)).await;
    let took = stopping.elapsed();
    assert_eq!(exited, Some(true), "exit 0; log:\n{}", bot.log());
    assert!(took < GRACE, "stopped in {took:?}");

    let mut acknowledged = BTreeSet::new();
    for id in &sent {
        if let Some(reply) = bot.discord.reply(*id, Duration::ZERO).await {
            assert!(!reply.content.is_empty(), "{reply:?}");
            acknowledged.insert(*id);
        }
    }
    assert!(!acknowledged.is_empty(), "some check-ins were answered");
    assert_eq!(stored_interactions(&bot).await, acknowledged);

    // The held prompt was released unposted; the next process takes it over
    // at once, not a lease later, and posts it once.
    let store = bot.store().await;
    let released = store
        .occurrence(GuildId(bot.guild), held)
        .await
        .unwrap()
        .unwrap();
    store.close().await;
    assert_eq!(released.state, OccurrenceState::Claimed);
    assert!(released.lease_until.unwrap() <= Utc::now(), "{released:?}");
    assert!(!prompts(&bot).contains(&held.0));
    bot.start();
    wait_for("the released prompt", Duration::from_secs(15), || {
        prompts(&bot).contains(&held.0)
    })
    .await;
    let posted = prompts(&bot);
    let unique: BTreeSet<_> = posted.iter().collect();
    assert_eq!(
        unique.len(),
        posted.len(),
        "a prompt went out twice: {posted:?}"
    );
    assert!(bot.log().contains("stopping"), "{}", bot.log());
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_start_up_stops_cleanly_at_once() {
    // Discord is slow to answer the bot's first request: it is still
    // starting when the signal comes.
    let mut bot = launch_bot_configured(
        |discord, _| {
            discord.fail_next(
                Some("GET"),
                "/applications/@me",
                1,
                FaultKind::Delay(Duration::from_secs(30)),
            )
        },
        &[],
    )
    .await;
    wait_for("the first request", Duration::from_secs(30), || {
        bot.discord.faults_pending() == 0
    })
    .await;
    let signalled = Instant::now();
    bot.terminate();
    let exited = bot.wait_exit(Duration::from_secs(5)).await;
    assert_eq!(exited, Some(true), "exit 0; log:\n{}", bot.log());
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert!(
        bot.log().contains("stopping before start-up finished"),
        "{}",
        bot.log()
    );
    assert_eq!(bot.discord.identifies(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_while_stopping_cuts_the_stop_short() {
    let mut bot = spawn_bot_configured(&[
        ("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0"),
        ("SECONDHEART__SHUTDOWN__GRACE_SECONDS", "60"),
    ])
    .await;
    let moderator = bot.add_moderator("Mo");
    // A prompt on its way: Discord takes it, and holds the answer back
    // longer than the bot waits for one (10 s), so the stop waits for it.
    bot.discord.fail_next(
        Some("POST"),
        &format!("/channels/{}/messages", bot.channel),
        1,
        FaultKind::Hold(Duration::from_secs(30)),
    );
    let options: Vec<(&str, Value)> = vec![
        ("channel", json!(bot.channel.to_string())),
        ("exercise", json!("calf-raises")),
        ("when", json!("*/2 * * * * *")),
        ("timezone", json!("UTC")),
    ];
    let added = bot.ask(moderator, "schedule add", &options).await;
    assert!(added.content.starts_with("Added"), "{}", added.content);
    wait_for("a prompt on its way", Duration::from_secs(30), || {
        bot.discord.faults_pending() == 0
    })
    .await;

    let signalled = Instant::now();
    bot.terminate();
    wait_for("the stop to begin", Duration::from_secs(5), || {
        bot.log().contains("grace_seconds=60")
    })
    .await;
    bot.terminate();
    let exited = bot.wait_exit(Duration::from_secs(5)).await;
    assert_eq!(exited, Some(false), "exit 1; log:\n{}", bot.log());
    assert!(signalled.elapsed() < Duration::from_secs(8));
    assert!(
        bot.log().contains("a second SIGTERM while stopping"),
        "{}",
        bot.log()
    );
}
