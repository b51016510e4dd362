//! The scheduler: posts every occurrence of every schedule at most once, on
//! time, through restarts, overlapping deployments and chat-service errors,
//! and sends members the reminders of the prompts they snoozed.
//!
//! It reads the earliest of the next firing (less a short [lead](LEAD)),
//! the next lease to run out and the next snooze reminder, and sleeps until
//! then, or until a command of this process changes a schedule or a member
//! snoozes, or until another process on the same database commits a change
//! (asked of the store every few seconds, which costs one pragma, not a
//! query). For each due
//! schedule it decides, with the time rules, which firings to post and which
//! to record as skipped ([`firing`]), claims the one to post in the store
//! (unique per schedule and instant, with a lease, so a second process
//! cannot post it too), moves the schedule on, and hands the claim to
//! [`delivery`], which waits for the firing's instant and posts it through
//! a [`Notifier`]: the claim's disk writes are done ahead, out of the
//! prompt's way, and nothing goes out before its instant. Due reminders are
//! claimed and sent by [`reminders`]. Everything goes through the use cases
//! of [`App`].
//!
//! Asked to [stop](Scheduler::stop), it claims nothing more, lets the posts
//! already on the wire finish and be recorded, and releases the claims it
//! has not posted (their lease ends at once), so the next process takes
//! them over without waiting out a lease.

mod beat;
mod delivery;
pub mod fair;
mod firing;
mod notifier;
mod reminders;
mod tidy;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::app::scheduling::StoreError;
use crate::app::App;
use crate::domain::occurrence::Occurrence;
use crate::domain::schedule::Schedule;
use crate::domain::{ChannelId, GuildId, OccurrenceId};

pub use crate::app::prompts::{BoardMessage, Post, PromptMessage};
pub use crate::app::snoozes::{PromptAt, Reminder};
pub use notifier::{Notifier, PostError};
pub use tidy::tidy_hourly;

/// Schedules read per pass: everything due, up to this many; more wait for
/// the next pass, right after. A pass lasts as long as its posts take at
/// Discord's pace (20,000 take under 7 minutes at 50 a second), and
/// claims each firing only when its turn to post comes.
const BATCH: u32 = 20_000;
/// The most missed firings of one schedule recorded one by one after a long
/// downtime; older ones are left unrecorded (and logged).
const MAX_MISSED: usize = 1000;
/// After a pass with errors, the next pass waits this long (a broken store
/// must not make the loop spin).
const ERROR_PAUSE: StdDuration = StdDuration::from_secs(1);
/// How long before its instant a firing is claimed, so the claim's durable
/// writes (the claim and the schedule moved on, each a disk sync, 18 ms at
/// the median and 141 ms at the 99th percentile on the measured disk) are
/// done before the instant and only the post itself is on its path. Over
/// three times that tail, a sixtieth of the default lease (so no renewal
/// falls between the claim and the post), and short enough that a change
/// made within it, which applies from the next firing, is rare.
pub const LEAD: Duration = Duration::milliseconds(500);

/// How the scheduler behaves.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Who claims: unique to this process.
    pub owner: String,
    /// A firing missed by at most this is posted late; older ones skipped.
    pub catch_up_window: Duration,
    /// How long a claim holds unless renewed; a process renews its claims
    /// every third of it while posting, so another process takes over the
    /// claims of one that stopped within this.
    pub lease: Duration,
    /// The longest one try of a post may take.
    pub attempt_timeout: StdDuration,
    /// Posts in flight at once.
    pub max_in_flight: usize,
    /// How long before its instant a firing is claimed ([`LEAD`]); its post
    /// still waits for the instant. Cut to a tenth of the lease, so a claim
    /// waiting for its instant needs no renewal.
    pub lead: Duration,
}

impl SchedulerOptions {
    /// Defaults, with an owner id unique to this process.
    pub fn new(catch_up_window: Duration, lease: Duration) -> Self {
        // A try never outlasts a quarter of the lease, so the claim is
        // renewed (between tries) well before it runs out.
        let quarter = (lease / 4).to_std().unwrap_or_default();
        Self {
            owner: format!("{}-{:08x}", std::process::id(), fastrand::u32(..)),
            catch_up_window,
            lease,
            attempt_timeout: StdDuration::from_secs(10).min(quarter),
            max_in_flight: 8,
            lead: LEAD,
        }
    }
}

/// The scheduler of one process.
pub struct Scheduler {
    app: Arc<App>,
    notifier: Arc<dyn Notifier>,
    options: SchedulerOptions,
    in_flight: Arc<Semaphore>,
    /// Claims this process is posting: never taken over by itself.
    delivering: Mutex<HashSet<OccurrenceId>>,
    /// Set once the scheduler is asked to stop.
    stopping: watch::Sender<bool>,
    /// When the loop turns next, for readiness.
    beat: beat::Beat,
}

/// What one pass started.
pub struct Pass {
    /// When the next pass is due: the earliest next firing or lease end;
    /// `None` when nothing is scheduled.
    pub next: Option<DateTime<Utc>>,
    /// The posts it started.
    pub deliveries: Vec<JoinHandle<()>>,
    /// Whether anything failed (then the next pass waits a little).
    pub had_errors: bool,
}

impl Scheduler {
    pub fn new(app: Arc<App>, notifier: Arc<dyn Notifier>, options: SchedulerOptions) -> Arc<Self> {
        let in_flight = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
        Arc::new(Self {
            app,
            notifier,
            options,
            in_flight,
            delivering: Mutex::default(),
            stopping: watch::Sender::new(false),
            beat: beat::Beat::default(),
        })
    }

    /// Whether the loop runs and has turned by when it said it would (a
    /// pass stuck on the store, say, makes this false).
    pub fn is_turning(&self) -> bool {
        self.beat.turning(std::time::Instant::now())
    }

    /// Asks [`run`](Self::run) to stop: no pass starts after this, posts in
    /// flight finish, and claims not yet posted are released. `run` returns
    /// once every post and reminder it started has ended.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Returns once the scheduler is asked to stop.
    async fn stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }

    /// Runs until [stopped](Self::stop) (or the task is dropped): a pass,
    /// then sleep until the next firing, lease end or reminder, a change to
    /// the schedules or a snooze here, or a change by another process.
    pub async fn run(self: Arc<Self>) {
        tracing::info!(owner = %self.options.owner, "scheduler started");
        let mut elsewhere = self.app.watch_other_processes().await;
        let mut started: Vec<JoinHandle<()>> = Vec::new();
        while !self.is_stopping() {
            self.beat.expect(Some(beat::PASS_BOUND));
            let pass = self.pass().await;
            started.retain(|send| !send.is_finished());
            started.extend(pass.deliveries);
            let clock = &self.app.clock;
            self.beat.expect(if pass.had_errors {
                Some(ERROR_PAUSE)
            } else {
                pass.next
                    .map(|next| (next - clock.now()).to_std().unwrap_or_default())
            });
            if pass.had_errors {
                let changed = async {
                    tokio::select! {
                        () = self.app.schedules_changed.notified() => {}
                        () = self.app.snoozes_changed.notified() => {}
                        () = self.stopped() => {}
                    }
                };
                let _ = tokio::time::timeout(ERROR_PAUSE, changed).await;
                continue;
            }
            let next = async {
                match pass.next {
                    Some(next) => clock.sleep_until(next).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = next => {}
                () = self.app.schedules_changed.notified() => {}
                () = self.app.snoozes_changed.notified() => {}
                () = elsewhere.changed(&self.app) => {}
                () = self.stopped() => {}
            }
        }
        for send in started {
            let _ = send.await;
        }
        tracing::info!("scheduler stopped");
    }

    /// Runs passes in virtual time until the next one would be after `end`,
    /// waiting for every post: what tests drive.
    pub async fn run_until(self: &Arc<Self>, end: DateTime<Utc>) {
        loop {
            let pass = self.pass().await;
            for delivery in pass.deliveries {
                let _ = delivery.await;
            }
            match pass.next {
                Some(next) if next <= end => self.app.clock.sleep_until(next).await,
                _ => return,
            }
        }
    }

    /// Handles everything due now: takes over claims whose owner stopped,
    /// and fires or skips every due schedule; starts the posts in fair order
    /// across everything due (every server's first prompt before any
    /// server's second), and the reminders due.
    ///
    /// A due schedule is fired (its firing claimed, or recorded as skipped)
    /// only when its turn to post comes, and judged at the instant the pass
    /// began: a prompt that waits its turn behind others is not "missed",
    /// and its claim's lease starts when its post does. A schedule due
    /// within the [lead](SchedulerOptions::lead) is fired too, so its claim
    /// is stored before its instant; its post waits for the instant.
    pub async fn pass(self: &Arc<Self>) -> Pass {
        let now = self.app.clock.now();
        let mut had_errors = false;
        let mut claims = Vec::new();

        match self.app.expired_claims(now).await {
            Ok(expired) => {
                let delivering = self
                    .delivering
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                for occurrence in expired.into_iter().filter(|o| !delivering.contains(&o.id)) {
                    if self.is_stopping() {
                        break;
                    }
                    let lease_until = now + self.options.lease;
                    match self
                        .app
                        .take_over_claim(occurrence.id, &self.options.owner, now, lease_until)
                        .await
                    {
                        Ok(Some(taken)) => {
                            tracing::info!(occurrence = %taken.id, previous = ?occurrence.claim_owner, "taking over an unfinished claim");
                            claims.push((taken, true));
                        }
                        Ok(None) => {}
                        Err(error) => {
                            had_errors = true;
                            tracing::error!(%error, occurrence = %occurrence.id, "cannot take over a claim");
                        }
                    }
                }
            }
            Err(error) => {
                had_errors = true;
                tracing::error!(%error, "cannot read unfinished claims");
            }
        }

        // Firings within the lead are fired now too: claimed ahead, posted
        // at their instant.
        let due = match self.app.due_schedules(now + self.lead(), BATCH).await {
            Ok(due) => due,
            Err(error) => {
                had_errors = true;
                tracing::error!(%error, "cannot read due schedules");
                Vec::new()
            }
        };
        let full_batch = due.len() == BATCH as usize;
        // Claims taken over first, each server's before its due schedules.
        let work: Vec<Turn> = claims
            .into_iter()
            .map(|(occurrence, taken_over)| Turn::Claimed(occurrence, taken_over))
            .chain(due.into_iter().map(Turn::Due))
            .collect();
        let ordered = fair::interleave(work, Turn::place);
        let mut deliveries = Vec::with_capacity(ordered.len());
        for turn in ordered {
            if self.is_stopping() {
                break;
            }
            // Permits are handed out first come, first served, so posts
            // start in the fair order.
            #[allow(clippy::expect_used, reason = "nothing closes the semaphore")]
            let permit = Arc::clone(&self.in_flight)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let (occurrence, taken_over) = match turn {
                Turn::Claimed(occurrence, taken_over) => (occurrence, taken_over),
                Turn::Due(schedule) => {
                    let id = schedule.id;
                    // One schedule's firing: its lines carry its ids.
                    let span =
                        tracing::info_span!("schedule", schedule = id.0, guild = schedule.guild.0);
                    match self.fire(schedule, now).instrument(span).await {
                        // More than one attempt: the claim was another
                        // process's, taken over after its lease ran out.
                        Ok(Some(claimed)) => {
                            let taken_over = claimed.attempts > 1;
                            (claimed, taken_over)
                        }
                        Ok(None) => continue,
                        Err(error) => {
                            // One schedule's failure never stops the others.
                            had_errors = true;
                            tracing::error!(error = format!("{error:#}"), schedule = %id, "cannot fire a schedule");
                            continue;
                        }
                    }
                }
            };
            self.delivering
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(occurrence.id);
            let scheduler = Arc::clone(self);
            // One occurrence's story, from claim to how it ended.
            let span = tracing::info_span!(
                "occurrence",
                occurrence = occurrence.id.0,
                schedule = occurrence.schedule.map(|s| s.0),
                guild = occurrence.guild.0,
            );
            deliveries.push(tokio::spawn(async move {
                let id = occurrence.id;
                scheduler
                    .deliver(occurrence, taken_over)
                    .instrument(span)
                    .await;
                scheduler
                    .delivering
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                drop(permit);
            }));
        }

        if !self.start_reminders(&mut deliveries).await {
            had_errors = true;
        }

        let next = if full_batch {
            Some(now)
        } else {
            match self.next_wake().await {
                Ok(next) => next,
                Err(error) => {
                    had_errors = true;
                    tracing::error!(%error, "cannot read when the next prompt is due");
                    None
                }
            }
        };
        // Something due now that this pass could not handle (a row that
        // does not read, say) must not make the loop spin.
        let stuck = deliveries.is_empty() && !full_batch && next.is_some_and(|n| n <= now);
        Pass {
            next,
            deliveries,
            had_errors: had_errors || stuck,
        }
    }

    /// How long before its instant a firing is claimed: the configured
    /// lead, cut to a tenth of the lease.
    fn lead(&self) -> Duration {
        self.options
            .lead
            .clamp(Duration::zero(), self.options.lease / 10)
    }

    /// The earliest of the next firing (a lead before its instant), the next
    /// lease to run out and the next reminder.
    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due = self.app.next_firing_at().await?.map(|at| at - self.lead());
        // A lease that runs out is taken over just after it does.
        let lease = self
            .app
            .next_lease_end()
            .await?
            .map(|at| at + Duration::milliseconds(1));
        // A reminder claimed for sending is due again once its claim ends.
        let reminder = self.app.next_reminder_at().await?;
        Ok([due, lease, reminder].into_iter().flatten().min())
    }
}

/// One item of a pass, in its fair place: a claim taken over, or a due
/// schedule to fire when its turn comes.
enum Turn {
    Claimed(Occurrence, bool),
    Due(Schedule),
}

impl Turn {
    /// The server and channel it posts in.
    fn place(&self) -> (GuildId, ChannelId) {
        match self {
            Turn::Claimed(occurrence, _) => (occurrence.guild, occurrence.channel),
            Turn::Due(schedule) => (schedule.guild, schedule.channel),
        }
    }
}

#[cfg(test)]
mod tests;
