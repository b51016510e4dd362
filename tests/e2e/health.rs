//! The operator's endpoints: /healthz and /readyz through start-up, a
//! dropped gateway and a locked database, and the `healthcheck` subcommand.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fake_discord::FaultKind;
use serde_json::json;
use sqlx::{Connection, Executor};

use crate::support::bot::{launch_bot_configured, spawn_bot_configured, Bot};
use crate::support::{free_local_addr, Workspace};

const WAIT: Duration = Duration::from_secs(30);

/// The bot's settings for serving on `addr`.
fn listen_on(addr: SocketAddr) -> [(&'static str, String); 1] {
    [("SECONDHEART__HTTP__LISTEN", addr.to_string())]
}

/// GETs `path` on `addr`: the status and body, or `None` while nothing
/// answers.
async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let response = reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

/// Waits until `/readyz` answers `status`; its body then.
async fn wait_readyz(bot: &Bot, addr: SocketAddr, status: u16, what: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some((s, body)) = get(addr, "/readyz").await {
            if s == status {
                return body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}; log:\n{}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn not_ready(body: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(value["ready"], false, "{body}");
    value["not_ready"]
        .as_array()
        .expect("not_ready")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_the_gateway_until_the_session_is_ready_and_healthz_answers_throughout() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Start-up waits on Discord's first answer, with the endpoints up.
    let bot = launch_bot_configured(
        |discord, _| {
            discord.fail_next(
                Some("GET"),
                "/applications/@me",
                1,
                FaultKind::Delay(Duration::from_secs(3)),
            )
        },
        &env,
    )
    .await;
    let body = wait_readyz(&bot, addr, 503, "/readyz to answer during start-up").await;
    assert!(not_ready(&body).contains(&"gateway".to_owned()), "{body}");
    assert_eq!(get(addr, "/healthz").await.map(|(s, _)| s), Some(200));
    let body = wait_readyz(&bot, addr, 200, "/readyz to answer 200 once connected").await;
    assert_eq!(body, r#"{"ready":true}"#);
    assert!(bot.discord.connected());
    assert_eq!(get(addr, "/healthz").await, Some((200, "ok\n".to_owned())));
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_the_gateway_while_the_session_is_lost_and_is_ready_again_once_back() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    // The connection drops and the session cannot be resumed; Discord
    // keeps the new one waiting.
    bot.discord.refuse_resumes(1);
    bot.discord.hold_identifies();
    assert!(bot.discord.drop_socket());
    let body = wait_readyz(&bot, addr, 503, "not ready while the gateway is away").await;
    assert_eq!(not_ready(&body), ["gateway"], "{body}");
    // Liveness does not follow: an orchestrator must not restart it.
    assert_eq!(get(addr, "/healthz").await.map(|(s, _)| s), Some(200));
    assert_eq!(bot.discord.identifies(), 1);
    bot.discord.release_identifies();
    wait_readyz(&bot, addr, 200, "ready again once the session is back").await;
    assert_eq!(bot.discord.identifies(), 2, "log:\n{}", bot.log());
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_the_store_while_another_connection_holds_the_write_lock() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    let mut other = sqlx::SqliteConnection::connect(&bot.database_url())
        .await
        .expect("open the database");
    other
        .execute("BEGIN EXCLUSIVE")
        .await
        .expect("take the write lock");
    let started = std::time::Instant::now();
    let body = wait_readyz(&bot, addr, 503, "not ready while the database is locked").await;
    assert!(not_ready(&body).contains(&"store".to_owned()), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered within a bounded time: {:?}",
        started.elapsed()
    );
    assert_eq!(get(addr, "/healthz").await.map(|(s, _)| s), Some(200));
    other.execute("ROLLBACK").await.expect("release the lock");
    wait_readyz(&bot, addr, 200, "ready once the lock is released").await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_0_against_a_live_bot_and_1_with_one_line_against_a_closed_port() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    let workspace = Workspace::new();

    // The default URL: /healthz on the configured http.listen.
    let run = workspace.run_with(&["healthcheck"], &env);
    assert!(run.succeeded(), "{}", run.stderr());
    let run = workspace.run(&["healthcheck", "--url", &format!("http://{addr}/healthz")]);
    assert!(run.succeeded(), "{}", run.stderr());

    let closed = free_local_addr();
    let run = workspace.run(&["healthcheck", "--url", &format!("http://{closed}/healthz")]);
    assert_eq!(run.0.status.code(), Some(1));
    let line = run.one_line_failure();
    assert!(
        line.starts_with(&format!(
            "secondheart: http://{closed}/healthz did not answer"
        )),
        "{line}"
    );
    // Nothing configured and no --url: says what to do.
    let line = workspace.run(&["healthcheck"]).one_line_failure();
    assert!(line.contains("http.listen is not set"), "{line}");
    bot.finish();
}

/// One sample of Prometheus text: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Parses Prometheus text exposition, failing the test on a line that is
/// not a comment, a blank or `name{label="value",...} number`.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, Vec::new()),
            Some((name, rest)) => {
                let rest = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("bad labels: {line}"));
                let labels = rest
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(|pair| {
                        let (k, v) = pair
                            .split_once('=')
                            .unwrap_or_else(|| panic!("bad label: {line}"));
                        let v = v
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("unquoted label: {line}"));
                        (k.to_owned(), v.to_owned())
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

/// The value of the sample named `name` with exactly these labels; 0 when
/// absent (a counter not yet counted).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map_or(0.0, |(_, _, v)| *v)
}

async fn scrape(addr: SocketAddr) -> (String, Vec<Sample>) {
    let (status, text) = get(addr, "/metrics").await.expect("/metrics answers");
    assert_eq!(status, 200, "{text}");
    let samples = parse_prometheus(&text);
    (text, samples)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_count_exactly_what_happened() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    let (_, before) = scrape(addr).await;
    let ok = [("command", "checkin"), ("outcome", "ok")];
    let user_error = [("command", "checkin"), ("outcome", "user_error")];

    for amount in [10, 20] {
        bot.ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(amount))],
        )
        .await;
    }
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("running")), ("amount", json!(3))],
        )
        .await;
    assert!(
        reply.content.starts_with("There is no exercise"),
        "{}",
        reply.content
    );

    // The count follows the answer; wait for the last one to show.
    let mut after = Vec::new();
    let deadline = Instant::now() + WAIT;
    while value(&after, "secondheart_interactions_total", &user_error)
        < value(&before, "secondheart_interactions_total", &user_error) + 1.0
    {
        assert!(Instant::now() < deadline, "the user error was not counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = scrape(addr).await.1;
    }
    let (text, after) = scrape(addr).await;
    let moved = |labels: &[(&str, &str)]| {
        value(&after, "secondheart_interactions_total", labels)
            - value(&before, "secondheart_interactions_total", labels)
    };
    assert_eq!(moved(&ok), 2.0, "{text}");
    assert_eq!(moved(&user_error), 1.0, "{text}");
    assert_eq!(
        value(
            &after,
            "secondheart_interaction_latency_seconds_count",
            &[("command", "checkin")]
        ),
        3.0,
        "{text}"
    );
    assert_eq!(value(&after, "secondheart_ready", &[]), 1.0, "{text}");
    assert_eq!(
        value(&after, "secondheart_gateway_connected", &[("shard", "0")]),
        1.0,
        "{text}"
    );
    assert!(
        value(&after, "secondheart_database_bytes", &[]) > 0.0,
        "{text}"
    );
    // Every metric shown is described.
    for (name, _, _) in &after {
        let family = name
            .trim_end_matches("_bucket")
            .trim_end_matches("_count")
            .trim_end_matches("_sum");
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family} has no HELP"
        );
    }
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_each_prompt_posted_with_its_lateness_and_the_writer_batches() {
    let addr = free_local_addr();
    let listen = addr.to_string();
    let bot = spawn_bot_configured(&[
        ("SECONDHEART__HTTP__LISTEN", listen.as_str()),
        ("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0"),
    ])
    .await;
    let moderator = bot.add_moderator("Grace");
    let reply = bot
        .ask(
            moderator,
            "schedule add",
            &[
                ("channel", json!(bot.channel.to_string())),
                ("exercise", json!("calf-raises")),
                ("when", json!("*/2 * * * * *")),
                ("timezone", json!("UTC")),
            ],
        )
        .await;
    assert!(reply.content.starts_with("Added"), "{}", reply.content);
    let posts = || {
        bot.discord
            .channel_as_seen_by(bot.channel, bot.member)
            .into_iter()
            .filter(|m| m.components.as_array().is_some_and(|c| !c.is_empty()))
            .count()
    };
    crate::support::wait_for("a prompt", WAIT, || posts() > 0).await;
    bot.ask(moderator, "schedule pause", &[("id", json!(1))])
        .await;

    // A post in flight at the pause may still land: compare with the
    // channel as it is at each look.
    let deadline = Instant::now() + WAIT;
    let (text, samples, posted) = loop {
        let posted = posts() as f64;
        let (text, samples) = scrape(addr).await;
        if value(
            &samples,
            "secondheart_prompts_total",
            &[("outcome", "posted")],
        ) == posted
        {
            break (text, samples, posted);
        }
        assert!(
            Instant::now() < deadline,
            "{posted} prompts not counted:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        value(&samples, "secondheart_prompt_lateness_seconds_count", &[]),
        posted,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            "secondheart_prompts_total",
            &[("outcome", "failed")]
        ),
        0.0
    );
    // Paused: nothing is due, and no schedule is active.
    assert_eq!(
        value(&samples, "secondheart_schedules_active", &[]),
        0.0,
        "{text}"
    );
    assert_eq!(
        value(&samples, "secondheart_next_due_seconds", &[]),
        0.0,
        "{text}"
    );
    assert!(
        value(&samples, "secondheart_writer_batch_size_count", &[]) > 0.0,
        "{text}"
    );
    assert!(
        value(&samples, "secondheart_writer_commit_seconds_count", &[]) > 0.0,
        "{text}"
    );
    bot.finish();
}

/// What the fake Discord answered to the bot since request `from` of its
/// log: (status, count) of the requests whose path matches.
fn answered(bot: &Bot, from: usize, matches: impl Fn(&str) -> bool) -> Vec<(u16, usize)> {
    let mut counts: Vec<(u16, usize)> = Vec::new();
    for request in bot.discord.requests().iter().skip(from) {
        if !matches(&request.path) {
            continue;
        }
        match counts.iter_mut().find(|(s, _)| *s == request.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((request.status, 1)),
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_discord_answers_by_route_and_status_and_button_clicks() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    let moderator = bot.add_moderator("Grace");
    let (_, before) = scrape(addr).await;
    let from = bot.discord.requests().len();

    // A reply that meets a 429 once, then arrives.
    bot.discord.fail_next(
        Some("POST"),
        "/callback",
        1,
        FaultKind::RateLimited {
            retry_after: 0.1,
            global: false,
        },
    );
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(10))],
        )
        .await;
    assert!(reply.content.contains("walk"), "{}", reply.content);
    // A schedule and a test prompt: a message posted through the notifier.
    let added = bot
        .ask(
            moderator,
            "schedule add",
            &[
                ("channel", json!(bot.channel.to_string())),
                ("exercise", json!("calf-raises")),
                ("when", json!("0 9 * * *")),
                ("timezone", json!("UTC")),
            ],
        )
        .await;
    assert!(added.content.starts_with("Added"), "{}", added.content);
    bot.ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    let test = bot
        .discord
        .channel_as_seen_by(bot.channel, bot.member)
        .into_iter()
        .find(|m| m.components.to_string().contains("\"t:1:done\""))
        .expect("the test prompt");
    // Two clicks: the test prompt's "Done", and a button that is not ours.
    for custom_id in ["t:1:done", "x:forged"] {
        let id = bot
            .discord
            .click_forged(bot.channel, test.id, bot.member, custom_id)
            .unwrap();
        bot.discord
            .reply(id, WAIT)
            .await
            .unwrap_or_else(|| panic!("no answer to {custom_id}"));
    }

    let clicked = |samples: &[Sample], action: &str, outcome: &str| {
        let command = format!("button:{action}");
        value(
            samples,
            "secondheart_interactions_total",
            &[("command", command.as_str()), ("outcome", outcome)],
        )
    };
    // Counted once the answer is sent: wait for the last click to show.
    let mut after = Vec::new();
    let deadline = Instant::now() + WAIT;
    while clicked(&after, "unknown", "user_error") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the forged click was not counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = scrape(addr).await.1;
    }
    let (text, after) = scrape(addr).await;
    assert_eq!(clicked(&after, "done", "ok"), 1.0, "{text}");
    // The schedule added above.
    assert_eq!(
        value(&after, "secondheart_schedules_active", &[]),
        1.0,
        "{text}"
    );
    assert_eq!(clicked(&after, "unknown", "user_error"), 1.0, "{text}");
    assert_eq!(
        value(
            &after,
            "secondheart_interaction_latency_seconds_count",
            &[("command", "button:done")]
        ),
        1.0,
        "{text}"
    );

    // Each route's answers moved by exactly what the fake Discord answered:
    // interaction callbacks, edits and follow-ups; messages posted.
    let moved = |route: &str, status: &str| {
        let labels = [("route", route), ("status", status)];
        value(&after, "secondheart_discord_responses_total", &labels)
            - value(&before, "secondheart_discord_responses_total", &labels)
    };
    let interactions = answered(&bot, from, |p| {
        p.contains("/interactions/") || p.contains("/webhooks/")
    });
    let successes: usize = interactions
        .iter()
        .filter(|(s, _)| (200..300).contains(s))
        .map(|(_, n)| n)
        .sum();
    // The check-in's reply, the schedule's, the test's, two clicks.
    assert!(successes >= 5, "{interactions:?}");
    assert_eq!(moved("interactions", "2xx"), successes as f64, "{text}");
    assert_eq!(moved("interactions", "429"), 1.0, "{text}");
    let messages = answered(&bot, from, |p| p.contains("/messages"));
    assert_eq!(messages, [(200, 1)], "the test prompt");
    assert_eq!(moved("messages", "200"), 1.0, "{text}");
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interaction_too_old_to_answer_is_dropped_unstarted_and_counted() {
    let addr = free_local_addr();
    let env = listen_on(addr);
    let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bot = spawn_bot_configured(&env).await;
    wait_readyz(&bot, addr, 200, "ready").await;
    let stale = [("reason", "stale")];
    let (_, before) = scrape(addr).await;

    // Discord created it 2.6 s before the bot got it: too little of its
    // three seconds is left to answer, so the gate turns it away.
    bot.discord.set_delivery_delay(Duration::from_millis(2600));
    let walk = [("exercise", json!("walk")), ("amount", json!(30))];
    let dropped = bot
        .discord
        .send_command(bot.guild, bot.channel, bot.member, "checkin", &walk)
        .expect("/checkin");
    let deadline = Instant::now() + WAIT;
    loop {
        let (text, after) = scrape(addr).await;
        let counted = value(&after, "secondheart_interactions_dropped_total", &stale)
            - value(&before, "secondheart_interactions_dropped_total", &stale);
        if counted >= 1.0 {
            assert_eq!(counted, 1.0, "{text}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the drop was not counted:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The next one, on time, is answered, and the dropped one was never
    // recorded nor answered.
    bot.discord.set_delivery_delay(Duration::ZERO);
    let reply = bot.ask(bot.member, "checkin", &walk).await;
    assert_eq!(
        reply.content.lines().next(),
        Some("Logged **30 minutes** of Brisk walk (+30 points). Today: 30 minutes."),
        "{reply:?}"
    );
    assert!(
        bot.discord.reply(dropped, Duration::ZERO).await.is_none(),
        "the dropped interaction was answered"
    );
    bot.finish();
}
