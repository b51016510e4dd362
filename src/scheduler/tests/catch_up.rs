//! After downtime: missed firings posted late or skipped, and a schedule
//! that no longer reads paused without stopping the others.

use super::*;

#[tokio::test]
async fn after_downtime_the_latest_missed_firing_is_posted_late_and_the_rest_skipped() {
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    let id = add(&s, "*/5 * * * *", "UTC").await;
    s.scheduler.run_until(utc(2027, 5, 3, 9, 10)).await;
    assert_eq!(s.recorder.post_times().len(), 2);

    // Down from 09:11 to 09:43: 09:15 ... 09:40 were missed.
    s.clock.set(utc(2027, 5, 3, 9, 43));
    s.scheduler.run_until(utc(2027, 5, 3, 9, 43)).await;
    let posts = s.recorder.post_times();
    assert_eq!(posts.len(), 3, "one late post, no burst");
    assert_eq!(posts[2], utc(2027, 5, 3, 9, 43));
    let posted = s.recorder.posts.lock().unwrap()[2].1.clone();
    let PromptRef::Occurrence(late) = posted.prompt else {
        panic!()
    };
    let late = s
        .app
        .raw_store()
        .occurrence(GuildId(1), late)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(late.due_at, utc(2027, 5, 3, 9, 40));

    // 09:15 to 09:35 are recorded as skipped, each once.
    for minute in [15, 20, 25, 30, 35] {
        assert!(!s
            .app
            .raw_store()
            .record_skipped(
                id,
                None,
                utc(2027, 5, 3, 9, minute),
                "again".into(),
                utc(2027, 5, 3, 9, 44)
            )
            .await
            .unwrap());
    }
    // Down again until 10:22: only 10:20 goes out, two minutes late.
    s.clock.set(utc(2027, 5, 3, 10, 22));
    s.scheduler.run_until(utc(2027, 5, 3, 10, 22)).await;
    assert_eq!(s.recorder.post_times().len(), 4);
    // And it goes on from the next firing.
    s.scheduler.run_until(utc(2027, 5, 3, 10, 25)).await;
    assert_eq!(
        s.recorder.post_times().last(),
        Some(&utc(2027, 5, 3, 10, 25))
    );
}

#[tokio::test]
async fn one_broken_schedule_is_paused_with_its_reason_and_the_others_go_on() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    s.app
        .add_schedule(&admin(), request("0 * * * *", "UTC"))
        .await
        .unwrap();
    // A stored spec that no longer reads (written by an older version, say).
    let broken = s
        .app
        .raw_store()
        .insert_schedule(crate::domain::schedule::NewSchedule {
            guild: GuildId(1),
            kind: crate::domain::schedule::ScheduleKind::Prompt,
            channel: ChannelId(6),
            exercises: vec![crate::domain::exercise::ExerciseKey::parse("walk").unwrap()],
            spec: "every blue moon".into(),
            timezone: Tz::UTC,
            role: None,
            expires_at: None,
            next_due_at: Some(utc(2027, 5, 3, 9, 0)),
            created_by: UserId(10),
            at: utc(2027, 5, 3, 8, 0),
        })
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 5, 3, 11, 0)).await;
    assert_eq!(s.recorder.post_times().len(), 3);
    let broken = s
        .app
        .raw_store()
        .schedule(GuildId(1), broken.id)
        .await
        .unwrap()
        .unwrap();
    let crate::domain::schedule::ScheduleState::PausedByError { reason } = broken.state else {
        panic!("{:?}", broken.state)
    };
    assert!(reason.contains("every blue moon"), "{reason}");
}
