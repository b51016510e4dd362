//! Claims made a lead ahead of the instant: the claim is stored before it,
//! the post goes out at it, never before, and a stop while the claim waits
//! hands it back.

use super::snoozes::{eventually, StepClock};
use super::*;
use crate::app::test_support::app_with_clock;

/// Awaits the posts a pass started, bounded: one that waits for an instant
/// the clock never reaches would otherwise hang the test.
async fn finished(pass: Pass) {
    let all = futures_util::future::join_all(pass.deliveries);
    tokio::time::timeout(std::time::Duration::from_secs(10), all)
        .await
        .expect("the deliveries end");
}

/// A scheduler whose clock stands a lead before 09:00, with one schedule
/// firing daily at 09:00; the temp folder must be kept alive.
struct Waiting {
    due: DateTime<Utc>,
    ahead: DateTime<Utc>,
    clock: Arc<StepClock>,
    app: Arc<App>,
    schedule: crate::domain::ScheduleId,
    recorder: Arc<Recorder>,
    scheduler: Arc<Scheduler>,
    _dir: tempfile::TempDir,
}

async fn waiting() -> Waiting {
    let due = utc(2027, 5, 3, 9, 0);
    let ahead = due - LEAD;
    let clock = StepClock::at(ahead);
    let (app, dir) = app_with_clock(Arc::clone(&clock) as Arc<dyn Clock>).await;
    let app = Arc::new(app);
    let schedule = app
        .add_schedule(&admin(), request("0 9 * * *", "UTC"))
        .await
        .unwrap()
        .schedule
        .id;
    let recorder = Recorder::new(Arc::clone(&clock) as Arc<dyn Clock>);
    let scheduler = scheduler_for(&app, &recorder, "one");
    Waiting {
        due,
        ahead,
        clock,
        app,
        schedule,
        recorder,
        scheduler,
        _dir: dir,
    }
}

impl Waiting {
    /// Returns once a delivery sleeps until the instant, having posted
    /// nothing.
    async fn claim_waits(&self) {
        eventually("the claim waiting for its instant", || {
            self.clock.sleeps_until(self.due)
        })
        .await;
        assert!(
            self.recorder.tries.lock().unwrap().is_empty(),
            "not posted early"
        );
    }
}

#[tokio::test]
async fn a_firing_is_claimed_a_lead_ahead_and_posted_at_its_instant() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    let id = add(&s, "0 9 * * *", "UTC").await;
    let due = utc(2027, 5, 3, 9, 0);
    s.scheduler.run_until(due).await;

    assert_eq!(s.recorder.post_times(), [due], "at its instant, not before");
    let o = s
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.state, OccurrenceState::Posted);
    assert_eq!(o.due_at, due);
    assert_eq!(o.created_at, due - LEAD, "claimed ahead of the instant");
    let schedule = s
        .app
        .raw_store()
        .schedule(GuildId(1), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(schedule.next_due_at, Some(due + Duration::days(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_is_stored_before_the_instant_and_the_post_waits_for_it() {
    let w = waiting().await;
    let pass = w.scheduler.pass().await;
    assert_eq!(pass.deliveries.len(), 1);
    let claims = w.app.raw_store().unfinished_occurrences().await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        (claims[0].due_at, claims[0].created_at),
        (w.due, w.ahead),
        "claimed before the instant"
    );
    // However long the claim waits, nothing goes out before the instant.
    w.claim_waits().await;

    w.clock.set(w.due);
    finished(pass).await;
    assert_eq!(w.recorder.post_times(), [w.due]);
    // The next wake is a lead before the next firing.
    let pass = w.scheduler.pass().await;
    assert_eq!(pass.next, Some(w.ahead + Duration::days(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_a_claim_waits_for_its_instant_releases_it() {
    let w = waiting().await;
    let pass = w.scheduler.pass().await;
    assert_eq!(pass.deliveries.len(), 1);
    w.claim_waits().await;
    w.scheduler.stop();
    finished(pass).await;
    assert!(w.recorder.tries.lock().unwrap().is_empty(), "not posted");
    let released = w
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(released.state, OccurrenceState::Claimed);
    assert_eq!(released.lease_until, Some(w.ahead), "the lease ends now");

    // The next process takes it over a moment later, and it too posts it
    // at its instant, not before.
    w.clock.set(w.ahead + Duration::milliseconds(1));
    let next = scheduler_for(&w.app, &w.recorder, "two");
    let pass = next.pass().await;
    assert_eq!(pass.deliveries.len(), 1, "taken over at once");
    w.claim_waits().await;
    w.clock.set(w.due);
    finished(pass).await;
    assert_eq!(w.recorder.post_times(), [w.due]);
    let posted = w
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (posted.state, posted.claim_owner.as_deref()),
        (OccurrenceState::Posted, Some("two"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_paused_while_its_claim_waits_posts_that_firing_only() {
    let w = waiting().await;
    let pass = w.scheduler.pass().await;
    w.claim_waits().await;
    w.app
        .pause_schedule(&admin(), w.schedule, None)
        .await
        .unwrap();
    w.clock.set(w.due);
    finished(pass).await;
    // The firing claimed before the pause goes out as claimed; the pause
    // holds from the next one.
    assert_eq!(w.recorder.post_times(), [w.due]);
    w.clock.set(w.due + Duration::days(2));
    finished(w.scheduler.pass().await).await;
    assert_eq!(w.recorder.post_times(), [w.due]);
}
