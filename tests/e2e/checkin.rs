//! `/checkin` end to end: the real binary, the fake Discord, a real SQLite file.

use std::time::Duration;

use chrono::Utc;
use fake_discord::FaultKind;
use secondheart::domain::{GuildId, UserId};
use serde_json::{json, Value};

use crate::support::bot::spawn_bot;
use crate::support::wait_for;

crate::support::on_both_backends!(
    exercises_are_suggested_from_the_catalog_and_no_choices_are_rewritten,
    a_check_in_is_stored_and_confirmed_with_todays_total,
    bad_input_is_refused_privately_and_nothing_is_stored,
    mentions_in_a_note_are_echoed_without_pinging,
    an_interaction_delivered_twice_counts_once,
    a_reply_refused_as_expired_withdraws_the_check_in,
    a_failure_on_our_side_shows_an_error_id_and_nothing_internal,
    unchanged_commands_are_not_registered_again_after_a_restart,
    a_check_in_delivered_late_is_deferred_at_once,
);

const REPLY: Duration = Duration::from_secs(20);

async fn stored(
    bot: &crate::support::bot::Bot,
    user: u64,
) -> Vec<secondheart::domain::checkin::CheckIn> {
    let store = bot.store().await;
    let from = Utc::now() - chrono::Duration::days(2);
    let to = Utc::now() + chrono::Duration::days(2);
    let rows = store
        .member_checkins(GuildId(bot.guild), UserId(user), from, to)
        .await
        .unwrap();
    store.close().await;
    rows
}

/// Every option with choices, with the path of its command.
fn options_with_choices(options: &Value, path: &str, found: &mut Vec<(String, Value)>) {
    for option in options.as_array().into_iter().flatten() {
        let path = format!("{path} {}", option["name"].as_str().unwrap_or("?"));
        if option.get("choices").is_some() {
            found.push((path.clone(), option.clone()));
        }
        options_with_choices(&option["options"], &path, found);
    }
}

/// Exercises are typed with suggestions from the catalog; the choices that
/// are registered are the fixed sets the commands declare, as poise writes
/// them (numbered), not lists written into the definitions afterwards.
async fn exercises_are_suggested_from_the_catalog_and_no_choices_are_rewritten() {
    let bot = spawn_bot().await;
    let commands = bot.discord.wait_for_commands(REPLY).await.unwrap();
    let mut with_choices = Vec::new();
    for command in &commands {
        options_with_choices(
            &command["options"],
            command["name"].as_str().unwrap(),
            &mut with_choices,
        );
    }
    let paths: Vec<&str> = with_choices.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "stats period",
            "leaderboard period",
            "leaderboard metric",
            "privacy leaderboard",
            "settings week-start day",
            "settings exercises enabled",
            "settings leaderboard-schedule week",
            "team-goal set metric",
            "team-goal set period"
        ]
    );
    for (path, option) in &with_choices {
        assert_eq!(option["type"], 4, "{path}: poise's choices are integers");
        for (index, choice) in option["choices"].as_array().unwrap().iter().enumerate() {
            assert_eq!(choice["value"], json!(index), "{path}");
        }
    }
    let exercise_options = ["checkin", "leaderboard", "settings exercises"];
    for name in exercise_options {
        let mut path = name.split(' ');
        let top = path.next().unwrap();
        let mut options = &commands.iter().find(|c| c["name"] == top).unwrap()["options"];
        for sub in path {
            options = &options
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == sub)
                .unwrap()["options"];
        }
        let exercise = options
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "exercise")
            .unwrap();
        assert_eq!(exercise["autocomplete"], true, "/{name} exercise");
    }

    for (name, partial, expected) in [
        (
            "checkin",
            "rais",
            json!([
                {"name": "Standing calf raises", "value": "calf-raises"},
                {"name": "Seated heel raises", "value": "heel-raises"}
            ]),
        ),
        (
            "leaderboard",
            "BRISK",
            json!([{"name": "Brisk walk", "value": "walk"}]),
        ),
        ("settings exercises", "running", json!([])),
    ] {
        let id = bot
            .discord
            .send_autocomplete(
                bot.guild,
                bot.channel,
                bot.member,
                name,
                &[],
                ("exercise", partial),
            )
            .unwrap();
        let suggestions = bot
            .discord
            .reply(id, REPLY)
            .await
            .expect("autocomplete choices");
        assert_eq!(suggestions.kind, 8);
        assert_eq!(
            suggestions.data["choices"], expected,
            "/{name} exercise:{partial}"
        );
    }

    // A value typed past the suggestions is refused politely.
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("running")), ("amount", json!(3))],
        )
        .await;
    assert_eq!(
        (reply.content.as_str(), reply.ephemeral),
        ("There is no exercise `running`. Pick one of: calf-raises, heel-raises, walk, stretch, stairs, skipping, water.", true)
    );
    bot.finish();
}

async fn a_check_in_is_stored_and_confirmed_with_todays_total() {
    let bot = spawn_bot().await;
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(30))],
        )
        .await;
    assert_eq!(
        reply.content.lines().next(),
        Some("Logged **30 minutes** of Brisk walk (+30 points). Today: 30 minutes.")
    );
    assert!(!reply.ephemeral);

    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(10))],
        )
        .await;
    assert!(
        reply
            .content
            .lines()
            .next()
            .unwrap()
            .ends_with("Today: 40 minutes."),
        "{}",
        reply.content
    );

    let rows = stored(&bot, bot.member).await;
    assert_eq!(
        rows.iter()
            .map(|c| (c.exercise.as_str(), c.amount, c.points))
            .collect::<Vec<_>>(),
        [("walk", 30, 30), ("walk", 10, 10)]
    );
    // The member's name as last seen, for leaderboards.
    let store = bot.store().await;
    let prefs = store
        .member_prefs(GuildId(bot.guild), UserId(bot.member))
        .await
        .unwrap();
    assert_eq!(prefs.display_name.as_deref(), Some("Ada"));
    store.close().await;
    bot.finish();
}

async fn bad_input_is_refused_privately_and_nothing_is_stored() {
    let bot = spawn_bot().await;
    let long_note = "x".repeat(5000);
    let cases = [
        (vec![("exercise", json!("running")), ("amount", json!(5))], "There is no exercise `running`. Pick one of: calf-raises, heel-raises, walk, stretch, stairs, skipping, water."),
        (vec![("exercise", json!("walk")), ("amount", json!(0))], "Brisk walk takes an amount from 1 to 300 minutes per check-in."),
        (vec![("exercise", json!("walk")), ("amount", json!(-5))], "Brisk walk takes an amount from 1 to 300 minutes per check-in."),
        (vec![("exercise", json!("calf-raises")), ("amount", json!(1_000_000_000))], "Standing calf raises takes an amount from 1 to 500 reps per check-in."),
        (vec![("exercise", json!("walk")), ("amount", json!(10)), ("note", json!(long_note))], "Your note is 5000 characters long; please keep it to 200."),
    ];
    for (options, expected) in cases {
        // What a modified client could send; Discord's own client would not.
        let id = bot
            .discord
            .send_command_unchecked(bot.guild, bot.channel, bot.member, "checkin", &options)
            .unwrap();
        let reply = bot.discord.reply(id, REPLY).await.expect("a reply");
        assert_eq!(reply.content, expected);
        assert!(reply.ephemeral, "errors are private");
    }
    // Discord's client itself refuses what the definitions rule out. (An
    // exercise is typed with suggestions, so any text gets through; the bot
    // refuses it, above.)
    assert!(bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(0))]
        )
        .is_err());
    assert!(stored(&bot, bot.member).await.is_empty());
    bot.finish();
}

async fn mentions_in_a_note_are_echoed_without_pinging() {
    let bot = spawn_bot().await;
    let role = bot.discord.create_role(bot.guild, "Walkers", 0, true);
    let note = format!("@everyone <@&{role}> <@{}> **go**", bot.member);
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[
                ("exercise", json!("water")),
                ("amount", json!(1)),
                ("note", json!(note)),
            ],
        )
        .await;
    assert!(
        reply.content.starts_with(&format!("Logged **1 glass** of Glass of water (+2 points). Today: 1 glass.\n> @everyone <@&{role}> <@{}> \\*\\*go\\*\\*\n", bot.member)),
        "{}",
        reply.content
    );
    // Nothing may ping: no mention types parsed, no users or roles listed.
    let allowed = reply
        .allowed_mentions
        .expect("allowed_mentions is always sent");
    for kind in ["parse", "users", "roles"] {
        assert!(
            allowed.get(kind).is_none_or(|v| v == &json!([])),
            "{allowed}"
        );
    }
    assert_eq!(allowed["parse"], json!([]));
    bot.finish();
}

async fn an_interaction_delivered_twice_counts_once() {
    let bot = spawn_bot().await;
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("stretch")), ("amount", json!(2))],
        )
        .unwrap();
    bot.discord.reply(id, REPLY).await.expect("a reply");
    bot.discord.redeliver(id);
    // Give the bot time to handle the second delivery.
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("water")), ("amount", json!(1))],
    )
    .await;
    let rows = stored(&bot, bot.member).await;
    assert_eq!(
        rows.iter()
            .filter(|c| c.exercise.as_str() == "stretch")
            .count(),
        1
    );
    assert_eq!(bot.discord.responses_accepted(id), 1);
    bot.finish();
}

async fn a_reply_refused_as_expired_withdraws_the_check_in() {
    let bot = spawn_bot().await;
    // The response arrives after Discord's three seconds: 10062.
    bot.discord.fail_next(
        Some("POST"),
        "/callback",
        1,
        FaultKind::Delay(Duration::from_millis(3500)),
    );
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(15))],
        )
        .unwrap();
    let requests = || {
        bot.discord
            .requests()
            .into_iter()
            .filter(|r| r.path.contains(&id.to_string()))
            .count()
    };
    wait_for("the bot's reply", Duration::from_secs(10), || {
        requests() > 0
    })
    .await;
    // Stored first, then taken back once Discord refused the late reply.
    wait_for(
        "the check-in to be withdrawn",
        Duration::from_secs(10),
        || bot.log().contains("reply failed; withdrawing the check-in"),
    )
    .await;
    crate::support::wait_for_async(
        "the withdrawal to be stored",
        Duration::from_secs(10),
        || async { stored(&bot, bot.member).await.is_empty() },
    )
    .await;
    assert_eq!(bot.discord.responses_accepted(id), 0);
    bot.finish();
}

async fn a_failure_on_our_side_shows_an_error_id_and_nothing_internal() {
    let bot = spawn_bot().await;
    // Discord fails the first response; the bot's apology goes through.
    bot.discord
        .fail_next(Some("POST"), "/callback", 1, FaultKind::Status(500));
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(12))],
        )
        .unwrap();
    let reply = bot.discord.reply(id, REPLY).await.expect("an apology");
    assert!(reply.ephemeral);
    let (before, rest) = reply
        .content
        .split_once("error id: `")
        .expect("an error id");
    assert_eq!(
        before,
        "Sorry, something went wrong on my side. If it keeps happening, give a moderator this "
    );
    let error_id = rest.trim_end_matches("`.");
    assert_eq!(error_id.len(), 6, "{}", reply.content);
    assert!(
        !reply.content.contains("500") && !reply.content.contains("Internal"),
        "{}",
        reply.content
    );
    // The log ties the id to the details.
    let log = bot.log();
    let line = log
        .lines()
        .find(|l| l.contains(error_id))
        .unwrap_or_else(|| panic!("error id not logged:\n{log}"));
    assert!(line.contains("command failed"), "{line}");
    // The member saw a failure and will try again: the check-in does not count.
    assert!(stored(&bot, bot.member).await.is_empty());
    bot.finish();
}

async fn unchanged_commands_are_not_registered_again_after_a_restart() {
    let mut bot = spawn_bot().await;
    assert_eq!(bot.discord.command_overwrites(), 1);
    // The fake sees the registration before the bot has noted it down.
    wait_for(
        "the registration to be noted",
        Duration::from_secs(5),
        || bot.log().contains("slash commands registered"),
    )
    .await;
    bot.restart();
    bot.wait_connected().await;
    wait_for(
        "the registration to be found unchanged",
        Duration::from_secs(5),
        || bot.log().contains("slash commands unchanged"),
    )
    .await;
    assert!(
        bot.log().contains("slash commands unchanged"),
        "{}",
        bot.log()
    );
    // Registration is looked at before the gateway session: the second
    // IDENTIFY may come just after.
    wait_for(
        "the restarted bot to identify",
        Duration::from_secs(30),
        || bot.discord.identifies() == 2 && bot.discord.connected(),
    )
    .await;
    assert_eq!(bot.discord.command_overwrites(), 1);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_waiting_on_a_locked_database_are_deferred_then_confirmed_once() {
    // A store write gives up after one second of waiting for the lock; the
    // lock below is held four, longer than Discord's three.
    let bot = crate::support::bot::spawn_bot_configured(&[(
        "SECONDHEART__DATABASE__BUSY_TIMEOUT_MS",
        "1000",
    )])
    .await;
    let mut members = vec![bot.member];
    for name in ["Bo", "Cy", "Di"] {
        members.push(bot.discord.add_member(bot.guild, name, &[]));
    }
    // Another process (a backup tool, a second deployment) takes the write lock.
    let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect(&bot.database_url())
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let locked = std::time::Instant::now();
    let interactions: Vec<u64> = members
        .iter()
        .map(|&member| {
            bot.discord
                .send_command(
                    bot.guild,
                    bot.channel,
                    member,
                    "checkin",
                    &[("exercise", json!("walk")), ("amount", json!(10))],
                )
                .unwrap()
        })
        .collect();
    // Each is answered "thinking…" while the lock is still held.
    crate::support::wait_for("every check-in deferred", Duration::from_secs(3), || {
        interactions
            .iter()
            .all(|&i| bot.discord.responses_accepted(i) == 1)
    })
    .await;
    let held = Duration::from_secs(4).saturating_sub(locked.elapsed());
    tokio::time::sleep(held).await;
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    for &interaction in &interactions {
        let reply = bot
            .discord
            .reply(interaction, REPLY)
            .await
            .unwrap_or_else(|| panic!("no confirmation; log:\n{}", bot.log()));
        assert_eq!(reply.kind, 5);
        assert_eq!(
            (reply.content.lines().next(), reply.ephemeral),
            (
                Some("Logged **10 minutes** of Brisk walk (+10 points). Today: 10 minutes."),
                false
            )
        );
    }
    crate::support::wait_for_async("every check-in stored", REPLY, || async {
        let mut each = Vec::new();
        for &member in &members {
            each.push(stored(&bot, member).await.len());
        }
        each == [1, 1, 1, 1]
    })
    .await;
    bot.finish();
}

async fn a_check_in_delivered_late_is_deferred_at_once() {
    let bot = spawn_bot().await;
    // Discord created it 2.3 s before the bot got it: of its three seconds,
    // too little is left to store first and answer after.
    bot.discord.set_delivery_delay(Duration::from_millis(2300));
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(30))],
        )
        .await;
    assert_eq!(reply.kind, 5, "{reply:?}");
    assert_eq!(
        reply.content.lines().next(),
        Some("Logged **30 minutes** of Brisk walk (+30 points). Today: 30 minutes.")
    );
    assert_eq!(stored(&bot, bot.member).await.len(), 1);
    bot.finish();
}
