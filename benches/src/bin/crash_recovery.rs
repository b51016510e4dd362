//! Crash recovery: how late a prompt is when the bot is killed (SIGKILL)
//! while posting it and restarted at once, with the shipped configuration.
//! The real `secondheart` binary runs as a child process against the fake
//! Discord on loopback; one schedule fires every 10 seconds. Once a prompt
//! has gone out, the next post is held up in the fake, the bot is killed
//! while that post is in flight and started again on the same database.
//! Lateness is the fake's receipt time of the interrupted prompt minus its
//! due instant. Each run has a fresh fake and database.
//!
//! cargo build --release --bin secondheart
//! cargo run --release -p secondheart-benches --bin crash_recovery [-- RUNS]
//!
//! The bot binary is the `secondheart` next to this one, or `SECONDHEART_BIN`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_discord::{permissions, FakeDiscord, FaultKind};
use secondheart::store::{Store, StoreOptions};
use serde_json::{json, Value};

const TOKEN: &str = "YmVuY2g.bench.token-for-the-fake-discord";

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(5, |a| a.parse().expect("RUNS"));
    let binary = std::env::var_os("SECONDHEART_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let me = std::env::current_exe().expect("this binary's path");
            me.with_file_name("secondheart")
        });
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release --bin secondheart",
        binary.display()
    );

    let mut lateness_ms = Vec::new();
    for run in 1..=runs {
        let late = one_run(&binary).await;
        println!("run {run}: the interrupted prompt went out {late} ms after its due instant");
        lateness_ms.push(late);
    }
    lateness_ms.sort();
    let n = lateness_ms.len();
    println!(
        "{n} runs, SIGKILL mid-post and immediate restart, default lease: median {} ms, max {} ms, min {} ms",
        lateness_ms[(n - 1) / 2],
        lateness_ms[n - 1],
        lateness_ms[0]
    );
}

/// One kill and restart; the interrupted prompt's lateness in milliseconds.
async fn one_run(binary: &Path) -> i64 {
    let discord = FakeDiscord::start(TOKEN).await.expect("fake Discord");
    // The restart identifies within seconds of the killed process; what is
    // measured is the scheduler's recovery, not Discord's session spacing.
    discord.enforce_identify_spacing(false);
    let guild = discord.create_guild("Team");
    let channel = discord.create_channel(guild, "movement");
    let admins = discord.create_role(guild, "Admins", permissions::MANAGE_GUILD, false);
    let moderator = discord.add_member(guild, "Mo", &[admins]);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let start = || spawn(binary, dir.path(), &discord.api_url(), &url);

    let mut bot = start();
    discord
        .wait_for_commands(Duration::from_secs(60))
        .await
        .expect("the bot registered its commands");
    wait("the bot to connect", || discord.connected()).await;
    let id = discord
        .send_command(
            guild,
            channel,
            moderator,
            "schedule add",
            &[
                ("channel", json!(channel.to_string())),
                ("exercise", json!("heel-raises")),
                ("when", json!("*/10 * * * * *")),
                ("timezone", json!("UTC")),
            ],
        )
        .expect("/schedule add");
    let reply = discord
        .reply(id, Duration::from_secs(20))
        .await
        .expect("reply");
    assert!(reply.content.starts_with("Added"), "{}", reply.content);
    let prompts = || {
        discord
            .channel_as_seen_by(channel, moderator)
            .into_iter()
            .filter_map(|m| Some((occurrence_of(&m.components)?, m.created_ms)))
            .collect::<Vec<_>>()
    };
    wait("the first prompt", || !prompts().is_empty()).await;

    // The next post never comes back: the bot is killed with it in flight.
    discord.fail_next(
        Some("POST"),
        &format!("/channels/{channel}/messages"),
        1,
        FaultKind::Delay(Duration::from_secs(600)),
    );
    wait("the post to be in flight", || discord.faults_pending() == 0).await;
    let store = Store::open(&StoreOptions::new(url.clone()))
        .await
        .expect("store");
    let interrupted = store
        .unfinished_occurrences()
        .await
        .expect("read")
        .into_iter()
        .next()
        .expect("the claim in flight");
    store.close().await;
    let _ = bot.kill();
    let _ = bot.wait();
    let mut bot = start();

    let wanted = interrupted.id.0;
    wait("the interrupted prompt", || {
        prompts().iter().any(|(o, _)| *o == wanted)
    })
    .await;
    let _ = bot.kill();
    let _ = bot.wait();
    let (_, created_ms) = prompts()
        .into_iter()
        .find(|(o, _)| *o == wanted)
        .expect("posted");
    created_ms - interrupted.due_at.timestamp_millis()
}

/// The bot process, with the shipped defaults but for the fake, the
/// database and second-level schedules.
fn spawn(binary: &Path, dir: &Path, api_url: &str, database_url: &str) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("bot.log"))
        .expect("log file");
    Command::new(binary)
        .arg("run")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISCORD_TOKEN", TOKEN)
        .env("SECONDHEART__DISCORD__API_URL", api_url)
        .env("SECONDHEART__DATABASE__URL", database_url)
        .env("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0")
        .env("SECONDHEART__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start secondheart")
}

/// The occurrence a scheduled prompt belongs to, from its first button.
fn occurrence_of(components: &Value) -> Option<i64> {
    let id = components[0]["components"][0]["custom_id"].as_str()?;
    let mut parts = id.split(':');
    (parts.next()? == "p").then_some(())?;
    parts.next()?.parse().ok()
}

/// Waits (up to five minutes) until `ready` holds.
async fn wait(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
