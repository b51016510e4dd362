//! The command line: configuration errors, migrate, backup, run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Utc;
use secondheart::domain::{GuildId, UserId};
use secondheart::store::{Store, StoreOptions};

use crate::support::{checkin, Workspace};

#[test]
fn check_config_accepts_the_shipped_configuration() {
    let ws = Workspace::new();
    let run = ws.run(&["check-config"]);
    assert!(run.succeeded(), "{}", run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("configuration: ok (files: config/default.toml)"),
        "{out}"
    );
    assert!(
        out.contains("exercise catalog: 7 exercises (built in)"),
        "{out}"
    );
    assert!(out.contains("token: not set"), "{out}");
    // Checking never creates the database.
    assert!(!ws.path("data").exists());
}

#[test]
fn an_unknown_key_stops_start_up_naming_the_key() {
    let ws = Workspace::new();
    ws.write("bad.toml", "[scheduler]\ncatch_up_window = 10\n");
    let line = ws
        .run(&["check-config", "--config", "bad.toml"])
        .one_line_failure();
    assert!(
        line.starts_with("secondheart: config key `scheduler.catch_up_window`: unknown key"),
        "{line}"
    );
    assert!(line.contains("bad.toml"), "{line}");
    // `run` refuses the same file the same way, before touching anything.
    let line = ws.run(&["run", "--config", "bad.toml"]).one_line_failure();
    assert!(line.contains("`scheduler.catch_up_window`"), "{line}");
    assert!(!ws.path("data").exists());
}

#[test]
fn an_unknown_time_zone_stops_start_up_naming_the_key() {
    let ws = Workspace::new();
    ws.write("bad.toml", "[defaults]\ntimezone = \"Mars/Olympus\"\n");
    let line = ws
        .run(&["check-config", "--config", "bad.toml"])
        .one_line_failure();
    assert!(
        line.starts_with(
            "secondheart: config key `defaults.timezone`: unknown time zone `Mars/Olympus`"
        ),
        "{line}"
    );
    // The same through SECONDHEART_CONFIG and through an environment override.
    let out = ws
        .command(&["check-config"])
        .env("SECONDHEART_CONFIG", "bad.toml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = ws
        .command(&["check-config"])
        .env("SECONDHEART__DEFAULTS__TIMEZONE", "Mars/Olympus")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SECONDHEART__DEFAULTS__TIMEZONE"),
        "{stderr}"
    );
}

#[test]
fn a_bad_catalog_or_token_file_is_one_line() {
    let ws = Workspace::new();
    ws.write("ex.toml", "[[exercise]]\nkey = \"walk\"\n");
    let out = ws
        .command(&["check-config"])
        .env("SECONDHEART__CATALOG__PATH", "ex.toml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("secondheart: exercise catalog ex.toml:"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);

    let out = ws
        .command(&["check-config"])
        .env("DISCORD_TOKEN_FILE", "missing-secret")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("secondheart: DISCORD_TOKEN_FILE: cannot read missing-secret"),
        "{stderr}"
    );
}

#[test]
fn run_needs_a_token_and_never_logs_it() {
    let ws = Workspace::new();
    let line = ws.run(&["run"]).one_line_failure();
    assert!(line.contains("no Discord token"), "{line}");

    let secret = "MTIzNDU2Nzg5.secret-token-for-tests";
    // Nothing listens on the discard port: Discord cannot be reached.
    let out = ws
        .command(&[])
        .env("DISCORD_TOKEN", secret)
        .env("SECONDHEART__DISCORD__API_URL", "http://127.0.0.1:9")
        .env("SECONDHEART__LOG__LEVEL", "trace")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        everything.contains("secondheart: cannot reach Discord"),
        "{everything}"
    );
    assert!(!everything.contains(secret));
    assert!(!everything.contains("secret-token"));
    // Start-up created and migrated the default database.
    assert!(ws.path("data/secondheart.db").is_file());
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let ws = Workspace::new();
    let run = ws.run(&["migrate"]);
    assert!(run.succeeded(), "{}", run.stderr());
    // The newest migration, named as the bot names it: "20261128000001 (prompts)".
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sql"))
        .max()
        .unwrap();
    let (version, name) = newest.trim_end_matches(".sql").split_once('_').unwrap();
    // Words of a migration's name are joined by `_` in its file, by spaces when shown.
    let name = name.replace('_', " ");
    assert!(
        run.stdout()
            .contains(&format!("is up to date: migration {version} ({name})")),
        "{}",
        run.stdout()
    );
    assert!(ws.path("data/secondheart.db").is_file());
    // Again: nothing to do, still fine.
    assert!(ws.run(&["migrate"]).succeeded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_another_process_writes_gives_a_database_that_opens() {
    let ws = Workspace::new();
    assert!(ws.run(&["migrate"]).succeeded());
    let store = Arc::new(
        Store::open(&StoreOptions::new(ws.database_url()))
            .await
            .unwrap(),
    );

    // This test process keeps writing while the backup process copies.
    let written = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, written, stop) = (Arc::clone(&store), Arc::clone(&written), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                store
                    .record_checkin(checkin(i, 7, Utc::now()))
                    .await
                    .unwrap();
                i += 1;
                written.store(i, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 200 {
        tokio::task::yield_now().await;
    }
    let before = written.load(Ordering::Relaxed);
    let backup = {
        let mut command = ws.command(&["backup", "copy.db"]);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    };
    let after = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(after > before, "the writer kept writing during the backup");

    let copy = Store::open(&StoreOptions::new(format!(
        "sqlite://{}",
        ws.path("copy.db").display()
    )))
    .await
    .unwrap();
    let from = Utc::now() - chrono::Duration::days(1);
    let to = Utc::now() + chrono::Duration::days(1);
    let rows = copy
        .member_checkins(GuildId(1), UserId(7), from, to)
        .await
        .unwrap();
    let copied = rows.len() as u64;
    assert!(
        copied >= before && copied <= after,
        "{before} <= {copied} <= {after}"
    );
    // A consistent snapshot: exactly the first `copied` check-ins, no gaps.
    assert!(rows.iter().all(|c| c.interaction.0 < copied));
    let stdout = String::from_utf8_lossy(&backup.stdout);
    assert!(stdout.contains(&format!("{copied} check-ins")), "{stdout}");
    copy.close().await;

    // A second backup to the same file is refused and leaves it alone.
    let line = ws.run(&["backup", "copy.db"]).one_line_failure();
    assert!(line.contains("already exists"), "{line}");
    Arc::try_unwrap(store).ok().unwrap().close().await;
}
