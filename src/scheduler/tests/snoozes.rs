//! Snooze reminders, sent by the scheduler beside its prompts.

use std::time::Duration as StdDuration;

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::*;
use crate::app::prompts::{ClickOutcome, PromptClick};
use crate::app::test_support::app_with_clock;
use crate::domain::prompt::{PromptAction, PromptButton};
use crate::domain::InteractionId;

/// Member 20's click on "Snooze" under the prompt of `occurrence`, posted
/// as `message`.
fn snooze_click(occurrence: i64, message: u64) -> PromptClick {
    PromptClick {
        interaction: InteractionId(77),
        guild: GuildId(1),
        user: UserId(20),
        display_name: "member 20".into(),
        message: MessageId(message),
        button: PromptButton {
            prompt: PromptRef::Occurrence(OccurrenceId(occurrence)),
            action: PromptAction::Snooze,
        },
        token: "token".into(),
    }
}

#[tokio::test]
async fn a_snooze_reminder_goes_out_on_time_while_prompts_keep_firing() {
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    add(&s, "*/5 * * * *", "UTC").await;
    s.scheduler.run_until(utc(2027, 5, 3, 9, 5)).await;
    let snoozed = s
        .app
        .click_prompt(snooze_click(1, 1001), Duration::minutes(2))
        .await
        .unwrap();
    assert!(
        matches!(snoozed, ClickOutcome::Snoozed { until } if until == utc(2027, 5, 3, 9, 7)),
        "{snoozed:?}"
    );
    // Its first try meets a server error: tried again after a backoff.
    s.recorder
        .reminder_failures
        .lock()
        .unwrap()
        .push_back(PostError::Unavailable("Discord answered 503".into()));

    s.scheduler.run_until(utc(2027, 5, 3, 9, 20)).await;

    assert_eq!(
        s.recorder.post_times(),
        [5, 10, 15, 20].map(|m| utc(2027, 5, 3, 9, m))
    );
    let tries = s.recorder.reminder_tries.lock().unwrap().clone();
    assert_eq!(tries.len(), 2, "{tries:?}");
    assert_eq!(tries[0], utc(2027, 5, 3, 9, 7));
    let reminders = s.recorder.reminders.lock().unwrap().clone();
    assert_eq!(reminders.len(), 1, "sent once");
    let (sent_at, reminder) = &reminders[0];
    let backoff = (*sent_at - tries[0]).to_std().unwrap();
    assert!(
        (crate::retry::backoff(0, 0.0)..=crate::retry::backoff(0, 1.0)).contains(&backoff),
        "{backoff:?}"
    );
    assert_eq!(reminder.snooze.user, UserId(20));
    assert_eq!(
        reminder.prompt,
        Some(PromptAt {
            guild: GuildId(1),
            channel: ChannelId(5),
            message: MessageId(1001),
        })
    );
    // Sent, so gone from the store: nothing more to remind.
    assert_eq!(s.app.next_reminder_at().await.unwrap(), None);
}

#[tokio::test]
async fn a_reminder_discord_refuses_for_good_is_dropped_and_one_it_keeps_failing_comes_back() {
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    add(&s, "*/5 * * * *", "UTC").await;
    s.scheduler.run_until(utc(2027, 5, 3, 9, 5)).await;
    s.app
        .click_prompt(snooze_click(1, 1001), Duration::minutes(2))
        .await
        .unwrap();
    // Failing for longer than the reminder's retries (half its claim):
    // kept, and tried again once its claim ends.
    s.recorder
        .reminder_failures
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(
            PostError::Unavailable("Discord answered 502".into()),
            9,
        ));
    s.scheduler.run_until(utc(2027, 5, 3, 9, 9)).await;
    let (due, claim_ends) = (utc(2027, 5, 3, 9, 7), utc(2027, 5, 3, 9, 8));
    let tries = s.recorder.reminder_tries.lock().unwrap().clone();
    let first_round: Vec<_> = tries.iter().filter(|t| **t < claim_ends).collect();
    assert!(first_round.len() >= 6, "{tries:?}");
    assert!(
        first_round
            .iter()
            .all(|t| **t < due + Duration::seconds(30)),
        "{tries:?}"
    );
    let reminders = s.recorder.reminders.lock().unwrap().clone();
    assert_eq!(reminders.len(), 1, "sent once");
    assert!(
        reminders[0].0 >= claim_ends && reminders[0].0 < claim_ends + Duration::seconds(30),
        "{reminders:?}"
    );

    // A second prompt snoozed, refused for good (an unknown token): dropped.
    s.scheduler.run_until(utc(2027, 5, 3, 9, 10)).await;
    let mut click = snooze_click(2, 1002);
    click.interaction = InteractionId(78);
    s.app
        .click_prompt(click, Duration::minutes(1))
        .await
        .unwrap();
    s.recorder
        .reminder_failures
        .lock()
        .unwrap()
        .push_back(PostError::Rejected("Unknown Webhook".into()));
    s.scheduler.run_until(utc(2027, 5, 3, 9, 14)).await;
    assert_eq!(s.recorder.reminders.lock().unwrap().len(), 1);
    assert_eq!(s.app.next_reminder_at().await.unwrap(), None);
}

/// A clock that moves only when the test moves it, waking the sleepers whose
/// time came; it knows until when each sleeper sleeps.
pub(super) struct StepClock {
    now: watch::Sender<DateTime<Utc>>,
    sleepers: Mutex<Vec<DateTime<Utc>>>,
}

impl StepClock {
    pub(super) fn at(now: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            now: watch::Sender::new(now),
            sleepers: Mutex::default(),
        })
    }

    pub(super) fn set(&self, to: DateTime<Utc>) {
        self.now.send_replace(to);
    }

    pub(super) fn sleeps_until(&self, at: DateTime<Utc>) -> bool {
        self.sleepers.lock().unwrap().contains(&at)
    }
}

/// Takes a sleeper off the list when its sleep ends or is dropped.
struct Sleeping<'a>(&'a StepClock, DateTime<Utc>);

impl Drop for Sleeping<'_> {
    fn drop(&mut self) {
        let mut sleepers = self.0.sleepers.lock().unwrap();
        if let Some(i) = sleepers.iter().position(|at| *at == self.1) {
            sleepers.remove(i);
        }
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.sleepers.lock().unwrap().push(at);
            let _sleeping = Sleeping(self, at);
            let mut now = self.now.subscribe();
            let _ = now.wait_for(|now| *now >= at).await;
        })
    }
}

/// Polls `cond` in real time for up to 10 s.
pub(super) async fn eventually(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..1000 {
        if cond() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_snoozing_wakes_the_sleeping_scheduler_for_the_reminder() {
    let clock = StepClock::at(utc(2027, 5, 3, 8, 58));
    let (app, _dir) = app_with_clock(Arc::clone(&clock) as Arc<dyn Clock>).await;
    let app = Arc::new(app);
    let recorder = Recorder::new(Arc::clone(&clock) as Arc<dyn Clock>);
    let scheduler = scheduler_for(&app, &recorder, "one");
    app.add_schedule(&admin(), request("*/5 * * * *", "UTC"))
        .await
        .unwrap();
    let running = tokio::spawn(Arc::clone(&scheduler).run());

    // The 09:00 prompt is claimed a lead ahead and goes out at 09:00; then
    // the scheduler sleeps until a lead before the next firing, or the end
    // of the claim's lease if it looked while the post was in flight.
    let ahead = utc(2027, 5, 3, 9, 0) - LEAD;
    eventually("the scheduler asleep until 09:00's lead", || {
        clock.sleeps_until(ahead)
    })
    .await;
    clock.set(ahead);
    eventually("the claim waiting for 09:00", || {
        clock.sleeps_until(utc(2027, 5, 3, 9, 0))
    })
    .await;
    clock.set(utc(2027, 5, 3, 9, 0));
    eventually("the 09:00 prompt", || recorder.post_times().len() == 1).await;
    for _ in 0..1000 {
        let prompt = app
            .raw_store()
            .occurrence(GuildId(1), OccurrenceId(1))
            .await;
        if prompt.unwrap().unwrap().state == OccurrenceState::Posted {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    let lease_end = ahead + Duration::minutes(2) + Duration::milliseconds(1);
    eventually("the scheduler asleep", || {
        clock.sleeps_until(lease_end) || clock.sleeps_until(utc(2027, 5, 3, 9, 5) - LEAD)
    })
    .await;

    // Snoozed for a second: sooner than the scheduler would look again on
    // its own (the next firing, or the look for other processes' changes
    // 2 s after its last pass).
    app.click_prompt(snooze_click(1, 1001), Duration::seconds(1))
        .await
        .unwrap();
    eventually("the scheduler asleep until the reminder", || {
        clock.sleeps_until(utc(2027, 5, 3, 9, 0) + Duration::seconds(1))
    })
    .await;
    clock.set(utc(2027, 5, 3, 9, 0) + Duration::seconds(1));
    eventually("the reminder", || {
        !recorder.reminders.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        recorder.reminders.lock().unwrap()[0].0,
        utc(2027, 5, 3, 9, 0) + Duration::seconds(1)
    );
    running.abort();
}
