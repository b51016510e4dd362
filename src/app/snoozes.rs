//! Snooze reminders: which are due, where their prompt is, and forgetting
//! one once it is done with.

use chrono::{DateTime, Duration, Utc};

use super::{App, AppError};
use crate::domain::occurrence::Snooze;
use crate::domain::{ChannelId, GuildId, MessageId};
use crate::store::StoreError;

/// How long a claimed reminder is left to its sender before it is due again.
/// Longer than one send with its retries (they end after half of it, and a
/// try lasts at most 10 s), so a reminder still being sent is not sent a
/// second time.
pub const SNOOZE_CLAIM: Duration = Duration::seconds(60);

/// A reminder to send: the member's snooze, and the prompt it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub snooze: Snooze,
    /// The posted prompt, to link to; `None` if it cannot be found.
    pub prompt: Option<PromptAt>,
}

/// Where a posted prompt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptAt {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub message: MessageId,
}

impl App {
    /// The earliest snooze whose reminder is due now, claimed for
    /// [`SNOOZE_CLAIM`]: it is sent and then [finished](Self::snooze_finished);
    /// one whose sender died comes due again, so no reminder is lost.
    async fn due_snooze(&self) -> Result<Option<Snooze>, AppError> {
        Ok(self
            .store
            .claim_due_snooze(self.clock.now(), SNOOZE_CLAIM)
            .await?)
    }

    /// The earliest reminder due now, its snooze [claimed](Self::due_snooze).
    pub async fn due_reminder(&self) -> Result<Option<Reminder>, AppError> {
        let Some(snooze) = self.due_snooze().await? else {
            return Ok(None);
        };
        // Without the link the reminder still helps: a store that cannot
        // read the prompt now does not hold it back.
        let prompt = match self.store.occurrence(snooze.guild, snooze.occurrence).await {
            Ok(occurrence) => occurrence.and_then(|o| {
                Some(PromptAt {
                    guild: o.guild,
                    channel: o.channel,
                    message: o.message?,
                })
            }),
            Err(error) => {
                tracing::warn!(%error, "cannot read a snoozed prompt; reminding without its link");
                None
            }
        };
        Ok(Some(Reminder { snooze, prompt }))
    }

    /// When the next reminder is due, if any is waiting (one being sent is
    /// due again when its claim ends).
    pub async fn next_reminder_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.store.earliest_snooze().await
    }

    /// A reminder was sent, or can never be (its token expired, Discord
    /// refused it for good): the snooze is taken out of the store.
    pub async fn snooze_finished(&self, snooze: &Snooze) -> Result<(), AppError> {
        Ok(self.store.finish_snooze(snooze.interaction).await?)
    }
}
