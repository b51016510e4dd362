//! Members clicking a prompt's buttons: done, snooze, forged or stale
//! buttons, and a prompt deleted from the channel.

use std::time::Duration;

use secondheart::domain::schedule::ScheduleState;
use secondheart::domain::{GuildId, OccurrenceId, ScheduleId};
use serde_json::json;

use crate::support::bot::{spawn_bot_configured, Bot};
use crate::support::{wait_for, wait_for_async};

use super::*;

crate::support::on_both_backends!(
    two_members_clicking_five_times_count_twice_and_edits_are_coalesced,
    forged_and_stale_buttons_are_refused_politely,
    a_snooze_reminds_the_member_privately_also_after_a_restart,
    a_deleted_prompt_is_no_longer_edited_and_the_schedule_goes_on,
);

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
