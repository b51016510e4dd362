//! The scheduler in virtual time, with a notifier that records what it was
//! asked to post and answers with scripted errors.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::{Europe, Tz};

use super::*;
use crate::app::schedules::ScheduleRequest;
use crate::app::test_support::{admin, app_at, ManualClock};
use crate::app::Clock;
use crate::domain::occurrence::OccurrenceState;
use crate::domain::prompt::PromptRef;
use crate::domain::{ChannelId, GuildId, MessageId, OccurrenceId, UserId};

/// When a try was made, and until when the claim held then.
type Held = (DateTime<Utc>, Option<DateTime<Utc>>);

/// A notifier that records posts at the clock's time.
struct Recorder {
    clock: Arc<ManualClock>,
    posts: Mutex<Vec<(DateTime<Utc>, PromptMessage)>>,
    boards: Mutex<Vec<(DateTime<Utc>, BoardMessage)>>,
    /// Tries, failed or not, with their time.
    tries: Mutex<Vec<DateTime<Utc>>>,
    failures: Mutex<VecDeque<PostError>>,
    /// What a look at the channel finds.
    found: Mutex<Result<Option<MessageId>, PostError>>,
    looks: Mutex<u32>,
    /// Another process on the same database, run at every try of a post.
    rival: Mutex<Option<(Arc<App>, Arc<Scheduler>)>>,
    /// At every try while a rival runs: the time, and until when the claim
    /// being posted held then.
    held: Mutex<Vec<Held>>,
}

impl Recorder {
    fn new(clock: Arc<ManualClock>) -> Arc<Self> {
        Arc::new(Self {
            clock,
            posts: Mutex::default(),
            boards: Mutex::default(),
            tries: Mutex::default(),
            failures: Mutex::default(),
            found: Mutex::new(Ok(None)),
            looks: Mutex::new(0),
            rival: Mutex::default(),
            held: Mutex::default(),
        })
    }

    fn fail_next(&self, errors: impl IntoIterator<Item = PostError>) {
        self.failures.lock().unwrap().extend(errors);
    }

    fn post_times(&self) -> Vec<DateTime<Utc>> {
        self.posts.lock().unwrap().iter().map(|p| p.0).collect()
    }
}

#[async_trait::async_trait]
impl Notifier for Recorder {
    async fn post_prompt(&self, prompt: &PromptMessage) -> Result<MessageId, PostError> {
        let now = self.clock.now();
        self.tries.lock().unwrap().push(now);
        let rival = self.rival.lock().unwrap().clone();
        if let Some((app, rival)) = rival {
            // Without an await: one would let the try's timeout run the
            // virtual clock on meanwhile.
            let until = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    let claims = app.store.unfinished_occurrences().await.unwrap();
                    for delivery in rival.pass().await.deliveries {
                        delivery.await.unwrap();
                    }
                    claims.first().and_then(|o| o.lease_until)
                })
            });
            self.held.lock().unwrap().push((now, until));
        }
        if let Some(error) = self.failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        let mut posts = self.posts.lock().unwrap();
        posts.push((now, prompt.clone()));
        Ok(MessageId(1000 + posts.len() as u64))
    }

    async fn post_board(&self, board: &BoardMessage) -> Result<MessageId, PostError> {
        let now = self.clock.now();
        self.tries.lock().unwrap().push(now);
        self.boards.lock().unwrap().push((now, board.clone()));
        Ok(MessageId(5000 + self.boards.lock().unwrap().len() as u64))
    }

    async fn find_post(
        &self,
        _channel: ChannelId,
        _occurrence: OccurrenceId,
        _since: DateTime<Utc>,
    ) -> Result<Option<MessageId>, PostError> {
        *self.looks.lock().unwrap() += 1;
        self.found.lock().unwrap().clone()
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn request(when: &str, zone: &str) -> ScheduleRequest {
    ScheduleRequest {
        channel: Some(ChannelId(5)),
        exercise: Some("calf-raises".into()),
        when: Some(when.into()),
        timezone: Some(zone.into()),
        ..ScheduleRequest::default()
    }
}

struct Setup {
    app: Arc<App>,
    clock: Arc<ManualClock>,
    recorder: Arc<Recorder>,
    scheduler: Arc<Scheduler>,
    _dir: tempfile::TempDir,
}

async fn setup(now: DateTime<Utc>) -> Setup {
    let (app, clock, dir) = app_at(now).await;
    let app = Arc::new(app);
    let recorder = Recorder::new(Arc::clone(&clock));
    let scheduler = scheduler_for(&app, &recorder, "one");
    Setup {
        app,
        clock,
        recorder,
        scheduler,
        _dir: dir,
    }
}

fn scheduler_for(app: &Arc<App>, recorder: &Arc<Recorder>, owner: &str) -> Arc<Scheduler> {
    scheduler_with_lease(app, recorder, owner, Duration::minutes(2))
}

fn scheduler_with_lease(
    app: &Arc<App>,
    recorder: &Arc<Recorder>,
    owner: &str,
    lease: Duration,
) -> Arc<Scheduler> {
    let mut options = SchedulerOptions::new(Duration::minutes(10), lease);
    options.owner = owner.into();
    Scheduler::new(
        Arc::clone(app),
        Arc::clone(recorder) as Arc<dyn Notifier>,
        options,
    )
}

/// Adds a schedule as the server's moderator; its id.
async fn add(s: &Setup, when: &str, zone: &str) -> crate::domain::ScheduleId {
    s.app
        .add_schedule(&admin(), request(when, zone))
        .await
        .unwrap()
        .schedule
        .id
}

/// Local dates and times of the posts, in `tz`.
fn local(times: &[DateTime<Utc>], tz: Tz) -> Vec<String> {
    times
        .iter()
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M%:z").to_string())
        .collect()
}

#[tokio::test]
async fn daily_0230_in_berlin_fires_once_a_day_across_both_2027_changes() {
    let s = setup(utc(2027, 3, 26, 12, 0)).await;
    s.app
        .add_schedule(&admin(), request("30 2 * * *", "Europe/Berlin"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 3, 30, 12, 0)).await;
    assert_eq!(
        local(&s.recorder.post_times(), Europe::Berlin),
        [
            "03-27 02:30+01:00",
            // 02:30 does not exist on the 28th: right after the gap.
            "03-28 03:00+02:00",
            "03-29 02:30+02:00",
            "03-30 02:30+02:00",
        ]
    );

    s.clock.set(utc(2027, 10, 29, 12, 0));
    // Long "downtime" in between: everything missed was skipped, once.
    s.scheduler.run_until(utc(2027, 11, 2, 12, 0)).await;
    let autumn: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t > utc(2027, 10, 1, 0, 0))
        .collect();
    assert_eq!(
        local(&autumn, Europe::Berlin),
        [
            "10-30 02:30+02:00",
            // 02:30 happens twice on the 31st: the first pass only.
            "10-31 02:30+02:00",
            "11-01 02:30+01:00",
            "11-02 02:30+01:00",
        ]
    );
}

#[tokio::test]
async fn quiet_hours_pauses_and_expiry_hold_prompts_back() {
    let s = setup(utc(2027, 5, 3, 0, 30)).await;
    s.app
        .set_quiet(&admin(), "19:00-08:00", None)
        .await
        .unwrap();
    let mut req = request("0 * * * *", "UTC");
    req.until = Some(Some("2027-05-05T12:00:00Z".into()));
    let id = s.app.add_schedule(&admin(), req).await.unwrap().schedule.id;

    s.scheduler.run_until(utc(2027, 5, 3, 23, 59)).await;
    let hours: Vec<_> = local(&s.recorder.post_times(), Tz::UTC);
    assert_eq!(hours.len(), 11, "{hours:?}");
    assert_eq!(hours[0], "05-03 08:00+00:00");
    assert_eq!(hours[10], "05-03 18:00+00:00");

    // Paused for 12 hours at 06:00 on the 4th: nothing until 18:00.
    s.clock.set(utc(2027, 5, 4, 6, 0));
    s.app
        .pause_schedule(&admin(), id, Some("12h"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 5, 4, 23, 0)).await;
    let day2: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t >= utc(2027, 5, 4, 0, 0))
        .collect();
    assert_eq!(local(&day2, Tz::UTC), ["05-04 18:00+00:00"]);
    let schedule = s.app.store.schedule(GuildId(1), id).await.unwrap().unwrap();
    assert_eq!(
        schedule.state,
        crate::domain::schedule::ScheduleState::Active
    );

    // Expires at noon on the 5th: 08:00 to 11:00, then never again.
    s.scheduler.run_until(utc(2027, 5, 9, 0, 0)).await;
    let day3: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t >= utc(2027, 5, 5, 0, 0))
        .collect();
    assert_eq!(day3.len(), 4);
    assert_eq!(day3.last(), Some(&utc(2027, 5, 5, 11, 0)));
    let schedule = s.app.store.schedule(GuildId(1), id).await.unwrap().unwrap();
    assert_eq!(schedule.next_due_at, None);
}

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
        .store
        .occurrence(GuildId(1), late)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(late.due_at, utc(2027, 5, 3, 9, 40));

    // 09:15 to 09:35 are recorded as skipped, each once.
    for minute in [15, 20, 25, 30, 35] {
        assert!(!s
            .app
            .store
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
    assert!((backoff::delay(0, 0.0)..=backoff::delay(0, 1.0)).contains(&first_backoff));
    assert!((backoff::delay(1, 0.0)..=backoff::delay(1, 1.0)).contains(&second_backoff));
    assert_eq!(s.recorder.post_times().len(), 1);

    // Failing past the deadline: recorded as failed, never dropped silently.
    s.recorder.fail_next(std::iter::repeat_n(
        PostError::Unavailable("503".into()),
        100,
    ));
    s.scheduler.run_until(utc(2027, 5, 4, 9, 0)).await;
    let failed = s
        .app
        .store
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
        .store
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_renewed_while_its_post_is_retried_so_no_other_process_takes_it() {
    let mut s = setup(utc(2027, 5, 3, 8, 59)).await;
    let lease = Duration::seconds(30);
    s.scheduler = scheduler_with_lease(&s.app, &s.recorder, "one", lease);
    add(&s, "0 9 * * *", "UTC").await;
    let rival_recorder = Recorder::new(Arc::clone(&s.clock));
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
        .store
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
    let schedule = s.app.store.schedule(GuildId(1), id).await.unwrap().unwrap();
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
        .store
        .claim_occurrence(claim(utc(2027, 5, 3, 9, 0)))
        .await
        .unwrap();
    let state = |day: i64| {
        let app = Arc::clone(&s.app);
        async move {
            app.store
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
            .store
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
            .store
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

#[tokio::test]
async fn the_weekly_board_goes_out_on_its_day_through_the_same_claims() {
    // Monday 2027-05-03.
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    s.app
        .set_leaderboard_channel(&admin(), Some(ChannelId(9)))
        .await
        .unwrap();
    s.app
        .set_board_schedule(&admin(), "fri 16:00", Some("last-week"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 5, 17, 0, 0)).await;
    let boards = s.recorder.boards.lock().unwrap().clone();
    let times: Vec<_> = boards.iter().map(|b| b.0).collect();
    assert_eq!(times, [utc(2027, 5, 7, 16, 0), utc(2027, 5, 14, 16, 0)]);
    assert!(boards.iter().all(|b| b.1.channel == ChannelId(9)
        && b.1.board.period == crate::domain::leaderboard::Period::LastWeek));
    assert!(s.recorder.post_times().is_empty(), "no prompts");
    // Recorded as posted occurrences, but no prompt counts for consistency.
    assert_eq!(
        s.app
            .store
            .count_posted(GuildId(1), utc(2027, 5, 1, 0, 0), utc(2027, 6, 1, 0, 0))
            .await
            .unwrap(),
        0
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
        .store
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
        .store
        .schedule(GuildId(1), broken.id)
        .await
        .unwrap()
        .unwrap();
    let crate::domain::schedule::ScheduleState::PausedByError { reason } = broken.state else {
        panic!("{:?}", broken.state)
    };
    assert!(reason.contains("every blue moon"), "{reason}");
}

#[tokio::test]
async fn a_daily_rotation_prompts_one_exercise_a_day_in_turn_and_skipped_days_take_no_turn() {
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    s.app
        .add_schedule(
            &admin(),
            ScheduleRequest {
                exercise: Some("heel-raises,calf-raises,stretch".into()),
                ..request("0 10 * * *", "UTC")
            },
        )
        .await
        .unwrap();
    let exercises = |s: &Setup| -> Vec<String> {
        s.recorder
            .posts
            .lock()
            .unwrap()
            .iter()
            .map(|(_, p)| p.exercise.key.as_str().to_owned())
            .collect()
    };
    s.scheduler.run_until(utc(2027, 5, 6, 12, 0)).await;
    assert_eq!(
        exercises(&s),
        ["heel-raises", "calf-raises", "stretch", "heel-raises"]
    );
    let shown: Vec<_> = s
        .recorder
        .posts
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p.rotation.as_ref().map(|r| r.current))
        .collect();
    assert_eq!(shown, [Some(0), Some(1), Some(2), Some(0)]);

    // Down from the 7th to 10:05 on the 10th: the 7th to the 9th are
    // skipped and take no turn; the 10th goes out late with the next one.
    s.clock.set(utc(2027, 5, 10, 10, 5));
    s.scheduler.run_until(utc(2027, 5, 10, 10, 5)).await;
    assert_eq!(
        exercises(&s),
        [
            "heel-raises",
            "calf-raises",
            "stretch",
            "heel-raises",
            "calf-raises"
        ]
    );
}
