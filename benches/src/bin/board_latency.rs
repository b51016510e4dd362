//! How long `/leaderboard` and `/stats` take to compute on a large server:
//! 1,000,000 check-ins of 2,000 members over 8 weeks (one member with
//! 50,000 of them), 2,000 posted prompts answered by 400 members. The data
//! set is written straight into a store's SQLite file in one transaction;
//! then each query kind (every period of every board metric, and `/stats`)
//! runs `ROUNDS` times through the use cases (`App`), as the command would,
//! and its p50 and p99 are printed.
//!
//! With `--postgres URL` (an empty database), the data set is then copied
//! there with `migrate-store`'s copy and the queries run on PostgreSQL.
//!
//! cargo run --release -p secondheart-benches --bin board_latency [-- ROUNDS] [--postgres URL]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use secondheart::app::{App, Limits, SystemClock};
use secondheart::domain::leaderboard::{Metric, Period};
use secondheart::domain::{GuildId, UserId};
use secondheart::store::{Store, StoreOptions};
use sqlx::Connection;

const GUILD: i64 = 1;
const CHANNEL: i64 = 2;
const MEMBERS: i64 = 2_000;
const CHECKINS: i64 = 1_000_000;
/// The member with 50,000 check-ins.
const HEAVY: i64 = 1;
const HEAVY_CHECKINS: i64 = 50_000;
const PROMPTS: i64 = 2_000;
/// Members who answer prompts, and how many of them answer each one.
const ANSWERERS: i64 = 400;
const ANSWERS_PER_PROMPT: i64 = 100;
const SPAN_MS: i64 = 8 * 7 * 24 * 3_600_000;
const EXERCISES: [&str; 4] = ["walk", "calf-raises", "stretch", "water"];

/// A user id as Discord would give it (never 0).
fn user(n: i64) -> i64 {
    1_000_000 + n
}

/// Writes the data set in one transaction.
async fn fill(path: &std::path::Path) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    let mut tx = conn.begin().await?;
    let end = Utc::now().timestamp_millis();
    let start = end - SPAN_MS;
    for n in 0..MEMBERS {
        sqlx::query(
            "INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, ?, ?)",
        )
        .bind(GUILD)
        .bind(user(n))
        .bind(format!("member {n}"))
        .bind(end)
        .execute(&mut *tx)
        .await?;
    }
    // The heavy member's check-ins, then the rest spread evenly.
    let rest = (CHECKINS - HEAVY_CHECKINS) / (MEMBERS - 1);
    let mut interaction = 1i64;
    for n in 0..MEMBERS {
        let count = if n == HEAVY {
            HEAVY_CHECKINS
        } else if n == MEMBERS - 1 {
            CHECKINS - HEAVY_CHECKINS - rest * (MEMBERS - 2)
        } else {
            rest
        };
        for k in 0..count {
            // Evenly over the 8 weeks, offset per member.
            let at = start + (k * SPAN_MS / count + n * 7_919) % SPAN_MS;
            let date = chrono::DateTime::from_timestamp_millis(at)
                .expect("instant")
                .format("%Y-%m-%d")
                .to_string();
            let amount = 1 + (k + n) % 30;
            sqlx::query(
                "INSERT INTO checkins (interaction_id, guild_id, user_id, exercise, amount, points,
                     occurred_at, local_date, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'command')",
            )
            .bind(interaction)
            .bind(GUILD)
            .bind(user(n))
            .bind(EXERCISES[(k % 4) as usize])
            .bind(amount)
            .bind(amount)
            .bind(at)
            .bind(date)
            .execute(&mut *tx)
            .await?;
            interaction += 1;
        }
    }
    // Posted prompts, evenly over the 8 weeks; members 0..ANSWERERS take
    // turns answering them.
    for p in 0..PROMPTS {
        let due = start + p * SPAN_MS / PROMPTS;
        let occurrence: i64 = sqlx::query_scalar(
            "INSERT INTO occurrences (guild_id, channel_id, exercise, due_at, state, message_id,
                 created_at, updated_at) VALUES (?, ?, 'walk', ?, 'posted', ?, ?, ?) RETURNING id",
        )
        .bind(GUILD)
        .bind(CHANNEL)
        .bind(due)
        .bind(p + 1)
        .bind(due)
        .bind(due)
        .fetch_one(&mut *tx)
        .await?;
        for a in 0..ANSWERS_PER_PROMPT {
            let member = (p * 37 + a) % ANSWERERS;
            sqlx::query(
                "INSERT INTO prompt_answers (occurrence_id, user_id, guild_id, answer, answered_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(occurrence)
            .bind(user(member))
            .bind(GUILD)
            .bind(if a % 10 == 0 { "not_now" } else { "done" })
            .bind(due + 60_000)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await
}

/// The consistency board as it was computed before: three queries per
/// member who ever checked in, and one per row shown. Kept here to measure
/// the one-query version against.
async fn consistency_per_member(store: &Store, guild: GuildId, period: Period) -> usize {
    let range = period.range(Utc::now(), chrono_tz::UTC, chrono::Weekday::Mon);
    let members = store
        .member_totals(guild, chrono::DateTime::<Utc>::MIN_UTC, range.to, None)
        .await
        .expect("totals");
    let mut ranked = 0;
    for member in members {
        let Some(first) = store
            .first_checkin_at(guild, member.user)
            .await
            .expect("first")
        else {
            continue;
        };
        let start = range.from.max(first);
        let posted = store
            .count_posted(guild, start, range.to)
            .await
            .expect("posted");
        let answered = store
            .prompts_done(guild, member.user, start, range.to)
            .await
            .expect("done");
        ranked += usize::from(posted >= 5 && answered <= posted);
    }
    for n in 0..10 {
        store
            .member_prefs(guild, UserId(user(n) as u64))
            .await
            .expect("prefs");
    }
    ranked
}

/// What one row of the output measures.
#[derive(Clone, Copy)]
enum Kind {
    Board(Metric, Period),
    /// The consistency board as it was computed before, all time.
    PerMemberConsistency,
    /// `/stats` of the member with 50,000 check-ins.
    Stats(Period),
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Board(Metric::Amount, period) => write!(f, "amount of walk {period}"),
            Kind::Board(metric, period) => write!(f, "{} {period}", metric.key()),
            Kind::PerMemberConsistency => {
                f.write_str("consistency all-time, 3 queries per member (before)")
            }
            Kind::Stats(period) => write!(f, "stats {period} (50,000 check-ins)"),
        }
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[((sorted.len() - 1) * p).div_ceil(100)]
}

#[tokio::main]
async fn main() {
    let mut rounds: usize = 20;
    let mut postgres = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => postgres = Some(args.next().expect("--postgres needs a URL")),
            rounds_arg => rounds = rounds_arg.parse().expect("ROUNDS"),
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let options = StoreOptions::new(format!("sqlite://{}", path.display()));
    // Opened once to create the schema, then filled, then opened for real.
    Store::open(&options).await.expect("store").close().await;
    let started = Instant::now();
    fill(&path).await.expect("data set");
    println!(
        "data set: {CHECKINS} check-ins of {MEMBERS} members over 8 weeks, {PROMPTS} prompts \
         answered by {ANSWERERS} members, written in {:.1?}",
        started.elapsed()
    );
    let options = match postgres {
        Some(url) => {
            let target = StoreOptions::new(url);
            let started = Instant::now();
            secondheart::store::copy::copy_sqlite_to_postgres(&options, &target)
                .await
                .expect("copy to PostgreSQL");
            println!("copied to PostgreSQL in {:.1?}", started.elapsed());
            target
        }
        None => options,
    };
    let store = Arc::new(Store::open(&options).await.expect("store"));
    let catalog = secondheart::config::load_catalog(&secondheart::config::Settings::default())
        .expect("catalog");
    let app = App::new(
        Arc::clone(&store),
        Arc::new(catalog),
        chrono_tz::UTC,
        Arc::new(SystemClock),
        Limits {
            max_schedules: 25,
            min_interval_minutes: 5,
        },
    );
    let (guild, viewer) = (GuildId(GUILD as u64), UserId(user(1_500) as u64));
    let heavy = UserId(user(HEAVY) as u64);
    println!(
        "{:<52} {:>9} {:>10}   (of {rounds} runs)",
        "query kind", "p50", "p99"
    );
    // Every board a member can ask for: each period by points, by the
    // amount of one exercise and by consistency; then `/stats`.
    let mut kinds = Vec::new();
    for metric in [Metric::Points, Metric::Amount, Metric::Consistency] {
        for period in Period::ALL {
            kinds.push(Kind::Board(metric, period));
        }
    }
    kinds.push(Kind::PerMemberConsistency);
    kinds.push(Kind::Stats(Period::ThisWeek));
    kinds.push(Kind::Stats(Period::AllTime));
    for kind in kinds {
        let mut samples = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let start = Instant::now();
            match kind {
                Kind::PerMemberConsistency => {
                    assert!(consistency_per_member(&store, guild, Period::AllTime).await > 0);
                }
                Kind::Stats(period) => {
                    let stats = app.stats(guild, heavy, heavy, period).await;
                    assert!(stats.expect("stats").points > 0);
                }
                Kind::Board(metric, period) => {
                    let exercise = (metric == Metric::Amount).then_some("walk");
                    let board = app
                        .leaderboard(guild, viewer, period, metric, exercise)
                        .await;
                    // Early in the day (or month) too few prompts may be
                    // out for a consistency rank of it.
                    let board = board.expect("board");
                    let may_be_empty = metric == Metric::Consistency
                        && matches!(period, Period::Today | Period::ThisMonth);
                    assert!(may_be_empty || !board.top.is_empty(), "{kind}: empty board");
                }
            }
            samples.push(start.elapsed());
        }
        let kind = kind.to_string();
        samples.sort();
        println!(
            "{kind:<52} {:>9.1?} {:>10.1?}",
            percentile(&samples, 50),
            percentile(&samples, 99)
        );
    }
}
