//! Posting one claimed occurrence: at most once, never silently dropped,
//! never before its instant (a firing is claimed a moment ahead of it).
//!
//! A post goes out with a nonce derived from the occurrence and
//! `enforce_nonce`, so a retry within Discord's nonce memory returns the
//! message already made instead of making a second. Past that memory, a
//! claim left unfinished by a stopped process is reconciled against the
//! channel first (every message since the claim): posted only if the prompt
//! is not there, and recorded as unknown if the channel cannot be read. A
//! post is retried until the catch-up window ends, with the claim renewed
//! all along (a heartbeat), so a process that stops loses its claims within
//! a lease and a long outage still never drops a firing silently.

use std::future::Future;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::notifier::PostError;
use super::Scheduler;
use crate::app::prompts::Post;
use crate::app::scheduling::Finish;
use crate::domain::occurrence::Occurrence;
use crate::retry::{self, GaveUp, Pace, Stopped};

/// How long after a claim its nonce is trusted to dedupe a retry: inside
/// Discord's few minutes of nonce memory, with a margin.
pub const NONCE_TRUST: Duration = Duration::minutes(4);

/// A claim this process is posting, and until when it holds.
struct Held {
    occurrence: crate::domain::OccurrenceId,
    until: DateTime<Utc>,
}

/// The claim was taken over by another process.
struct Lost;

impl Scheduler {
    /// Posts a claimed occurrence and records how it ended. `taken_over`:
    /// another process claimed it first and stopped.
    pub(super) async fn deliver(&self, occurrence: Occurrence, taken_over: bool) {
        let id = occurrence.id;
        let Some(finish) = self.try_deliver(&occurrence, taken_over).await else {
            if self.is_stopping() {
                self.release(id).await;
            }
            return;
        };
        let now = self.app.clock.now();
        let lateness_ms = (now - occurrence.due_at).num_milliseconds();
        let outcome = match &finish {
            Finish::Posted(_) => {
                metrics::histogram!("secondheart_prompt_lateness_seconds")
                    .record(lateness_ms.max(0) as f64 / 1000.0);
                "posted"
            }
            Finish::Failed(_) => "failed",
            Finish::Unknown(_) => "unknown",
        };
        metrics::counter!("secondheart_prompts_total", "outcome" => outcome).increment(1);
        match &finish {
            Finish::Posted(message) => {
                tracing::info!(occurrence = %id, schedule = ?occurrence.schedule, %message, lateness_ms, "prompt posted")
            }
            Finish::Failed(reason) => {
                tracing::warn!(occurrence = %id, schedule = ?occurrence.schedule, %reason, "prompt failed")
            }
            Finish::Unknown(reason) => {
                tracing::warn!(occurrence = %id, schedule = ?occurrence.schedule, %reason, "prompt state unknown; not retried")
            }
        }
        match self
            .app
            .finish_occurrence(id, &self.options.owner, finish, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(occurrence = %id, "the claim was taken over before it was finished")
            }
            Err(error) => {
                // The claim stays unfinished; once its lease runs out it is
                // reconciled, and the nonce or the channel check stops a
                // second post.
                tracing::error!(%error, occurrence = %id, "cannot record how a prompt ended")
            }
        }
    }

    /// Hands back a claim this process stops posting before it went out:
    /// its lease ends now, so the next process takes it over at once (with
    /// the nonce, or a look in the channel, guarding against a second post
    /// if a try did reach Discord). Nothing happens if it is no longer ours.
    async fn release(&self, id: crate::domain::OccurrenceId) {
        let now = self.app.clock.now();
        match self.app.release_claim(id, &self.options.owner, now).await {
            Ok(true) => {
                tracing::info!(occurrence = %id, "stopping: the prompt's claim is released for the next process")
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, occurrence = %id, "stopping: cannot release a claim; it is taken over once its lease runs out")
            }
        }
    }

    /// How the claim ended, or `None` if it is no longer this process's to
    /// post (another process took it over meanwhile, or this one stops).
    async fn try_deliver(&self, occurrence: &Occurrence, taken_over: bool) -> Option<Finish> {
        let started = self.app.clock.now();
        // A claim that waited for a posting slot may be near the end of its
        // lease: renew it (it must still be ours). A fresh one is posted at
        // once: a renewal is one more synchronous write before the post.
        let mut held = Held {
            occurrence: occurrence.id,
            until: occurrence.lease_until.unwrap_or(started),
        };
        if let Err(Lost) = self.keep_claimed(&mut held).await {
            tracing::info!(occurrence = %occurrence.id, "the claim was taken over before posting; not posting");
            return None;
        }
        // The claim is renewed while the post is retried, so retries run
        // until the catch-up window ends (and at least a lease's time for a
        // claim taken over late).
        let retry_until =
            (occurrence.due_at + self.options.catch_up_window).max(started + self.options.lease);
        // The nonce guards against a second message only for a few minutes
        // after a try: a post made lately by this delivery, or, for a claim
        // taken over, by the process before.
        let mut trusted_until = if taken_over {
            occurrence.created_at + NONCE_TRUST
        } else {
            started + NONCE_TRUST
        };
        let mut look_first = taken_over && started >= trusted_until;
        let post = match self.app.post_for(occurrence).await {
            Ok(post) => post,
            Err(error) => return Some(Finish::Failed(format!("cannot build the post: {error}"))),
        };
        if let Err(Stopped) = self.until_due(occurrence).await {
            return None;
        }
        let send = || async {
            match &post {
                Post::Prompt(prompt) => self.notifier.post_prompt(prompt).await,
                Post::Board(board) => self.notifier.post_board(board).await,
            }
        };
        let sent = loop {
            if look_first {
                // The nonce may be forgotten: look in the channel, from
                // before the claim to now, before posting again.
                let found = self
                    .with_retries(&mut held, retry_until, || {
                        self.notifier.find_post(
                            occurrence.channel,
                            occurrence.id,
                            occurrence.created_at,
                        )
                    })
                    .await;
                match found {
                    Ok(Some(message)) => return Some(Finish::Posted(message)),
                    // Not there: a fresh post, guarded by the nonce from now.
                    Ok(None) => trusted_until = self.app.clock.now() + NONCE_TRUST,
                    Err(GaveUp::Stopped) => return None,
                    Err(GaveUp::Deadline(e) | GaveUp::Final(e)) => {
                        return Some(Finish::Unknown(format!(
                            "the channel could not be read to tell whether the prompt went out ({e})"
                        )))
                    }
                }
            }
            let deadline = retry_until.min(trusted_until);
            match self.with_retries(&mut held, deadline, send).await {
                // Out of the nonce's memory, not of time: look, then go on.
                Err(GaveUp::Deadline(_)) if deadline < retry_until => look_first = true,
                sent => break sent,
            }
        };
        Some(match sent {
            Ok(message) => Finish::Posted(message),
            Err(GaveUp::Stopped) => return None,
            Err(GaveUp::Final(PostError::ChannelUnusable(reason))) => {
                if let Some(schedule) = occurrence.schedule {
                    let paused = self
                        .app
                        .pause_for_error(
                            occurrence.guild,
                            schedule,
                            reason.clone(),
                            self.app.clock.now(),
                        )
                        .await;
                    match paused {
                        Ok(_) => {
                            tracing::warn!(%schedule, %reason, "schedule paused: its channel cannot be used")
                        }
                        Err(error) => {
                            tracing::error!(%error, %schedule, "cannot pause the schedule")
                        }
                    }
                }
                Finish::Failed(reason)
            }
            Err(GaveUp::Final(e)) => Finish::Failed(e.to_string()),
            Err(GaveUp::Deadline(e)) => Finish::Failed(format!("gave up retrying: {e}")),
        })
    }

    /// Waits for the occurrence's instant, on the app's clock: a firing is
    /// claimed a [lead](super::LEAD) ahead, with its post built, so only the
    /// post is left for the instant, and nothing goes out before it. `Err`
    /// if the scheduler is asked to stop meanwhile (the claim is released).
    ///
    /// A schedule paused, edited or removed while its firing waits here is
    /// still posted as claimed, as one changed after its claim always was
    /// (the claim fixed the channel, exercise and tip): the change applies
    /// from the next firing. Looking at the schedule again would put a read
    /// between the instant and the post, for a change in the last half
    /// second. The claim's lease, far longer than the lead, covers the wait.
    async fn until_due(&self, occurrence: &Occurrence) -> Result<(), Stopped> {
        let clock = &self.app.clock;
        if clock.now() >= occurrence.due_at {
            return Ok(());
        }
        tokio::select! {
            biased;
            () = self.stopped() => Err(Stopped),
            () = clock.sleep_until(occurrence.due_at) => Ok(()),
        }
    }

    /// The heartbeat: renews the claim once a third of its lease has passed
    /// since it was last renewed, so it holds for as long as this process
    /// works on it, and another process takes it over within a lease of this
    /// one stopping. Called before every try and during every wait, none of
    /// which lasts longer than a third of the lease. A store that cannot be
    /// written is retried at the next beat; the lease left covers it.
    async fn keep_claimed(&self, held: &mut Held) -> Result<(), Lost> {
        let lease = self.options.lease;
        let now = self.app.clock.now();
        if held.until - now > lease * 2 / 3 {
            return Ok(());
        }
        let renewed = self
            .app
            .renew_claim(held.occurrence, &self.options.owner, now, now + lease)
            .await;
        match renewed {
            Ok(Some(_)) => held.until = now + lease,
            Ok(None) => {
                tracing::warn!(occurrence = %held.occurrence, "the claim was taken over; this process stops posting it");
                return Err(Lost);
            }
            // The renewal may have waited for the database: what is left of
            // the lease counts from now, and must still cover a whole try.
            Err(error) if held.until - self.app.clock.now() > lease / 4 => {
                tracing::error!(%error, occurrence = %held.occurrence, "cannot renew a claim; trying again at the next beat");
            }
            Err(error) => {
                // Another process may take it over any moment: leave it to
                // that process, or to this one's next pass.
                tracing::error!(%error, occurrence = %held.occurrence, "cannot renew a claim whose lease ran out; not posting now");
                return Err(Lost);
            }
        }
        Ok(())
    }

    /// Runs `request` with the bot's [retry policy](crate::retry) until it
    /// succeeds, fails for good, or no further try can start before
    /// `deadline`, renewing the claim before every try and while waiting.
    async fn with_retries<T, F, Fut>(
        &self,
        held: &mut Held,
        deadline: DateTime<Utc>,
        request: F,
    ) -> Result<T, GaveUp<PostError>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, PostError>>,
    {
        if self.app.clock.now() >= deadline {
            return Err(GaveUp::Deadline(PostError::Unavailable(
                "no time left within the claim".into(),
            )));
        }
        let mut pace = Beating {
            scheduler: self,
            held,
            deadline,
        };
        retry::run("posting", &mut pace, self.options.attempt_timeout, request).await
    }
}

/// The pace of a post's retries: the scheduler's clock, with the claim
/// renewed before every try and in beats while waiting.
struct Beating<'a> {
    scheduler: &'a Scheduler,
    held: &'a mut Held,
    deadline: DateTime<Utc>,
}

#[async_trait]
impl Pace for Beating<'_> {
    fn time_left(&self) -> StdDuration {
        let now = self.scheduler.app.clock.now();
        (self.deadline - now).to_std().unwrap_or_default()
    }

    async fn sleep(&self, duration: StdDuration) {
        let clock = &self.scheduler.app.clock;
        let until = clock.now() + Duration::from_std(duration).unwrap_or(Duration::MAX);
        clock.sleep_until(until).await;
    }

    /// Also where a stopping scheduler stops: no try starts after it is
    /// asked to.
    async fn before_try(&mut self) -> Result<(), Stopped> {
        if self.scheduler.is_stopping() {
            return Err(Stopped);
        }
        self.scheduler
            .keep_claimed(self.held)
            .await
            .map_err(|Lost| Stopped)
    }

    /// In beats, renewing the claim between them.
    async fn wait(&mut self, duration: StdDuration) -> Result<(), Stopped> {
        let clock = &self.scheduler.app.clock;
        let beat = self.scheduler.options.lease / 3;
        let again = clock.now() + Duration::from_std(duration).unwrap_or(Duration::MAX);
        while clock.now() < again {
            tokio::select! {
                () = clock.sleep_until(again.min(clock.now() + beat)) => {}
                () = self.scheduler.stopped() => return Err(Stopped),
            }
            self.before_try().await?;
        }
        Ok(())
    }
}
