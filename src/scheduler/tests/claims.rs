//! Claims: renewed while posting, taken over from a stopped process, and
//! checked against the channel before a second post.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_renewed_while_its_post_is_retried_so_no_other_process_takes_it() {
    let mut s = setup(utc(2027, 5, 3, 8, 59)).await;
    let lease = Duration::seconds(30);
    s.scheduler = scheduler_with_lease(&s.app, &s.recorder, "one", lease);
    add(&s, "0 9 * * *", "UTC").await;
    let rival_recorder = Recorder::new(s.clock.clone());
    let rival = scheduler_with_lease(&s.app, &rival_recorder, "two", lease);
    *s.recorder.rival.lock().unwrap() = Some((Arc::clone(&s.app), rival));
    s.recorder.fail_next(std::iter::repeat_n(
        PostError::Unavailable("503".into()),
        12,
    ));
    s.scheduler.run_until(utc(2027, 5, 3, 9, 0)).await;

    // Twelve failures are waited out for two to four minutes: more than
    // three leases.
    let held = s.recorder.held.lock().unwrap().clone();
    assert_eq!(held.len(), 13);
    let (last, _) = held[12];
    assert!(last - utc(2027, 5, 3, 9, 0) > lease * 3, "{held:?}");
    for (at, until) in &held {
        let until = until.expect("claimed");
        assert!(
            until > *at && until - *at >= lease / 3,
            "at {at} the claim held only until {until}"
        );
    }
    assert!(rival_recorder.tries.lock().unwrap().is_empty());
    assert_eq!(s.recorder.post_times(), [last]);
    let o = s
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (o.state, o.claim_owner.as_deref(), o.attempts),
        (OccurrenceState::Posted, Some("one"), 1)
    );
}

#[tokio::test]
async fn two_schedulers_on_one_database_post_each_firing_once() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    for _ in 0..3 {
        s.app
            .add_schedule(&admin(), request("*/5 * * * *", "UTC"))
            .await
            .unwrap();
    }
    let other = scheduler_for(&s.app, &s.recorder, "two");
    while s.clock.now() < utc(2027, 5, 3, 9, 56) {
        let now = s.clock.now();
        let next = s.scheduler.pass().await;
        let other_pass = other.pass().await;
        for d in next.deliveries.into_iter().chain(other_pass.deliveries) {
            d.await.unwrap();
        }
        match next.next {
            Some(at) if at > now => s.clock.set(at),
            _ => s.clock.set(now + Duration::minutes(5)),
        }
    }
    let posts = s.recorder.posts.lock().unwrap().clone();
    let mut occurrences: Vec<_> = posts.iter().map(|p| p.1.prompt).collect();
    let total = occurrences.len();
    occurrences.sort_by_key(|p| format!("{p:?}"));
    occurrences.dedup();
    assert_eq!(occurrences.len(), total, "an occurrence was posted twice");
    assert_eq!(total, 3 * 12);
}

#[tokio::test]
async fn an_old_unfinished_claim_is_checked_against_the_channel_before_any_retry() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    let schedule = add(&s, "0 9 * * *", "UTC").await;
    // Another process claimed 09:00 and stopped: its claim is unfinished.
    let claim = |due: DateTime<Utc>| crate::domain::occurrence::OccurrenceClaim {
        schedule,
        due_at: due,
        exercise: Some(crate::domain::exercise::ExerciseKey::parse("walk").unwrap()),
        turn: None,
        owner: "gone".into(),
        now: due,
        lease_until: due + Duration::minutes(2),
        tips: 2,
    };
    s.app
        .raw_store()
        .claim_occurrence(claim(utc(2027, 5, 3, 9, 0)))
        .await
        .unwrap();
    let state = |day: i64| {
        let app = Arc::clone(&s.app);
        async move {
            app.raw_store()
                .occurrence(GuildId(1), OccurrenceId(day))
                .await
                .unwrap()
                .unwrap()
        }
    };

    // 10 minutes later, the prompt is in the channel: recorded, not reposted.
    *s.recorder.found.lock().unwrap() = Ok(Some(MessageId(77)));
    s.clock.set(utc(2027, 5, 3, 9, 10));
    let pass = s.scheduler.pass().await;
    for d in pass.deliveries {
        d.await.unwrap();
    }
    assert_eq!(state(1).await.message, Some(MessageId(77)));
    assert_eq!(state(1).await.state, OccurrenceState::Posted);
    assert!(s.recorder.tries.lock().unwrap().is_empty());
    assert_eq!(*s.recorder.looks.lock().unwrap(), 1);

    // Not found: posted once. Unreadable: recorded as unknown, not posted.
    let s2 = setup(utc(2027, 5, 3, 8, 59)).await;
    let schedule2 = s2
        .app
        .add_schedule(&admin(), request("0 9 * * *", "UTC"))
        .await
        .unwrap()
        .schedule
        .id;
    for (day, found) in [
        (3, Ok(None)),
        (4, Err(PostError::ChannelUnusable("missing access".into()))),
    ] {
        s2.app
            .raw_store()
            .claim_occurrence(crate::domain::occurrence::OccurrenceClaim {
                schedule: schedule2,
                ..claim(utc(2027, 5, day, 9, 0))
            })
            .await
            .unwrap();
        *s2.recorder.found.lock().unwrap() = found;
        s2.clock.set(utc(2027, 5, day, 9, 10));
        let pass = s2.scheduler.pass().await;
        for d in pass.deliveries {
            d.await.unwrap();
        }
    }
    // (Ids are not consecutive: a refused insert uses one up.)
    let mut states = Vec::new();
    for id in 1..10 {
        if let Some(o) = s2
            .app
            .raw_store()
            .occurrence(GuildId(1), OccurrenceId(id))
            .await
            .unwrap()
        {
            states.push((o.due_at, o.state));
        }
    }
    assert_eq!(
        states,
        [
            (utc(2027, 5, 3, 9, 0), OccurrenceState::Posted),
            (utc(2027, 5, 4, 9, 0), OccurrenceState::Unknown)
        ]
    );
    assert_eq!(s2.recorder.post_times().len(), 1);
}
