//! `/schedule ...` end to end: created, listed and changed; the scheduler
//! that fires them is a later piece.

use std::time::Duration;

use fake_discord::{permissions, ChannelAccess};
use secondheart::domain::schedule::ScheduleState;
use secondheart::domain::{GuildId, ScheduleId};
use serde_json::{json, Value};

use crate::support::bot::{spawn_bot, Bot};

const REPLY: Duration = Duration::from_secs(20);

/// A moderator command's private reply, checked to ping nobody.
async fn run(bot: &Bot, user: u64, name: &str, options: &[(&str, Value)]) -> String {
    let reply = bot.ask_unchecked(user, name, options).await;
    assert!(reply.ephemeral, "/{name} answers privately");
    assert_eq!(
        reply.allowed_mentions.as_ref().map(|m| m["parse"].clone()),
        Some(json!([]))
    );
    reply.content
}

fn moderator(bot: &Bot) -> u64 {
    bot.add_moderator("Mod")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_adds_lists_pauses_resumes_edits_and_removes_a_schedule() {
    let bot = spawn_bot().await;
    let admin = moderator(&bot);
    let walkers = bot.discord.create_role(bot.guild, "Walkers", 0, true);
    let channel = bot.channel.to_string();
    let added = run(
        &bot,
        admin,
        "schedule add",
        &[
            ("channel", json!(channel)),
            ("exercise", json!("walk")),
            ("when", json!("every 2 hours 09:00-17:00 mon-fri")),
            ("timezone", json!("Europe/Berlin")),
            ("role", json!(walkers.to_string())),
        ],
    )
    .await;
    let lines: Vec<&str> = added.lines().collect();
    assert_eq!(lines[0], format!("Added **#1** `every 2 hours 09:00-17:00 mon-fri` (Europe/Berlin) in <#{}>, walk, mentions <@&{walkers}>; active", bot.channel));
    assert_eq!(lines[1], "Next:");
    assert_eq!(lines.len(), 5, "three next firings: {added}");
    for line in &lines[2..] {
        assert!(line.contains(":00 +0"), "{line}");
        assert!(!line.contains("Sat") && !line.contains("Sun"), "{line}");
    }

    let store = bot.store().await;
    let stored = store
        .schedule(GuildId(bot.guild), ScheduleId(1))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.timezone, chrono_tz::Europe::Berlin);
    assert!(stored.next_due_at.is_some());

    let list = run(&bot, admin, "schedule list", &[]).await;
    assert!(list.starts_with("**Schedules**\n**#1**"), "{list}");
    assert!(list.contains("· next "), "{list}");

    let paused = run(
        &bot,
        admin,
        "schedule pause",
        &[("id", json!(1)), ("for", json!("3d"))],
    )
    .await;
    assert!(paused.starts_with("Paused **#1**"), "{paused}");
    assert!(matches!(
        store
            .schedule(GuildId(bot.guild), ScheduleId(1))
            .await
            .unwrap()
            .unwrap()
            .state,
        ScheduleState::Paused { until: Some(_) }
    ));
    let resumed = run(&bot, admin, "schedule resume", &[("id", json!(1))]).await;
    assert!(
        resumed.starts_with("Resumed **#1**") && resumed.contains("; active"),
        "{resumed}"
    );

    let edited = run(
        &bot,
        admin,
        "schedule edit",
        &[("id", json!(1)), ("when", json!("daily 10:30"))],
    )
    .await;
    assert!(
        edited.starts_with("Changed **#1** `daily 10:30`"),
        "{edited}"
    );
    assert!(edited.contains("10:30 +0"), "{edited}");
    let preview = run(
        &bot,
        admin,
        "schedule preview",
        &[("id", json!(1)), ("count", json!(4))],
    )
    .await;
    assert_eq!(
        preview.lines().filter(|l| l.starts_with("• ")).count(),
        4,
        "{preview}"
    );
    let tried = run(
        &bot,
        admin,
        "schedule preview",
        &[
            ("when", json!("30 2 * * *")),
            ("timezone", json!("Europe/Berlin")),
        ],
    )
    .await;
    assert!(
        tried.starts_with("`30 2 * * *` in Europe/Berlin fires:"),
        "{tried}"
    );

    let removed = run(&bot, admin, "schedule remove", &[("id", json!(1))]).await;
    assert_eq!(removed, "Removed schedule #1 (daily 10:30).");
    assert!(store
        .schedule(GuildId(bot.guild), ScheduleId(1))
        .await
        .unwrap()
        .is_none());
    let actions: Vec<String> = store
        .recent_audit(GuildId(bot.guild), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "schedule.remove",
            "schedule.edit",
            "schedule.resume",
            "schedule.pause",
            "schedule.add"
        ]
    );
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_schedules_are_refused_with_the_reason() {
    let bot = spawn_bot().await;
    let admin = moderator(&bot);
    let quiet_role = bot.discord.create_role(bot.guild, "Quiet", 0, false);
    let elsewhere = bot.discord.create_guild("Elsewhere");
    let foreign_channel = bot.discord.create_channel(elsewhere, "theirs");
    let locked = bot.discord.create_channel(bot.guild, "locked");
    bot.discord
        .set_bot_overwrite(locked, 0, permissions::SEND_MESSAGES);
    // No wait needed: the bot reads the channel and its overwrites from the
    // fake when a command names it.
    let add = |when: &str, extra: Vec<(&'static str, Value)>| {
        let mut options = vec![
            ("channel", json!(bot.channel.to_string())),
            ("exercise", json!("walk")),
            ("when", json!(when)),
        ];
        for (key, value) in extra {
            options.retain(|(k, _)| *k != key);
            options.push((key, value));
        }
        options
    };
    let cases = [
        (add("0 9 * *", vec![]), "A cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; expected 5 or 6 fields, got 4."),
        (add("* * * * *", vec![]), "`* * * * *` can fire 1 minute apart; the shortest interval allowed here is 5 minutes."),
        (add("0 0 31 2 *", vec![]), "`0 0 31 2 *` never fires: no date matches it."),
        (add("daily 10:30", vec![("timezone", json!("Mars/Olympus"))]), "Unknown time zone `Mars/Olympus`; use an IANA name such as Europe/Berlin or UTC."),
        // Another server's channel is answered exactly like one that does not exist.
        (add("daily 10:30", vec![("channel", json!(foreign_channel.to_string()))]), "I could not read the options of that command. Please pick the values from the lists and try again."),
        (add("daily 10:30", vec![("channel", json!("1"))]), "I could not read the options of that command. Please pick the values from the lists and try again."),
        (add("daily 10:30", vec![("channel", json!(locked.to_string()))]), "I cannot post there: I am missing Send Messages in that channel."),
        (add("daily 10:30", vec![("role", json!(quiet_role.to_string()))]), "The role Quiet cannot be mentioned; allow anyone to mention it in the server's role settings, or pick another role."),
        (add("daily 10:30", vec![("exercise", json!("running"))]), "There is no exercise `running`. Pick one of: calf-raises, heel-raises, walk, stretch, stairs, skipping, water."),
        (add("daily 10:30", vec![("until", json!("2001-01-01"))]), "`2001-01-01` is in the past."),
    ];
    for (options, expected) in cases {
        assert_eq!(
            run(&bot, admin, "schedule add", &options).await,
            expected,
            "{options:?}"
        );
    }
    let store = bot.store().await;
    assert_eq!(
        store.count_schedules(GuildId(bot.guild)).await.unwrap(),
        0,
        "nothing was stored"
    );

    // Another server's schedule is answered like one that does not exist.
    let other_admin_role =
        bot.discord
            .create_role(elsewhere, "Admins", permissions::MANAGE_GUILD, false);
    let other_admin = bot
        .discord
        .add_member(elsewhere, "Other mod", &[other_admin_role]);
    let other_channel = bot.discord.create_channel(elsewhere, "general");
    let id = bot
        .discord
        .send_command(
            elsewhere,
            other_channel,
            other_admin,
            "schedule add",
            &[
                ("channel", json!(other_channel.to_string())),
                ("exercise", json!("water")),
                ("when", json!("daily 11:00")),
            ],
        )
        .unwrap();
    let theirs = bot.discord.reply(id, REPLY).await.unwrap();
    assert!(
        theirs.content.starts_with("Added **#"),
        "{}",
        theirs.content
    );
    let their_id: i64 = theirs
        .content
        .split("**#")
        .nth(1)
        .unwrap()
        .split("**")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let text = run(
        &bot,
        admin,
        "schedule edit",
        &[("id", json!(their_id)), ("when", json!("daily 12:00"))],
    )
    .await;
    assert_eq!(
        text,
        format!("There is no schedule #{their_id} in this server; /schedule list shows them.")
    );
    for options in [
        vec![],
        vec![("id", json!(their_id)), ("when", json!("daily 12:00"))],
    ] {
        let text = run(&bot, admin, "schedule preview", &options).await;
        assert_eq!(
            text,
            "Give either a schedule number (`id`) or a spec to try (`when`)."
        );
    }
    for name in [
        "schedule remove",
        "schedule pause",
        "schedule resume",
        "schedule preview",
    ] {
        let text = run(&bot, admin, name, &[("id", json!(their_id))]).await;
        assert_eq!(
            text,
            format!("There is no schedule #{their_id} in this server; /schedule list shows them."),
            "/{name}"
        );
    }
    assert!(store
        .schedule(GuildId(elsewhere), ScheduleId(their_id))
        .await
        .unwrap()
        .is_some());
    // Even with a bad duration, another server's schedule does not exist here.
    let text = run(
        &bot,
        admin,
        "schedule pause",
        &[("id", json!(their_id)), ("for", json!("forever"))],
    )
    .await;
    assert_eq!(
        text,
        format!("There is no schedule #{their_id} in this server; /schedule list shows them.")
    );
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_the_bot_cannot_see_is_refused_wherever_it_is_named() {
    let bot = spawn_bot().await;
    let admin = moderator(&bot);
    let added = run(
        &bot,
        admin,
        "schedule add",
        &[
            ("channel", json!(bot.channel.to_string())),
            ("exercise", json!("walk")),
            ("when", json!("daily 09:30")),
        ],
    )
    .await;
    assert!(added.starts_with("Added **#1**"), "{added}");
    // Discord answers 403 Missing Permissions when the bot reads it.
    let hidden = bot.discord.create_channel(bot.guild, "hidden");
    bot.discord
        .set_channel_access(hidden, ChannelAccess::Forbidden);
    let refused = "I cannot post there: I am missing View Channel in that channel.";
    let hidden = json!(hidden.to_string());
    let cases = [
        (
            "schedule add",
            vec![
                ("channel", hidden.clone()),
                ("exercise", json!("walk")),
                ("when", json!("daily 10:30")),
            ],
        ),
        (
            "schedule edit",
            vec![("id", json!(1)), ("channel", hidden.clone())],
        ),
        ("settings leaderboard-channel", vec![("channel", hidden)]),
    ];
    for (name, options) in cases {
        assert_eq!(run(&bot, admin, name, &options).await, refused, "/{name}");
    }
    let store = bot.store().await;
    assert_eq!(
        store.count_schedules(GuildId(bot.guild)).await.unwrap(),
        1,
        "nothing was added"
    );
    let kept = store
        .schedule(GuildId(bot.guild), ScheduleId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.channel.0, bot.channel, "the schedule kept its channel");
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_cannot_touch_schedules() {
    let bot = spawn_bot().await;
    let admin = moderator(&bot);
    let added = run(
        &bot,
        admin,
        "schedule add",
        &[
            ("channel", json!(bot.channel.to_string())),
            ("exercise", json!("walk")),
            ("when", json!("daily 09:30")),
        ],
    )
    .await;
    assert!(added.starts_with("Added **#1**"), "{added}");
    let store = bot.store().await;
    let before = store
        .schedule(GuildId(bot.guild), ScheduleId(1))
        .await
        .unwrap();
    let audit_before = store.recent_audit(GuildId(bot.guild), 50).await.unwrap();
    for (name, options) in [
        (
            "schedule add",
            vec![
                ("channel", json!(bot.channel.to_string())),
                ("exercise", json!("walk")),
                ("when", json!("daily 10:30")),
            ],
        ),
        ("schedule list", vec![]),
        ("schedule preview", vec![("when", json!("daily 10:30"))]),
        ("schedule remove", vec![("id", json!(1))]),
        (
            "schedule edit",
            vec![("id", json!(1)), ("when", json!("daily 11:00"))],
        ),
        ("schedule pause", vec![("id", json!(1))]),
        ("schedule resume", vec![("id", json!(1))]),
        ("schedule preview", vec![("id", json!(1))]),
    ] {
        let text = run(&bot, bot.member, name, &options).await;
        assert_eq!(text, "Only moderators can do that: members with Manage Server, or with the server's moderator role.", "/{name}");
    }
    // Nothing changed: the schedule and the audit log are as they were.
    assert_eq!(store.count_schedules(GuildId(bot.guild)).await.unwrap(), 1);
    assert_eq!(
        store
            .schedule(GuildId(bot.guild), ScheduleId(1))
            .await
            .unwrap(),
        before
    );
    assert_eq!(
        store.recent_audit(GuildId(bot.guild), 50).await.unwrap(),
        audit_before
    );
    // A moderator command in a direct message is refused politely.
    let id = bot.discord.send_dm_command(admin, "audit", &[]).unwrap();
    let reply = bot.discord.reply(id, REPLY).await.unwrap();
    assert_eq!(
        reply.content,
        "This command works in a server, not in direct messages."
    );
    store.close().await;
    bot.finish();
}
