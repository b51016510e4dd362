//! Posts that fail: rate limits, server errors and channels that are gone.

use super::*;

#[tokio::test]
async fn rate_limits_are_waited_out_and_server_errors_retried_with_backoff() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    s.app
        .add_schedule(&admin(), request("0 9 * * *", "UTC"))
        .await
        .unwrap();
    s.recorder.fail_next([
        PostError::RateLimited {
            retry_after: std::time::Duration::from_secs(7),
        },
        PostError::Unavailable("500".into()),
        PostError::Unavailable("502".into()),
    ]);
    s.scheduler.run_until(utc(2027, 5, 3, 9, 0)).await;
    let tries = s.recorder.tries.lock().unwrap().clone();
    assert_eq!(tries.len(), 4);
    assert_eq!(
        tries[1] - tries[0],
        Duration::seconds(7),
        "retry_after honoured"
    );
    let first_backoff = (tries[2] - tries[1]).to_std().unwrap();
    let second_backoff = (tries[3] - tries[2]).to_std().unwrap();
    assert!(
        (crate::retry::backoff(0, 0.0)..=crate::retry::backoff(0, 1.0)).contains(&first_backoff)
    );
    assert!(
        (crate::retry::backoff(1, 0.0)..=crate::retry::backoff(1, 1.0)).contains(&second_backoff)
    );
    assert_eq!(s.recorder.post_times().len(), 1);

    // Failing past the deadline: recorded as failed, never dropped silently.
    s.recorder.fail_next(std::iter::repeat_n(
        PostError::Unavailable("503".into()),
        100,
    ));
    s.scheduler.run_until(utc(2027, 5, 4, 9, 0)).await;
    let failed = s
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, OccurrenceState::Failed);
    assert!(failed.detail.unwrap().contains("503"));
    // Retried until the catch-up window ended, not longer.
    let last_try = *s.recorder.tries.lock().unwrap().last().unwrap();
    assert!(last_try - utc(2027, 5, 4, 9, 0) <= Duration::minutes(10));
}

#[tokio::test]
async fn a_post_is_retried_past_its_lease_until_the_catch_up_window_ends() {
    let mut s = setup(utc(2027, 5, 3, 8, 59)).await;
    s.scheduler = scheduler_with_lease(&s.app, &s.recorder, "one", Duration::seconds(30));
    add(&s, "0 9 * * *", "UTC").await;
    // Discord is down for 20 minutes.
    s.recorder.fail_next(std::iter::repeat_n(
        PostError::Unavailable("503".into()),
        200,
    ));
    s.scheduler.run_until(utc(2027, 5, 3, 9, 0)).await;

    let tries = s.recorder.tries.lock().unwrap().clone();
    let due = utc(2027, 5, 3, 9, 0);
    let last = *tries.last().unwrap();
    assert!(
        last - due > Duration::minutes(9) && last - due <= Duration::minutes(10),
        "tries until 09:10, the last at {last}"
    );
    let o = s
        .app
        .raw_store()
        .occurrence(GuildId(1), OccurrenceId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.state, OccurrenceState::Failed);
    assert!(o
        .detail
        .unwrap()
        .contains("gave up retrying: unavailable: 503"));
    // Past the nonce's few minutes of memory a try could make a second
    // message: the channel is looked at first, every few minutes.
    assert_eq!(*s.recorder.looks.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_channel_that_is_gone_pauses_its_schedule_and_moderators_hear_once() {
    let s = setup(utc(2027, 5, 3, 8, 59)).await;
    let id = add(&s, "0 * * * *", "UTC").await;
    s.recorder.fail_next([PostError::ChannelUnusable(
        "the channel no longer exists".into(),
    )]);
    s.scheduler.run_until(utc(2027, 5, 3, 12, 0)).await;
    assert_eq!(
        s.recorder.tries.lock().unwrap().len(),
        1,
        "no retries, no more firings"
    );
    let schedule = s
        .app
        .raw_store()
        .schedule(GuildId(1), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        schedule.state,
        crate::domain::schedule::ScheduleState::PausedByError {
            reason: "the channel no longer exists".into()
        }
    );
    assert_eq!(
        s.app.take_pause_notices(GuildId(1)).await.unwrap(),
        [(id, "the channel no longer exists".to_owned())]
    );
    assert!(s
        .app
        .take_pause_notices(GuildId(1))
        .await
        .unwrap()
        .is_empty());
    // Resumed at 12:30: fires again from 13:00.
    s.clock.set(utc(2027, 5, 3, 12, 30));
    s.app.resume_schedule(&admin(), id).await.unwrap();
    s.scheduler.run_until(utc(2027, 5, 3, 13, 0)).await;
    assert_eq!(s.recorder.post_times(), [utc(2027, 5, 3, 13, 0)]);
}
