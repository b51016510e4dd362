//! Firing lateness: how long after its due instant each prompt reaches
//! Discord. The real bot (scheduler, store, notifier) runs in this process
//! against the fake Discord on loopback; `SERVERS` servers each have one
//! schedule firing every second, until `FIRINGS` prompts have gone out.
//! Lateness is the fake's receipt time of the message minus the
//! occurrence's due instant.
//!
//! cargo run --release -p secondheart-benches --bin firing_lateness [-- FIRINGS SERVERS]

use std::time::{Duration, Instant};

use fake_discord::{permissions, FakeDiscord};
use secondheart::config::{self, DiscordToken};
use secondheart::domain::{GuildId, OccurrenceId};
use secondheart::store::{Store, StoreOptions};
use serde_json::json;

const TOKEN: &str = "YmVuY2g.bench.token-for-the-fake-discord";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let firings: usize = args.next().map_or(240, |a| a.parse().expect("FIRINGS"));
    let servers: usize = args.next().map_or(4, |a| a.parse().expect("SERVERS"));

    let discord = FakeDiscord::start(TOKEN).await.expect("fake Discord");
    let mut channels = Vec::new();
    for n in 0..servers {
        let guild = discord.create_guild(&format!("Team {n}"));
        let channel = discord.create_channel(guild, "movement");
        let admins = discord.create_role(guild, "Admins", permissions::MANAGE_GUILD, false);
        let moderator = discord.add_member(guild, "Mo", &[admins]);
        channels.push((guild, channel, moderator));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut settings = config::load(None).expect("configuration").settings;
    settings.database.url = url.clone();
    settings.discord.api_url = Some(discord.api_url().parse().expect("url"));
    settings.limits.min_interval_minutes = 0;
    settings.log.level = "warn".into();
    secondheart::ops::logging::init(&settings.log).expect("logging");

    let bot = secondheart::cli::serve(settings, DiscordToken::new(TOKEN.into()));
    let measure = async {
        discord
            .wait_for_commands(Duration::from_secs(60))
            .await
            .expect("the bot registered its commands");
        while !discord.connected() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for (guild, channel, moderator) in &channels {
            let id = discord
                .send_command(
                    *guild,
                    *channel,
                    *moderator,
                    "schedule add",
                    &[
                        ("channel", json!(channel.to_string())),
                        ("exercise", json!("heel-raises")),
                        ("when", json!("* * * * * *")),
                        ("timezone", json!("UTC")),
                    ],
                )
                .expect("/schedule add");
            let reply = discord
                .reply(id, Duration::from_secs(10))
                .await
                .expect("reply");
            assert!(reply.content.starts_with("Added"), "{}", reply.content);
        }
        let started = Instant::now();
        let posted = || -> usize {
            channels
                .iter()
                .map(|(_, c, m)| {
                    discord
                        .channel_as_seen_by(*c, *m)
                        .iter()
                        .filter(|m| !m.components.as_array().is_none_or(Vec::is_empty))
                        .count()
                })
                .sum()
        };
        while posted() < firings {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        started.elapsed()
    };
    let took = tokio::select! {
        stopped = bot => panic!("the bot stopped: {stopped:?}"),
        took = measure => took,
    };

    let store = Store::open(&StoreOptions::new(url)).await.expect("store");
    let mut lateness_ms = Vec::new();
    for (guild, channel, moderator) in &channels {
        for message in discord.channel_as_seen_by(*channel, *moderator) {
            let Some(id) = message.components[0]["components"][0]["custom_id"].as_str() else {
                continue;
            };
            let occurrence: i64 = id
                .split(':')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .expect("id");
            let o = store
                .occurrence(GuildId(*guild), OccurrenceId(occurrence))
                .await
                .expect("read")
                .expect("stored");
            lateness_ms.push(message.created_ms - o.due_at.timestamp_millis());
        }
    }
    store.close().await;
    lateness_ms.sort();
    let n = lateness_ms.len();
    let pick = |q: f64| lateness_ms[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
    println!(
        "{n} firings ({servers} servers, one schedule each, every second) in {:.0} s",
        took.as_secs_f64()
    );
    println!(
        "lateness: median {} ms, p99 {} ms, max {} ms, min {} ms",
        pick(0.5),
        pick(0.99),
        lateness_ms[n - 1],
        lateness_ms[0]
    );
}
