//! Servers the bot has left: recorded, forgiven when it is added back, and
//! their rows deleted in batches once the grace period is over.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::GuildId;

/// The tables that hold a server's rows, in the order a departed server's
/// rows are deleted (rows that others point at last).
pub(in crate::store) const SERVER_TABLES: [&str; 14] = [
    "role_grants",
    "milestone_roles",
    "celebrations",
    "team_goals",
    "vacations",
    "snoozes",
    "prompt_answers",
    "checkins",
    "checkin_day_totals",
    "occurrences",
    "schedules",
    "members",
    "audit_log",
    "servers",
];

dispatch! {
    postgres: pending;

    /// Records that the bot was removed from the server (kept if already
    /// recorded: the grace period counts from the first time).
    pub async fn mark_departed(&self, guild: GuildId, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The bot is in the server (again): nothing of it is to be deleted.
    /// Returns whether it had been recorded as departed.
    pub async fn mark_present(&self, guild: GuildId) -> Result<bool, StoreError>;

    /// Whether the server is recorded as departed (read on the writer, so
    /// a just-recorded departure is seen).
    pub async fn departed_at(&self, guild: GuildId) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Every server the store holds anything of: settings, schedules or
    /// members (everyone who checked in has a members row).
    pub async fn stored_servers(&self) -> Result<Vec<GuildId>, StoreError>;

    /// Servers the bot left at or before `before`.
    pub async fn departed_before(&self, before: DateTime<Utc>) -> Result<Vec<GuildId>, StoreError>;

    /// Deletes up to `limit` rows of a departed server, table by table;
    /// once none is left, its departure record too. Returns how many rows
    /// it deleted; 0 when the server is gone. A server no longer recorded
    /// as departed (the bot was added back) is left alone.
    pub async fn purge_departed(&self, guild: GuildId, limit: u32) -> Result<u64, StoreError>;
}
