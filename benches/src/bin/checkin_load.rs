//! Check-in load: `/checkin` at fixed open-loop rates (the next command is
//! sent when its instant comes, whether or not earlier ones were answered)
//! through the fake Discord's gateway, against the real bot as a child
//! process, or the trivial bot that answers at once from memory (the floor
//! of the setup). Per rate: how many were answered within 3 s, p50, p99 and
//! max from the interaction's dispatch to the answer the member sees ("thinking…"
//! does not count), the bot's CPU (of one core) and peak RSS, and for the
//! bot the interactions it dropped unstarted under overload.
//!
//! With `--leaderboard-burst N`, each rate runs twice: as above, then with
//! N `/leaderboard` sent at once midway (each draws its picture), to show
//! how much a burst of boards slows the check-ins around it; the burst's
//! own answer times are shown too.
//!
//! cargo build --release --bins -p secondheart -p secondheart-benches
//! taskset -c 1 target/release/checkin_load [--trivial] [--rates 200,1000,2000,3000]
//!     [--seconds 10] [--bot-cpus 0] [--guilds 10] [--members 200] [--leaderboard-burst 50]
//!     [--database postgres://user@host/empty_db] [--connections 16]
//!
//! `--bot-cpus` pins the bot with taskset; pin this program (the fake and
//! the sender) to the other core. The bot is the `secondheart` (or
//! `trivial_bot`) next to this program; its database is durable
//! (`synchronous=FULL`, the shipped setting) in a temporary folder, or the
//! (empty) database `--database` names.

use std::time::{Duration, Instant};

use fake_discord::FakeDiscord;
use secondheart_benches::bot_process::{self, free_address, wait_until};
use secondheart_benches::proc_stats::{cpu_seconds, rss_kib};
use serde_json::json;

const TOKEN: &str = "YmVuY2g.bench.token-for-the-fake-discord";
const DEADLINE: Duration = Duration::from_secs(3);

struct Options {
    trivial: bool,
    rates: Vec<u32>,
    seconds: u64,
    bot_cpus: Option<String>,
    guilds: usize,
    members: usize,
    /// `/leaderboard` calls sent at once midway through a second round.
    leaderboard_burst: Option<usize>,
    /// The bot's database; default a SQLite file in a temporary folder.
    database: Option<String>,
    /// `database.connections` for the bot; default the shipped one.
    connections: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        trivial: false,
        rates: vec![200, 1000, 2000, 3000],
        seconds: 10,
        bot_cpus: None,
        guilds: 10,
        members: 200,
        leaderboard_burst: None,
        database: None,
        connections: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--trivial" => o.trivial = true,
            "--rates" => {
                o.rates = value()
                    .split(',')
                    .map(|r| r.parse().expect("a rate per second"))
                    .collect()
            }
            "--seconds" => o.seconds = value().parse().expect("seconds"),
            "--bot-cpus" => o.bot_cpus = Some(value()),
            "--guilds" => o.guilds = value().parse().expect("guilds"),
            "--members" => o.members = value().parse().expect("members"),
            "--database" => o.database = Some(value()),
            "--connections" => o.connections = Some(value()),
            "--leaderboard-burst" => {
                o.leaderboard_burst = Some(value().parse().expect("a number of calls"))
            }
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

#[tokio::main]
async fn main() {
    let o = options();
    let name = if o.trivial {
        "trivial_bot"
    } else {
        "secondheart"
    };
    let binary = std::env::current_exe()
        .expect("this binary's path")
        .with_file_name(name);
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release --bins -p secondheart -p secondheart-benches",
        binary.display()
    );

    let discord = FakeDiscord::start(TOKEN).await.expect("fake Discord");
    let mut senders = Vec::new();
    for g in 0..o.guilds {
        let guild = discord.create_guild(&format!("Team {g}"));
        let channel = discord.create_channel(guild, "movement");
        for m in 0..o.members {
            senders.push((
                guild,
                channel,
                discord.add_member(guild, &format!("M{m}"), &[]),
            ));
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let metrics_addr = free_address();
    let database_url = o
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("load.db").display()));
    let mut bot = bot_process::spawn_with(
        &binary,
        o.bot_cpus.as_deref(),
        dir.path(),
        TOKEN,
        &discord.api_url(),
        &database_url,
        &metrics_addr,
        &o.connections
            .as_deref()
            .map(|n| vec![("SECONDHEART__DATABASE__CONNECTIONS", n)])
            .unwrap_or_default(),
    );
    let pid = bot.id();
    discord
        .wait_for_commands(Duration::from_secs(120))
        .await
        .expect("the bot registered its commands");
    wait_until(
        "the bot to connect",
        Duration::from_secs(120),
        Duration::from_millis(20),
        || discord.connected(),
    )
    .await;
    // Warm up: the first answers open connections.
    let (g, c, m) = senders[0];
    let id = discord
        .send_command(g, c, m, "checkin", &checkin_options())
        .expect("/checkin");
    discord
        .reply(id, Duration::from_secs(30))
        .await
        .expect("a first answer");

    println!(
        "{name}{}, {} servers × {} members, {} s per rate",
        o.bot_cpus
            .as_deref()
            .map(|c| format!(" pinned to CPU {c}"))
            .unwrap_or_default(),
        o.guilds,
        o.members,
        o.seconds
    );
    println!("| offered rate | /leaderboard burst | answered within 3 s | p50 / p99 / max | bot CPU | bot peak RSS | dropped unstarted | burst answered: p50 / p99 / max |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut next_sender = 0;
    let bursts: Vec<Option<usize>> = match o.leaderboard_burst {
        None => vec![None],
        Some(n) => vec![None, Some(n)],
    };
    let rounds = o
        .rates
        .iter()
        .flat_map(|&rate| bursts.iter().map(move |&burst| (rate, burst)));
    for (rate, burst) in rounds {
        let total = rate as usize * o.seconds as usize;
        let cpu_before = cpu_seconds(pid);
        let dropped_before = dropped(&metrics_addr).await;
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(rss_kib(pid)));
        let sampling = {
            let peak = std::sync::Arc::clone(&peak);
            tokio::spawn(async move {
                loop {
                    peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let started = Instant::now();
        let mut ids = Vec::with_capacity(total);
        let mut boards = Vec::new();
        while ids.len() < total {
            if let Some(n) = burst.filter(|_| boards.is_empty() && ids.len() >= total / 2) {
                // All at once, from members spread over the servers.
                for i in 0..n {
                    let (g, c, m) = senders[(i * 7919) % senders.len()];
                    boards.push(
                        discord
                            .send_command(g, c, m, "leaderboard", &[])
                            .expect("/leaderboard"),
                    );
                }
            }
            let due = ((started.elapsed().as_secs_f64() * f64::from(rate)) as usize + 1).min(total);
            while ids.len() < due {
                let (g, c, m) = senders[next_sender % senders.len()];
                next_sender += 1;
                ids.push(
                    discord
                        .send_command(g, c, m, "checkin", &checkin_options())
                        .expect("/checkin"),
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let sent_for = started.elapsed();
        // The last ones have their three seconds, and a little.
        tokio::time::sleep(DEADLINE + Duration::from_millis(500)).await;
        let wall = started.elapsed();
        let cpu = (cpu_seconds(pid) - cpu_before) / wall.as_secs_f64();
        sampling.abort();
        let dropped = match (dropped(&metrics_addr).await, dropped_before) {
            (Some(after), Some(before)) => format!("{}", after - before),
            _ => "-".into(),
        };
        let answered = sorted_answers(&discord, &ids);
        let in_time = answered.iter().filter(|t| **t <= DEADLINE).count();
        let pick = |q: f64| pick_from(&answered, q);
        let burst_times = match burst {
            None => "-".to_owned(),
            Some(n) => {
                // Boards take longer than check-ins: wait for them (a while).
                let deadline = Instant::now() + Duration::from_secs(60);
                while sorted_answers(&discord, &boards).len() < n && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let answered = sorted_answers(&discord, &boards);
                format!(
                    "{} of {n}: {} / {} / {}",
                    answered.len(),
                    pick_from(&answered, 0.5),
                    pick_from(&answered, 0.99),
                    answered.last().map_or("-".into(), |t| format_ms(*t))
                )
            }
        };
        println!(
            "| {rate}/s{} | {} | {:.1}% ({in_time} of {total}) | {} / {} / {} | {:.0}% | {:.1} MB | {dropped} | {burst_times} |",
            if sent_for > Duration::from_secs(o.seconds) + Duration::from_millis(200) {
                format!(" (sent in {:.1} s)", sent_for.as_secs_f64())
            } else {
                String::new()
            },
            burst.map_or("none".to_owned(), |n| format!("{n} at once midway")),
            in_time as f64 * 100.0 / total as f64,
            pick(0.5),
            pick(0.99),
            answered.last().map_or("-".into(), |t| format_ms(*t)),
            cpu * 100.0,
            peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0,
        );
        // Settle before the next rate.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let _ = bot.kill();
    let _ = bot.wait();
}

/// The answer times of `ids` that were answered, shortest first.
fn sorted_answers(discord: &FakeDiscord, ids: &[u64]) -> Vec<Duration> {
    let mut answered: Vec<Duration> = discord.answer_times(ids).into_iter().flatten().collect();
    answered.sort();
    answered
}

/// The `q` quantile of sorted answer times, written out.
fn pick_from(answered: &[Duration], q: f64) -> String {
    if answered.is_empty() {
        return "-".to_owned();
    }
    let i = ((answered.len() as f64 * q).ceil() as usize).clamp(1, answered.len()) - 1;
    format_ms(answered[i])
}

fn checkin_options() -> [(&'static str, serde_json::Value); 2] {
    [("exercise", json!("heel-raises")), ("amount", json!(10))]
}

fn format_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

/// The bot's count of interactions dropped unstarted, from its /metrics.
async fn dropped(addr: &str) -> Option<u64> {
    let (status, body) =
        fake_discord::raw_request(&format!("http://{addr}"), "GET", "/metrics", None, None).await;
    if status != 200 {
        return None;
    }
    Some(
        body.lines()
            .filter(|l| l.starts_with("secondheart_interactions_dropped_total"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64,
    )
}
