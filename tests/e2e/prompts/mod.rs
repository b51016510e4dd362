//! Prompts end to end: the scheduler in the real binary posting to the fake
//! Discord on second-level schedules, through kills, restarts, Discord
//! errors and a second process; and members clicking the buttons.

use std::collections::BTreeMap;
use std::time::Duration;

use fake_discord::{InteractionReply, SeenMessage};
use secondheart::domain::occurrence::OccurrenceState;
use secondheart::domain::{GuildId, OccurrenceId};
use serde_json::{json, Value};

use crate::support::bot::Bot;
use crate::support::wait_for;

mod buttons;
mod crashes;
mod discord_errors;
mod posting;

/// Second-level schedules need no minimum interval.
const FAST: [(&str, &str); 1] = [("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0")];

async fn add_schedule(bot: &Bot, moderator: u64, when: &str, extra: &[(&str, Value)]) -> String {
    let mut options = vec![
        ("channel", json!(bot.channel.to_string())),
        ("exercise", json!("calf-raises")),
        ("when", json!(when)),
        ("timezone", json!("UTC")),
    ];
    options.extend(extra.iter().cloned());
    let reply = bot.ask(moderator, "schedule add", &options).await;
    assert!(reply.content.starts_with("Added"), "{}", reply.content);
    reply.content
}

/// The `custom_id`s of a message's buttons.
fn custom_ids(components: &Value) -> Vec<String> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_owned))
        .collect()
}

/// The occurrence a scheduled prompt belongs to, from its buttons.
fn occurrence_of(message: &SeenMessage) -> Option<i64> {
    let ids = custom_ids(&message.components);
    let first = ids.first()?;
    let mut parts = first.split(':');
    (parts.next()? == "p").then_some(())?;
    parts.next()?.parse().ok()
}

/// The scheduled prompts in the bot's channel, oldest first.
fn prompts(bot: &Bot) -> Vec<SeenMessage> {
    bot.discord
        .channel_as_seen_by(bot.channel, bot.member)
        .into_iter()
        .filter(|m| occurrence_of(m).is_some())
        .collect()
}

/// Adds schedule #1 firing every 30 seconds, waits for its first prompt
/// and pauses it, so the channel holds that one prompt; returns it.
async fn one_prompt(bot: &Bot, moderator: u64) -> SeenMessage {
    add_schedule(bot, moderator, "*/30 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(40), || {
        !prompts(bot).is_empty()
    })
    .await;
    bot.ask(moderator, "schedule pause", &[("id", json!(1))])
        .await;
    prompts(bot).remove(0)
}

/// Clicks a button on a message as `user`, and waits for the bot's answer.
async fn click(bot: &Bot, message: u64, user: u64, custom_id: &str) -> InteractionReply {
    let id = bot
        .discord
        .click_button(bot.channel, message, user, custom_id)
        .unwrap_or_else(|e| panic!("{custom_id}: {e}"));
    bot.discord
        .reply(id, Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("no answer to {custom_id}; log:\n{}", bot.log()))
}

/// How many prompts the server has had posted, ever.
async fn prompts_counted(bot: &Bot) -> u32 {
    let store = bot.store().await;
    let posted = store
        .count_posted(
            GuildId(bot.guild),
            chrono::DateTime::UNIX_EPOCH,
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    store.close().await;
    posted
}

/// Asserts that no occurrence has two messages, and that every posted
/// occurrence's stored message is in the channel. Returns the states.
async fn assert_each_posted_once(bot: &Bot) -> BTreeMap<i64, OccurrenceState> {
    let mut seen = BTreeMap::new();
    for message in prompts(bot) {
        let id = occurrence_of(&message).unwrap();
        if let Some(other) = seen.insert(id, message.id) {
            panic!(
                "occurrence {id} was posted twice: messages {other} and {}",
                message.id
            );
        }
    }
    let store = bot.store().await;
    let mut states = BTreeMap::new();
    for id in 1..=seen.keys().max().copied().unwrap_or(0) + 20 {
        let Some(o) = store
            .occurrence(GuildId(bot.guild), OccurrenceId(id))
            .await
            .unwrap()
        else {
            continue;
        };
        if o.state == OccurrenceState::Posted {
            // The bot goes on posting while this reads: one posted since
            // the channel was read is looked for again.
            let posted = match seen.get(&id) {
                Some(message) => Some(*message),
                None => prompts(bot)
                    .iter()
                    .find(|m| occurrence_of(m) == Some(id))
                    .map(|m| m.id),
            };
            assert_eq!(
                o.message.map(|m| m.0),
                posted,
                "occurrence {id} is stored as posted with another message"
            );
        }
        states.insert(id, o.state);
    }
    store.close().await;
    for id in seen.keys() {
        assert!(
            states.contains_key(id),
            "a prompt for an unknown occurrence {id}"
        );
    }
    states
}

/// Runs a future to completion from synchronous code inside the test's
/// runtime (the wait helpers take plain closures).
fn futures_lite_block<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}
