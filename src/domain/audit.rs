//! The moderator audit log: who changed what, and when.

use chrono::{DateTime, Utc};

use super::{GuildId, UserId};

/// A moderator action about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub guild: GuildId,
    pub actor: UserId,
    /// A short dotted name, such as `schedule.add`.
    pub action: String,
    /// What changed, in words a moderator reads.
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// A recorded moderator action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub guild: GuildId,
    pub actor: UserId,
    pub action: String,
    pub detail: String,
    pub at: DateTime<Utc>,
}
