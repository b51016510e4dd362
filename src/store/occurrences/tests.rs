use chrono::Duration;

use super::*;
use crate::domain::exercise::ExerciseKey;
use crate::store::schedules::tests::{new_schedule, t};
use crate::store::test_support::TestBackend;
use crate::store::{Store, StoreOptions};

on_both_backends!(
    a_firing_is_claimed_once_until_its_lease_runs_out,
    failures_skips_and_missing_schedules_are_recorded,
    posted_prompts_are_counted_per_server_and_period,
    two_processes_racing_for_the_same_firings_claim_each_once,
);

pub(crate) fn claim(schedule: ScheduleId, owner: &str, now: DateTime<Utc>) -> OccurrenceClaim {
    OccurrenceClaim {
        schedule,
        due_at: t(9, 0),
        exercise: Some(ExerciseKey::parse("walk").unwrap()),
        turn: None,
        owner: owner.into(),
        now,
        lease_until: now + Duration::seconds(60),
        tips: 3,
    }
}

async fn a_firing_is_claimed_once_until_its_lease_runs_out(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();

    let ClaimOutcome::Claimed(first) = store
        .claim_occurrence(claim(s.id, "a", t(9, 0)))
        .await
        .unwrap()
    else {
        panic!("first claim should win");
    };
    assert_eq!(first.state, OccurrenceState::Claimed);
    assert_eq!(first.guild, GuildId(1));
    assert_eq!(first.channel, s.channel);
    assert_eq!(first.attempts, 1);

    // Another process, inside the lease: refused.
    let outcome = store
        .claim_occurrence(claim(s.id, "b", t(9, 0) + Duration::seconds(30)))
        .await
        .unwrap();
    assert!(
        matches!(outcome, ClaimOutcome::HeldElsewhere(o) if o.claim_owner.as_deref() == Some("a"))
    );
    // Its own owner neither: a post of it is under way.
    assert!(matches!(
        store.claim_occurrence(claim(s.id, "a", t(9, 0) + Duration::seconds(40))).await.unwrap(),
        ClaimOutcome::HeldElsewhere(o) if o.attempts == 1
    ));
    // After the lease: taken over.
    let late = t(9, 0) + Duration::seconds(61);
    let ClaimOutcome::Claimed(taken) = store
        .claim_occurrence(claim(s.id, "b", late))
        .await
        .unwrap()
    else {
        panic!("an expired claim should be taken over");
    };
    assert_eq!(taken.id, first.id);
    assert_eq!(taken.claim_owner.as_deref(), Some("b"));
    assert_eq!(
        store.unfinished_occurrences().await.unwrap(),
        vec![taken.clone()]
    );

    // The old owner can neither renew nor finish it; the new one can.
    assert_eq!(
        store
            .renew_claim(first.id, "a", late, late + Duration::seconds(60))
            .await
            .unwrap(),
        None
    );
    let renewed = store
        .renew_claim(first.id, "b", late, late + Duration::seconds(90))
        .await
        .unwrap()
        .expect("b holds it");
    assert_eq!(renewed.lease_until, Some(late + Duration::seconds(90)));
    assert!(!store
        .finish_occurrence(first.id, "a", Finish::Posted(MessageId(5)), late)
        .await
        .unwrap());
    assert!(store
        .finish_occurrence(first.id, "b", Finish::Posted(MessageId(6)), late)
        .await
        .unwrap());
    let posted = store
        .occurrence(GuildId(1), first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(posted.state, OccurrenceState::Posted);
    assert_eq!(posted.message, Some(MessageId(6)));
    assert!(store.unfinished_occurrences().await.unwrap().is_empty());

    // Finished: never claimed again, by anyone.
    let again = store
        .claim_occurrence(claim(s.id, "c", late + Duration::hours(1)))
        .await
        .unwrap();
    assert!(matches!(again, ClaimOutcome::Finished(o) if o.state == OccurrenceState::Posted));
    // Scoped by server.
    assert_eq!(store.occurrence(GuildId(2), first.id).await.unwrap(), None);
    store.close().await;
}

async fn failures_skips_and_missing_schedules_are_recorded(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_occurrence(claim(ScheduleId(999), "a", t(9, 0)))
            .await
            .unwrap(),
        ClaimOutcome::NoSchedule
    );

    let ClaimOutcome::Claimed(o) = store
        .claim_occurrence(claim(s.id, "a", t(9, 0)))
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(store
        .finish_occurrence(
            o.id,
            "a",
            Finish::Failed("503 for 10 minutes".into()),
            t(9, 10)
        )
        .await
        .unwrap());
    let failed = store.occurrence(GuildId(1), o.id).await.unwrap().unwrap();
    assert_eq!(failed.state, OccurrenceState::Failed);
    assert_eq!(failed.detail.as_deref(), Some("503 for 10 minutes"));

    // A skipped firing records the exercise next in line and counts once.
    assert!(store
        .record_skipped(
            s.id,
            s.next_exercise(),
            t(9, 30),
            "missed by 2 hours".into(),
            t(11, 30)
        )
        .await
        .unwrap());
    assert!(!store
        .record_skipped(s.id, s.next_exercise(), t(9, 30), "again".into(), t(11, 31))
        .await
        .unwrap());
    assert!(!store
        .record_skipped(
            s.id,
            s.next_exercise(),
            t(9, 0),
            "already failed".into(),
            t(11, 31)
        )
        .await
        .unwrap());
    let skipped_claim = OccurrenceClaim {
        due_at: t(9, 30),
        ..claim(s.id, "a", t(11, 32))
    };
    let ClaimOutcome::Finished(skipped) = store.claim_occurrence(skipped_claim).await.unwrap()
    else {
        panic!("a skipped firing is finished")
    };
    assert_eq!(skipped.state, OccurrenceState::Skipped);
    assert_eq!(skipped.exercise.unwrap().as_str(), "calf-raises");

    let unknown_claim = OccurrenceClaim {
        due_at: t(10, 0),
        ..claim(s.id, "a", t(10, 0))
    };
    let ClaimOutcome::Claimed(u) = store.claim_occurrence(unknown_claim).await.unwrap() else {
        panic!()
    };
    assert!(store
        .finish_occurrence(
            u.id,
            "a",
            Finish::Unknown("channel unreadable".into()),
            t(10, 1)
        )
        .await
        .unwrap());
    assert_eq!(
        store
            .occurrence(GuildId(1), u.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        OccurrenceState::Unknown
    );

    // Removing the schedule keeps its history.
    assert!(store.remove_schedule(GuildId(1), s.id).await.unwrap());
    let kept = store.occurrence(GuildId(1), o.id).await.unwrap().unwrap();
    assert_eq!(kept.schedule, None);
    store.close().await;
}

async fn posted_prompts_are_counted_per_server_and_period(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let other = store
        .insert_schedule(new_schedule(2, Some(t(9, 0))))
        .await
        .unwrap();
    for (schedule, hour) in [(s.id, 9), (s.id, 10), (s.id, 11), (other.id, 9)] {
        let c = OccurrenceClaim {
            due_at: t(hour, 0),
            ..claim(schedule, "a", t(hour, 0))
        };
        let ClaimOutcome::Claimed(o) = store.claim_occurrence(c).await.unwrap() else {
            panic!()
        };
        store
            .finish_occurrence(
                o.id,
                "a",
                Finish::Posted(MessageId(hour.into())),
                t(hour, 0),
            )
            .await
            .unwrap();
    }
    store
        .record_skipped(
            s.id,
            s.next_exercise(),
            t(12, 0),
            "quiet hours".into(),
            t(12, 0),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .count_posted(GuildId(1), t(0, 0), t(23, 0))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .count_posted(GuildId(1), t(10, 0), t(11, 0))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_posted(GuildId(2), t(0, 0), t(23, 0))
            .await
            .unwrap(),
        1
    );
    store.close().await;
}

/// Two processes on one database claim the same firings at the same
/// instant, then race to take over the ones whose lease ran out: each time
/// exactly one wins, and each new firing moves the rotation on once.
async fn two_processes_racing_for_the_same_firings_claim_each_once(backend: TestBackend) {
    let (store, db) = backend.temp_store().await;
    let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let firings: u32 = 12;
    let claimed = |outcomes: [ClaimOutcome; 2]| {
        outcomes
            .into_iter()
            .filter(|o| matches!(o, ClaimOutcome::Claimed(_)))
            .count()
    };
    for minute in 0..firings {
        // Both read the schedule before either claims.
        let read = store.schedule(s.guild, s.id).await.unwrap().unwrap();
        let firing = |owner: &str| OccurrenceClaim {
            due_at: t(9, minute),
            exercise: read.next_exercise().cloned(),
            turn: read.next_turn(),
            ..claim(s.id, owner, t(9, minute))
        };
        let (a, b) = tokio::join!(
            store.claim_occurrence(firing("a")),
            other.claim_occurrence(firing("b"))
        );
        assert_eq!(claimed([a.unwrap(), b.unwrap()]), 1, "firing {minute}");
    }
    let read = store.schedule(s.guild, s.id).await.unwrap().unwrap();
    assert_eq!(read.rotation_turns, u64::from(firings));

    // Every lease has run out: both find the same claims to take over.
    let late = t(9, firings) + Duration::minutes(5);
    let (mine, theirs) = tokio::join!(store.expired_claims(late), other.expired_claims(late));
    let expired = mine.unwrap().len() + theirs.unwrap().len();
    // Each is listed by one process at least (a row the other is reading
    // for its list at that instant may be skipped, never hidden from both).
    assert!(
        expired >= usize::try_from(firings).unwrap(),
        "{expired} expired claims seen"
    );
    let lease = late + Duration::seconds(60);
    let mut taken = 0u32;
    for o in store.unfinished_occurrences().await.unwrap() {
        let (a, b) = tokio::join!(
            store.take_over_claim(o.id, "c", late, lease),
            other.take_over_claim(o.id, "d", late, lease)
        );
        let winners = [a.unwrap(), b.unwrap()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        assert_eq!(winners.len(), 1, "take-over of {:?}", o.id);
        assert_eq!(winners[0].attempts, 2);
        taken += 1;
    }
    assert_eq!(taken, firings);

    // And once more through claim_occurrence, after the new leases.
    let later = lease + Duration::seconds(1);
    for minute in 0..firings {
        let firing = |owner: &str| OccurrenceClaim {
            due_at: t(9, minute),
            ..claim(s.id, owner, later)
        };
        let (a, b) = tokio::join!(
            store.claim_occurrence(firing("e")),
            other.claim_occurrence(firing("f"))
        );
        assert_eq!(claimed([a.unwrap(), b.unwrap()]), 1, "firing {minute}");
    }
    let read = store.schedule(s.guild, s.id).await.unwrap().unwrap();
    assert_eq!(read.rotation_turns, u64::from(firings));
    other.close().await;
    store.close().await;
}
