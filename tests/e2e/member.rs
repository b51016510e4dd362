//! Member commands end to end: /undo, /stats, /leaderboard, /me timezone,
//! /privacy, /help, and commands in a direct message.

use std::time::Duration;

use chrono::Utc;
use secondheart::domain::checkin::{NewCheckIn, Source};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::{GuildId, InteractionId, UserId};
use serde_json::json;

use crate::support::bot::{spawn_bot, Bot};

const REPLY: Duration = Duration::from_secs(20);

async fn checkin(bot: &Bot, user: u64, exercise: &str, amount: i64) {
    let reply = bot
        .ask(
            user,
            "checkin",
            &[("exercise", json!(exercise)), ("amount", json!(amount))],
        )
        .await;
    assert!(reply.content.starts_with("Logged"), "{}", reply.content);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_removes_the_latest_recent_check_in_only() {
    let bot = spawn_bot().await;
    let reply = bot.ask(bot.member, "undo", &[]).await;
    assert_eq!(
        (reply.content.as_str(), reply.ephemeral),
        ("You have no check-in here to undo.", true)
    );
    checkin(&bot, bot.member, "walk", 10).await;
    checkin(&bot, bot.member, "water", 2).await;
    let reply = bot.ask(bot.member, "undo", &[]).await;
    assert_eq!(
        reply.content,
        "Removed your check-in: **2 glasses** of Glass of water (−4 points)."
    );

    // A check-in two hours old cannot be undone.
    let store = bot.store().await;
    let old = Utc::now() - chrono::Duration::hours(2);
    store
        .record_checkin(NewCheckIn {
            interaction: InteractionId(42),
            guild: GuildId(bot.guild),
            user: UserId(bot.member),
            exercise: ExerciseKey::parse("stretch").unwrap(),
            amount: 2,
            points: 4,
            at: old,
            local_date: old.date_naive(),
            source: Source::Command,
            occurrence: None,
            recorded_by: None,
            note: None,
        })
        .await
        .unwrap();
    // The walk is still the latest; remove it, then only the old one is left.
    bot.ask(bot.member, "undo", &[]).await;
    let reply = bot.ask(bot.member, "undo", &[]).await;
    assert!(
        reply.content.starts_with("Your latest check-in is 1"),
        "{}",
        reply.content
    );
    assert!(
        reply
            .content
            .ends_with("minutes old; /undo works for an hour after a check-in."),
        "{}",
        reply.content
    );
    let left = store
        .latest_checkin(GuildId(bot.guild), UserId(bot.member))
        .await
        .unwrap();
    assert_eq!(left.map(|c| c.interaction), Some(InteractionId(42)));
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_show_totals_streak_and_today() {
    let bot = spawn_bot().await;
    let other = bot.discord.add_member(bot.guild, "Bo", &[]);
    checkin(&bot, bot.member, "walk", 30).await;
    checkin(&bot, bot.member, "calf-raises", 20).await;
    let reply = bot.ask(bot.member, "stats", &[]).await;
    assert_eq!(
        reply.content,
        "**Your stats** this week\n**40 points** · streak **1 day** (best 1 day) · 0 freezes held, 0 used\n• Standing calf raises: 20 reps (10 points)\n• Brisk walk: 30 minutes (30 points)\nToday: Standing calf raises: 20 reps, Brisk walk: 30 minutes\nGoals: walk: 30 of 30 min today ✓ · strength: 1 of 3 days this week · heel raises: 0 of 8 sets · water: 0 of 6 glasses"
    );
    // Another member's, by mention; nothing pings.
    let reply = bot
        .ask(
            other,
            "stats",
            &[
                ("member", json!(bot.member.to_string())),
                ("period", bot.choice("stats", "period", "All time").await),
            ],
        )
        .await;
    assert!(
        reply
            .content
            .starts_with("**Stats for Ada** of all time\n**40 points**"),
        "{}",
        reply.content
    );
    let reply = bot.ask(other, "stats", &[]).await;
    assert!(
        reply.content.contains("No check-ins this week yet."),
        "{}",
        reply.content
    );
    // A modified client can send a period past the choices.
    let reply = bot
        .ask_unchecked(other, "stats", &[("period", json!(6))])
        .await;
    assert!(
        reply
            .content
            .starts_with("I could not read the options of that command."),
        "{}",
        reply.content
    );
    assert!(reply.ephemeral);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaderboards_share_ranks_and_leave_out_opted_out_members() {
    let bot = spawn_bot().await;
    let bo = bot.discord.add_member(bot.guild, "Bo", &[]);
    let cy = bot.discord.add_member(bot.guild, "Cy <@&1> @everyone", &[]);
    let di = bot.discord.add_member(bot.guild, "Di", &[]);
    checkin(&bot, bot.member, "walk", 50).await; // Ada: 50, first
    checkin(&bot, bo, "walk", 50).await; // Bo: 50, later
    checkin(&bot, cy, "walk", 30).await;
    checkin(&bot, di, "walk", 100).await;
    let reply = bot
        .ask(
            di,
            "privacy",
            &[(
                "leaderboard",
                bot.choice("privacy", "leaderboard", "off").await,
            )],
        )
        .await;
    assert!(
        reply
            .content
            .starts_with("You are off this server's leaderboards."),
        "{}",
        reply.content
    );
    // Their stats are private to others now, not to themselves.
    let reply = bot
        .ask(cy, "stats", &[("member", json!(di.to_string()))])
        .await;
    assert_eq!(
        (reply.content.as_str(), reply.ephemeral),
        ("That member keeps their stats private.", true)
    );
    // It said "thinking…" publicly first; that message is gone, so nobody
    // sees an empty answer left behind.
    assert_eq!(reply.kind, 5);
    for viewer in [cy, bo] {
        let seen = bot.discord.channel_as_seen_by(bot.channel, viewer);
        assert!(seen.iter().all(|m| !m.content.is_empty()), "{seen:?}");
    }
    let reply = bot.ask(di, "stats", &[]).await;
    assert!(
        reply.content.starts_with("**Your stats**"),
        "{}",
        reply.content
    );

    let reply = bot.ask(cy, "leaderboard", &[]).await;
    assert_eq!(reply.kind, 5, "a leaderboard answers \"thinking…\" first");
    assert_eq!(
        reply.content,
        "**Leaderboard** · points · this week\n1. Ada — 50 points\n1. Bo — 50 points\n3. Cy <@&1> @everyone (you) — 30 points"
    );
    assert_eq!(
        reply.allowed_mentions.as_ref().map(|m| m["parse"].clone()),
        Some(json!([]))
    );

    let reply = bot
        .ask(
            di,
            "privacy",
            &[(
                "leaderboard",
                bot.choice("privacy", "leaderboard", "on").await,
            )],
        )
        .await;
    assert_eq!(reply.content, "You are on this server's leaderboards.");
    let reply = bot
        .ask(
            cy,
            "leaderboard",
            &[
                (
                    "metric",
                    bot.choice("leaderboard", "metric", "Amount of one exercise")
                        .await,
                ),
                ("exercise", json!("walk")),
                ("period", bot.choice("leaderboard", "period", "Today").await),
            ],
        )
        .await;
    assert!(
        reply.content.starts_with(
            "**Leaderboard** · Brisk walk · today\n1. Di — 100 minutes\n2. Ada — 50 minutes"
        ),
        "{}",
        reply.content
    );

    let amount = bot
        .choice("leaderboard", "metric", "Amount of one exercise")
        .await;
    for (options, expected) in [
        (vec![("metric", amount)], "Ranking by amount needs an exercise: add the `exercise` option."),
        (vec![("exercise", json!("running"))], "There is no exercise `running`. Pick one of: calf-raises, heel-raises, walk, stretch, stairs, skipping, water."),
    ] {
        let reply = bot.ask_unchecked(cy, "leaderboard", &options).await;
        assert_eq!((reply.content.as_str(), reply.ephemeral), (expected, true));
        // Checked before "thinking…": answered at once, privately.
        assert_eq!(reply.kind, 4, "{options:?}");
    }
    let reply = bot
        .ask(
            cy,
            "leaderboard",
            &[(
                "metric",
                bot.choice("leaderboard", "metric", "Consistency (prompts answered)")
                    .await,
            )],
        )
        .await;
    assert!(
        reply
            .content
            .ends_with("Nobody has had 5 prompts in this period yet."),
        "{}",
        reply.content
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sets_their_own_zone_with_autocomplete() {
    let bot = spawn_bot().await;
    let id = bot
        .discord
        .send_autocomplete(
            bot.guild,
            bot.channel,
            bot.member,
            "me timezone",
            &[],
            ("zone", "berl"),
        )
        .unwrap();
    let suggestions = bot
        .discord
        .reply(id, REPLY)
        .await
        .expect("autocomplete choices");
    assert_eq!(suggestions.kind, 8);
    assert_eq!(
        suggestions.data["choices"],
        json!([{"name": "Europe/Berlin", "value": "Europe/Berlin"}])
    );

    let reply = bot
        .ask(
            bot.member,
            "me timezone",
            &[("zone", json!("Europe/Berlin"))],
        )
        .await;
    assert_eq!(
        (reply.content.as_str(), reply.ephemeral),
        ("Your streak days now follow **Europe/Berlin**.", true)
    );
    let store = bot.store().await;
    let prefs = store
        .member_prefs(GuildId(bot.guild), UserId(bot.member))
        .await
        .unwrap();
    assert_eq!(prefs.timezone, Some(chrono_tz::Europe::Berlin));
    let reply = bot
        .ask(
            bot.member,
            "me timezone",
            &[("zone", json!("Mars/Olympus"))],
        )
        .await;
    assert_eq!(
        reply.content,
        "Unknown time zone `Mars/Olympus`; use an IANA name such as Europe/Berlin or UTC."
    );
    let reply = bot
        .ask(bot.member, "me timezone", &[("zone", json!("server"))])
        .await;
    assert_eq!(
        reply.content,
        "Your streak days follow the server's time zone again."
    );
    assert_eq!(
        store
            .member_prefs(GuildId(bot.guild), UserId(bot.member))
            .await
            .unwrap()
            .timezone,
        None
    );
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_explains_the_habits_with_the_disclaimer_and_dms_are_refused_politely() {
    let bot = spawn_bot().await;
    let reply = bot.ask(bot.member, "help", &[]).await;
    assert!(reply.ephemeral);
    assert!(
        reply
            .content
            .contains("Seated heel raises every 30 minutes"),
        "{}",
        reply.content
    );
    assert!(
        reply.content.contains("not medical advice"),
        "{}",
        reply.content
    );
    assert!(reply.content.chars().count() <= 2000);

    let id = bot
        .discord
        .send_dm_command(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(5))],
        )
        .unwrap();
    let reply = bot
        .discord
        .reply(id, REPLY)
        .await
        .expect("a reply in the DM");
    assert_eq!(
        (reply.content.as_str(), reply.ephemeral),
        (
            "This command works in a server, not in direct messages.",
            true
        )
    );
    bot.finish();
}
