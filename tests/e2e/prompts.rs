//! Prompts end to end: the scheduler in the real binary posting to the fake
//! Discord on second-level schedules, through kills, restarts, Discord
//! errors and a second process; and members clicking the buttons.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use fake_discord::{permissions, ChannelAccess, FaultKind, InteractionReply, SeenMessage};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::occurrence::{ClaimOutcome, OccurrenceClaim, OccurrenceState};
use secondheart::domain::schedule::ScheduleState;
use secondheart::domain::{GuildId, OccurrenceId, ScheduleId};
use serde_json::{json, Value};

use crate::support::bot::{spawn_bot_configured, Bot, TOKEN};
use crate::support::{raw_request, wait_for, wait_for_async};

crate::support::on_both_backends!(
    prompts_go_out_once_each_within_a_second_of_their_due_instant,
    a_role_is_the_only_mention_and_a_test_prompt_counts_nothing,
    two_members_clicking_five_times_count_twice_and_edits_are_coalesced,
    forged_and_stale_buttons_are_refused_politely,
    a_snooze_reminds_the_member_privately_also_after_a_restart,
    killed_between_claim_and_post_or_post_and_record_a_prompt_still_goes_out_once,
    killed_mid_post_and_restarted_at_once_a_prompt_goes_out_within_the_lease,
    a_prompt_among_400_messages_is_found_after_a_crash_not_posted_again,
    without_read_message_history_an_old_claim_is_unknown_not_posted_again,
    after_downtime_only_the_latest_missed_prompt_goes_out_late,
    a_429_then_a_500_are_waited_out_and_one_message_goes_out,
    a_channel_that_is_gone_pauses_its_schedule_and_moderators_are_told_once,
    two_bot_processes_on_one_database_post_every_prompt_once,
    when_the_process_that_took_the_command_is_killed_the_other_posts_within_the_lease,
    the_leaderboard_is_posted_on_its_schedule_through_the_same_claims,
    a_deleted_prompt_is_no_longer_edited_and_the_schedule_goes_on,
    prompts_due_together_take_turns_and_keep_to_a_channels_pace,
    a_post_that_discord_never_answers_gives_up_instead_of_hanging,
    a_rotation_prompts_its_exercises_in_turn_and_the_list_shows_it,
);

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

async fn prompts_go_out_once_each_within_a_second_of_their_due_instant() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for("five prompts", Duration::from_secs(30), || {
        prompts(&bot).len() >= 5
    })
    .await;

    let store = bot.store().await;
    for message in prompts(&bot) {
        let id = occurrence_of(&message).unwrap();
        let occurrence = store
            .occurrence(GuildId(bot.guild), OccurrenceId(id))
            .await
            .unwrap()
            .expect("stored");
        let late = message.created_ms - occurrence.due_at.timestamp_millis();
        assert!(
            (0..1000).contains(&late),
            "occurrence {id} posted {late} ms after its due instant"
        );

        // What members see: the exercise, a tip, the count, the disclaimer,
        // four buttons, and no mention at all.
        let embed = &message.embeds[0];
        assert_eq!(
            embed["title"], "Time to move: Standing calf raises",
            "{embed}"
        );
        assert!(
            embed["description"].as_str().unwrap().contains("💡"),
            "{embed}"
        );
        assert_eq!(embed["fields"][0]["value"], "Nobody yet: be the first!");
        assert!(embed["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("not medical advice"));
        assert_eq!(
            custom_ids(&message.components),
            [
                format!("p:{id}:done"),
                format!("p:{id}:done2"),
                format!("p:{id}:snooze"),
                format!("p:{id}:notnow")
            ]
        );
        assert_eq!(message.content, "");
        assert_eq!(
            message.allowed_mentions.as_ref().unwrap()["parse"],
            json!([])
        );
    }
    // Tips rotate: two prompts in a row never show the same one.
    let tips: Vec<String> = prompts(&bot)
        .iter()
        .map(|m| m.embeds[0]["description"].as_str().unwrap().to_owned())
        .collect();
    assert!(tips.windows(2).all(|w| w[0] != w[1]), "{tips:?}");

    // Each post carried the occurrence's nonce, enforced.
    let posts: Vec<_> = bot
        .discord
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST"
                && r.path
                    .ends_with(&format!("/channels/{}/messages", bot.channel))
        })
        .collect();
    for post in &posts {
        let body = post.body.as_ref().unwrap();
        assert!(body["nonce"].as_str().unwrap().starts_with("sh-o"));
        assert_eq!(body["enforce_nonce"], true);
    }
    store.close().await;
    assert_each_posted_once(&bot).await;
    bot.finish();
}

async fn a_role_is_the_only_mention_and_a_test_prompt_counts_nothing() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let walkers = bot.discord.create_role(bot.guild, "Walkers", 0, true);
    // Once a year: only /schedule test posts here.
    add_schedule(
        &bot,
        moderator,
        "0 9 1 1 *",
        &[("role", json!(walkers.to_string()))],
    )
    .await;
    // Discord failing on its side is worth another try, said plainly.
    let posts = format!("/channels/{}/messages", bot.channel);
    bot.discord
        .fail_next(Some("POST"), &posts, 1, FaultKind::Status(502));
    let refused = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert_eq!(
        refused.content,
        "Discord did not take the test prompt just now; please try again in a minute."
    );
    let reply = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert!(
        reply.content.starts_with("Posted a test prompt of **#1**"),
        "{}",
        reply.content
    );
    let channel = bot.discord.channel_as_seen_by(bot.channel, bot.member);
    let test = channel
        .iter()
        .find(|m| custom_ids(&m.components).contains(&"t:1:done".to_owned()))
        .expect("the test prompt");
    assert_eq!(test.content, format!("<@&{walkers}>"));
    assert_eq!(
        test.allowed_mentions.as_ref().unwrap(),
        &json!({"parse": [], "roles": [walkers.to_string()], "users": []})
    );
    assert!(test.embeds[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Test prompt (schedule #1)"));

    let answer = click(&bot, test.id, bot.member, "t:1:done").await;
    assert!(answer.ephemeral);
    assert_eq!(
        answer.content,
        "This is a test prompt: nothing is logged from it."
    );
    assert_eq!(prompts_counted(&bot).await, 0);

    // A plain member may not post test prompts.
    let refused = bot
        .ask(bot.member, "schedule test", &[("id", json!(1))])
        .await;
    assert!(
        refused.content.starts_with("Only moderators"),
        "{}",
        refused.content
    );
    bot.finish();
}

async fn two_members_clicking_five_times_count_twice_and_edits_are_coalesced() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let prompt = one_prompt(&bot, moderator).await;
    let occurrence = occurrence_of(&prompt).unwrap();
    let done = format!("p:{occurrence}:done");
    let bo = bot.discord.add_member(bot.guild, "Bo", &[]);

    let mut clicks = Vec::new();
    for _ in 0..5 {
        for user in [bot.member, bo] {
            clicks.push(
                bot.discord
                    .click_button(bot.channel, prompt.id, user, &done)
                    .unwrap(),
            );
        }
    }
    let mut logged = 0;
    for click in clicks {
        let reply = bot
            .discord
            .reply(click, Duration::from_secs(20))
            .await
            .expect("every click is answered");
        assert!(reply.ephemeral);
        if reply
            .content
            .starts_with("Logged **20 reps** of Standing calf raises")
        {
            logged += 1;
        } else {
            assert!(
                reply.content.starts_with("Already logged for this prompt."),
                "{}",
                reply.content
            );
        }
    }
    assert_eq!(logged, 2);

    // "Done x2" logs twice the default; "Not now" is seen, not done.
    let cy = bot.discord.add_member(bot.guild, "Cy", &[]);
    let di = bot.discord.add_member(bot.guild, "Di", &[]);
    let twice = click(&bot, prompt.id, cy, &format!("p:{occurrence}:done2")).await;
    assert!(twice.content.starts_with("Logged **40 reps**"));
    let not_now = click(&bot, prompt.id, di, &format!("p:{occurrence}:notnow")).await;
    assert!(not_now.content.starts_with("Noted: not now"));

    let store = bot.store().await;
    assert_eq!(
        store
            .done_count(GuildId(bot.guild), OccurrenceId(occurrence))
            .await
            .unwrap(),
        3
    );
    store.close().await;

    // The prompt shows the count, after at most a few edits for 12 clicks.
    wait_for("the updated count", Duration::from_secs(15), || {
        prompts(&bot)[0].embeds[0]["fields"][0]["value"] == "3 teammates did it."
    })
    .await;
    let edits = bot
        .discord
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&format!("/messages/{}", prompt.id)))
        .count();
    assert!((1..=3).contains(&edits), "{edits} edits for 12 clicks");
    bot.finish();
}

async fn forged_and_stale_buttons_are_refused_politely() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for("two prompts", Duration::from_secs(30), || {
        prompts(&bot).len() >= 2
    })
    .await;
    bot.ask(moderator, "schedule pause", &[("id", json!(1))])
        .await;
    let seen = prompts(&bot);
    let (first, second) = (&seen[0], &seen[1]);
    let first_id = occurrence_of(first).unwrap();
    let cases: [(u64, String, &str); 4] = [
        (
            first.id,
            "p:1:explode".to_owned(),
            "That button is not one I know",
        ),
        (
            first.id,
            "'; DROP TABLE checkins; --".to_owned(),
            "That button is not one I know",
        ),
        (
            first.id,
            "p:999999:done".to_owned(),
            "This prompt is not one I can log",
        ),
        // The first prompt's id on the second prompt's message.
        (
            second.id,
            format!("p:{first_id}:done"),
            "This prompt is not one I can log",
        ),
    ];
    for (message, custom_id, expected) in cases {
        let click = bot
            .discord
            .click_forged(bot.channel, message, bot.member, &custom_id)
            .unwrap();
        let reply = bot
            .discord
            .reply(click, Duration::from_secs(20))
            .await
            .expect("answered");
        assert!(reply.ephemeral);
        assert!(
            reply.content.starts_with(expected),
            "{custom_id}: {}",
            reply.content
        );
    }
    let store = bot.store().await;
    assert_eq!(
        store
            .done_count(GuildId(bot.guild), OccurrenceId(first_id))
            .await
            .unwrap(),
        0
    );
    store.close().await;
    bot.finish();
}

async fn a_snooze_reminds_the_member_privately_also_after_a_restart() {
    let mut env = FAST.to_vec();
    env.push(("SECONDHEART__SCHEDULER__SNOOZE_SECONDS", "4"));
    let mut bot = spawn_bot_configured(&env).await;
    let moderator = bot.add_moderator("Mo");
    let prompt = one_prompt(&bot, moderator).await;
    let occurrence = occurrence_of(&prompt).unwrap();
    let snooze = format!("p:{occurrence}:snooze");
    assert!(custom_ids(&prompt.components).contains(&snooze));
    let reply = click(&bot, prompt.id, bot.member, &snooze).await;
    assert_eq!(
        reply.content,
        "I will remind you in 4 s (only you will see it)."
    );
    assert_eq!(
        click(&bot, prompt.id, bot.member, &snooze).await.content,
        "A reminder for this prompt is already on its way."
    );

    bot.restart();
    bot.wait_connected().await;
    let reminder = |bot: &Bot| {
        bot.discord
            .channel_as_seen_by(bot.channel, bot.member)
            .into_iter()
            .filter(|m| m.ephemeral && m.content.starts_with("⏰ Reminder"))
            .collect::<Vec<_>>()
    };
    wait_for("the reminder", Duration::from_secs(20), || {
        !reminder(&bot).is_empty()
    })
    .await;
    let sent = reminder(&bot);
    assert_eq!(sent.len(), 1);
    assert!(sent[0]
        .content
        .contains(&format!("/{}/{}/{}", bot.guild, bot.channel, prompt.id)));
    // Nobody else sees it.
    let other = bot.discord.add_member(bot.guild, "Eve", &[]);
    assert!(bot
        .discord
        .channel_as_seen_by(bot.channel, other)
        .iter()
        .all(|m| !m.content.starts_with("⏰")));
    bot.finish();
}

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

/// Runs a future to completion from synchronous code inside the test's
/// runtime (the wait helpers take plain closures).
fn futures_lite_block<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
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

async fn a_429_then_a_500_are_waited_out_and_one_message_goes_out() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let posts = format!("/channels/{}/messages", bot.channel);
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::RateLimited {
            retry_after: 1.5,
            global: false,
        },
    );
    bot.discord
        .fail_next(Some("POST"), &posts, 1, FaultKind::Status(500));
    one_prompt(&bot, moderator).await;

    let tries: Vec<_> = bot
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&posts))
        .collect();
    assert_eq!(
        tries.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 500, 200]
    );
    let nonces: BTreeSet<_> = tries
        .iter()
        .map(|r| r.body.as_ref().unwrap()["nonce"].to_string())
        .collect();
    assert_eq!(nonces.len(), 1, "every try carries the same nonce");
    let waited = tries[1].received_ms - tries[0].received_ms;
    assert!(waited >= 1500, "retry_after honoured: waited {waited} ms");
    let backoff = tries[2].received_ms - tries[1].received_ms;
    assert!(
        (200..5000).contains(&backoff),
        "backed off {backoff} ms after the 500"
    );
    assert_eq!(prompts(&bot).len(), 1);
    bot.finish();
}

async fn a_channel_that_is_gone_pauses_its_schedule_and_moderators_are_told_once() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/2 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(30), || {
        !prompts(&bot).is_empty()
    })
    .await;
    bot.discord
        .set_channel_access(bot.channel, ChannelAccess::Gone);

    let paused = || async {
        let store = bot.store().await;
        let s = store
            .schedule(GuildId(bot.guild), ScheduleId(1))
            .await
            .unwrap()
            .unwrap();
        store.close().await;
        s.state
    };
    wait_for_async(
        "the schedule to be paused",
        Duration::from_secs(20),
        || async { matches!(paused().await, ScheduleState::PausedByError { .. }) },
    )
    .await;
    assert_eq!(
        paused().await,
        ScheduleState::PausedByError {
            reason: "the channel no longer exists".into()
        }
    );

    // The next moderator command says so, once, before its own answer.
    let first = bot.ask(moderator, "schedule list", &[]).await;
    assert!(first.ephemeral);
    assert!(first.content.starts_with("⚠️ Paused because their prompts could not be posted:\n- **#1**: the channel no longer exists"), "{}", first.content);
    let second = bot.ask(moderator, "schedule list", &[]).await;
    assert!(!second.content.contains("⚠️"), "{}", second.content);
    assert!(
        second
            .content
            .contains("paused: the channel no longer exists"),
        "{}",
        second.content
    );
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

async fn the_leaderboard_is_posted_on_its_schedule_through_the_same_claims() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let early = bot
        .ask(
            moderator,
            "settings leaderboard-schedule",
            &[("when", json!("fri 16:00"))],
        )
        .await;
    assert_eq!(
        early.content,
        "Choose a leaderboard channel first with /settings leaderboard-channel."
    );
    let set = bot
        .ask(
            moderator,
            "settings leaderboard-channel",
            &[("channel", json!(bot.channel.to_string()))],
        )
        .await;
    assert!(
        set.content
            .starts_with(&format!("The leaderboard is posted in <#{}>", bot.channel)),
        "{}",
        set.content
    );
    let checked_in = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(30))],
        )
        .await;
    assert!(
        checked_in.content.starts_with("Logged"),
        "{}",
        checked_in.content
    );
    let too_often = bot
        .ask(
            moderator,
            "settings leaderboard-schedule",
            &[("when", json!("every 5 minutes"))],
        )
        .await;
    assert!(
        too_often.content.contains("60 minutes"),
        "{}",
        too_often.content
    );

    // Once a year, a few seconds from now (UTC, the server's default zone).
    let at = chrono::Utc::now() + chrono::Duration::seconds(4);
    let when = at.format("%S %M %H %d %m *").to_string();
    let reply = bot
        .ask(
            moderator,
            "settings leaderboard-schedule",
            &[
                ("when", json!(when)),
                (
                    "week",
                    bot.choice("settings leaderboard-schedule", "week", "This week so far")
                        .await,
                ),
            ],
        )
        .await;
    assert!(
        reply
            .content
            .starts_with("The leaderboard (this week's points) is posted in"),
        "{}",
        reply.content
    );

    let boards = || {
        bot.discord
            .channel_as_seen_by(bot.channel, bot.member)
            .into_iter()
            .filter(|m| {
                m.embeds[0]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Leaderboard"))
            })
            .collect::<Vec<_>>()
    };
    wait_for("the board post", Duration::from_secs(20), || {
        !boards().is_empty()
    })
    .await;
    // Recorded as posted: a second post of it could only come from a retry
    // of an unfinished claim.
    let store = bot.store().await;
    wait_for_async(
        "the board post to be recorded",
        Duration::from_secs(10),
        || async { store.unfinished_occurrences().await.unwrap().is_empty() },
    )
    .await;
    store.close().await;
    let posted = boards();
    assert_eq!(posted.len(), 1);
    let embed = &posted[0].embeds[0];
    assert_eq!(embed["title"], "Leaderboard · points · this week");
    assert_eq!(embed["description"], "1. Ada — 30 points");
    assert_eq!(
        posted[0].allowed_mentions.as_ref().unwrap()["parse"],
        json!([])
    );
    assert!(posted[0].created_ms - at.timestamp_millis() < 1000);
    // With the same board as a picture, its text as the picture's alt text.
    let files = bot.discord.channel_uploads(bot.channel);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].filename, "leaderboard.png");
    let picture = tiny_skia::Pixmap::decode_png(&files[0].bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (800, 172));
    assert_eq!(
        files[0].description.as_deref(),
        Some("Leaderboard: this week, by points. 1. Ada: 30.")
    );

    // It is not one of the prompt schedules, and it counts as no prompt.
    let list = bot.ask(moderator, "schedule list", &[]).await;
    assert!(!list.content.contains("#1"), "{}", list.content);
    assert_eq!(prompts_counted(&bot).await, 0);
    let off = bot
        .ask(
            moderator,
            "settings leaderboard-schedule",
            &[("when", json!("off"))],
        )
        .await;
    assert_eq!(off.content, "Scheduled leaderboard posts are off.");
    bot.finish();
}

async fn a_deleted_prompt_is_no_longer_edited_and_the_schedule_goes_on() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "*/4 * * * * *", &[]).await;
    wait_for("a prompt", Duration::from_secs(30), || {
        !prompts(&bot).is_empty()
    })
    .await;
    let prompt = prompts(&bot).remove(0);
    let occurrence = occurrence_of(&prompt).unwrap();
    // Clicked once recorded as posted: a click in the instant between
    // Discord's answer and the record finds no posted prompt yet.
    let store = bot.store().await;
    wait_for_async(
        "the prompt to be recorded as posted",
        Duration::from_secs(10),
        || async {
            let posted = store
                .occurrence(GuildId(bot.guild), OccurrenceId(occurrence))
                .await
                .unwrap();
            posted.is_some_and(|o| o.message.is_some())
        },
    )
    .await;
    store.close().await;
    let bo = bot.discord.add_member(bot.guild, "Bo", &[]);
    // The first click's edit goes out at once; the second's waits, and by
    // then the prompt is gone.
    for user in [bot.member, bo] {
        let reply = click(&bot, prompt.id, user, &format!("p:{occurrence}:done")).await;
        assert!(reply.content.starts_with("Logged"), "{}", reply.content);
    }
    assert!(bot.discord.delete_message(bot.channel, prompt.id));
    let edits = || {
        bot.discord
            .requests()
            .into_iter()
            .filter(|r| {
                r.method == "PATCH" && r.path.ends_with(&format!("/messages/{}", prompt.id))
            })
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    wait_for("the refused edit", Duration::from_secs(15), || {
        edits().contains(&404)
    })
    .await;
    wait_for("the next prompts", Duration::from_secs(20), || {
        prompts(&bot).len() >= 2
    })
    .await;
    assert!(
        bot.log()
            .contains("the prompt was deleted; it is no longer updated"),
        "{}",
        bot.log()
    );
    let store = bot.store().await;
    let schedule = store
        .schedule(GuildId(bot.guild), ScheduleId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(schedule.state, ScheduleState::Active);
    assert_eq!(
        store
            .done_count(GuildId(bot.guild), OccurrenceId(occurrence))
            .await
            .unwrap(),
        2
    );
    store.close().await;
    assert_eq!(edits().iter().filter(|s| **s == 404).count(), 1);
    bot.finish();
}

async fn prompts_due_together_take_turns_and_keep_to_a_channels_pace() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    // Another server, added while the bot is connected, with one schedule.
    let other = bot.discord.create_guild("Stand-up Club");
    let other_channel = bot.discord.create_channel(other, "stretch");
    let admins = bot.discord.create_role(
        other,
        "Admins",
        fake_discord::permissions::MANAGE_GUILD,
        false,
    );
    // No wait needed: the bot reads the server from the fake when the
    // command below names its channel.
    let other_moderator = bot.discord.add_member(other, "Ola", &[admins]);
    let every = "*/20 * * * * *";
    let id = bot
        .discord
        .send_command(
            other,
            other_channel,
            other_moderator,
            "schedule add",
            &[
                ("channel", json!(other_channel.to_string())),
                ("exercise", json!("stretch")),
                ("when", json!(every)),
            ],
        )
        .unwrap();
    let added = bot
        .discord
        .reply(id, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(added.content.starts_with("Added"), "{}", added.content);
    // Six schedules in one channel of the first server, all due together.
    for _ in 0..6 {
        add_schedule(&bot, moderator, every, &[]).await;
    }
    // A round where all seven were due at the same instant.
    let due_of = |guild: u64, message: &SeenMessage| {
        let id = OccurrenceId(occurrence_of(message).unwrap());
        let store = futures_lite_block(bot.store());
        let o = futures_lite_block(store.occurrence(GuildId(guild), id))
            .unwrap()
            .unwrap();
        futures_lite_block(store.close());
        o.due_at
    };
    let mut round = None;
    wait_for(
        "a round of seven prompts due together",
        Duration::from_secs(60),
        || {
            let others: Vec<_> = bot
                .discord
                .channel_as_seen_by(other_channel, other_moderator)
                .into_iter()
                .filter(|m| occurrence_of(m).is_some())
                .collect();
            for other_prompt in others {
                let due = due_of(other, &other_prompt);
                let same: Vec<_> = prompts(&bot)
                    .into_iter()
                    .filter(|m| due_of(bot.guild, m) == due)
                    .collect();
                if same.len() == 6 {
                    round = Some((other_prompt, same));
                    return true;
                }
            }
            false
        },
    )
    .await;
    let (other_prompt, first_round) = round.unwrap();
    // The other server did not wait for all six of the first's.
    assert!(other_prompt.created_ms < first_round[5].created_ms);
    // Five messages per five seconds in a channel, over any window: the
    // sixth waited until the first was five seconds old. At the fake, less
    // a margin for the requests' own travel times (the exact bound is
    // tested in the bot's budget).
    let mut posted: Vec<i64> = prompts(&bot).iter().map(|m| m.created_ms).collect();
    posted.sort_unstable();
    for (i, first) in posted.iter().enumerate() {
        let within = posted[i..]
            .iter()
            .take_while(|t| **t < first + 5_000 - 250)
            .count();
        assert!(
            within <= 5,
            "{within} prompts in one channel within 5 s: {posted:?}"
        );
    }
    bot.finish();
}

async fn a_post_that_discord_never_answers_gives_up_instead_of_hanging() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    add_schedule(&bot, moderator, "0 9 1 1 *", &[]).await;
    // Discord takes the connection and then says nothing for two minutes.
    let posts = format!("/channels/{}/messages", bot.channel);
    bot.discord.fail_next(
        Some("POST"),
        &posts,
        1,
        FaultKind::Delay(Duration::from_secs(120)),
    );
    let asked = Instant::now();
    let refused = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert_eq!(
        refused.content,
        "Discord did not take the test prompt just now; please try again in a minute."
    );
    // Within the request timeout (10 s), not the fault's two minutes.
    assert!(asked.elapsed() < Duration::from_secs(20));
    let reply = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert!(
        reply.content.starts_with("Posted a test prompt of **#1**"),
        "{}",
        reply.content
    );
    bot.finish();
}

async fn a_rotation_prompts_its_exercises_in_turn_and_the_list_shows_it() {
    let bot = spawn_bot_configured(&FAST).await;
    let moderator = bot.add_moderator("Mo");
    let added = bot
        .ask(
            moderator,
            "schedule add",
            &[
                ("channel", json!(bot.channel.to_string())),
                ("exercise", json!("heel-raises, calf-raises,stretch")),
                ("when", json!("*/2 * * * * *")),
                ("timezone", json!("UTC")),
            ],
        )
        .await;
    assert!(
        added
            .content
            .contains("rotation **heel-raises** → calf-raises → stretch"),
        "{}",
        added.content
    );
    wait_for("four prompts", Duration::from_secs(30), || {
        prompts(&bot).len() >= 4
    })
    .await;
    bot.ask(moderator, "schedule pause", &[("id", json!(1))])
        .await;
    // Whatever was claimed before the pause has gone out.
    let store = bot.store().await;
    let turns = || async {
        store
            .schedule(GuildId(bot.guild), ScheduleId(1))
            .await
            .unwrap()
            .unwrap()
            .rotation_turns
    };
    crate::support::wait_for_async("the claimed prompts", Duration::from_secs(20), || async {
        prompts(&bot).len() as u64 == turns().await
    })
    .await;

    // One per firing, in order, wrapping around; each shows where it stands.
    let names = ["Seated heel raises", "Standing calf raises", "Calf stretch"];
    let posted = prompts(&bot);
    for (i, message) in posted.iter().enumerate() {
        let embed = &message.embeds[0];
        assert_eq!(
            embed["title"],
            format!("Time to move: {}", names[i % 3]),
            "prompt {i}"
        );
        assert_eq!(embed["fields"][1]["name"], "Rotation");
        let mut line = names.map(str::to_owned);
        line[i % 3] = format!("**{}**", line[i % 3]);
        assert_eq!(embed["fields"][1]["value"], line.join(" → "), "prompt {i}");
    }

    // The list shows the one next in line; a test prompt shows it too and
    // leaves it its turn.
    let next = posted.len() % 3;
    let mut keys = ["heel-raises", "calf-raises", "stretch"].map(str::to_owned);
    keys[next] = format!("**{}**", keys[next]);
    let list = bot.ask(moderator, "schedule list", &[]).await;
    assert!(
        list.content
            .contains(&format!("rotation {}", keys.join(" → "))),
        "{}",
        list.content
    );
    let before = turns().await;
    let test = bot
        .ask(moderator, "schedule test", &[("id", json!(1))])
        .await;
    assert!(
        test.content.starts_with("Posted a test prompt"),
        "{}",
        test.content
    );
    let test_prompt = bot
        .discord
        .channel_as_seen_by(bot.channel, bot.member)
        .into_iter()
        .find(|m| custom_ids(&m.components).contains(&"t:1:done".to_owned()))
        .expect("the test prompt");
    assert_eq!(
        test_prompt.embeds[0]["title"],
        format!("Test prompt (schedule #1): {}", names[next])
    );
    assert_eq!(turns().await, before);

    // A new list starts at its first exercise.
    let edited = bot
        .ask(
            moderator,
            "schedule edit",
            &[("id", json!(1)), ("exercise", json!("stretch,walk"))],
        )
        .await;
    assert!(
        edited.content.contains("rotation **stretch** → walk"),
        "{}",
        edited.content
    );
    store.close().await;
    bot.finish();
}
