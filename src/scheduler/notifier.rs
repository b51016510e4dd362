//! What the scheduler needs from a chat service: post a prompt, find a
//! prompt already posted, and send a member the reminder of a prompt they
//! snoozed. The Discord adapter implements it; tests record.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::app::prompts::{BoardMessage, PromptMessage};
use crate::app::snoozes::Reminder;
use crate::domain::{ChannelId, MessageId, OccurrenceId};
use crate::retry::{Next, Retryable};

/// Why a post (or a look at a channel) did not work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// 429: try again after this long, not sooner.
    #[error("rate limited for {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// 5xx, a timeout or a network failure: worth retrying after a while.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The channel is gone or the bot may not use it; the reason is for
    /// moderators.
    #[error("{0}")]
    ChannelUnusable(String),
    /// The message is gone (deleted by someone): it cannot be edited.
    #[error("the message was deleted")]
    MessageGone,
    /// Refused for good (another 4xx).
    #[error("refused: {0}")]
    Rejected(String),
}

impl Retryable for PostError {
    fn next(&self) -> Next {
        match self {
            PostError::RateLimited { retry_after } => Next::After(*retry_after),
            PostError::Unavailable(_) => Next::Backoff,
            PostError::ChannelUnusable(_) | PostError::MessageGone | PostError::Rejected(_) => {
                Next::Stop
            }
        }
    }

    fn timed_out(limit: Duration) -> Self {
        PostError::Unavailable(format!("no answer within {} s", limit.as_secs()))
    }
}

#[async_trait]
pub trait Notifier: Send + Sync {
    /// Posts the prompt; its message id.
    async fn post_prompt(&self, prompt: &PromptMessage) -> Result<MessageId, PostError>;

    /// Posts the leaderboard; its message id.
    async fn post_board(&self, board: &BoardMessage) -> Result<MessageId, PostError>;

    /// The channel's post of `occurrence`, if one is there among the
    /// messages from `since` (when it was claimed) to now (a prompt is
    /// recognised by its buttons, a board by its footer). A channel that
    /// cannot be read is an error, never "not there".
    async fn find_post(
        &self,
        channel: ChannelId,
        occurrence: OccurrenceId,
        since: DateTime<Utc>,
    ) -> Result<Option<MessageId>, PostError>;

    /// Sends the member who snoozed a prompt its reminder, privately (only
    /// they see it).
    async fn send_reminder(&self, reminder: &Reminder) -> Result<(), PostError>;
}
