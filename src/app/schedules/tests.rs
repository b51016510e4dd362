//! Schedules as moderators add, change and preview them.

use chrono::TimeZone;

use super::*;
use crate::app::test_support::{admin, app_at};
use crate::domain::GuildId;

fn hourly() -> ScheduleRequest {
    ScheduleRequest {
        channel: Some(ChannelId(5)),
        exercise: Some("walk".into()),
        when: Some("0 * * * *".into()),
        timezone: Some("UTC".into()),
        ..ScheduleRequest::default()
    }
}

#[tokio::test]
async fn the_stored_next_due_instant_follows_pauses_and_quiet_hours() {
    let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
    let view = app.add_schedule(&admin(), hourly()).await.unwrap();
    let id = view.schedule.id;
    let stored = || async { app.store.schedule(GuildId(1), id).await.unwrap().unwrap() };
    assert_eq!(
        stored().await.next_due_at,
        Some(Utc.with_ymd_and_hms(2027, 5, 3, 10, 0, 0).unwrap())
    );

    // Quiet 10:00-12:00 in the server's zone moves it to noon.
    app.set_quiet(&admin(), "10:00-12:00", None).await.unwrap();
    assert_eq!(
        stored().await.next_due_at,
        Some(Utc.with_ymd_and_hms(2027, 5, 3, 12, 0, 0).unwrap())
    );

    // Paused for a day: the next firing after the pause is stored, and
    // once the pause is over the schedule shows as active again.
    app.pause_schedule(&admin(), id, Some("1d")).await.unwrap();
    assert_eq!(
        stored().await.next_due_at,
        Some(Utc.with_ymd_and_hms(2027, 5, 4, 12, 0, 0).unwrap())
    );
    clock.advance(Duration::days(2));
    let list = app.list_schedules(&admin()).await.unwrap();
    assert_eq!(list[0].schedule.state, ScheduleState::Active);

    // Paused until resumed: nothing due; resumed: due again.
    app.pause_schedule(&admin(), id, None).await.unwrap();
    assert_eq!(stored().await.next_due_at, None);
    app.resume_schedule(&admin(), id).await.unwrap();
    assert!(stored().await.next_due_at.is_some());
}

#[tokio::test]
async fn limits_and_bad_values_are_refused() {
    let (app, _clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
    for _ in 0..3 {
        app.add_schedule(&admin(), hourly()).await.unwrap();
    }
    let err = app.add_schedule(&admin(), hourly()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "This server has 3 schedules, the most allowed; remove one first."
    );
    assert!(app
        .pause_schedule(&admin(), ScheduleId(1), Some("forever"))
        .await
        .is_err());
    assert!(app
        .pause_schedule(&admin(), ScheduleId(1), Some("400d"))
        .await
        .is_err());
    let nothing = app
        .edit_schedule(&admin(), ScheduleId(1), ScheduleRequest::default())
        .await
        .unwrap_err();
    assert_eq!(
        nothing.to_string(),
        "Nothing to change: give at least one option."
    );
    assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
}

fn with_exercise(list: &str) -> ScheduleRequest {
    ScheduleRequest {
        exercise: Some(list.into()),
        ..hourly()
    }
}

#[tokio::test]
async fn a_rotation_is_a_list_of_enabled_exercises_in_order() {
    let (app, _clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 30, 0).unwrap()).await;
    let keys = |s: &Schedule| -> Vec<String> {
        s.exercises.iter().map(|e| e.as_str().to_owned()).collect()
    };
    // Spaces around commas and capitals are fine; a key twice is kept.
    let view = app
        .add_schedule(
            &admin(),
            with_exercise(" heel-raises , Calf-Raises,heel-raises "),
        )
        .await
        .unwrap();
    assert_eq!(
        keys(&view.schedule),
        ["heel-raises", "calf-raises", "heel-raises"]
    );
    let id = view.schedule.id;

    let refused = |list: &'static str| {
        let app = &app;
        async move {
            let add = app.add_schedule(&admin(), with_exercise(list)).await;
            let edit = app.edit_schedule(&admin(), id, with_exercise(list)).await;
            let (add, edit) = (add.unwrap_err().to_string(), edit.unwrap_err().to_string());
            assert_eq!(add, edit);
            add
        }
    };
    assert!(refused("walk,plank,stretch")
        .await
        .starts_with("There is no exercise `plank`. Pick one of: calf-raises, heel-raises,"));
    assert!(refused("walk stretch")
        .await
        .starts_with("There is no exercise `walk stretch`."));
    assert_eq!(
        refused("walk,,stretch").await,
        "Exercise 2 of the list is empty: separate exercises with single commas, as in `heel-raises,calf-raises,stretch`."
    );
    assert_eq!(
        refused("walk,stretch,").await,
        "Exercise 3 of the list is empty: separate exercises with single commas, as in `heel-raises,calf-raises,stretch`."
    );
    assert_eq!(
        refused("walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk").await,
        "That is 11 exercises; a schedule rotates through at most 10."
    );
    assert_eq!(refused("  ").await, "No exercise given.");
    app.set_exercise_enabled(&admin(), "water", false)
        .await
        .unwrap();
    assert_eq!(
        refused("walk,water").await,
        "Glass of water is turned off in this server."
    );
    // Nothing refused was stored.
    let stored = app.store.schedule(GuildId(1), id).await.unwrap().unwrap();
    assert_eq!(keys(&stored), ["heel-raises", "calf-raises", "heel-raises"]);

    // Autocomplete offers the server's exercises for the last item only.
    let offered = app
        .complete_rotation(GuildId(1), "heel-raises, wa")
        .await
        .unwrap();
    assert_eq!(offered, ["heel-raises,walk"]);
    let all = app.complete_rotation(GuildId(1), "").await.unwrap();
    assert!(all.contains(&"stretch".to_owned()) && !all.contains(&"water".to_owned()));

    // Editing to a new list restarts it; ten is the most.
    let ten = "stretch,walk,stretch,walk,stretch,walk,stretch,walk,stretch,walk";
    let view = app
        .edit_schedule(&admin(), id, with_exercise(ten))
        .await
        .unwrap();
    assert_eq!(view.schedule.exercises.len(), 10);
    assert_eq!(view.schedule.rotation_turns, 0);
}
