//! The scheduler in virtual time, with a notifier that records what it was
//! asked to post and answers with scripted errors.

mod ahead;
mod catch_up;
mod claims;
mod retries;
mod snoozes;
mod stopping;
mod timing;

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
    clock: Arc<dyn Clock>,
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
    /// Snooze reminders sent, with their time.
    reminders: Mutex<Vec<(DateTime<Utc>, Reminder)>>,
    /// Tries of reminders, failed or not.
    reminder_tries: Mutex<Vec<DateTime<Utc>>>,
    reminder_failures: Mutex<VecDeque<PostError>>,
}

impl Recorder {
    fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
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
            reminders: Mutex::default(),
            reminder_tries: Mutex::default(),
            reminder_failures: Mutex::default(),
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
                    let claims = app.raw_store().unfinished_occurrences().await.unwrap();
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

    async fn send_reminder(&self, reminder: &Reminder) -> Result<(), PostError> {
        let now = self.clock.now();
        self.reminder_tries.lock().unwrap().push(now);
        if let Some(error) = self.reminder_failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        self.reminders.lock().unwrap().push((now, reminder.clone()));
        Ok(())
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
    let recorder = Recorder::new(clock.clone());
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
