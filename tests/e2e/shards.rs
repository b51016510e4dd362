//! Several processes of one bot, each on a range of its Discord shards, on
//! one database: each identifies only its shards, in turn with the others
//! (Discord's one IDENTIFY per 5 seconds per bucket), posts the prompts and
//! answers the commands of its shards' servers only, and a killed process's
//! range is taken over by its replacement. Ranges that overlap (a rolling
//! deploy) never post a prompt twice.

use std::collections::BTreeMap;
use std::time::Duration;

use fake_discord::{IdentifyRecord, IDENTIFY_SPACING};
use secondheart::domain::occurrence::OccurrenceState;
use secondheart::domain::{GuildId, OccurrenceId, UserId};
use serde_json::{json, Value};

use crate::support::shards::{Fleet, Server};
use crate::support::{free_local_addr, wait_for_async};

crate::support::on_both_backends!(
    two_processes_on_half_the_shards_each_post_and_answer_only_their_own_and_a_replacement_takes_over,
    overlapping_ranges_in_a_rolling_deploy_never_post_a_prompt_twice,
);

/// Second-level schedules, and a short lease so a killed process's claims
/// are taken over quickly.
const FAST: [(&str, &str); 2] = [
    ("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "0"),
    ("SECONDHEART__SCHEDULER__CLAIM_LEASE_SECONDS", "10"),
];

/// The occurrence a scheduled prompt belongs to, from its first button
/// (`p:<occurrence>:…`).
fn occurrence_of(components: &Value) -> Option<i64> {
    let first = components
        .as_array()?
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find_map(|c| c["custom_id"].as_str().map(str::to_owned))?;
    let mut parts = first.split(':');
    (parts.next()? == "p").then_some(())?;
    parts.next()?.parse().ok()
}

/// The occurrences of the prompts in the server's channel, in order of
/// posting; asserts none was posted twice.
fn prompts_once(fleet: &Fleet, server: &Server) -> Vec<i64> {
    let mut seen = Vec::new();
    for message in fleet
        .discord
        .channel_as_seen_by(server.channel, server.member)
    {
        if let Some(id) = occurrence_of(&message.components) {
            assert!(
                !seen.contains(&id),
                "occurrence {id} of shard {} was posted twice",
                server.shard
            );
            seen.push(id);
        }
    }
    seen
}

/// Adds a schedule firing every 2 seconds in the server, as its moderator:
/// the process of its shard answers.
async fn add_schedule(fleet: &Fleet, server: &Server) {
    let options = [
        ("channel", json!(server.channel.to_string())),
        ("exercise", json!("calf-raises")),
        ("when", json!("*/2 * * * * *")),
        ("timezone", json!("UTC")),
    ];
    let reply = fleet
        .ask(server, server.moderator, "schedule add", &options)
        .await;
    assert!(reply.content.starts_with("Added"), "{}", reply.content);
}

/// Waits until the server's channel holds at least `count` prompts.
async fn wait_for_prompts(fleet: &Fleet, server: &Server, count: usize) {
    wait_for_async(
        &format!("{count} prompts on shard {}", server.shard),
        Duration::from_secs(40),
        || async { prompts_once(fleet, server).len() >= count },
    )
    .await;
}

/// Who claimed each posted prompt of the server, by occurrence, once each
/// is recorded as posted: the message is in the channel a moment before its
/// process has written down that it was posted.
async fn posted_by(fleet: &Fleet, server: &Server) -> BTreeMap<i64, String> {
    let store = fleet.store().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut owners = BTreeMap::new();
    for id in prompts_once(fleet, server) {
        let occurrence = loop {
            let occurrence = store
                .occurrence(GuildId(server.guild), OccurrenceId(id))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("a prompt for an unknown occurrence {id}"));
            if occurrence.state != OccurrenceState::Claimed
                || tokio::time::Instant::now() >= deadline
            {
                break occurrence;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(occurrence.state, OccurrenceState::Posted, "{occurrence:?}");
        owners.insert(id, occurrence.claim_owner.unwrap_or_default());
    }
    store.close().await;
    owners
}

/// The accepted IDENTIFYs of one bucket are at least 5 seconds apart, and
/// none was refused.
fn assert_spaced(log: &[IdentifyRecord], max_concurrency: u32) {
    assert!(log.iter().all(|r| r.accepted), "refused IDENTIFYs: {log:?}");
    for bucket in 0..max_concurrency {
        let times: Vec<_> = log
            .iter()
            .filter(|r| r.shard % max_concurrency == bucket)
            .map(|r| r.at)
            .collect();
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= IDENTIFY_SPACING,
                "two IDENTIFYs in bucket {bucket} {:?} apart",
                pair[1] - pair[0]
            );
        }
    }
}

async fn two_processes_on_half_the_shards_each_post_and_answer_only_their_own_and_a_replacement_takes_over(
) {
    // One bucket: the second process waits for the first one's IDENTIFY.
    let mut fleet = Fleet::on_test_backend(2, 1, &FAST).await;
    fleet.run("a", "0-0/2");
    fleet.run("b", "1-1/2");
    fleet.wait_connected(Duration::from_secs(60)).await;
    let log = fleet.discord.identify_log();
    assert_eq!(
        log.iter()
            .map(|r| (r.shard, r.total))
            .collect::<std::collections::BTreeSet<_>>(),
        [(0, 2), (1, 2)].into()
    );
    assert_spaced(&log, 1);
    for (name, own, other) in [("a", 0, 1), ("b", 1, 0)] {
        let log = fleet.log(name);
        assert!(log.contains(&format!("shard={own} total=2")), "{log}");
        assert!(!log.contains(&format!("shard={other} total=2")), "{log}");
    }

    let servers = fleet.servers.clone();
    for server in &servers {
        add_schedule(&fleet, server).await;
    }
    for server in &servers {
        wait_for_prompts(&fleet, server, 3).await;
        // A check-in, answered and counted once by the process of its shard.
        let reply = fleet
            .ask(
                server,
                server.member,
                "checkin",
                &[("exercise", json!("walk")), ("amount", json!(10))],
            )
            .await;
        assert!(reply.content.starts_with("Logged"), "{}", reply.content);
    }
    let (a, b) = (fleet.owner_prefix("a"), fleet.owner_prefix("b"));
    for (server, owner) in servers.iter().zip([&a, &b]) {
        let owners = posted_by(&fleet, server).await;
        assert!(
            owners.values().all(|o| o.starts_with(owner.as_str())),
            "shard {} posted by {owners:?}, not only by {owner}",
            server.shard
        );
    }

    // b dies; its replacement identifies shard 1 and goes on posting.
    fleet.kill("b");
    let before = prompts_once(&fleet, &servers[1]).len();
    fleet.run("b2", "1-1/2");
    wait_for_prompts(&fleet, &servers[1], before + 3).await;
    wait_for_prompts(
        &fleet,
        &servers[0],
        prompts_once(&fleet, &servers[0]).len() + 1,
    )
    .await;
    let b2 = fleet.owner_prefix("b2");
    let owners = posted_by(&fleet, &servers[1]).await;
    assert!(
        owners
            .values()
            .all(|o| o.starts_with(b.as_str()) || o.starts_with(b2.as_str())),
        "{owners:?}"
    );
    assert!(owners.values().any(|o| o.starts_with(b2.as_str())));
    assert!(posted_by(&fleet, &servers[0])
        .await
        .values()
        .all(|o| o.starts_with(a.as_str())));
    let log = fleet.discord.identify_log();
    assert_eq!(
        log.iter().filter(|r| r.shard == 1).count(),
        2,
        "shard 1 identified by b, then b2: {log:?}"
    );
    assert!(log.iter().all(|r| r.accepted), "{log:?}");

    let store = fleet.store().await;
    for server in &servers {
        let checkins = store
            .member_checkins(
                GuildId(server.guild),
                UserId(server.member),
                chrono::DateTime::UNIX_EPOCH,
                chrono::Utc::now() + chrono::Duration::days(1),
            )
            .await
            .unwrap();
        assert_eq!(checkins.len(), 1, "shard {}: {checkins:?}", server.shard);
    }
    store.close().await;
    fleet.finish();
}

async fn overlapping_ranges_in_a_rolling_deploy_never_post_a_prompt_twice() {
    // Two buckets: shard 0 of the first and shard 1 of the second start at
    // once; the first's shard 1 waits for the second's turn in its bucket.
    let mut fleet = Fleet::on_test_backend(2, 2, &FAST).await;
    fleet.run("old", "0-1/2");
    fleet.run("new", "1-1/2");
    fleet.wait_connected(Duration::from_secs(60)).await;
    wait_for_async(
        "both processes to identify shard 1",
        Duration::from_secs(30),
        || async {
            fleet
                .discord
                .identify_log()
                .iter()
                .filter(|r| r.shard == 1)
                .count()
                == 2
        },
    )
    .await;
    assert_spaced(&fleet.discord.identify_log(), 2);

    let servers = fleet.servers.clone();
    for server in &servers {
        add_schedule(&fleet, server).await;
    }
    for server in &servers {
        wait_for_prompts(&fleet, server, 4).await;
    }
    // Every prompt once (asserted as they are read) and recorded as posted.
    for server in &servers {
        posted_by(&fleet, server).await;
    }
    fleet.finish();
}

/// A process is ready for its operator (a rolling deploy stops the old one
/// then) only once every shard of its range is up, not its first alone:
/// the second identifies a turn (5 seconds) after the first.
#[tokio::test(flavor = "multi_thread")]
async fn a_process_is_ready_only_once_every_shard_of_its_range_is_connected() {
    let addr = free_local_addr().to_string();
    let mut fleet = Fleet::on_test_backend(2, 1, &[("SECONDHEART__HTTP__LISTEN", &addr)]).await;
    fleet.run("both", "0-1/2");
    let readyz = format!("http://{addr}/readyz");
    let client = reqwest::Client::new();
    wait_for_async("/readyz to answer 200", Duration::from_secs(60), || async {
        client
            .get(&readyz)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    for shard in [0, 1] {
        assert!(
            fleet.discord.shard_session(shard).is_some(),
            "ready before shard {shard} connected; logs:\n{}",
            fleet.logs()
        );
    }
}
