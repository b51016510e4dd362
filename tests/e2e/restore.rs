//! The README's restore steps ("Backups and restores"), followed exactly:
//! a backup while the bot writes, the bot stopped, its `-wal` and `-shm`
//! deleted, the backup copied over the database, the bot started again.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use secondheart::domain::{GuildId, UserId};
use serde_json::json;

use crate::support::bot::{spawn_bot, Bot};
use crate::support::wait_for;

/// The member's check-ins' amounts, oldest first, as stored.
async fn amounts(bot: &Bot) -> Vec<u32> {
    let store = bot.store().await;
    let now = Utc::now();
    let rows = store
        .member_checkins(
            GuildId(bot.guild),
            UserId(bot.member),
            now - Days::days(1),
            now + Days::days(1),
        )
        .await
        .unwrap();
    store.close().await;
    rows.iter().map(|c| c.amount).collect()
}

async fn check_in(bot: &Bot, amount: u32) {
    let reply = bot
        .ask(
            bot.member,
            "checkin",
            &[("exercise", json!("walk")), ("amount", json!(amount))],
        )
        .await;
    assert!(reply.content.starts_with("Logged"), "{}", reply.content);
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restored_as_the_readme_says_brings_its_data_back() {
    let mut bot = spawn_bot().await;
    for amount in 1..=3 {
        check_in(&bot, amount).await;
    }

    // `secondheart backup FILE` while members keep checking in.
    let backup_file = bot.dir.path().join("backup.db");
    let database = bot.dir.path().join("bot.db");
    let backing_up = AtomicBool::new(true);
    let backup = {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secondheart"));
        command
            .args(["backup", backup_file.to_str().unwrap()])
            .current_dir(bot.dir.path())
            .env("SECONDHEART__DATABASE__URL", bot.database_url());
        async {
            let output = tokio::task::spawn_blocking(move || command.output().unwrap())
                .await
                .unwrap();
            backing_up.store(false, Ordering::Relaxed);
            output
        }
    };
    let during = async {
        let mut turn = 0;
        while backing_up.load(Ordering::Relaxed) {
            check_in(&bot, 10 + turn % 90).await;
            turn += 1;
        }
    };
    let (backup, ()) = tokio::join!(backup, during);
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let backed_up = {
        let copy = secondheart::store::Store::open(&secondheart::store::StoreOptions::new(
            format!("sqlite://{}", backup_file.display()),
        ))
        .await
        .unwrap();
        let now = Utc::now();
        let rows = copy
            .member_checkins(
                GuildId(bot.guild),
                UserId(bot.member),
                now - Days::days(1),
                now + Days::days(1),
            )
            .await
            .unwrap();
        copy.close().await;
        rows.iter().map(|c| c.amount).collect::<Vec<_>>()
    };
    assert_eq!(backed_up[..3], [1, 2, 3]);

    // Check-ins after the backup: the restore takes the database back to
    // before them.
    for amount in 200..205 {
        check_in(&bot, amount).await;
    }

    // 1. Stop the bot: killed, the hardest case, leaves its -wal and -shm.
    bot.kill();
    let (wal, shm) = (
        with_suffix(&database, "-wal"),
        with_suffix(&database, "-shm"),
    );
    assert!(
        wal.is_file() && shm.is_file(),
        "the stopped bot left no -wal/-shm"
    );
    // 2. Delete the -wal and -shm files.
    std::fs::remove_file(&wal).unwrap();
    std::fs::remove_file(&shm).unwrap();
    // 3. Copy the backup over the database file.
    std::fs::copy(&backup_file, &database).unwrap();
    // 4. Start the bot.
    bot.start();
    wait_for(
        "the restarted bot to identify",
        Duration::from_secs(30),
        || bot.discord.identifies() == 2 && bot.discord.connected(),
    )
    .await;

    // The bot answers on the restored data, and keeps it.
    check_in(&bot, 7).await;
    let mut expected = backed_up.clone();
    expected.push(7);
    assert_eq!(amounts(&bot).await, expected);
    bot.finish();
}
