//! Prompt flood: many schedules, of which many fall due at the same instant.
//! `SCHEDULES` schedules over `SERVERS` servers (one channel each) are
//! written straight into a file database through the store, `DUE` per
//! server due at one instant a little after the bot has started, the rest
//! due the next day or the one after. Then the real `secondheart` starts as
//! a child process against the fake Discord (so start-up with every
//! schedule is measured too), and the flood is watched.
//!
//! It reports: start-up (process start to commands registered and to the
//! gateway connected) and RSS after it; the time from the due instant until
//! every server has its first prompt, and until all are posted; the most
//! requests the fake received in any sliding second (every REST request of
//! the run, from the fake's own record; Discord allows 50); each prompt's
//! lateness (the fake's receipt of the post minus the occurrence's due
//! instant, as stored) and whether any firing was skipped, failed or left
//! unknown (the bot's own count); and the bot's CPU at rest before the
//! flood and after it.
//!
//! With `--processes P`, P bot processes share the servers by Discord shard
//! (ranges `i-i/P`, the fake sharding as Discord does); `--database URL`
//! puts them on that (empty) database instead of a SQLite file; `--spread S`
//! spreads the due servers' instants evenly over S seconds instead of one.
//! Start-up, RSS and CPU are the processes' sums.
//!
//! cargo build --release --bins -p secondheart -p secondheart-benches
//! taskset -c 1 target/release/prompt_flood --bot-cpus 0 [SCHEDULES SERVERS [DUE]] [--lead 20]
//!     [--processes 2] [--database postgres://user@host/empty_db] [--spread 60]
//!
//! Defaults: 100,000 schedules over 2,000 servers, 5 due per server (10,000
//! due at once), the instant 20 s (`--lead`) after the schedules are
//! written. For a quick check in debug:
//! `cargo build --bins -p secondheart -p secondheart-benches && target/debug/prompt_flood 200 20`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Timelike, Utc};
use fake_discord::{FakeDiscord, RecordedRequest};
use futures_util::{StreamExt, TryStreamExt};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::prompt::{PromptButton, PromptRef};
use secondheart::domain::schedule::{NewSchedule, ScheduleKind};
use secondheart::domain::{ChannelId, GuildId, OccurrenceId, UserId};
use secondheart::store::{Store, StoreOptions};
use secondheart_benches::bot_process::{self, free_address, wait_until};
use secondheart_benches::proc_stats::{cpu_seconds, rss_kib};
use serde_json::Value;

const TOKEN: &str = "YmVuY2g.bench.token-for-the-fake-discord";
/// Discord's global limit: requests in any sliding second.
const GLOBAL_LIMIT: usize = 50;
/// Schedules written at once: the store's writer commits them in batches.
const WRITES_IN_FLIGHT: usize = 256;
/// How long the bot is watched at rest after the last prompt.
const IDLE: Duration = Duration::from_secs(10);

struct Options {
    schedules: usize,
    servers: usize,
    due_per_server: usize,
    /// From the schedules written to the instant they fall due.
    lead: Duration,
    bot_cpus: Option<String>,
    /// Bot processes, each on one shard of as many.
    processes: u32,
    /// The bots' database; default a SQLite file in a temporary folder.
    database: Option<String>,
    /// Over how long the due servers' instants are spread.
    spread: Duration,
}

fn options() -> Options {
    let mut o = Options {
        schedules: 100_000,
        servers: 2_000,
        due_per_server: 5,
        lead: Duration::from_secs(20),
        bot_cpus: None,
        processes: 1,
        database: None,
        spread: Duration::ZERO,
    };
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--lead" => o.lead = Duration::from_secs(value().parse().expect("seconds")),
            "--bot-cpus" => o.bot_cpus = Some(value()),
            "--processes" => o.processes = value().parse().expect("a number of processes"),
            "--database" => o.database = Some(value()),
            "--spread" => o.spread = Duration::from_secs(value().parse().expect("seconds")),
            number => positional.push(number.parse::<usize>().expect("a number")),
        }
    }
    for (i, n) in positional.into_iter().enumerate() {
        match i {
            0 => o.schedules = n,
            1 => o.servers = n,
            2 => o.due_per_server = n,
            _ => panic!("at most SCHEDULES SERVERS DUE"),
        }
    }
    assert!(o.servers > 0, "at least one server");
    assert!(o.processes > 0, "at least one process");
    assert!(
        o.servers * o.due_per_server <= o.schedules,
        "{} servers × {} due is more than {} schedules",
        o.servers,
        o.due_per_server,
        o.schedules
    );
    o
}

/// A server of the fake: its id, its one channel, the moderator who made
/// its schedules.
#[derive(Clone, Copy)]
struct Server {
    guild: u64,
    channel: u64,
    moderator: u64,
}

#[tokio::main]
async fn main() {
    let o = options();
    let binary = std::env::current_exe()
        .expect("this binary's path")
        .with_file_name("secondheart");
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release --bins -p secondheart -p secondheart-benches",
        binary.display()
    );
    let due_count = o.servers * o.due_per_server;

    let discord = FakeDiscord::start(TOKEN).await.expect("fake Discord");
    if o.processes > 1 {
        discord.set_gateway_limits(o.processes, 1);
    }
    let servers: Vec<Server> = (0..o.servers)
        .map(|n| {
            let guild = if o.processes > 1 {
                discord.create_guild_on_shard(
                    &format!("Team {n}"),
                    n as u32 % o.processes,
                    o.processes,
                )
            } else {
                discord.create_guild(&format!("Team {n}"))
            };
            Server {
                guild,
                channel: discord.create_channel(guild, "movement"),
                moderator: discord.add_member(guild, "Mo", &[]),
            }
        })
        .collect();

    let dir = tempfile::tempdir().expect("temp dir");
    let url = o
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("flood.db").display()));
    let store = Store::open(&StoreOptions::new(url.clone()))
        .await
        .expect("store");
    let writing = Instant::now();
    // The later ones first, so the flood's instant counts from the end of
    // the writing: daily at noon UTC, first at least a day from now.
    let later_at = {
        let in_a_day = Utc::now() + TimeDelta::days(1);
        let noon =
            in_a_day.duration_trunc(TimeDelta::days(1)).expect("a day") + TimeDelta::hours(12);
        if noon < in_a_day {
            noon + TimeDelta::days(1)
        } else {
            noon
        }
    };
    let later: Vec<(Server, DateTime<Utc>)> = servers
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            // The rest spread evenly, the first servers taking what is left over.
            let extra = o.schedules - due_count;
            let n = extra / o.servers + usize::from(i < extra % o.servers);
            std::iter::repeat_n((*s, later_at), n)
        })
        .collect();
    write_schedules(&store, later).await;
    let due_at = (Utc::now() + TimeDelta::from_std(o.lead).expect("lead"))
        .duration_trunc(TimeDelta::seconds(1))
        .expect("a second")
        + TimeDelta::seconds(1);
    // Server i falls due i/servers of the spread after the first instant,
    // in whole seconds (schedules fire on seconds).
    let spread_s = o.spread.as_secs() as usize;
    let due: Vec<(Server, DateTime<Utc>)> = servers
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let at = due_at + TimeDelta::seconds((i * spread_s / o.servers) as i64);
            std::iter::repeat_n((*s, at), o.due_per_server)
        })
        .collect();
    write_schedules(&store, due).await;
    let written_in = writing.elapsed();
    store.close().await;

    // Start-up.
    let spawned = Instant::now();
    let mut bots = Vec::new();
    let mut metrics_addrs = Vec::new();
    for process in 0..o.processes {
        let folder = dir.path().join(format!("bot{process}"));
        std::fs::create_dir_all(&folder).expect("a folder per process");
        let metrics_addr = free_address();
        let shards = format!("{process}-{process}/{}", o.processes);
        let env: Vec<(&str, &str)> = if o.processes > 1 {
            vec![("SECONDHEART__DISCORD__SHARDS", shards.as_str())]
        } else {
            Vec::new()
        };
        bots.push(bot_process::spawn_with(
            &binary,
            o.bot_cpus.as_deref(),
            &folder,
            TOKEN,
            &discord.api_url(),
            &url,
            &metrics_addr,
            &env,
        ));
        metrics_addrs.push(metrics_addr);
    }
    let pids: Vec<u32> = bots.iter().map(std::process::Child::id).collect();
    let rss_kib = |pids: &[u32]| pids.iter().map(|&pid| rss_kib(pid)).sum::<u64>();
    let cpu_seconds = |pids: &[u32]| pids.iter().map(|&pid| cpu_seconds(pid)).sum::<f64>();
    discord
        .wait_for_commands(Duration::from_secs(300))
        .await
        .expect("the bot registered its commands");
    let registered = spawned.elapsed();
    wait_until(
        "the bot to connect",
        Duration::from_secs(300),
        Duration::from_millis(5),
        || {
            if o.processes > 1 {
                (0..o.processes).all(|shard| discord.shard_session(shard).is_some())
            } else {
                discord.connected()
            }
        },
    )
    .await;
    let connected = spawned.elapsed();
    // Start-up must end before the flood, or its lateness counts start-up too.
    let started_late = until(due_at).is_zero();
    let rss_started = rss_kib(&pids);

    // At rest with every schedule, until a second before the flood.
    let rest_before = until(due_at).saturating_sub(Duration::from_secs(1));
    let cpu_before_flood = if rest_before > Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let cpu = cpu_seconds(&pids);
        let from = Instant::now();
        tokio::time::sleep(until(due_at).saturating_sub(Duration::from_secs(1))).await;
        Some((cpu_seconds(&pids) - cpu) / from.elapsed().as_secs_f64())
    } else {
        None
    };
    let rss_before_flood = rss_kib(&pids);

    // The flood: watched through the bot's own count of finished prompts.
    tokio::time::sleep(until(due_at)).await;
    let peak = Arc::new(AtomicU64::new(rss_kib(&pids)));
    let sampling = {
        let peak = Arc::clone(&peak);
        let pids = pids.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(
                    pids.iter()
                        .map(|&pid| secondheart_benches::proc_stats::rss_kib(pid))
                        .sum(),
                    Ordering::Relaxed,
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let cpu_at_flood = cpu_seconds(&pids);
    let flood_started = Instant::now();
    // Three times Discord's pace, and two minutes.
    let patience = Duration::from_secs_f64(due_count as f64 / GLOBAL_LIMIT as f64 * 3.0 + 120.0);
    let mut finished_in_time = true;
    loop {
        let outcomes = all_outcomes(&metrics_addrs).await;
        if outcomes.values().sum::<u64>() >= due_count as u64 {
            break;
        }
        if flood_started.elapsed() > patience {
            finished_in_time = false;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let flood_cpu =
        (cpu_seconds(&pids) - cpu_at_flood) / flood_started.elapsed().as_secs_f64().max(0.001);
    sampling.abort();
    let peak_rss = peak.load(Ordering::Relaxed).max(rss_kib(&pids));

    // At rest again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu = cpu_seconds(&pids);
    let from = Instant::now();
    tokio::time::sleep(IDLE).await;
    let cpu_after_flood = (cpu_seconds(&pids) - cpu) / from.elapsed().as_secs_f64();
    let rss_after = rss_kib(&pids);
    let outcomes = all_outcomes(&metrics_addrs).await;
    let requests = discord.requests();
    for bot in &mut bots {
        let _ = bot.kill();
        let _ = bot.wait();
    }

    // What the fake saw.
    let window = busiest_second(&requests);
    let refused = requests.iter().filter(|r| r.status == 429).count();
    let channel_server: HashMap<u64, usize> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| (s.channel, i))
        .collect();
    // Each occurrence's first accepted post: when, and in which server.
    let mut posts: BTreeMap<i64, (i64, usize)> = BTreeMap::new();
    let mut accepted_posts = 0;
    for r in &requests {
        let Some(server) = posted_in(r).and_then(|c| channel_server.get(&c)) else {
            continue;
        };
        let Some(occurrence) = r.body.as_ref().and_then(occurrence_of) else {
            continue;
        };
        accepted_posts += 1;
        posts
            .entry(occurrence)
            .and_modify(|p| p.0 = p.0.min(r.received_ms))
            .or_insert((r.received_ms, *server));
    }
    let due_ms = due_at.timestamp_millis();
    let mut first_per_server: HashMap<usize, i64> = HashMap::new();
    for (at, server) in posts.values() {
        first_per_server
            .entry(*server)
            .and_modify(|first| *first = (*first).min(*at))
            .or_insert(*at);
    }
    let all_servers_served =
        (first_per_server.len() == o.servers).then(|| first_per_server.values().max().copied());
    let all_posted = (posts.len() == due_count).then(|| posts.values().map(|p| p.0).max());
    // Fair order: a server's second prompt before another server's first.
    let last_first = first_per_server.values().max().copied().unwrap_or(i64::MAX);
    let seconds_before_firsts = posts
        .values()
        .filter(|(at, server)| *at < last_first && first_per_server[server] < *at)
        .count();

    // Lateness against the due instant each occurrence has in the store.
    let store = Store::open(&StoreOptions::new(url)).await.expect("store");
    let mut lateness_ms: Vec<i64> = futures_util::stream::iter(posts.iter())
        .map(|(occurrence, (at, server))| {
            let store = &store;
            let guild = GuildId(servers[*server].guild);
            async move {
                let stored = store
                    .occurrence(guild, OccurrenceId(*occurrence))
                    .await?
                    .expect("a posted occurrence is stored");
                Ok::<_, secondheart::store::StoreError>(at - stored.due_at.timestamp_millis())
            }
        })
        .buffer_unordered(16)
        .try_collect()
        .await
        .expect("read occurrences");
    store.close().await;
    lateness_ms.sort_unstable();

    // The report.
    let mb = |kib: u64| format!("{:.1} MB", kib as f64 / 1024.0);
    let secs = |ms: i64| format!("{:.1} s", ms as f64 / 1000.0);
    let count = |outcome: &str| outcomes.get(outcome).copied().unwrap_or(0);
    println!(
        "{} schedules over {} servers (one channel each), {} due at {} ({} per server), the rest due {}; bot{}",
        o.schedules,
        o.servers,
        due_count,
        due_at.format("%H:%M:%S UTC"),
        o.due_per_server,
        later_at.format("%Y-%m-%d %H:%M UTC"),
        o.bot_cpus
            .as_deref()
            .map(|c| format!(" pinned to CPU {c}"))
            .unwrap_or_default(),
    );
    if started_late {
        println!("The bot connected after the due instant: its start-up is in the lateness; raise --lead.");
    }
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| schedules written (through the store) | {:.1} s |",
        written_in.as_secs_f64()
    );
    println!(
        "| start-up: process start to commands registered | {:.2} s |",
        registered.as_secs_f64()
    );
    println!(
        "| start-up: process start to gateway connected | {:.2} s |",
        connected.as_secs_f64()
    );
    println!("| RSS once connected | {} |", mb(rss_started));
    println!(
        "| idle CPU before the flood, RSS then | {}, {} |",
        cpu_before_flood.map_or("- (lead too short)".into(), |c| format!(
            "{:.2}%",
            c * 100.0
        )),
        mb(rss_before_flood)
    );
    println!(
        "| every server's first prompt (from the due instant) | {} |",
        all_servers_served.flatten().map_or_else(
            || format!(
                "not reached: {} of {} servers",
                first_per_server.len(),
                o.servers
            ),
            |at| secs(at - due_ms)
        )
    );
    println!(
        "| prompts posted before the last server's first that were not their server's first | {seconds_before_firsts} |"
    );
    println!(
        "| all {due_count} prompts posted (from the due instant) | {} |",
        all_posted.flatten().map_or_else(
            || format!("not reached: {} posted", posts.len()),
            |at| secs(at - due_ms)
        )
    );
    println!(
        "| most requests in any sliding second (all {} REST requests) | {} (from {}){} |",
        requests.len(),
        window.most,
        window
            .at
            .and_then(DateTime::from_timestamp_millis)
            .map_or("-".into(), |at| at.format("%H:%M:%S%.3f").to_string()),
        if window.most > GLOBAL_LIMIT {
            " **over 50**"
        } else {
            ""
        }
    );
    println!(
        "| shortest span of {} consecutive requests; requests with {GLOBAL_LIMIT} others in the second before them | {}; {} |",
        GLOBAL_LIMIT + 1,
        window
            .shortest_span_over_limit
            .map_or("-".into(), |ms| format!("{ms} ms")),
        window.over_limit
    );
    println!("| requests refused with 429 | {refused} |");
    println!(
        "| lateness p50 / p99 / max ({} prompts) | {} / {} / {} |",
        lateness_ms.len(),
        pick(&lateness_ms, 0.5).map_or("-".into(), secs),
        pick(&lateness_ms, 0.99).map_or("-".into(), secs),
        lateness_ms.last().copied().map_or("-".into(), secs),
    );
    println!(
        "| the bot's count: posted / skipped / failed / unknown | {} / {} / {} / {}{} |",
        count("posted"),
        count("skipped"),
        count("failed"),
        count("unknown"),
        if finished_in_time {
            String::new()
        } else {
            format!(" (gave up after {:.0} s)", patience.as_secs_f64())
        }
    );
    println!(
        "| posts the fake accepted / distinct prompts | {accepted_posts} / {} |",
        posts.len()
    );
    println!(
        "| bot CPU during the flood, peak RSS | {:.0}%, {} |",
        flood_cpu * 100.0,
        mb(peak_rss)
    );
    println!(
        "| idle CPU over {} s after the last prompt, RSS then | {:.2}%, {} |",
        IDLE.as_secs(),
        cpu_after_flood * 100.0,
        mb(rss_after)
    );
}

/// Writes a schedule per entry, each firing daily at its instant's time of
/// day (UTC) and next due at that instant, as `/schedule add` would store it.
async fn write_schedules(store: &Store, schedules: Vec<(Server, DateTime<Utc>)>) {
    let exercise = ExerciseKey::parse("heel-raises").expect("a catalog key");
    futures_util::stream::iter(schedules)
        .map(|(server, at)| {
            let new = NewSchedule {
                guild: GuildId(server.guild),
                kind: ScheduleKind::Prompt,
                channel: ChannelId(server.channel),
                exercises: vec![exercise.clone()],
                spec: format!("{} {} {} * * *", at.second(), at.minute(), at.hour()),
                timezone: chrono_tz::UTC,
                role: None,
                expires_at: None,
                next_due_at: Some(at),
                created_by: UserId(server.moderator),
                at: Utc::now(),
            };
            store.insert_schedule(new)
        })
        .buffer_unordered(WRITES_IN_FLIGHT)
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("write schedules");
}

/// The channel a request posted a message in, if it is an accepted post.
fn posted_in(request: &RecordedRequest) -> Option<u64> {
    if request.method != "POST" || !(200..300).contains(&request.status) {
        return None;
    }
    request
        .path
        .strip_prefix("/api/v10/channels/")?
        .strip_suffix("/messages")?
        .parse()
        .ok()
}

/// The occurrence a prompt's buttons answer.
fn occurrence_of(body: &Value) -> Option<i64> {
    body["components"]
        .as_array()?
        .iter()
        .filter_map(|row| row["components"].as_array())
        .flatten()
        .filter_map(|button| button["custom_id"].as_str())
        .find_map(|id| match PromptButton::parse(id).ok()?.prompt {
            PromptRef::Occurrence(o) => Some(o.0),
            PromptRef::Test(_) => None,
        })
}

/// The busiest sliding second of the fake's record.
struct Window {
    /// The most requests received within any 1,000 ms.
    most: usize,
    /// When that second began, in Unix milliseconds.
    at: Option<i64>,
    /// The shortest time from a request to the one `GLOBAL_LIMIT` after
    /// it: under 1,000 ms means the limit was broken.
    shortest_span_over_limit: Option<i64>,
    /// Requests that arrived with `GLOBAL_LIMIT` others in the second
    /// before them.
    over_limit: usize,
}

/// Requests are recorded in whole milliseconds: two recorded 999 ms apart
/// are less than a second apart, so counting those never overstates.
fn busiest_second(requests: &[RecordedRequest]) -> Window {
    let mut times: Vec<i64> = requests.iter().map(|r| r.received_ms).collect();
    times.sort_unstable();
    let mut window = Window {
        most: 0,
        at: None,
        shortest_span_over_limit: times
            .windows(GLOBAL_LIMIT + 1)
            .map(|w| w[GLOBAL_LIMIT] - w[0])
            .min(),
        over_limit: times
            .windows(GLOBAL_LIMIT + 1)
            .filter(|w| w[GLOBAL_LIMIT] - w[0] < 1000)
            .count(),
    };
    let mut start = 0;
    for (end, at) in times.iter().enumerate() {
        while at - times[start] >= 1000 {
            start += 1;
        }
        if end + 1 - start > window.most {
            window.most = end + 1 - start;
            window.at = Some(times[start]);
        }
    }
    window
}

/// The `q` quantile of sorted values.
fn pick(sorted: &[i64], q: f64) -> Option<i64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((n as f64 * q).ceil() as usize).clamp(1, n) - 1])
}

/// How long until `at`, zero once it has passed.
fn until(at: DateTime<Utc>) -> Duration {
    (at - Utc::now()).to_std().unwrap_or_default()
}

/// The bot's count of finished prompts by outcome, from its /metrics.
/// The prompt outcomes of every process, summed.
async fn all_outcomes(addrs: &[String]) -> HashMap<String, u64> {
    let mut sum = HashMap::new();
    for addr in addrs {
        for (outcome, n) in prompt_outcomes(addr).await {
            *sum.entry(outcome).or_default() += n;
        }
    }
    sum
}

async fn prompt_outcomes(addr: &str) -> HashMap<String, u64> {
    let (status, body) =
        fake_discord::raw_request(&format!("http://{addr}"), "GET", "/metrics", None, None).await;
    if status != 200 {
        return HashMap::new();
    }
    let mut outcomes = HashMap::new();
    for line in body.lines() {
        let Some(rest) = line.strip_prefix("secondheart_prompts_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let outcome = labels
            .split(',')
            .find_map(|l| l.strip_prefix("outcome=\""))
            .and_then(|o| o.strip_suffix('"'));
        if let (Some(outcome), Ok(value)) = (outcome, value.trim().parse::<f64>()) {
            *outcomes.entry(outcome.to_owned()).or_default() += value as u64;
        }
    }
    outcomes
}
