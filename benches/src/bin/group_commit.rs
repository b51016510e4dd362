//! Check-in write throughput of the store: one check-in at a time (each its
//! own transaction and fsync) against many in flight at once (the writer
//! commits them together). Both on a real SQLite file with synchronous=FULL.
//!
//! cargo run --release -p secondheart-benches --bin group_commit [-- ROUNDS WRITES IN_FLIGHT]

use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use secondheart::domain::checkin::{NewCheckIn, Source};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::{GuildId, InteractionId, UserId};
use secondheart::store::{Store, StoreOptions};
use secondheart_benches::median;

fn checkin(interaction: u64) -> NewCheckIn {
    let at = Utc::now();
    NewCheckIn {
        interaction: InteractionId(interaction),
        guild: GuildId(1 + interaction % 10),
        user: UserId(interaction % 97),
        exercise: ExerciseKey::parse("walk").unwrap(),
        amount: 10,
        points: 10,
        at,
        local_date: at.date_naive(),
        source: Source::Command,
        occurrence: None,
        recorded_by: None,
        note: None,
    }
}

/// Writes `writes` check-ins with at most `in_flight` waiting at once.
async fn round(writes: u64, in_flight: usize, first_id: u64) -> (Duration, u64) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&StoreOptions::new(url)).await.unwrap();
    let start = Instant::now();
    stream::iter(first_id..first_id + writes)
        .map(|i| store.record_checkin(checkin(i)))
        .buffer_unordered(in_flight)
        .for_each(|r| async move {
            r.unwrap();
        })
        .await;
    let elapsed = start.elapsed();
    let transactions = store.writer_stats().expect("a SQLite store").transactions();
    store.close().await;
    (elapsed, transactions)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let rounds = args.first().copied().unwrap_or(5);
    let writes = args.get(1).copied().unwrap_or(500);
    let in_flight = args.get(2).copied().unwrap_or(64) as usize;

    let mut one_at_a_time = Vec::new();
    let mut grouped = Vec::new();
    let mut grouped_transactions = Vec::new();
    // Alternate the two so that machine noise hits both alike.
    for r in 0..rounds {
        one_at_a_time.push(round(writes, 1, r * writes).await.0);
        let (t, tx) = round(writes, in_flight, r * writes).await;
        grouped.push(t);
        grouped_transactions.push(tx);
    }
    let (a, b) = (median(one_at_a_time), median(grouped));
    let per_sec = |d: Duration| writes as f64 / d.as_secs_f64();
    println!("{rounds} rounds of {writes} check-ins, synchronous=FULL, WAL");
    println!(
        "one at a time:      median {:>8.1} ms  {:>8.0} check-ins/s",
        a.as_secs_f64() * 1e3,
        per_sec(a)
    );
    println!(
        "{in_flight:>3} in flight:       median {:>8.1} ms  {:>8.0} check-ins/s  ({} transactions, median)",
        b.as_secs_f64() * 1e3,
        per_sec(b),
        {
            grouped_transactions.sort();
            grouped_transactions[grouped_transactions.len() / 2]
        }
    );
    println!("ratio: {:.1}x", a.as_secs_f64() / b.as_secs_f64());
}
