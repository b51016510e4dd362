//! Snooze reminders: each pass claims the reminders due (one at a time, so
//! a claim covers one send) and sends each through the [`Notifier`] with the
//! bot's retry policy. A reminder is taken out of the store once sent, or
//! once it can never be (its token expired, Discord refused it for good);
//! one still failing when its retries end stays claimed and comes due again
//! after its claim, so a crash or an outage loses none.
//!
//! [`Notifier`]: super::Notifier

use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use super::Scheduler;
use crate::app::snoozes::{Reminder, SNOOZE_CLAIM};
use crate::app::Clock;
use crate::retry::{self, GaveUp, Pace};

/// A reminder is retried for at most half its claim, so a send still in
/// progress is never taken for a lost one.
const RETRY_FOR: Duration = Duration::seconds(SNOOZE_CLAIM.num_seconds() / 2);

impl Scheduler {
    /// Claims every reminder due now and starts sending each, adding the
    /// sends to `sends`; whether the store could be read.
    pub(super) async fn start_reminders(self: &Arc<Self>, sends: &mut Vec<JoinHandle<()>>) -> bool {
        // A read first: claiming is a write, and most passes have no
        // reminder due.
        match self.app.next_reminder_at().await {
            Ok(Some(at)) if at <= self.app.clock.now() => {}
            Ok(_) => return true,
            Err(error) => {
                tracing::error!(%error, "cannot read when the next snooze reminder is due");
                return false;
            }
        }
        loop {
            match self.app.due_reminder().await {
                Ok(Some(reminder)) => {
                    let scheduler = Arc::clone(self);
                    let span = tracing::info_span!(
                        "reminder",
                        occurrence = reminder.snooze.occurrence.0,
                        interaction = reminder.snooze.interaction.0,
                        guild = reminder.snooze.guild.0,
                    );
                    sends.push(tokio::spawn(
                        async move { scheduler.remind(reminder).await }.instrument(span),
                    ));
                }
                Ok(None) => return true,
                Err(error) => {
                    tracing::error!(%error, "cannot read due snooze reminders");
                    return false;
                }
            }
        }
    }

    /// Sends one claimed reminder and records how it went.
    async fn remind(&self, reminder: Reminder) {
        let snooze = &reminder.snooze;
        let now = self.app.clock.now();
        if now >= snooze.token_expires_at {
            tracing::info!(user = %snooze.user, "a snooze reminder came too late to send");
        } else {
            let mut pace = ByClock {
                scheduler: self,
                clock: self.app.clock.as_ref(),
                deadline: snooze.token_expires_at.min(now + RETRY_FOR),
            };
            let sent = retry::run(
                "a snooze reminder",
                &mut pace,
                self.options.attempt_timeout,
                || self.notifier.send_reminder(&reminder),
            )
            .await;
            match sent {
                Ok(()) => {
                    tracing::info!(user = %snooze.user, occurrence = %snooze.occurrence, "snooze reminder sent")
                }
                Err(GaveUp::Final(error)) => {
                    tracing::warn!(%error, user = %snooze.user, "cannot send a snooze reminder")
                }
                Err(GaveUp::Deadline(error)) => {
                    // It may have gone out, or not: kept, and tried again
                    // after its claim. A second reminder is better than none.
                    tracing::warn!(%error, user = %snooze.user, "Discord keeps failing a snooze reminder; trying again later");
                    return;
                }
                Err(GaveUp::Stopped) => return,
            }
        }
        if let Err(error) = self.app.snooze_finished(snooze).await {
            tracing::error!(%error, "cannot take a sent snooze out of the store");
        }
    }
}

/// Retries paced by the app's clock, up to a deadline.
struct ByClock<'a> {
    scheduler: &'a Scheduler,
    clock: &'a dyn Clock,
    deadline: DateTime<Utc>,
}

#[async_trait]
impl Pace for ByClock<'_> {
    fn time_left(&self) -> StdDuration {
        (self.deadline - self.clock.now())
            .to_std()
            .unwrap_or_default()
    }

    async fn sleep(&self, duration: StdDuration) {
        let until = self.clock.now() + Duration::from_std(duration).unwrap_or(Duration::MAX);
        self.clock.sleep_until(until).await;
    }

    /// A stopping scheduler starts no try: the reminder stays claimed and
    /// comes due again after its claim, in the next process.
    async fn before_try(&mut self) -> Result<(), retry::Stopped> {
        if self.scheduler.is_stopping() {
            return Err(retry::Stopped);
        }
        Ok(())
    }

    async fn wait(&mut self, duration: StdDuration) -> Result<(), retry::Stopped> {
        tokio::select! {
            () = self.sleep(duration) => Ok(()),
            () = self.scheduler.stopped() => Err(retry::Stopped),
        }
    }
}
