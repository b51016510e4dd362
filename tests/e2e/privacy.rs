//! Members own their data: `/export-me`, `/forget-me`, `/export`,
//! `/checkin-for`, and servers that remove the bot.

use std::io::Read as _;
use std::time::Duration;

use chrono::Utc;
use fake_discord::{InteractionReply, UploadedFile};
use secondheart::domain::GuildId;
use serde_json::json;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use crate::support::bot::{spawn_bot, Bot};
use crate::support::{checkin, wait_for, wait_for_async};

const REPLY: Duration = Duration::from_secs(20);

/// Sends `/name` as `user` and waits for the reply and the files it
/// carries (at least `files` of them).
async fn ask_for_files(
    bot: &Bot,
    user: u64,
    name: &str,
    files: usize,
) -> (InteractionReply, Vec<UploadedFile>) {
    let id = bot
        .discord
        .send_command(bot.guild, bot.channel, user, name, &[])
        .unwrap();
    let reply = bot
        .discord
        .reply(id, REPLY)
        .await
        .unwrap_or_else(|| panic!("no reply to /{name}; log:\n{}", bot.log()));
    wait_for("the export's files", REPLY, || {
        bot.discord.uploads(id).len() >= files
    })
    .await;
    (reply, bot.discord.uploads(id))
}

/// The rows of a CSV file, header first.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::Reader::from_reader(bytes)
        .into_records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Every row of every table of the bot's database, as text, with its table.
async fn every_row(bot: &Bot) -> Vec<String> {
    let mut conn = SqliteConnection::connect(&format!("{}?mode=ro", bot.database_url()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let cells = columns
            .iter()
            .map(|c| format!("'{c}=' || quote({c})"))
            .collect::<Vec<_>>()
            .join(" || ' ' || ");
        let texts: Vec<String> =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT {cells} FROM {table}")))
                .fetch_all(&mut conn)
                .await
                .unwrap();
        rows.extend(texts.into_iter().map(|t| format!("{table}: {t}")));
    }
    conn.close().await.unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_me_holds_exactly_the_members_own_rows_with_formulas_neutralised() {
    let bot = spawn_bot().await;
    let other = bot.discord.add_member(bot.guild, "Bob", &[]);
    bot.ask(
        bot.member,
        "checkin",
        &[
            ("exercise", json!("walk")),
            ("amount", json!(20)),
            ("note", json!("=HYPERLINK(\"http://x\")")),
        ],
    )
    .await;
    bot.ask(
        other,
        "checkin",
        &[
            ("exercise", json!("walk")),
            ("amount", json!(5)),
            ("note", json!("Bob's")),
        ],
    )
    .await;
    // The same member in another server: not in this server's export.
    let store = bot.store().await;
    let mut elsewhere = checkin(1, bot.member, Utc::now());
    elsewhere.guild = GuildId(bot.guild + 1);
    elsewhere.note = Some("elsewhere".into());
    store.record_checkin(elsewhere).await.unwrap();
    store.close().await;

    let (reply, files) = ask_for_files(&bot, bot.member, "export-me", 1).await;
    assert!(reply.ephemeral, "{reply:?}");
    assert!(
        reply.content.contains("as CSV: `my-data.csv`"),
        "{}",
        reply.content
    );
    assert_eq!(files.len(), 1);
    let rows = csv_rows(&files[0].bytes);
    let checkins: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "checkin").collect();
    assert_eq!(checkins.len(), 1, "{rows:?}");
    let ada = checkins[0];
    assert_eq!(
        (ada[3].as_str(), ada[4].as_str(), ada[6].as_str()),
        ("walk", "20", "command")
    );
    assert_eq!(
        ada[8], "'=HYPERLINK(\"http://x\")",
        "the note is neutralised"
    );
    let text = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert!(
        !text.contains("Bob") && !text.contains("elsewhere"),
        "{text}"
    );
    let settings: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "setting")
        .map(|r| (r[10].as_str(), r[11].as_str()))
        .collect();
    assert_eq!(
        settings,
        [
            ("timezone", "server"),
            ("leaderboard", "on"),
            ("display_name", "Ada")
        ]
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_over_the_attachment_limit_is_compressed_or_split() {
    let bot = spawn_bot().await;
    let moderator = bot.add_moderator("Mo");
    let store = bot.store().await;
    let now = Utc::now();
    for i in 0..200 {
        let mut c = checkin(
            1000 + i,
            bot.member,
            now - chrono::Duration::minutes(i as i64),
        );
        c.guild = GuildId(bot.guild);
        c.note = Some(format!("note number {i} of a long and repetitive export"));
        store.record_checkin(c).await.unwrap();
    }
    store.close().await;

    // Compressed: the CSV is ~20 kB, gzip takes it under 8 kB.
    bot.discord.set_attachment_size_limit(8_000);
    let (reply, files) = ask_for_files(&bot, moderator, "export", 1).await;
    assert!(
        reply.content.contains("compressed with gzip"),
        "{}",
        reply.content
    );
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, "checkins.csv.gz");
    assert!(files[0].bytes.len() <= 8_000);
    let rows = csv_rows(&gunzip(&files[0].bytes));
    assert_eq!(rows.len(), 200);

    // Split: parts of at most 1,000 bytes that join into the gzip file.
    bot.discord.set_attachment_size_limit(1_000);
    let id = bot
        .discord
        .send_command(bot.guild, bot.channel, moderator, "export", &[])
        .unwrap();
    let reply = bot.discord.reply(id, REPLY).await.unwrap();
    assert!(reply.content.contains("split into"), "{}", reply.content);
    let parts: usize = reply
        .content
        .split("split into ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    wait_for("every part", REPLY, || {
        bot.discord.uploads(id).len() == parts
    })
    .await;
    let files = bot.discord.uploads(id);
    assert!(files.iter().all(|f| f.bytes.len() <= 1_000));
    let joined: Vec<u8> = files.iter().flat_map(|f| f.bytes.clone()).collect();
    assert_eq!(csv_rows(&gunzip(&joined)).len(), 200);
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_after_confirmation_leaves_no_row_of_the_member_and_others_untouched() {
    let bot = spawn_bot().await;
    let other = bot.discord.add_member(bot.guild, "Bob", &[]);
    // The member who asks to be forgotten is a moderator who also logged
    // check-ins for others and changed a setting.
    let leaving = bot.add_moderator("Mo");
    for user in [bot.member, other, leaving] {
        bot.ask(
            user,
            "checkin",
            &[
                ("exercise", json!("walk")),
                ("amount", json!(10)),
                ("note", json!("mine")),
            ],
        )
        .await;
    }
    let off = bot.choice("privacy", "leaderboard", "off").await;
    bot.ask(leaving, "privacy", &[("leaderboard", off)]).await;
    bot.ask(
        leaving,
        "settings timezone",
        &[("zone", json!("Europe/Berlin"))],
    )
    .await;
    bot.ask(
        leaving,
        "checkin-for",
        &[
            ("member", json!(other.to_string())),
            ("exercise", json!("water")),
            ("amount", json!(2)),
        ],
    )
    .await;
    let id = leaving.to_string();
    let before = every_row(&bot).await;
    assert!(before.iter().any(|r| r.contains(&id)));
    let board_before = bot.ask(bot.member, "leaderboard", &[]).await.content;

    let question = bot.ask(leaving, "forget-me", &[]).await;
    assert!(question.ephemeral);
    let message = question.message_id.expect("the question is a message");
    let custom_id = question.components[0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another member cannot press it.
    let press = bot
        .discord
        .click_button(bot.channel, message, other, &custom_id)
        .unwrap();
    let refused = bot.discord.reply(press, REPLY).await.unwrap();
    assert!(
        refused.content.contains("belongs to another member"),
        "{}",
        refused.content
    );
    assert!(refused.ephemeral);
    assert_eq!(every_row(&bot).await, before, "nothing changed");

    let press = bot
        .discord
        .click_button(bot.channel, message, leaving, &custom_id)
        .unwrap();
    let done = bot.discord.reply(press, REPLY).await.unwrap();
    assert!(
        done.content.starts_with("Done: I deleted your data"),
        "{}",
        done.content
    );
    let after = every_row(&bot).await;
    let holding: Vec<&String> = after.iter().filter(|r| r.contains(&id)).collect();
    assert!(
        holding.is_empty(),
        "rows still hold the member's id: {holding:#?}"
    );
    for row in before.iter().filter(|r| !r.contains(&id)) {
        assert!(
            after.contains(row),
            "a row of others changed or went: {row}"
        );
    }
    // What changed: the audit log (the deletion, and the member's entries
    // without their id), and the check-in they logged for Bob, now without
    // who logged it.
    let new: Vec<&String> = after.iter().filter(|r| !before.contains(r)).collect();
    assert!(
        new.iter().any(|r| r.contains("'member.forget'")),
        "{new:#?}"
    );
    for row in &new {
        assert!(
            row.starts_with("audit_log:")
                || (row.starts_with("checkins:") && row.contains("recorded_by=NULL")),
            "{row}"
        );
    }
    // Everyone else's figures are intact.
    assert_eq!(
        bot.ask(bot.member, "leaderboard", &[]).await.content,
        board_before
    );
    let stats = bot.ask(other, "stats", &[]).await;
    assert!(
        stats.content.contains("1 check-in logged by a moderator."),
        "{}",
        stats.content
    );
    bot.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_for_moderators_and_checkin_for_is_audited_and_shown_in_stats() {
    let bot = spawn_bot().await;
    let moderator = bot.add_moderator("Mo");
    let refused = bot.ask(bot.member, "export", &[]).await;
    assert_eq!(
        refused.content,
        "Only moderators can do that: members with Manage Server, or with the server's moderator role."
    );
    assert!(refused.ephemeral);
    let refused = bot
        .ask(
            bot.member,
            "checkin-for",
            &[
                ("member", json!(bot.member.to_string())),
                ("exercise", json!("walk")),
                ("amount", json!(5)),
            ],
        )
        .await;
    assert!(
        refused.content.starts_with("Only moderators"),
        "{}",
        refused.content
    );

    // Validated like /checkin.
    let bad = bot
        .ask(
            moderator,
            "checkin-for",
            &[
                ("member", json!(bot.member.to_string())),
                ("exercise", json!("flying")),
                ("amount", json!(5)),
            ],
        )
        .await;
    assert!(
        bad.content.starts_with("There is no exercise `flying`"),
        "{}",
        bad.content
    );
    let logged = bot
        .ask(
            moderator,
            "checkin-for",
            &[
                ("member", json!(bot.member.to_string())),
                ("exercise", json!("walk")),
                ("amount", json!(15)),
                ("note", json!("+1 from the team walk")),
            ],
        )
        .await;
    assert!(logged.content.contains("for Ada"), "{}", logged.content);
    let store = bot.store().await;
    let mine = store
        .latest_checkin(GuildId(bot.guild), secondheart::domain::UserId(bot.member))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine.source, secondheart::domain::checkin::Source::Moderator);
    assert_eq!(
        mine.recorded_by,
        Some(secondheart::domain::UserId(moderator))
    );
    store.close().await;
    let stats = bot.ask(bot.member, "stats", &[]).await;
    assert!(
        stats.content.contains("1 check-in logged by a moderator."),
        "{}",
        stats.content
    );

    let (reply, files) = ask_for_files(&bot, moderator, "export", 1).await;
    assert!(reply.ephemeral);
    let rows = csv_rows(&files[0].bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][9], "'+1 from the team walk");
    let audit = bot.ask(moderator, "audit", &[]).await;
    assert!(audit.content.contains("checkin.for"), "{}", audit.content);
    assert!(audit.content.contains("export"), "{}", audit.content);
    bot.finish();
}

/// Whether the bot has recorded the server as departed.
async fn departed(bot: &Bot) -> bool {
    let store = bot.store().await;
    let at = store.departed_at(GuildId(bot.guild)).await.unwrap();
    store.close().await;
    at.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_removes_the_bot_is_recorded_and_forgiven_when_it_adds_it_back() {
    let mut bot = spawn_bot().await;
    bot.ask(
        bot.member,
        "checkin",
        &[("exercise", json!("walk")), ("amount", json!(10))],
    )
    .await;
    // An outage is not a departure.
    bot.discord.guild_outage(bot.guild);
    bot.discord.remove_bot(bot.guild);
    wait_for_async("the departure recorded", REPLY, || departed(&bot)).await;
    bot.discord.add_bot_back(bot.guild);
    wait_for_async("the return recorded", REPLY, || async {
        !departed(&bot).await
    })
    .await;

    // Removed while the bot was offline: missing from READY.
    bot.kill();
    bot.discord.remove_bot(bot.guild);
    bot.start();
    bot.wait_connected().await;
    wait_for_async("the departure seen at start-up", REPLY, || departed(&bot)).await;
    bot.finish();
}
