//! Prompts posted on their schedules: on time and once, mentions, the
//! leaderboard, a channel's pace and rotations.

use std::time::Duration;

use fake_discord::{FaultKind, SeenMessage};
use secondheart::domain::{GuildId, OccurrenceId, ScheduleId};
use serde_json::json;

use crate::support::bot::spawn_bot_configured;
use crate::support::{wait_for, wait_for_async};

use super::*;

crate::support::on_both_backends!(
    prompts_go_out_once_each_within_a_second_of_their_due_instant,
    a_role_is_the_only_mention_and_a_test_prompt_counts_nothing,
    the_leaderboard_is_posted_on_its_schedule_through_the_same_claims,
    prompts_due_together_take_turns_and_keep_to_a_channels_pace,
    a_rotation_prompts_its_exercises_in_turn_and_the_list_shows_it,
);

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
