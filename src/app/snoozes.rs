//! Snooze reminders: which are due, and forgetting one once it is done with.

use chrono::{DateTime, Duration, Utc};

use super::{App, AppError};
use crate::domain::occurrence::Snooze;

/// How long a claimed reminder is left to its sender before it is due again.
/// Longer than one send with its retries (three tries of at most 10 s and 3 s
/// of pauses), so a reminder still being sent is not sent a second time.
pub const SNOOZE_CLAIM: Duration = Duration::seconds(60);

impl App {
    /// The earliest snooze whose reminder is due now, claimed for
    /// [`SNOOZE_CLAIM`]: it is sent and then [finished](Self::snooze_finished);
    /// one whose sender died comes due again, so no reminder is lost.
    pub async fn due_snooze(&self) -> Result<Option<Snooze>, AppError> {
        Ok(self
            .store
            .claim_due_snooze(self.clock.now(), SNOOZE_CLAIM)
            .await?)
    }

    /// When the next reminder is due, if any is waiting.
    pub async fn next_snooze(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(self.store.earliest_snooze().await?)
    }

    /// A reminder was sent, or can never be (its token expired, Discord
    /// refused it for good): the snooze is taken out of the store.
    pub async fn snooze_finished(&self, snooze: &Snooze) -> Result<(), AppError> {
        Ok(self.store.finish_snooze(snooze.interaction).await?)
    }
}
