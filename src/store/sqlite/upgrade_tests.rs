//! Upgrades keep data: a database the first release made opens with today's
//! store with every row intact, and a database a newer release migrated
//! further still opens with this one (a rollback, or a rolling deploy).

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone};
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::checkin::{Recorded, Source};
use crate::domain::exercise::ExerciseKey;
use crate::domain::occurrence::OccurrenceState;
use crate::domain::schedule::{BoardWeek, ScheduleKind, ScheduleState};
use crate::domain::streak::{days, streaks, DayMinimum, Streak};
use crate::domain::{ChannelId, GuildId, OccurrenceId, RoleId, UserId};
use crate::store::checkins::tests::{assert_days_match_checkins, checkin};
use crate::store::{Store, StoreOptions};

/// Made by `tests/fixtures/make-first-release-db.sh` (see there how).
const FIRST_RELEASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/first-release.db"
);

/// Every table the first release had, user data and sqlx's own.
const FIRST_RELEASE_TABLES: [&str; 10] = [
    "servers",
    "schedules",
    "occurrences",
    "checkins",
    "prompt_answers",
    "snoozes",
    "members",
    "audit_log",
    "bot_state",
    "_sqlx_migrations",
];

const GUILD: GuildId = GuildId(100);

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A copy of the fixture in its own temp folder; keep the folder alive.
fn first_release_copy() -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bot.db");
    std::fs::copy(FIRST_RELEASE, &path).expect("copy the fixture");
    (path, dir)
}

async fn table_counts(path: &Path) -> Vec<(&'static str, i64)> {
    let mut conn = SqliteConnection::connect(&url(path)).await.unwrap();
    let mut counts = Vec::new();
    // The table names are the constants above.
    for table in FIRST_RELEASE_TABLES {
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        counts.push((table, count));
    }
    conn.close().await.unwrap();
    counts
}

fn ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).unwrap()
}

#[tokio::test]
async fn a_first_release_database_upgrades_with_every_row_intact() {
    let (path, _dir) = first_release_copy();
    let before = table_counts(&path).await;
    assert!(before.iter().all(|&(_, n)| n > 0), "{before:?}");

    let store = Store::open(&StoreOptions::new(url(&path))).await.unwrap();

    // The member's check-ins, as recorded, and the streak they make.
    let week = (ms(1_763_251_200_000), ms(1_763_856_000_000));
    let ada = store
        .member_checkins(GUILD, UserId(7), week.0, week.1)
        .await
        .unwrap();
    let summary: Vec<_> = ada
        .iter()
        .map(|c| (c.interaction.0, c.exercise.as_str(), c.amount, c.points))
        .collect();
    assert_eq!(
        summary,
        [
            (20002, "heel-raises", 20, 10),
            (20001, "walk", 30, 30),
            (20003, "calf-raises", 25, 25),
            (20004, "stairs", 5, 15),
        ]
    );
    assert_eq!(ada[0].source, Source::Button);
    assert_eq!(ada[0].occurrence, Some(OccurrenceId(1)));
    assert_eq!(ada[1].note.as_deref(), Some("around the block"));
    assert_eq!(ada[3].source, Source::Moderator);
    assert_eq!(ada[3].recorded_by, Some(UserId(8)));
    let dates = days(ada.iter().map(|c| (c.local_date, c.points)));
    let today = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
    assert_eq!(
        streaks(&dates, DayMinimum::AnyCheckIn, today),
        Streak {
            current: 3,
            best: 3
        }
    );

    // The schedules listing (a rotation of one exercise each) and the board.
    let schedules = store.schedules(GUILD).await.unwrap();
    let listed: Vec<_> = schedules
        .iter()
        .map(|s| {
            let keys: Vec<_> = s.exercises.iter().map(ExerciseKey::as_str).collect();
            (s.id.0, s.spec.as_str(), keys, s.kind)
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                1,
                "every 30 minutes 09:00-17:00 mon-fri",
                vec!["heel-raises"],
                ScheduleKind::Prompt
            ),
            (2, "0 12 * * 1-5", vec!["walk"], ScheduleKind::Prompt),
        ]
    );
    let board = store.board_schedule(GUILD).await.unwrap().unwrap();
    assert_eq!(
        (board.id.0, board.spec.as_str(), board.kind),
        (3, "0 17 * * 5", ScheduleKind::Board(BoardWeek::This))
    );
    assert!(board.exercises.is_empty());
    assert_eq!(schedules[0].role, Some(RoleId(501)));
    assert_eq!(schedules[0].next_due_at, Some(ms(1_763_625_600_000)));
    assert_eq!(
        schedules[1].state,
        ScheduleState::Paused {
            until: Some(ms(1_764_547_200_000))
        }
    );
    assert_eq!(schedules[1].expires_at, Some(ms(1_767_225_600_000)));

    // Occurrences, answers and the pending snooze.
    let second = store
        .occurrence(GUILD, OccurrenceId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.state, OccurrenceState::Posted);
    assert_eq!(second.tip, Some(1));
    let failed = store
        .occurrence(GUILD, OccurrenceId(4))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, OccurrenceState::Failed);
    assert_eq!(failed.attempts, 5);
    assert_eq!(store.done_count(GUILD, OccurrenceId(2)).await.unwrap(), 1);
    assert_eq!(
        store
            .prompts_done(GUILD, UserId(7), week.0, week.1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.earliest_snooze().await.unwrap(),
        Some(ms(1_763_282_400_000))
    );

    // Settings: the server's and the members'.
    let settings = store.server_settings(GUILD).await.unwrap();
    assert_eq!(settings.timezone, Some(chrono_tz::Europe::Berlin));
    assert_eq!(settings.moderator_role, Some(RoleId(500)));
    assert_eq!(settings.leaderboard_channel, Some(ChannelId(301)));
    let skipping = ExerciseKey::parse("skipping").unwrap();
    assert_eq!(settings.disabled_exercises, [skipping].into());
    let ada_prefs = store.member_prefs(GUILD, UserId(7)).await.unwrap();
    assert_eq!(ada_prefs.timezone, Some(chrono_tz::America::New_York));
    assert_eq!(ada_prefs.display_name.as_deref(), Some("Ada"));
    assert!(
        store
            .member_prefs(GUILD, UserId(8))
            .await
            .unwrap()
            .leaderboard_opt_out
    );
    assert_eq!(
        store
            .bot_state("registered_commands")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"hash":"fixture"}"#)
    );

    // The upgraded file takes new writes.
    let new = checkin(30_001, 100, 7, "walk", 10, ms(1_763_900_000_000));
    assert!(matches!(
        store.record_checkin(new).await,
        Ok(Recorded::New(_))
    ));
    store.close().await;

    // Every row is still there: the same count per table, plus the new
    // check-in and the migrations applied since.
    let after = table_counts(&path).await;
    let newer_migrations = MIGRATOR.iter().count() as i64 - 3;
    for ((table, was), (_, is)) in before.iter().zip(&after) {
        let added = match *table {
            "checkins" => 1,
            "_sqlx_migrations" => newer_migrations,
            _ => 0,
        };
        assert_eq!(*is, was + added, "{table}");
    }
}

#[tokio::test]
async fn a_first_release_database_gets_the_day_sums_of_its_check_ins() {
    let (path, _dir) = first_release_copy();
    let store = Store::open(&StoreOptions::new(url(&path))).await.unwrap();
    assert_days_match_checkins(&store, "the upgrade").await;
    assert!(store.count_rows("checkin_days").await.unwrap() > 0);
    // Ada's week, read from the day sums, is her four check-ins.
    let week = (ms(1_763_251_200_000), ms(1_763_856_000_000));
    let totals = store
        .member_totals(GUILD, week.0, week.1, None)
        .await
        .unwrap();
    let ada = totals.iter().find(|t| t.user == UserId(7)).unwrap();
    assert_eq!((ada.checkins, ada.points), (4, 10 + 30 + 25 + 15));
    // And they keep up with new check-ins.
    let new = checkin(30_001, 100, 7, "walk", 10, ms(1_763_900_000_000));
    store.record_checkin(new).await.unwrap();
    assert_days_match_checkins(&store, "a check-in after the upgrade").await;
    store.close().await;
}

/// The migrations of a newer release: today's, plus one this binary does not know.
async fn newer_release_migrator(dir: &Path) -> sqlx::migrate::Migrator {
    let source = dir.join("newer-migrations");
    std::fs::create_dir(&source).unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(ours).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), source.join(entry.file_name())).unwrap();
    }
    // Expand-only, as migrations/README.md asks: a new table and a new
    // nullable column, nothing this release reads changed.
    std::fs::write(
        source.join("29991231000001_future.sql"),
        "CREATE TABLE future_things (id INTEGER PRIMARY KEY NOT NULL, what TEXT NOT NULL);\n\
         ALTER TABLE checkins ADD COLUMN future_detail TEXT;\n",
    )
    .unwrap();
    sqlx::migrate::Migrator::new(source).await.unwrap()
}

#[tokio::test]
async fn a_database_a_newer_release_migrated_still_opens_and_works() {
    let (path, dir) = first_release_copy();
    {
        let mut conn = SqliteConnection::connect(&url(&path)).await.unwrap();
        newer_release_migrator(dir.path())
            .await
            .run(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }

    let store = Store::open(&StoreOptions::new(url(&path))).await.unwrap();
    let new = checkin(30_001, 100, 7, "walk", 10, ms(1_763_900_000_000));
    assert!(matches!(
        store.record_checkin(new).await,
        Ok(Recorded::New(_))
    ));
    let all = store
        .member_checkins(GUILD, UserId(7), ms(0), ms(1_800_000_000_000))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(store.schedules(GUILD).await.unwrap().len(), 2);
    store.close().await;
}
