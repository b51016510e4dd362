//! The gateway connection: drops, RESUME with replay, refused RESUME, and a
//! token Discord stops accepting. Also proves the strict request check.

use std::time::Duration;

use serde_json::json;

use crate::support::bot::spawn_bot;
use crate::support::wait_for;

const REPLY: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interaction_sent_while_the_bot_was_away_is_answered_once_after_resume() {
    let bot = spawn_bot().await;
    assert_eq!(bot.discord.identifies(), 1);
    assert!(bot.discord.drop_socket());
    // Sent while the connection is down: it waits in the session's log.
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(20))],
        )
        .unwrap();
    let reply = bot
        .discord
        .reply(id, REPLY)
        .await
        .unwrap_or_else(|| panic!("no reply; log:\n{}", bot.log()));
    assert!(
        reply.content.starts_with("Logged **20 minutes**"),
        "{}",
        reply.content
    );
    assert_eq!(bot.discord.resumes(), 1, "the bot resumed its session");
    assert_eq!(bot.discord.identifies(), 1, "and did not start a new one");
    assert_eq!(bot.discord.responses_accepted(id), 1);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_resume_makes_the_bot_identify_again_and_go_on() {
    let bot = spawn_bot().await;
    bot.discord.refuse_resumes(1);
    assert!(bot.discord.drop_socket());
    wait_for("a second IDENTIFY", Duration::from_secs(30), || {
        bot.discord.identifies() == 2 && bot.discord.connected()
    })
    .await;
    assert_eq!(bot.discord.identifies(), 2, "log:\n{}", bot.log());
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("water")), ("amount", json!(2))],
        )
        .await;
    assert!(
        reply.content.starts_with("Logged **2 glasses**"),
        "{}",
        reply.content
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_stops_the_bot_with_a_clear_message() {
    let mut bot = spawn_bot().await;
    bot.discord.revoke_token();
    bot.discord.drop_socket();
    let exit = bot.wait_exit(Duration::from_secs(60)).await;
    assert_eq!(
        exit,
        Some(false),
        "the bot stops, failing; log:\n{}",
        bot.log()
    );
    let log = bot.log();
    assert!(
        log.contains("Discord rejected the bot token (401 Unauthorized)"),
        "{log}"
    );
    assert!(
        !log.contains(crate::support::bot::TOKEN),
        "the token never reaches a log"
    );
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_at_start_up_stops_the_bot_before_it_connects() {
    let mut bot = crate::support::bot::launch_bot(|discord, _| discord.revoke_token()).await;
    let exit = bot.wait_exit(Duration::from_secs(60)).await;
    assert_eq!(exit, Some(false), "log:\n{}", bot.log());
    let log = bot.log();
    assert!(log.ends_with("secondheart: Discord rejected the bot token (401 Unauthorized); check DISCORD_TOKEN or DISCORD_TOKEN_FILE\n"), "{log}");
    assert_eq!(bot.discord.identifies(), 0);
    assert_eq!(bot.discord.command_overwrites(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_that_never_answers_at_start_up_stops_the_bot_instead_of_hanging() {
    use fake_discord::FaultKind;
    // Discord takes the connection of the first start-up read (through
    // serenity's client) and then says nothing for two minutes.
    let mut bot = crate::support::bot::launch_bot(|discord, _| {
        discord.fail_next(
            Some("GET"),
            "/applications/@me",
            1,
            FaultKind::Delay(Duration::from_secs(120)),
        )
    })
    .await;
    // Within the request timeout (10 s), not the fault's two minutes.
    let exit = bot.wait_exit(Duration::from_secs(30)).await;
    assert_eq!(exit, Some(false), "log:\n{}", bot.log());
    let log = bot.log();
    assert!(log.contains("cannot reach Discord"), "{log}");
    assert_eq!(bot.discord.identifies(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_no_frame_or_header_with_the_token_is_logged() {
    let mut bot = crate::support::bot::launch_bot(|_, _| {}).await;
    bot.restart_with_log_level("trace");
    bot.discord
        .wait_for_commands(REPLY)
        .await
        .expect("registered");
    bot.wait_connected().await;
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("walk")), ("amount", json!(5))],
    )
    .await;
    let log = bot.log();
    assert!(log.contains("DEBUG"), "verbose logging is on");
    assert!(!log.contains(crate::support::bot::TOKEN));
    assert!(!log.contains("fake.token"));
    assert!(
        !log.to_ascii_lowercase().contains("sending frame"),
        "raw frames are not logged"
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_waited_out() {
    use fake_discord::FaultKind;
    let bot = crate::support::bot::spawn_bot_with(|discord, _| {
        // Registration meets two 429s, per route and global.
        discord.fail_next(
            Some("PUT"),
            "/commands",
            1,
            FaultKind::RateLimited {
                retry_after: 0.3,
                global: false,
            },
        );
        discord.fail_next(
            Some("PUT"),
            "/commands",
            1,
            FaultKind::RateLimited {
                retry_after: 0.3,
                global: true,
            },
        );
    })
    .await;
    let puts: Vec<u16> = bot
        .discord
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.status)
        .collect();
    assert_eq!(puts, [429, 429, 200]);

    // A reply meets a 429 and still arrives within Discord's three seconds.
    bot.discord.fail_next(
        Some("POST"),
        "/callback",
        1,
        FaultKind::RateLimited {
            retry_after: 0.2,
            global: false,
        },
    );
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("stairs")), ("amount", json!(4))],
        )
        .await;
    assert!(
        reply.content.starts_with("Logged **4 minutes**"),
        "{}",
        reply.content
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asked_to_reconnect_the_bot_resumes_and_goes_on() {
    let bot = spawn_bot().await;
    assert!(bot.discord.request_reconnect());
    let id = bot
        .discord
        .send_command(
            bot.guild,
            bot.channel,
            bot.member,
            "checkin",
            &[("exercise", json!("skipping")), ("amount", json!(3))],
        )
        .unwrap();
    let reply = bot
        .discord
        .reply(id, REPLY)
        .await
        .unwrap_or_else(|| panic!("no reply; log:\n{}", bot.log()));
    assert!(
        reply.content.starts_with("Logged **3 minutes**"),
        "{}",
        reply.content
    );
    assert_eq!((bot.discord.identifies(), bot.discord.resumes()), (1, 1));
    bot.finish();
}
