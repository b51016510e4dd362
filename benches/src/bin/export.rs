//! How long `/export-me` takes, and how big its file is, for a member with
//! 10,000 check-ins (each with a note) and 2,000 prompt answers: the data
//! set is written straight into a store's SQLite file in one transaction,
//! then the export runs `ROUNDS` times through the use case (`App`), as the
//! command does, with Discord's default 10 MiB attachment limit; the p50,
//! the slowest, the CSV size and the attached size are printed.
//!
//! cargo run --release -p secondheart-benches --bin export [-- ROUNDS]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use secondheart::app::{App, Limits, SystemClock};
use secondheart::domain::{GuildId, UserId};
use secondheart::store::{Store, StoreOptions};
use sqlx::Connection;

const GUILD: i64 = 1;
const MEMBER: i64 = 1_000_001;
const CHECKINS: i64 = 10_000;
const ANSWERS: i64 = 2_000;
/// Discord's attachment limit for a server without boosts.
const LIMIT: u64 = 10 * 1024 * 1024;
const EXERCISES: [&str; 4] = ["walk", "calf-raises", "stretch", "water"];

async fn fill(path: &std::path::Path) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    let mut tx = conn.begin().await?;
    let end = Utc::now().timestamp_millis();
    sqlx::query(
        "INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, 'Ada', ?)",
    )
    .bind(GUILD)
    .bind(MEMBER)
    .bind(end)
    .execute(&mut *tx)
    .await?;
    for k in 0..CHECKINS {
        // One every 40 minutes, back from now: about 9 months.
        let at = end - k * 2_400_000;
        let date = chrono::DateTime::from_timestamp_millis(at)
            .expect("instant")
            .format("%Y-%m-%d")
            .to_string();
        sqlx::query(
            "INSERT INTO checkins (interaction_id, guild_id, user_id, exercise, amount, points,
                 occurred_at, local_date, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'command', ?)",
        )
        .bind(k + 1)
        .bind(GUILD)
        .bind(MEMBER)
        .bind(EXERCISES[(k % 4) as usize])
        .bind(1 + k % 30)
        .bind(1 + k % 30)
        .bind(at)
        .bind(date)
        .bind(format!("after the stand-up, round {k}"))
        .execute(&mut *tx)
        .await?;
    }
    for k in 0..ANSWERS {
        let due = end - k * 1_800_000;
        sqlx::query(
            "INSERT INTO occurrences (id, guild_id, channel_id, exercise, due_at, state, created_at, updated_at)
             VALUES (?, ?, 2, 'walk', ?, 'posted', ?, ?)",
        )
        .bind(k + 1)
        .bind(GUILD)
        .bind(due)
        .bind(due)
        .bind(due)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO prompt_answers (occurrence_id, user_id, guild_id, answer, answered_at)
             VALUES (?, ?, ?, 'done', ?)",
        )
        .bind(k + 1)
        .bind(MEMBER)
        .bind(GUILD)
        .bind(due + 60_000)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    conn.close().await
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export.db");
    let url = format!("sqlite://{}", path.display());
    let store = Arc::new(Store::open(&StoreOptions::new(url)).await.expect("store"));
    fill(&path).await.expect("fill");
    let catalog = secondheart::config::load_catalog(&secondheart::config::Settings::default())
        .expect("catalog");
    let app = App::new(
        store,
        Arc::new(catalog),
        chrono_tz::UTC,
        Arc::new(SystemClock),
        Limits {
            max_schedules: 25,
            min_interval_minutes: 5,
        },
    );
    let mut times: Vec<Duration> = Vec::with_capacity(rounds);
    let mut sizes = (0, 0, 0);
    for _ in 0..rounds {
        let started = Instant::now();
        let export = app
            .export_member(GuildId(GUILD as u64), UserId(MEMBER as u64), LIMIT)
            .await
            .expect("export");
        let attached: u64 = export
            .parts
            .iter()
            .map(|p| export.read_part(p).expect("part").len() as u64)
            .sum();
        times.push(started.elapsed());
        sizes = (export.rows, export.csv_bytes, attached);
    }
    times.sort();
    let (rows, csv_bytes, attached) = sizes;
    println!(
        "export-me of {CHECKINS} check-ins and {ANSWERS} answers: {rows} rows, CSV {csv_bytes} bytes, attached {attached} bytes"
    );
    println!(
        "{rounds} rounds: p50 {:.1} ms, slowest {:.1} ms",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
