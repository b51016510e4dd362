//! `secondheart migrate-store`: moving a SQLite database to PostgreSQL.

use chrono::{Duration, TimeZone, Utc};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::schedule::{NewSchedule, ScheduleKind};
use secondheart::domain::{ChannelId, GuildId, RoleId, UserId};
use secondheart::store::{Store, StoreOptions};

use crate::support::{checkin, postgres, Workspace};

fn schedule(guild: u64, channel: u64) -> NewSchedule {
    NewSchedule {
        guild: GuildId(guild),
        kind: ScheduleKind::Prompt,
        channel: ChannelId(channel),
        exercises: vec![ExerciseKey::parse("calf-raises").unwrap()],
        spec: "0 10 * * 1-5".into(),
        timezone: chrono_tz::Europe::Berlin,
        role: Some(RoleId(5)),
        expires_at: None,
        next_due_at: Some(Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap()),
        created_by: UserId(99),
        at: Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_store_copies_everything_once_and_new_rows_get_new_ids() {
    let Some(server) = postgres::server() else {
        return;
    };
    let ws = Workspace::new();
    let sqlite_url = ws.database_url();
    let start = Utc.with_ymd_and_hms(2027, 3, 1, 8, 0, 0).unwrap();
    let source = Store::open(&StoreOptions::new(&sqlite_url)).await.unwrap();
    let first = source.insert_schedule(schedule(1, 10)).await.unwrap();
    let other = source.insert_schedule(schedule(2, 20)).await.unwrap();
    // The newest schedule removed: its id is SQLite's never to give again.
    let removed = source.insert_schedule(schedule(1, 11)).await.unwrap();
    source
        .remove_schedule(GuildId(1), removed.id)
        .await
        .unwrap();
    for i in 0..40u64 {
        let mut new = checkin(1_000 + i, 7 + i % 3, start + Duration::minutes(i as i64));
        // Text COPY must not read as structure.
        new.note = (i == 3).then(|| "tab\there, line\nthere, back\\slash".to_owned());
        source.record_checkin(new).await.unwrap();
    }
    source
        .remember_display_name(GuildId(1), UserId(7), "Ada \\N".into(), start)
        .await
        .unwrap();
    let before = source
        .member_checkins(GuildId(1), UserId(7), start, start + Duration::days(1))
        .await
        .unwrap();
    let board = source
        .member_totals(GuildId(1), start, start + Duration::days(1), None)
        .await
        .unwrap();
    source.close().await;

    let target = server.database();
    let run = ws.run(&["migrate-store", "--from", &sqlite_url, "--to", &target.url]);
    assert!(run.succeeded(), "{}", run.stderr());
    let out = run.stdout();
    assert!(out.contains("schedules: 2 rows"), "{out}");
    assert!(removed.id.0 > other.id.0);
    assert!(out.contains("checkins: 40 rows"), "{out}");
    assert!(
        out.contains("every table's rows counted on both ends"),
        "{out}"
    );

    // Vacuumed, not only analysed: a VACUUM sets the visibility map that
    // index-only scans need. Whether it can mark the pages all-visible
    // depends on what else the server runs at that moment (once, with the
    // rest of the suite on it, it did not), so its count of manual vacuums
    // is asked,
    // with psql, as the test server is made: this suite is also built
    // without sqlx's PostgreSQL driver.
    let vacuums = std::process::Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-d", &target.url, "-c"])
        .arg("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'checkins'")
        .output()
        .unwrap();
    assert!(vacuums.status.success(), "{vacuums:?}");
    let vacuums: i64 = String::from_utf8_lossy(&vacuums.stdout)
        .trim()
        .parse()
        .unwrap();
    assert_eq!(vacuums, 1, "checkins was not vacuumed once after the copy");

    // A second copy into the now non-empty database is refused, politely.
    let line = ws
        .run(&["migrate-store", "--from", &sqlite_url, "--to", &target.url])
        .one_line_failure();
    assert!(line.contains("is not empty"), "{line}");

    let copy = Store::open(&StoreOptions::new(&target.url)).await.unwrap();
    let after = copy
        .member_checkins(GuildId(1), UserId(7), start, start + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(after, before);
    assert!(after
        .iter()
        .any(|c| c.note.as_deref() == Some("tab\there, line\nthere, back\\slash")));
    assert_eq!(
        copy.member_totals(GuildId(1), start, start + Duration::days(1), None)
            .await
            .unwrap(),
        board,
        "the day and member sums were rebuilt from the copied check-ins"
    );
    assert_eq!(
        copy.display_names(GuildId(1), &[UserId(7)]).await.unwrap(),
        vec![(UserId(7), "Ada \\N".to_owned())]
    );
    assert_eq!(copy.schedules(GuildId(2)).await.unwrap(), vec![other]);
    // The next id is past every id given, also the removed newest one's.
    let next = copy.insert_schedule(schedule(1, 12)).await.unwrap();
    assert!(next.id.0 > removed.id.0, "{next:?} reuses an id");
    assert_eq!(copy.schedules(GuildId(1)).await.unwrap()[0], first);
    let mut new = checkin(9_999, 7, start + Duration::hours(2));
    new.note = None;
    copy.record_checkin(new).await.unwrap();
    copy.close().await;
}

#[test]
fn migrate_store_refuses_urls_of_the_wrong_kind_in_one_line() {
    let ws = Workspace::new();
    let line = ws
        .run(&[
            "migrate-store",
            "--from",
            "postgres://somewhere/db",
            "--to",
            "postgres://elsewhere/db",
        ])
        .one_line_failure();
    assert!(line.contains("--from must be a sqlite:// URL"), "{line}");
    let sqlite_url = ws.database_url();
    let line = ws
        .run(&["migrate-store", "--from", &sqlite_url, "--to", &sqlite_url])
        .one_line_failure();
    assert!(line.contains("--to must be a postgres:// URL"), "{line}");
    let line = ws
        .run(&[
            "migrate-store",
            "--from",
            "mysql://x/y",
            "--to",
            "postgres://x/y",
        ])
        .one_line_failure();
    assert!(
        line.contains("must start with sqlite:// or postgres://"),
        "{line}"
    );
}
