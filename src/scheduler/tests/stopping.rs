//! Stopping: no new claims, and claims not yet posted handed back at once.

use super::*;

#[tokio::test]
async fn a_claim_not_yet_posted_when_stopping_is_released_and_taken_over_at_once() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    let due = utc(2027, 5, 3, 9, 0);
    add(&s, "0 9 * * *", "UTC").await;
    s.clock.set(due);
    let schedule = s.app.due_schedules(due, 10).await.unwrap().remove(0);
    let claimed = s.scheduler.fire(schedule, due).await.unwrap().unwrap();

    s.scheduler.stop();
    s.scheduler.deliver(claimed.clone(), false).await;
    assert!(s.recorder.tries.lock().unwrap().is_empty(), "not posted");
    let released = s
        .app
        .raw_store()
        .occurrence(GuildId(1), claimed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(released.state, OccurrenceState::Claimed);
    assert_eq!(released.lease_until, Some(due), "the lease ends now");

    // The next process posts it a moment later, not a lease later.
    s.clock.advance(Duration::milliseconds(1));
    let next = scheduler_for(&s.app, &s.recorder, "two");
    next.run_until(s.clock.now()).await;
    assert_eq!(s.recorder.post_times(), [due + Duration::milliseconds(1)]);
}

#[tokio::test]
async fn a_stopped_scheduler_claims_nothing_more_and_its_run_returns() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    add(&s, "0 9 * * *", "UTC").await;
    s.scheduler.stop();
    s.clock.set(utc(2027, 5, 3, 9, 1));
    let pass = s.scheduler.pass().await;
    assert!(pass.deliveries.is_empty());
    let run = Arc::clone(&s.scheduler).run();
    tokio::time::timeout(std::time::Duration::from_secs(10), run)
        .await
        .expect("run returns once stopped");
    assert!(s.recorder.tries.lock().unwrap().is_empty());
    assert!(s
        .app
        .raw_store()
        .unfinished_occurrences()
        .await
        .unwrap()
        .is_empty());
}
