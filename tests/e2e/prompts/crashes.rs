//! Prompts through kills, restarts and downtime, and with a second process
//! on the same database: each still goes out once, and a missed one late.

use std::time::{Duration, Instant};

use fake_discord::{permissions, FaultKind};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::occurrence::{ClaimOutcome, OccurrenceClaim, OccurrenceState};
use secondheart::domain::{GuildId, OccurrenceId, ScheduleId};
use serde_json::{json, Value};

use crate::support::bot::{spawn_bot_configured, Bot, TOKEN};
use crate::support::{raw_request, wait_for, wait_for_async};

use super::*;

crate::support::on_both_backends!(
    killed_between_claim_and_post_or_post_and_record_a_prompt_still_goes_out_once,
    killed_mid_post_and_restarted_at_once_a_prompt_goes_out_within_the_lease,
    a_prompt_among_400_messages_is_found_after_a_crash_not_posted_again,
    without_read_message_history_an_old_claim_is_unknown_not_posted_again,
    two_bot_processes_on_one_database_post_every_prompt_once,
    when_the_process_that_took_the_command_is_killed_the_other_posts_within_the_lease,
    after_downtime_only_the_latest_missed_prompt_goes_out_late,
);

/// Waits until the fake has taken every injected fault, i.e. the bot's
/// request is in flight.
async fn wait_in_flight(bot: &Bot) {
    wait_for("the post to be in flight", Duration::from_secs(30), || {
        bot.discord.faults_pending() == 0
    })
    .await;
}

async fn killed_between_claim_and_post_or_post_and_record_a_prompt_still_goes_out_once() {
    let mut env = FAST.to_vec();
    env.push(("SECONDHEART__SCHEDULER__CLAIM_LEASE_SECONDS", "10"));
    let mut bot = spawn_bot_configured(&env).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/3 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(30), || {
        !prompts(&bot).is_empty()
    })
    .await;
    let posts = format!("/channels/{}/messages", bot.channel);

    // 1. The post never reaches Discord before the kill: claimed, not posted.
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::Delay(Duration::from_secs(300)),
    );
    wait_in_flight(&bot).await;
    let store = bot.store().await;
    let unposted = store.unfinished_occurrences().await.unwrap();
    assert_eq!(unposted.len(), 1, "{unposted:?}");
    let unposted = unposted[0].id;
    store.close().await;
    bot.kill();
    bot.start();

    // 2. Discord makes the message, the bot dies before it hears back.
    wait_for(
        "the taken-over claim to be posted",
        Duration::from_secs(40),
        || {
            prompts(&bot)
                .iter()
                .any(|m| occurrence_of(m) == Some(unposted.0))
        },
    )
    .await;
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::Hold(Duration::from_secs(300)),
    );
    wait_in_flight(&bot).await;
    let store = bot.store().await;
    wait_for_async("the held post's claim", Duration::from_secs(10), || async {
        store.unfinished_occurrences().await.unwrap().len() == 1
    })
    .await;
    let unrecorded = store.unfinished_occurrences().await.unwrap();
    assert_eq!(unrecorded.len(), 1, "{unrecorded:?}");
    let unrecorded = unrecorded[0].id;
    store.close().await;
    assert!(
        prompts(&bot)
            .iter()
            .any(|m| occurrence_of(m) == Some(unrecorded.0)),
        "Discord has the message"
    );
    bot.kill();
    bot.start();

    wait_for(
        "the unrecorded prompt to be recorded",
        Duration::from_secs(40),
        || {
            let store = futures_lite_block(bot.store());
            let done = futures_lite_block(store.occurrence(GuildId(bot.guild), unrecorded))
                .unwrap()
                .unwrap()
                .state
                == OccurrenceState::Posted;
            futures_lite_block(store.close());
            done
        },
    )
    .await;
    let states = assert_each_posted_once(&bot).await;
    assert_eq!(states[&unposted.0], OccurrenceState::Posted);
    assert_eq!(states[&unrecorded.0], OccurrenceState::Posted);
    bot.finish();
}

async fn killed_mid_post_and_restarted_at_once_a_prompt_goes_out_within_the_lease() {
    // The shipped lease: the prompt must not wait minutes.
    let mut bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/5 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(30), || {
        !prompts(&bot).is_empty()
    })
    .await;
    bot.discord.fail_next(
        Some("POST"),
        &format!("/channels/{}/messages", bot.channel),
        1,
        FaultKind::Delay(Duration::from_secs(300)),
    );
    wait_in_flight(&bot).await;
    let store = bot.store().await;
    let interrupted = store.unfinished_occurrences().await.unwrap().remove(0);
    store.close().await;
    bot.kill();
    bot.start();

    let lease_and_a_bit = Duration::from_secs(30 + 15);
    let due = interrupted.due_at.timestamp_millis();
    wait_for(
        "the interrupted prompt within the lease",
        lease_and_a_bit,
        || {
            prompts(&bot)
                .iter()
                .any(|m| occurrence_of(m) == Some(interrupted.id.0))
        },
    )
    .await;
    let posted = prompts(&bot)
        .into_iter()
        .find(|m| occurrence_of(m) == Some(interrupted.id.0))
        .unwrap();
    assert!(
        posted.created_ms - due < lease_and_a_bit.as_millis() as i64,
        "{} ms late",
        posted.created_ms - due
    );
    assert_each_posted_once(&bot).await;
    bot.finish();
}

/// Claims a firing of schedule 1 as a process that stopped six minutes ago
/// (its lease long over, the nonce forgotten); the occurrence.
async fn claim_left_by_a_stopped_process(bot: &Bot) -> OccurrenceId {
    let store = bot.store().await;
    let claimed_at = chrono::Utc::now() - chrono::Duration::minutes(6);
    let claim = OccurrenceClaim {
        schedule: ScheduleId(1),
        due_at: claimed_at,
        exercise: Some(ExerciseKey::parse("calf-raises").unwrap()),
        turn: None,
        owner: "a-process-that-stopped".into(),
        now: claimed_at,
        lease_until: claimed_at + chrono::Duration::seconds(30),
        tips: 0,
    };
    let ClaimOutcome::Claimed(occurrence) = store.claim_occurrence(claim).await.unwrap() else {
        panic!("the firing should be claimed");
    };
    store.close().await;
    occurrence.id
}

/// The state of an occurrence, once it is no longer claimed.
async fn reconciled(bot: &Bot, id: OccurrenceId) -> secondheart::domain::occurrence::Occurrence {
    let read = || async {
        let store = bot.store().await;
        let o = store
            .occurrence(GuildId(bot.guild), id)
            .await
            .unwrap()
            .unwrap();
        store.close().await;
        o
    };
    wait_for_async(
        "the claim to be reconciled",
        Duration::from_secs(60),
        || async { read().await.state != OccurrenceState::Claimed },
    )
    .await;
    read().await
}

async fn a_prompt_among_400_messages_is_found_after_a_crash_not_posted_again() {
    let mut bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    // Once a year: nothing fires during the test.
    add_schedule(&bot, moderator, "0 0 1 1 *", &[]).await;
    bot.kill();
    // The stopped process's prompt reached Discord; members talked on.
    let occurrence = claim_left_by_a_stopped_process(&bot).await;
    // Members talked before the post reached the channel too, so it is not
    // on the first page read after the claim.
    for n in 0..150 {
        bot.discord
            .post_as_member(bot.channel, bot.member, &format!("before {n}"));
    }
    let body = json!({
        "content": "Time for calf raises",
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 3, "label": "Done", "custom_id": format!("p:{}:done", occurrence.0)}
        ]}]
    });
    let (status, posted) = raw_request(
        &bot.discord.api_url(),
        "POST",
        &format!("/api/v10/channels/{}/messages", bot.channel),
        Some(TOKEN),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let posted: u64 = serde_json::from_str::<Value>(&posted).unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    for n in 0..250 {
        bot.discord
            .post_as_member(bot.channel, bot.member, &format!("chat {n}"));
    }
    bot.start();

    let o = reconciled(&bot, occurrence).await;
    assert_eq!(
        (o.state, o.message.map(|m| m.0)),
        (OccurrenceState::Posted, Some(posted))
    );
    assert_eq!(prompts(&bot).len(), 1, "not posted again");
    bot.finish();
}

async fn without_read_message_history_an_old_claim_is_unknown_not_posted_again() {
    let mut bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "0 0 1 1 *", &[]).await;
    bot.kill();
    let occurrence = claim_left_by_a_stopped_process(&bot).await;
    // Discord lists nothing to a bot that may not read the history.
    bot.discord
        .set_bot_overwrite(bot.channel, 0, permissions::READ_MESSAGE_HISTORY);
    bot.start();

    let o = reconciled(&bot, occurrence).await;
    assert_eq!(o.state, OccurrenceState::Unknown, "{:?}", o.detail);
    assert!(
        o.detail
            .as_deref()
            .unwrap_or_default()
            .contains("Read Message History"),
        "{:?}",
        o.detail
    );
    assert!(prompts(&bot).is_empty(), "not posted");
    bot.finish();
}

async fn two_bot_processes_on_one_database_post_every_prompt_once() {
    let mut bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    for _ in 0..3 {
        add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    }
    bot.start_second();
    wait_for(
        "the second process to schedule",
        Duration::from_secs(40),
        || bot.second_log().contains("scheduler started"),
    )
    .await;
    // Three rounds posted and recorded, by whichever process claimed each.
    wait_for_async(
        "three rounds of prompts",
        Duration::from_secs(40),
        || async { prompts_counted(&bot).await >= 3 * 3 },
    )
    .await;
    bot.kill();
    let states = assert_each_posted_once(&bot).await;
    let posted = states
        .values()
        .filter(|s| **s == OccurrenceState::Posted)
        .count();
    assert!(posted >= 3 * 3, "{posted} prompts posted");
    bot.finish();
}

async fn when_the_process_that_took_the_command_is_killed_the_other_posts_within_the_lease() {
    let mut env = FAST.to_vec();
    env.push(("SECONDHEART__SCHEDULER__CLAIM_LEASE_SECONDS", "10"));
    let mut bot = spawn_bot_configured(&env).await;
    let moderator = bot.add_moderator("Mo");
    // The second process connects last: Discord sends it the commands.
    bot.start_second();
    wait_for("the second process", Duration::from_secs(60), || {
        bot.discord.identifies() >= 2 && bot.discord.connected()
    })
    .await;
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for(
        "the second process to post",
        Duration::from_secs(30),
        || bot.second_log().contains("prompt posted"),
    )
    .await;
    // Killed, maybe mid-post: the first process goes on within the lease.
    bot.kill_second();
    let killed = Instant::now();
    let before = prompts(&bot).len();
    let store = bot.store().await;
    // Whatever was claimed at the kill (also by the killed process) is
    // finished within the 10-second lease and a pass.
    let left: Vec<OccurrenceId> = store
        .unfinished_occurrences()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    wait_for_async(
        "the claims left at the kill to be finished",
        Duration::from_secs(10 + 5),
        || async {
            let unfinished = store.unfinished_occurrences().await.unwrap();
            !unfinished.iter().any(|o| left.contains(&o.id))
        },
    )
    .await;
    wait_for(
        "the first process to post",
        Duration::from_secs(10 + 5),
        || prompts(&bot).len() >= before + 2,
    )
    .await;
    let stuck: Vec<_> = store
        .unfinished_occurrences()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.due_at < chrono::Utc::now() - chrono::Duration::seconds(12))
        .collect();
    store.close().await;
    assert!(
        stuck.is_empty(),
        "claims left behind after {:?}: {stuck:?}",
        killed.elapsed()
    );
    assert_each_posted_once(&bot).await;
    bot.finish();
}

async fn after_downtime_only_the_latest_missed_prompt_goes_out_late() {
    let mut bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for("two prompts", Duration::from_secs(30), || {
        prompts(&bot).len() >= 2
    })
    .await;
    bot.kill();
    let killed_at = chrono::Utc::now();
    let before = prompts(&bot).len();
    // Down long enough to miss several firings, some past the 5-second
    // catch-up window of FAST.
    tokio::time::sleep(Duration::from_secs(9)).await;
    bot.start();
    bot.wait_connected().await;
    wait_for("the catch-up prompt", Duration::from_secs(20), || {
        prompts(&bot).len() > before
    })
    .await;
    // Killed once the catch-up post is recorded, not merely seen in the
    // channel: a kill in between leaves it claimed, and then it is no late
    // post.
    let since_restart: Vec<i64> = prompts(&bot)
        .iter()
        .skip(before)
        .filter_map(occurrence_of)
        .collect();
    let store = bot.store().await;
    wait_for_async(
        "the prompts since the restart to be recorded as posted",
        Duration::from_secs(10),
        || async {
            for id in &since_restart {
                let posted = store
                    .occurrence(GuildId(bot.guild), OccurrenceId(*id))
                    .await
                    .unwrap();
                if posted.is_none_or(|o| o.message.is_none()) {
                    return false;
                }
            }
            true
        },
    )
    .await;
    store.close().await;
    bot.kill();

    let states = assert_each_posted_once(&bot).await;
    let store = bot.store().await;
    let mut occurrences = Vec::new();
    for id in states.keys() {
        let o = store
            .occurrence(GuildId(bot.guild), OccurrenceId(*id))
            .await
            .unwrap()
            .unwrap();
        occurrences.push(o);
    }
    store.close().await;
    let skipped: Vec<_> = occurrences
        .iter()
        .filter(|o| o.state == OccurrenceState::Skipped)
        .map(|o| o.due_at)
        .collect();
    // The pass after the restart skips the older missed firings and posts
    // the latest; a post due after the kill and no later than that pass is
    // the late one (an on-time firing after the pass would be due later,
    // whatever the machine's load did to the restart's timing).
    let catch_up_pass = occurrences
        .iter()
        .filter(|o| o.state == OccurrenceState::Skipped)
        .map(|o| o.created_at)
        .max()
        .expect("the restart skipped missed firings");
    let late: Vec<_> = occurrences
        .iter()
        .filter(|o| {
            o.state == OccurrenceState::Posted && o.due_at > killed_at && o.due_at <= catch_up_pass
        })
        .map(|o| o.due_at)
        .collect();
    assert!(
        skipped.len() >= 3,
        "about four firings were missed: {skipped:?}"
    );
    assert_eq!(
        late.len(),
        1,
        "exactly one late post: {late:?}; killed at {killed_at}, catch-up pass at {catch_up_pass}; {:?}",
        occurrences
            .iter()
            .map(|o| (o.state, o.due_at, o.created_at))
            .collect::<Vec<_>>()
    );
    assert!(
        skipped.iter().all(|s| *s < late[0]),
        "the late post is the latest missed firing"
    );
    bot.finish();
}
