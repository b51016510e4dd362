//! Goals, milestones and role rewards end to end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use fake_discord::permissions;
use secondheart::domain::{GuildId, UserId};
use serde_json::json;

use crate::support::bot::{spawn_bot, spawn_bot_with, Bot};
use crate::support::{checkin, wait_for};

const ANNOUNCED: Duration = Duration::from_secs(20);

/// Interaction ids of the stored past check-ins, unique across tests.
static PAST_INTERACTIONS: AtomicU64 = AtomicU64::new(5_000_000);

/// Stores a walk for `user` on each of the `days` days before today, as
/// if checked in then (the bot's server is in UTC).
async fn history(bot: &Bot, user: u64, days: i64) {
    let store = bot.store().await;
    for day in 1..=days {
        let at = Utc::now() - chrono::Duration::days(day);
        let interaction = PAST_INTERACTIONS.fetch_add(1, Ordering::Relaxed);
        let mut past = checkin(interaction, user, at);
        past.guild = GuildId(bot.guild);
        store.record_checkin(past).await.unwrap();
    }
    store.close().await;
}

/// What members see in the channel from the bot (replies to check-ins and
/// announcements).
fn bot_posts(bot: &Bot) -> Vec<String> {
    bot.discord
        .channel_as_seen_by(bot.channel, bot.member)
        .into_iter()
        .filter(|m| m.author_id == bot.discord.bot_user_id() && m.embeds == json!([]))
        .map(|m| m.content)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_reply_shows_goal_progress_and_the_daily_cap_plainly() {
    let bot = spawn_bot().await;
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(20))],
        )
        .await;
    assert!(
        reply.content.contains("walk: 20 of 30 min today"),
        "{}",
        reply.content
    );
    assert!(
        reply.content.contains("strength: 0 of 3 days this week"),
        "{}",
        reply.content
    );
    assert!(
        reply.content.contains("water: 0 of 6 glasses"),
        "{}",
        reply.content
    );

    // Fair play: 120 minutes of walking a day earn points; past that the
    // check-in is logged for nothing, and the reply says so.
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("walk")), ("amount", json!(90))],
    )
    .await;
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(30))],
        )
        .await;
    assert!(
        reply
            .content
            .starts_with("Logged **30 minutes** of Brisk walk (+10 points)."),
        "{}",
        reply.content
    );
    assert!(
        reply.content.contains(
            "points stop at 120 minutes of brisk walk a day, so 20 minutes earned no points"
        ),
        "{}",
        reply.content
    );

    // Own targets, within bounds.
    let reply = bot
        .ask(bot.member, "me goals", &[("walk_minutes", json!(45))])
        .await;
    assert!(
        reply.content.contains("**45 min** a day"),
        "{}",
        reply.content
    );
    let reply = bot
        .ask(bot.member, "me goals", &[("walk_minutes", json!(500))])
        .await;
    assert!(reply.ephemeral);
    assert_eq!(
        reply.content,
        "The walk goal takes 5 to 180 minutes a day; 500 is outside that."
    );
    let stats = bot.ask(bot.member, "stats", &[]).await;
    assert!(
        stats.content.contains("walk: 140 of 45 min today ✓"),
        "{}",
        stats.content
    );
    assert!(
        stats.content.contains("0 freezes held, 0 used"),
        "{}",
        stats.content
    );
    // Goals off: no progress shown.
    bot.ask(bot.member, "me goals", &[("enabled", json!(false))])
        .await;
    let stats = bot.ask(bot.member, "stats", &[]).await;
    assert!(!stats.content.contains("Goals:"), "{}", stats.content);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seven_day_streak_is_announced_once_without_pings() {
    let bot = spawn_bot().await;
    let shy = bot.discord.add_member(bot.guild, "Shy", &[]);
    history(&bot, bot.member, 6).await;
    history(&bot, shy, 6).await;
    bot.ask(
        shy,
        "privacy",
        &[(
            "leaderboard",
            bot.choice("privacy", "leaderboard", "off").await,
        )],
    )
    .await;

    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("water")), ("amount", json!(1))],
        )
        .await;
    assert!(
        reply.content.contains("streak **7 days**"),
        "{}",
        reply.content
    );
    wait_for("the milestone announcement", ANNOUNCED, || {
        bot_posts(&bot)
            .iter()
            .any(|p| p.contains("reached a **7-day streak**"))
    })
    .await;
    let announcement = bot
        .discord
        .requests()
        .into_iter()
        .find(|r| {
            r.method == "POST"
                && r.path
                    .ends_with(&format!("/channels/{}/messages", bot.channel))
        })
        .expect("the announcement's request");
    // Nothing may ping: no mention types parsed, no users or roles listed.
    let allowed = &announcement.body.as_ref().unwrap()["allowed_mentions"];
    assert_eq!(allowed["parse"], json!([]), "{allowed}");
    for list in ["users", "roles"] {
        assert!(
            allowed[list].as_array().is_none_or(Vec::is_empty),
            "{allowed}"
        );
    }
    assert!(bot_posts(&bot)
        .iter()
        .any(|p| p.starts_with("🔥 **Ada** reached a **7-day streak**!")));

    // Another check-in the same day, and the opted-out member's seventh
    // day: nothing more is announced.
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("water")), ("amount", json!(1))],
    )
    .await;
    let reply = bot
        .ask(
            shy,
            "checkin",
            &[("exercise", json!("water")), ("amount", json!(1))],
        )
        .await;
    assert!(
        reply.content.contains("streak **7 days**"),
        "{}",
        reply.content
    );
    let store = bot.store().await;
    let celebrated = store
        .celebrations(GuildId(bot.guild), UserId(shy))
        .await
        .unwrap();
    assert!(celebrated.contains("streak-7"), "remembered, not announced");
    store.close().await;
    // Bea's seventh day is announced: by then anything the check-ins
    // before it set off has been posted.
    let bea = bot.discord.add_member(bot.guild, "Bea", &[]);
    history(&bot, bea, 6).await;
    bot.ask(
        bea,
        "checkin",
        &[("exercise", json!("water")), ("amount", json!(1))],
    )
    .await;
    wait_for("Bea's announcement", ANNOUNCED, || {
        bot_posts(&bot)
            .iter()
            .any(|p| p.contains("**Bea** reached"))
    })
    .await;
    let streaks: Vec<String> = bot_posts(&bot)
        .into_iter()
        .filter(|p| p.contains("reached a"))
        .collect();
    assert_eq!(streaks.len(), 2, "{streaks:?}");
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_reward_is_granted_once() {
    let mut reward = 0;
    let bot = spawn_bot_with(|discord, guild| {
        reward = discord.create_role(guild, "Week streak", 0, false);
        let bot_role = discord.create_role(guild, "secondheart", permissions::MANAGE_ROLES, false);
        discord.set_member_roles(guild, discord.bot_user_id(), &[bot_role]);
    })
    .await;
    let moderator = bot.add_moderator("Mo");
    let reply = bot
        .ask(
            moderator,
            "settings milestone-role",
            &[("days", json!(7)), ("role", json!(reward.to_string()))],
        )
        .await;
    assert_eq!(
        reply.content,
        "Members reaching a 7-day streak get the role **Week streak**."
    );
    history(&bot, bot.member, 6).await;
    for _ in 0..2 {
        bot.ask(
            bot.member,
            "checkin",
            &[("exercise", json!("water")), ("amount", json!(1))],
        )
        .await;
    }
    wait_for("the role reward", ANNOUNCED, || {
        bot.discord.member_roles(bot.guild, bot.member) == [reward]
    })
    .await;
    let grants = |bot: &Bot| {
        bot.discord
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.contains("/roles/"))
            .count()
    };
    // A restart sends nothing again: the grant is remembered as done.
    let mut bot = bot;
    bot.restart();
    bot.wait_connected().await;
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("water")), ("amount", json!(1))],
    )
    .await;
    assert_eq!(grants(&bot), 1);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manage_roles_given_while_the_bot_runs_counts_at_once() {
    let mut reward = 0;
    let bot = spawn_bot_with(|discord, guild| {
        reward = discord.create_role(guild, "Week streak", 0, false);
    })
    .await;
    let moderator = bot.add_moderator("Mo");
    let options = [("days", json!(7)), ("role", json!(reward.to_string()))];
    let reply = bot
        .ask(moderator, "settings milestone-role", &options)
        .await;
    assert_eq!(
        reply.content,
        "I cannot give that role: I am missing the Manage Roles permission; give it to my role in the server settings."
    );
    // An owner gives the bot a role with Manage Roles, above the reward;
    // the bot checks the server as Discord has it now.
    let bot_role =
        bot.discord
            .create_role(bot.guild, "secondheart", permissions::MANAGE_ROLES, false);
    bot.discord
        .set_member_roles(bot.guild, bot.discord.bot_user_id(), &[bot_role]);
    let reply = bot
        .ask(moderator, "settings milestone-role", &options)
        .await;
    assert_eq!(
        reply.content,
        "Members reaching a 7-day streak get the role **Week streak**."
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_reward_is_refused_clearly_without_manage_roles() {
    let mut reward = 0;
    let bot = spawn_bot_with(|discord, guild| {
        reward = discord.create_role(guild, "Week streak", 0, false);
    })
    .await;
    let moderator = bot.add_moderator("Mo");
    let reply = bot
        .ask(
            moderator,
            "settings milestone-role",
            &[("days", json!(7)), ("role", json!(reward.to_string()))],
        )
        .await;
    assert!(reply.ephemeral);
    assert_eq!(
        reply.content,
        "I cannot give that role: I am missing the Manage Roles permission; give it to my role in the server settings."
    );
    let reply = bot
        .ask(
            moderator,
            "settings milestone-role",
            &[("days", json!(8)), ("role", json!(reward.to_string()))],
        )
        .await;
    assert_eq!(
        reply.content,
        "Role rewards are for streaks of 7, 30 or 100 days."
    );
    let store = bot.store().await;
    assert!(store
        .milestone_roles(GuildId(bot.guild))
        .await
        .unwrap()
        .is_empty());
    store.close().await;
    bot.finish();
}
