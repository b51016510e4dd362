//! At rest: the bot's memory and CPU with nothing to do, with no servers
//! and with many (each of `CHANNELS` channels and `ROLES` roles, as the
//! issue's "1,000 servers" figure has them). The real `secondheart` runs as
//! a child process against the fake Discord; once it has connected and
//! received every server, it is left alone for `SETTLE` and then measured
//! for `IDLE`: its RSS at the end and its CPU over the idle time.
//!
//! cargo build --release --bin secondheart -p secondheart
//! cargo build --release -p secondheart-benches --bin at_rest
//! target/release/at_rest [SERVERS...]      (default: 0 1000)
//!
//! The bot gets a clean environment; `MALLOC_ARENA_MAX` and
//! `TOKIO_WORKER_THREADS`, when set for this program, are passed on, to
//! measure one of those choices at a time.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_discord::FakeDiscord;
use secondheart_benches::proc_stats::{cpu_seconds, rss_kib, status_field};

const TOKEN: &str = "YmVuY2g.bench.token-for-the-fake-discord";
const CHANNELS: usize = 25;
const ROLES: usize = 15;
const SETTLE: Duration = Duration::from_secs(15);
const IDLE: Duration = Duration::from_secs(20);
/// The bot's environment variables that are passed on from this program's.
const PASSED_ON: [&str; 2] = ["MALLOC_ARENA_MAX", "TOKIO_WORKER_THREADS"];

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = {
        let given: Vec<usize> = std::env::args()
            .skip(1)
            .map(|a| a.parse().expect("a number of servers"))
            .collect();
        if given.is_empty() {
            vec![0, 1000]
        } else {
            given
        }
    };
    let binary = std::env::current_exe()
        .expect("this binary's path")
        .with_file_name("secondheart");
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release --bin secondheart",
        binary.display()
    );
    println!(
        "| servers ({CHANNELS} channels, {ROLES} roles each) | RSS at rest | of it anonymous / file | threads | idle CPU |"
    );
    println!("|---|---|---|---|---|");
    for servers in counts {
        let discord = FakeDiscord::start(TOKEN).await.expect("fake Discord");
        for g in 0..servers {
            let guild = discord.create_guild(&format!("Team {g}"));
            for c in 0..CHANNELS {
                discord.create_channel(guild, &format!("channel-{c}"));
            }
            for r in 0..ROLES {
                discord.create_role(guild, &format!("Role {r}"), 0, false);
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let log = std::fs::File::create(dir.path().join("bot.log")).expect("log file");
        let mut bot = Command::new(&binary);
        bot.env_clear();
        for passed in PASSED_ON {
            if let Some(value) = std::env::var_os(passed) {
                bot.env(passed, value);
            }
        }
        let mut bot = bot
            .arg("run")
            .current_dir(dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", TOKEN)
            .env("SECONDHEART__DISCORD__API_URL", discord.api_url())
            .env(
                "SECONDHEART__DATABASE__URL",
                format!("sqlite://{}", dir.path().join("rest.db").display()),
            )
            .env("SECONDHEART__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start secondheart");
        let pid = bot.id();
        discord
            .wait_for_commands(Duration::from_secs(120))
            .await
            .expect("the bot registered its commands");
        let deadline = Instant::now() + Duration::from_secs(120);
        while !discord.connected() {
            assert!(Instant::now() < deadline, "the bot did not connect");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(SETTLE).await;
        let cpu_before = cpu_seconds(pid);
        tokio::time::sleep(IDLE).await;
        let cpu = (cpu_seconds(pid) - cpu_before) / IDLE.as_secs_f64();
        let mb = |kib: u64| kib as f64 / 1024.0;
        println!(
            "| {servers} | {:.1} MB | {:.1} / {:.1} MB | {} | {:.2}% |",
            mb(rss_kib(pid)),
            mb(status_field(pid, "RssAnon")),
            mb(status_field(pid, "RssFile")),
            status_field(pid, "Threads"),
            cpu * 100.0
        );
        let _ = bot.kill();
        let _ = bot.wait();
    }
}
