//! Moderator commands and the authorization the bot itself enforces.

use std::time::Duration;

use fake_discord::permissions;
use secondheart::domain::server::ServerSettings;
use secondheart::domain::GuildId;
use serde_json::{json, Value};

use crate::support::bot::{spawn_bot, Bot};

const REPLY: Duration = Duration::from_secs(20);

/// Every moderator command, with valid options.
async fn moderator_commands(
    bot: &Bot,
    role: u64,
) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let sunday = bot.choice("settings week-start", "day", "sunday").await;
    let off = bot.choice("settings exercises", "enabled", "off").await;
    vec![
        ("settings timezone", vec![("zone", json!("Europe/Berlin"))]),
        ("settings week-start", vec![("day", sunday)]),
        (
            "settings moderator-role",
            vec![("role", json!(role.to_string()))],
        ),
        (
            "settings quiet-hours",
            vec![("hours", json!("19:00-08:00")), ("days", json!("sat,sun"))],
        ),
        (
            "settings exercises",
            vec![("exercise", json!("water")), ("enabled", off)],
        ),
        ("settings show", vec![]),
        ("audit", vec![]),
    ]
}

/// Schedule commands a moderator (by role) may run.
fn schedule_commands(channel: u64) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    vec![
        (
            "schedule add",
            vec![
                ("channel", json!(channel.to_string())),
                ("exercise", json!("walk")),
                ("when", json!("daily 10:30")),
            ],
        ),
        ("schedule list", vec![]),
        ("schedule pause", vec![("id", json!(1))]),
        ("schedule resume", vec![("id", json!(1))]),
        (
            "schedule edit",
            vec![("id", json!(1)), ("when", json!("daily 11:00"))],
        ),
        ("schedule preview", vec![("id", json!(1))]),
        ("schedule remove", vec![("id", json!(1))]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_is_refused_every_moderator_command_and_nothing_changes() {
    let bot = spawn_bot().await;
    let role = bot.discord.create_role(bot.guild, "Coaches", 0, true);
    for (name, options) in moderator_commands(&bot, role).await {
        let reply = bot.ask(bot.member, name, &options).await;
        assert_eq!(
            (reply.content.as_str(), reply.ephemeral),
            ("Only moderators can do that: members with Manage Server, or with the server's moderator role.", true),
            "/{name}"
        );
    }
    let store = bot.store().await;
    assert_eq!(
        store.server_settings(GuildId(bot.guild)).await.unwrap(),
        ServerSettings::new(GuildId(bot.guild))
    );
    assert!(store
        .recent_audit(GuildId(bot.guild), 50)
        .await
        .unwrap()
        .is_empty());
    store.close().await;
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manage_server_or_the_moderator_role_may_change_settings_and_it_is_audited() {
    let bot = spawn_bot().await;
    let admins = bot
        .discord
        .create_role(bot.guild, "Admins", permissions::MANAGE_GUILD, false);
    let admin = bot.discord.add_member(bot.guild, "Admin", &[admins]);
    let coaches = bot.discord.create_role(bot.guild, "Coaches", 0, true);
    let coach = bot.discord.add_member(bot.guild, "Coach", &[coaches]);

    let reply = bot
        .ask(
            admin,
            "settings moderator-role",
            &[("role", json!(coaches.to_string()))],
        )
        .await;
    assert_eq!(
        reply.content,
        format!("Members with <@&{coaches}> are now moderators, besides those with Manage Server.")
    );
    assert_eq!(
        reply.allowed_mentions.as_ref().map(|m| m["parse"].clone()),
        Some(json!([])),
        "naming the role pings nobody"
    );
    // Each succeeds with its own answer, not merely without a refusal.
    let expected = [
        "This server's days and weeks now follow **Europe/Berlin**.",
        "Weeks now start on **Sun**.",
        "Members with <@&",
        "Prompts now keep to this: quiet 19:00-08:00, quiet on Sat, Sun.",
        "Glass of water is now **off** in this server.",
        "**Settings**",
        "**Recent moderator actions**",
        "Added **#1**",
        "**Schedules**\n**#1**",
        "Paused **#1**",
        "Resumed **#1**",
        "Changed **#1** `daily 11:00`",
        "Preview of **#1**",
        "Removed schedule #1 (daily 11:00).",
    ];
    let commands: Vec<_> = moderator_commands(&bot, coaches)
        .await
        .into_iter()
        .chain(schedule_commands(bot.channel))
        .collect();
    assert_eq!(commands.len(), expected.len());
    for ((name, options), expected) in commands.into_iter().zip(expected) {
        let reply = bot.ask(coach, name, &options).await;
        assert!(
            reply.content.starts_with(expected),
            "/{name}: {}",
            reply.content
        );
        assert!(reply.ephemeral);
    }
    let reply = bot.ask(coach, "settings show", &[]).await;
    assert_eq!(
        reply.content,
        format!("**Settings**\nTime zone: Europe/Berlin\nWeeks start on: Sun\nModerator role: <@&{coaches}>\nQuiet time: quiet 19:00-08:00, quiet on Sat, Sun\nExercises turned off: Glass of water")
    );
    let reply = bot.ask(admin, "audit", &[("count", json!(3))]).await;
    let lines: Vec<&str> = reply.content.lines().collect();
    assert_eq!(lines.len(), 4, "three entries: {}", reply.content);
    // Newest first: the coach's last changes, the schedule's removal last of all.
    assert!(
        lines[1].contains(&format!("<@{coach}> schedule.remove: #1 daily 11:00")),
        "{}",
        reply.content
    );
    let all = bot
        .ask(admin, "audit", &[("count", json!(25))])
        .await
        .content;
    for expected in [
        format!("<@{coach}> settings.exercises: water off"),
        format!("<@{coach}> settings.moderator-role: role {coaches}"),
        format!("<@{admin}> settings.moderator-role: role {coaches}"),
        format!("<@{coach}> schedule.add: #1 daily 10:30"),
    ] {
        assert!(all.contains(&expected), "{expected} in {all}");
    }

    // The exercise turned off is refused for check-ins.
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("water")), ("amount", json!(1))],
        )
        .unwrap();
    let reply = bot.discord.reply(id, REPLY).await.unwrap();
    assert_eq!(
        reply.content,
        "Glass of water is turned off in this server."
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_with_a_reason_and_change_nothing() {
    let bot = spawn_bot().await;
    let admins = bot
        .discord
        .create_role(bot.guild, "Admins", permissions::MANAGE_GUILD, false);
    let admin = bot.discord.add_member(bot.guild, "Admin", &[admins]);
    let other_guild = bot.discord.create_guild("Elsewhere");
    let foreign_role = bot.discord.create_role(other_guild, "Theirs", 0, true);
    let off = bot.choice("settings exercises", "enabled", "off").await;
    let cases = [
        ("settings timezone", vec![("zone", json!("Mars/Olympus"))], "Unknown time zone `Mars/Olympus`; use an IANA name such as Europe/Berlin or UTC."),
        // A modified client can send a day past the seven choices.
        ("settings week-start", vec![("day", json!(7))], "I could not read the options of that command."),
        ("settings quiet-hours", vec![("hours", json!("soon"))], "`soon` is not a time window such as 19:00-08:00 (or `off`)."),
        ("settings quiet-hours", vec![("hours", json!("off")), ("days", json!("caturday"))], "`caturday` is not a list of days such as sat,sun (or `none`)."),
        ("settings exercises", vec![("exercise", json!("running")), ("enabled", off)], "There is no exercise `running`. Pick one of: calf-raises, heel-raises, walk, stretch, stairs, skipping, water."),
        ("settings moderator-role", vec![("role", json!(foreign_role.to_string()))], "I could not read the options of that command."),
    ];
    for (name, options, expected) in cases {
        let id = bot
            .discord
            .send_command_unchecked(bot.guild, bot.channel, admin, name, &options)
            .unwrap();
        let reply = bot
            .discord
            .reply(id, REPLY)
            .await
            .unwrap_or_else(|| panic!("/{name}: no reply; log:\n{}", bot.log()));
        assert!(
            reply.content.starts_with(expected),
            "/{name}: {}",
            reply.content
        );
        assert!(reply.ephemeral);
    }
    let store = bot.store().await;
    assert_eq!(
        store.server_settings(GuildId(bot.guild)).await.unwrap(),
        ServerSettings::new(GuildId(bot.guild))
    );
    store.close().await;
    bot.finish();
}

/// Discord resolves only a server's own roles and channels; a payload that
/// resolves another server's (forged, or a bug at Discord) must still be
/// refused by the bot's own check, and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_servers_role_or_channel_is_refused_even_when_resolved() {
    let bot = spawn_bot().await;
    let admins = bot
        .discord
        .create_role(bot.guild, "Admins", permissions::MANAGE_GUILD, false);
    let admin = bot.discord.add_member(bot.guild, "Admin", &[admins]);
    let elsewhere = bot.discord.create_guild("Elsewhere");
    let foreign_role = bot.discord.create_role(elsewhere, "Theirs", 0, true);
    let foreign_channel = bot.discord.create_channel(elsewhere, "theirs");
    let schedule = |extra: (&'static str, Value)| {
        let mut options = vec![
            ("channel", json!(bot.channel.to_string())),
            ("exercise", json!("walk")),
            ("when", json!("daily 10:30")),
        ];
        options.retain(|(k, _)| *k != extra.0);
        options.push(extra);
        options
    };
    let cases = [
        (
            "settings moderator-role",
            vec![("role", json!(foreign_role.to_string()))],
            "I could not find that role in this server.",
        ),
        (
            "settings leaderboard-channel",
            vec![("channel", json!(foreign_channel.to_string()))],
            "I could not find that channel in this server.",
        ),
        (
            "schedule add",
            schedule(("role", json!(foreign_role.to_string()))),
            "I could not find that role in this server.",
        ),
        (
            "schedule add",
            schedule(("channel", json!(foreign_channel.to_string()))),
            "I could not find that channel in this server.",
        ),
    ];
    for (name, options, expected) in cases {
        let id = bot
            .discord
            .send_command_forged(bot.guild, bot.channel, admin, name, &options)
            .unwrap();
        let reply = bot
            .discord
            .reply(id, REPLY)
            .await
            .unwrap_or_else(|| panic!("/{name}: no reply; log:\n{}", bot.log()));
        assert_eq!(reply.content, expected, "/{name} {options:?}");
        assert!(reply.ephemeral);
    }
    let store = bot.store().await;
    assert_eq!(
        store.server_settings(GuildId(bot.guild)).await.unwrap(),
        ServerSettings::new(GuildId(bot.guild))
    );
    assert_eq!(store.count_schedules(GuildId(bot.guild)).await.unwrap(), 0);
    store.close().await;
    bot.finish();
}
