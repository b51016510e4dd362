use chrono::{Duration, TimeZone};

use super::*;
use crate::domain::exercise::ExerciseKey;
use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
use crate::domain::schedule::ScheduleState;
use crate::domain::{ChannelId, RoleId, UserId};
use crate::store::test_support::{temp_store, TestBackend, TestDb};
use crate::store::Store;

on_both_backends!(
    schedules_are_stored_listed_and_scoped_by_server,
    updates_store_every_field_and_state,
    due_schedules_come_earliest_first_and_only_when_active,
    the_rotation_moves_on_with_each_new_claim_and_only_then,
    a_claim_is_recorded_only_together_with_its_turn,
    a_new_list_restarts_the_rotation_and_the_same_list_keeps_its_place,
    a_claim_read_before_a_new_list_does_not_move_it_on_even_at_its_start,
);

pub(crate) fn t(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, hour, minute, 0).unwrap()
}

pub(crate) fn new_schedule(guild: u64, next: Option<DateTime<Utc>>) -> NewSchedule {
    NewSchedule {
        guild: GuildId(guild),
        kind: crate::domain::schedule::ScheduleKind::Prompt,
        channel: ChannelId(guild * 10),
        exercises: vec![
            ExerciseKey::parse("calf-raises").unwrap(),
            ExerciseKey::parse("walk").unwrap(),
        ],
        spec: "*/30 9-17 * * 1-5".into(),
        timezone: chrono_tz::Europe::Berlin,
        role: Some(RoleId(5)),
        expires_at: None,
        next_due_at: next,
        created_by: UserId(99),
        at: t(8, 0),
    }
}

async fn schedules_are_stored_listed_and_scoped_by_server(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let a = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let b = store
        .insert_schedule(new_schedule(1, Some(t(9, 30))))
        .await
        .unwrap();
    let other = store
        .insert_schedule(new_schedule(2, Some(t(9, 15))))
        .await
        .unwrap();
    assert!(a.id < b.id);

    assert_eq!(
        store.schedule(GuildId(1), a.id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.schedule(GuildId(1), other.id).await.unwrap(), None);
    assert_eq!(
        store.schedules(GuildId(1)).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(store.count_schedules(GuildId(1)).await.unwrap(), 2);
    assert_eq!(store.count_schedules(GuildId(3)).await.unwrap(), 0);

    // Another server cannot change or remove it by naming its id.
    let mut hijack = other.clone();
    hijack.guild = GuildId(1);
    hijack.spec = "* * * * *".into();
    assert!(!store.update_schedule(&hijack, t(8, 1)).await.unwrap());
    assert!(!store.remove_schedule(GuildId(1), other.id).await.unwrap());
    assert_eq!(
        store.schedule(GuildId(2), other.id).await.unwrap(),
        Some(other.clone())
    );

    assert!(store.remove_schedule(GuildId(1), a.id).await.unwrap());
    assert_eq!(store.schedule(GuildId(1), a.id).await.unwrap(), None);
    // Ids are never reused.
    let c = store.insert_schedule(new_schedule(1, None)).await.unwrap();
    assert!(c.id > other.id);
    store.close().await;
}

async fn updates_store_every_field_and_state(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let mut s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    s.channel = ChannelId(1234);
    s.exercises = vec![ExerciseKey::parse("water").unwrap()];
    s.spec = "daily 10:30".into();
    s.timezone = chrono_tz::America::New_York;
    s.role = None;
    s.expires_at = Some(t(23, 0));
    s.next_due_at = Some(t(10, 30));
    for state in [
        ScheduleState::Paused {
            until: Some(t(12, 0)),
        },
        ScheduleState::Paused { until: None },
        ScheduleState::PausedByError {
            reason: "the channel is gone".into(),
        },
        ScheduleState::Active,
    ] {
        s.state = state;
        s.updated_at = t(8, 5);
        assert!(store.update_schedule(&s, t(8, 5)).await.unwrap());
        assert_eq!(
            store.schedule(GuildId(1), s.id).await.unwrap().as_ref(),
            Some(&s)
        );
    }
    store.close().await;
}

async fn due_schedules_come_earliest_first_and_only_when_active(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    assert_eq!(store.earliest_due().await.unwrap(), None);
    let late = store
        .insert_schedule(new_schedule(1, Some(t(10, 0))))
        .await
        .unwrap();
    let early = store
        .insert_schedule(new_schedule(2, Some(t(9, 0))))
        .await
        .unwrap();
    let mut paused = store
        .insert_schedule(new_schedule(3, Some(t(8, 30))))
        .await
        .unwrap();
    paused.state = ScheduleState::Paused { until: None };
    store.update_schedule(&paused, t(8, 0)).await.unwrap();
    store.insert_schedule(new_schedule(4, None)).await.unwrap();

    assert_eq!(store.earliest_due().await.unwrap(), Some(t(9, 0)));
    // Neither the paused one nor the one that never fires again.
    assert_eq!(store.active_schedules().await.unwrap(), 2);
    let due: Vec<_> = store
        .due_schedules(t(10, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(due, vec![early.id, late.id]);
    assert_eq!(store.due_schedules(t(9, 59), 10).await.unwrap().len(), 1);
    assert_eq!(store.due_schedules(t(10, 0), 1).await.unwrap().len(), 1);

    assert!(store
        .advance_schedule(
            early.id,
            t(9, 0),
            t(9, 0),
            Some(t(9, 0) + Duration::hours(2)),
            t(9, 0)
        )
        .await
        .unwrap());
    // Advanced already (by another process, say): left alone.
    assert!(!store
        .advance_schedule(early.id, t(9, 0), t(9, 0), Some(t(12, 0)), t(9, 1))
        .await
        .unwrap());
    let moved = store.schedule(GuildId(2), early.id).await.unwrap().unwrap();
    assert_eq!(moved.last_fired_at, Some(t(9, 0)));
    assert_eq!(moved.next_due_at, Some(t(11, 0)));
    assert_eq!(store.earliest_due().await.unwrap(), Some(t(10, 0)));
    assert!(!store
        .advance_schedule(ScheduleId(9999), t(9, 0), t(9, 0), None, t(9, 0))
        .await
        .unwrap());
    store.close().await;
}

async fn turns(store: &Store, s: &Schedule) -> u64 {
    store
        .schedule(s.guild, s.id)
        .await
        .unwrap()
        .unwrap()
        .rotation_turns
}

/// Runs `sql` on the test's database, beside the store: SQLite's through its
/// writer, PostgreSQL's on a connection of its own.
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
async fn execute(store: &Store, db: &TestDb, sql: &'static str) {
    match store.kind() {
        crate::store::BackendKind::Sqlite => store
            .sqlite()
            .write(move |conn| {
                Box::pin(async move {
                    sqlx::raw_sql(sql).execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .await
            .unwrap(),
        #[cfg(feature = "postgres")]
        crate::store::BackendKind::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        #[cfg(not(feature = "postgres"))]
        crate::store::BackendKind::Postgres => unreachable!("a build without PostgreSQL"),
    }
}

/// A claim of the firing at `due` taking the schedule's next turn, as
/// the scheduler makes it.
fn turn_claim(
    s: &Schedule,
    owner: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> OccurrenceClaim {
    OccurrenceClaim {
        due_at: due,
        exercise: s.next_exercise().cloned(),
        turn: s.next_turn(),
        ..crate::store::occurrences::tests::claim(s.id, owner, now)
    }
}

async fn the_rotation_moves_on_with_each_new_claim_and_only_then(backend: TestBackend) {
    let (store, db) = backend.temp_store().await;
    let mut s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    assert_eq!(s.rotation_turns, 0);
    assert_eq!(s.next_exercise().unwrap().as_str(), "calf-raises");

    let ClaimOutcome::Claimed(first) = store
        .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
        .await
        .unwrap()
    else {
        panic!("the first claim wins")
    };
    assert_eq!(first.exercise.unwrap().as_str(), "calf-raises");
    assert_eq!(
        store.rotation_slot(GuildId(1), first.id).await.unwrap(),
        Some(0)
    );
    assert_eq!(turns(&store, &s).await, 1);

    // The same firing again, from a process that read the schedule
    // before the claim: held elsewhere, then taken over after the lease;
    // neither takes another turn.
    assert!(matches!(
        store
            .claim_occurrence(turn_claim(&s, "b", t(9, 0), t(9, 0)))
            .await
            .unwrap(),
        ClaimOutcome::HeldElsewhere(_)
    ));
    assert!(matches!(
        store
            .claim_occurrence(turn_claim(&s, "b", t(9, 0), t(9, 5)))
            .await
            .unwrap(),
        ClaimOutcome::Claimed(o) if o.id == first.id && o.claim_owner.as_deref() == Some("b")
    ));
    assert_eq!(turns(&store, &s).await, 1);

    // A skipped firing takes no turn.
    s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    assert!(store
        .record_skipped(s.id, s.next_exercise(), t(9, 30), "missed".into(), t(11, 0))
        .await
        .unwrap());
    assert_eq!(turns(&store, &s).await, 1);

    // The next new firing prompts the next exercise, and the one after
    // wraps around to the first.
    let ClaimOutcome::Claimed(second) = store
        .claim_occurrence(turn_claim(&s, "a", t(10, 0), t(10, 0)))
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(second.exercise.unwrap().as_str(), "walk");
    assert_eq!(
        store.rotation_slot(GuildId(1), second.id).await.unwrap(),
        Some(1)
    );
    s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    assert_eq!(s.rotation_turns, 2);
    assert_eq!(s.next_exercise().unwrap().as_str(), "calf-raises");

    // Removing old occurrences (retention) leaves the rotation alone.
    execute(&store, &db, "DELETE FROM occurrences").await;
    assert_eq!(turns(&store, &s).await, 2);
    assert_eq!(
        store
            .schedule(GuildId(1), s.id)
            .await
            .unwrap()
            .unwrap()
            .next_exercise(),
        s.next_exercise()
    );
    store.close().await;
}

async fn a_claim_is_recorded_only_together_with_its_turn(backend: TestBackend) {
    let (store, db) = backend.temp_store().await;
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let (stick, unstick) = match backend {
        TestBackend::Sqlite => (
            "CREATE TRIGGER stuck BEFORE UPDATE OF rotation_turns ON schedules
             BEGIN SELECT RAISE(ABORT, 'the rotation is stuck'); END",
            "DROP TRIGGER stuck",
        ),
        TestBackend::Postgres => (
            "CREATE FUNCTION stuck() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN RAISE EXCEPTION 'the rotation is stuck'; END $$;
             CREATE TRIGGER stuck BEFORE UPDATE OF rotation_turns ON schedules
                 FOR EACH ROW EXECUTE FUNCTION stuck()",
            "DROP TRIGGER stuck ON schedules",
        ),
    };
    execute(&store, &db, stick).await;
    assert!(store
        .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
        .await
        .is_err());
    // The failed advance took the claim with it: nothing was recorded.
    assert!(store.unfinished_occurrences().await.unwrap().is_empty());
    assert_eq!(turns(&store, &s).await, 0);

    execute(&store, &db, unstick).await;
    assert!(matches!(
        store
            .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 1)))
            .await
            .unwrap(),
        ClaimOutcome::Claimed(_)
    ));
    assert_eq!(turns(&store, &s).await, 1);
    store.close().await;
}

async fn a_new_list_restarts_the_rotation_and_the_same_list_keeps_its_place(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    store
        .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
        .await
        .unwrap();
    let mut s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    assert_eq!(s.rotation_turns, 1);

    // Another change (here a pause) keeps the place, also if it was read
    // before a claim moved the rotation on.
    let stale = s.clone();
    store
        .claim_occurrence(turn_claim(&s, "a", t(9, 30), t(9, 30)))
        .await
        .unwrap();
    let mut paused = stale;
    paused.state = ScheduleState::Paused { until: None };
    store.update_schedule(&paused, t(9, 31)).await.unwrap();
    assert_eq!(turns(&store, &s).await, 2);

    // A new list restarts at its first exercise; a claim read before
    // that does not move the new rotation on.
    let before_edit = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    s.exercises = vec![
        ExerciseKey::parse("stretch").unwrap(),
        ExerciseKey::parse("walk").unwrap(),
        ExerciseKey::parse("stretch").unwrap(),
    ];
    store.update_schedule(&s, t(9, 40)).await.unwrap();
    let edited = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    assert_eq!(edited.exercises, s.exercises);
    assert_eq!(edited.rotation_turns, 0);
    store
        .claim_occurrence(turn_claim(&before_edit, "a", t(10, 0), t(10, 0)))
        .await
        .unwrap();
    assert_eq!(turns(&store, &s).await, 0);
    store
        .claim_occurrence(turn_claim(&edited, "a", t(10, 30), t(10, 30)))
        .await
        .unwrap();
    assert_eq!(turns(&store, &s).await, 1);
    store.update_schedule(&edited, t(10, 31)).await.unwrap();
    assert_eq!(turns(&store, &s).await, 1);
    store.close().await;
}

async fn a_claim_read_before_a_new_list_does_not_move_it_on_even_at_its_start(
    backend: TestBackend,
) {
    let (store, _db) = backend.temp_store().await;
    let key = |k: &str| ExerciseKey::parse(k).unwrap();
    let mut s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    s.exercises = vec![key("walk"), key("stretch")];
    store.update_schedule(&s, t(8, 0)).await.unwrap();
    let read = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
    assert_eq!(read.rotation_turns, 0);
    // Edited between the scheduler's read and its claim: both counts are
    // 0, but the claimed slot holds another exercise now.
    let mut edited = read.clone();
    edited.exercises = vec![key("calf-raises"), key("walk")];
    store.update_schedule(&edited, t(8, 30)).await.unwrap();
    store
        .claim_occurrence(turn_claim(&read, "a", t(9, 0), t(9, 0)))
        .await
        .unwrap();
    assert_eq!(turns(&store, &s).await, 0, "calf raises still come first");
    store.close().await;
}

#[tokio::test]
async fn existing_schedules_keep_their_exercises_as_a_rotation() {
    use sqlx::{ConnectOptions, Connection};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options = crate::store::StoreOptions::new(url.clone());
    // The schema before rotations, with schedules in it.
    let mut conn = crate::store::sqlite::connect_options(&options)
        .unwrap()
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    crate::store::sqlite::MIGRATOR
        .run_to(20261128000001, &mut conn)
        .await
        .unwrap();
    for (id, kind, exercises) in [
        (1, "prompt", "calf-raises"),
        (2, "board", ""),
        (3, "prompt", "walk calf-raises  stretch"),
    ] {
        sqlx::query(
            "INSERT INTO schedules (id, guild_id, channel_id, exercises, spec, timezone, state,
                 created_by, created_at, updated_at, kind, board_period)
             VALUES (?, 1, 10, ?, 'daily 10:00', 'UTC', 'active', 99, 0, 0, ?,
                 CASE ? WHEN 'board' THEN 'this-week' END)",
        )
        .bind(id)
        .bind(exercises)
        .bind(kind)
        .bind(kind)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();

    let store = Store::open(&options).await.unwrap();
    let keys = |s: &Schedule| -> Vec<String> {
        s.exercises.iter().map(|e| e.as_str().to_owned()).collect()
    };
    let prompts = store.schedules(GuildId(1)).await.unwrap();
    assert_eq!(keys(&prompts[0]), ["calf-raises"]);
    assert_eq!(keys(&prompts[1]), ["walk", "calf-raises", "stretch"]);
    assert!(prompts.iter().all(|s| s.rotation_turns == 0));
    let board = store.board_schedule(GuildId(1)).await.unwrap().unwrap();
    assert!(board.exercises.is_empty());
    assert_eq!(board.next_exercise(), None);
    store.close().await;
}

#[tokio::test]
async fn a_departed_servers_schedules_are_not_due_until_the_bot_returns() {
    let (store, _dir) = temp_store().await;
    let a = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let b = store
        .insert_schedule(new_schedule(2, Some(t(9, 30))))
        .await
        .unwrap();
    store.mark_departed(GuildId(1), t(8, 30)).await.unwrap();
    let due: Vec<_> = store
        .due_schedules(t(10, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(due, vec![b.id]);
    assert_eq!(store.earliest_due().await.unwrap(), Some(t(9, 30)));
    assert!(store.mark_present(GuildId(1)).await.unwrap());
    assert_eq!(store.earliest_due().await.unwrap(), Some(t(9, 0)));
    assert_eq!(store.due_schedules(t(10, 0), 10).await.unwrap().len(), 2);
    let _ = a;
    store.close().await;
}
