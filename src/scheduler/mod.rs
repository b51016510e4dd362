//! The scheduler: posts every occurrence of every schedule at most once, on
//! time, through restarts, overlapping deployments and chat-service errors.
//!
//! It reads the earliest stored next due instant and sleeps until then, or
//! until a command of this process changes a schedule, or until another
//! process on the same database commits a change (asked of the store every
//! few seconds, which costs one pragma, not a query). For each due
//! schedule it decides, with the time rules, which firings to post and which
//! to record as skipped (catch-up after downtime), claims the one to post in
//! the store (unique per schedule and instant, with a lease, so a second
//! process cannot post it too), moves the schedule on, and hands the claim
//! to [`delivery`], which posts it through a [`Notifier`].

pub mod backoff;
mod delivery;
pub mod fair;
mod notifier;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::domain::catch_up::catch_up;
use crate::domain::firings::{next_due, Quiet, Window};
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim};
use crate::domain::schedule::{Schedule, ScheduleKind, ScheduleState};
use crate::domain::spec::ScheduleSpec;
use crate::domain::OccurrenceId;

pub use crate::app::prompts::{BoardMessage, Post, PromptMessage};
pub use notifier::{Notifier, PostError};

/// Schedules read per pass; more wait for the next pass, right after.
const BATCH: u32 = 500;
/// The most missed firings of one schedule recorded one by one after a long
/// downtime; older ones are left unrecorded (and logged).
const MAX_MISSED: usize = 1000;
/// After a pass with errors, the next pass waits this long (a broken store
/// must not make the loop spin).
const ERROR_PAUSE: StdDuration = StdDuration::from_secs(1);

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
        })
    }

    /// Runs until the task is dropped: a pass, then sleep until the next
    /// firing, a change to the schedules here, or a change by another
    /// process.
    pub async fn run(self: Arc<Self>) {
        tracing::info!(owner = %self.options.owner, "scheduler started");
        let mut elsewhere = self.app.watch_other_processes().await;
        loop {
            let pass = self.pass().await;
            let clock = &self.app.clock;
            if pass.had_errors {
                let _ =
                    tokio::time::timeout(ERROR_PAUSE, self.app.schedules_changed.notified()).await;
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
                () = elsewhere.changed(&self.app) => {}
            }
        }
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
    /// and fires or skips every due schedule; starts the posts in fair order.
    pub async fn pass(self: &Arc<Self>) -> Pass {
        let now = self.app.clock.now();
        let mut had_errors = false;
        let mut claims = Vec::new();

        match self.app.store.expired_claims(now).await {
            Ok(expired) => {
                let delivering = self
                    .delivering
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                for occurrence in expired.into_iter().filter(|o| !delivering.contains(&o.id)) {
                    let lease_until = now + self.options.lease;
                    match self
                        .app
                        .store
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

        let due = match self.app.store.due_schedules(now, BATCH).await {
            Ok(due) => due,
            Err(error) => {
                had_errors = true;
                tracing::error!(%error, "cannot read due schedules");
                Vec::new()
            }
        };
        let full_batch = due.len() == BATCH as usize;
        for schedule in due {
            let id = schedule.id;
            match self.fire(schedule, now).await {
                // More than one attempt: the claim was another process's,
                // taken over after its lease ran out.
                Ok(Some(claimed)) => {
                    let taken_over = claimed.attempts > 1;
                    claims.push((claimed, taken_over));
                }
                Ok(None) => {}
                Err(error) => {
                    // One schedule's failure never stops the others.
                    had_errors = true;
                    tracing::error!(error = format!("{error:#}"), schedule = %id, "cannot fire a schedule");
                }
            }
        }

        let ordered = fair::interleave(claims, |(o, _)| (o.guild, o.channel));
        let mut deliveries = Vec::with_capacity(ordered.len());
        for (occurrence, taken_over) in ordered {
            self.delivering
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(occurrence.id);
            // Permits are handed out first come, first served, so posts
            // start in the fair order.
            #[allow(clippy::expect_used, reason = "nothing closes the semaphore")]
            let permit = Arc::clone(&self.in_flight)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let scheduler = Arc::clone(self);
            deliveries.push(tokio::spawn(async move {
                let id = occurrence.id;
                scheduler.deliver(occurrence, taken_over).await;
                scheduler
                    .delivering
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                drop(permit);
            }));
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

    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, crate::store::StoreError> {
        let due = self.app.store.earliest_due().await?;
        // A lease that runs out is taken over just after it does.
        let lease = self
            .app
            .store
            .earliest_lease_end()
            .await?
            .map(|at| at + Duration::milliseconds(1));
        Ok(match (due, lease) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// Handles one due schedule: records the firings missed too long ago as
    /// skipped, claims the one to post (if any), and stores the next due
    /// instant. Returns the claim this process must post.
    async fn fire(
        &self,
        schedule: Schedule,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Occurrence>> {
        let store = &self.app.store;
        let Some(first) = schedule.next_due_at else {
            return Ok(None);
        };
        if let ScheduleState::Paused { until: Some(until) } = schedule.state {
            if until <= now {
                store.end_pause(schedule.id, now).await?;
            }
        }
        let spec = match ScheduleSpec::parse(&schedule.spec, 0) {
            Ok(spec) => spec,
            Err(error) => {
                // Nothing will make a stored spec parse: stop it, visibly.
                let reason = format!("its timing `{}` no longer reads: {error}", schedule.spec);
                store
                    .pause_schedule_for_error(schedule.guild, schedule.id, reason, now)
                    .await?;
                return Ok(None);
            }
        };
        let settings = store.server_settings(schedule.guild).await?;
        let quiet = Quiet {
            tz: settings.timezone.unwrap_or(self.app.default_zone),
            hours: settings.quiet_hours,
            days: settings.quiet_days,
        };
        let window = Window {
            paused_until: None,
            expires_at: schedule.expires_at,
        };

        // Every firing from the stored one up to now was missed or is due.
        let mut missed = vec![first];
        let mut last = first;
        let mut from = first;
        loop {
            if missed.len() == MAX_MISSED {
                // A long outage: the oldest are recorded, then the search
                // jumps to the catch-up window, whose latest firing may
                // still go out.
                let window_start = now - self.options.catch_up_window - Duration::milliseconds(1);
                if from < window_start {
                    tracing::warn!(schedule = %schedule.id, "more than {MAX_MISSED} firings missed; the rest before the catch-up window are not recorded");
                    from = window_start;
                }
            }
            match next_due(&spec, schedule.timezone, &quiet, window, from.max(last)) {
                Some(f) if f.at <= now => {
                    missed.push(f.at);
                    last = f.at;
                    from = f.at;
                }
                _ => break,
            }
        }
        let decision = catch_up(missed, now, self.options.catch_up_window);
        for skipped in &decision.skip {
            let late = now - *skipped;
            let reason = format!(
                "missed by {} minutes while the bot was away",
                late.num_minutes()
            );
            store
                .record_skipped(schedule.id, schedule.next_exercise(), *skipped, reason, now)
                .await?;
        }
        if !decision.skip.is_empty() {
            tracing::info!(schedule = %schedule.id, skipped = decision.skip.len(), "missed firings recorded as skipped");
        }

        let mut claimed = None;
        if let Some(due_at) = decision.post {
            let turn = match schedule.kind {
                ScheduleKind::Board(_) => None,
                ScheduleKind::Prompt => schedule.next_turn(),
            };
            let exercise = turn.and_then(|t| schedule.exercises.get(t.slot).cloned());
            let tips = exercise
                .as_ref()
                .and_then(|e| self.app.catalog.get(e.as_str()))
                .map_or(0, |e| e.tips.len() as u32);
            let claim = OccurrenceClaim {
                schedule: schedule.id,
                due_at,
                exercise,
                turn,
                owner: self.options.owner.clone(),
                now,
                lease_until: now + self.options.lease,
                tips,
            };
            match store.claim_occurrence(claim).await? {
                ClaimOutcome::Claimed(occurrence) => claimed = Some(occurrence),
                ClaimOutcome::HeldElsewhere(o) => {
                    tracing::debug!(occurrence = %o.id, owner = ?o.claim_owner, "another process is posting this firing")
                }
                ClaimOutcome::Finished(_) | ClaimOutcome::NoSchedule => {}
            }
        }

        // The next firing strictly after everything handled here.
        let after = decision
            .post
            .into_iter()
            .chain(decision.skip)
            .fold(now, DateTime::max);
        let next = next_due(&spec, schedule.timezone, &quiet, window, after).map(|f| f.at);
        let fired = decision.post.unwrap_or(last);
        if let Err(error) = store
            .advance_schedule(schedule.id, first, fired, next, now)
            .await
        {
            // The claim still goes out; the schedule is due again and the
            // next pass finds this firing finished.
            tracing::error!(%error, schedule = %schedule.id, "cannot store the next due instant");
        }
        Ok(claimed)
    }
}

#[cfg(test)]
mod tests;
