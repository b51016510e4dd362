//! Celebrations (each said once) and milestone role rewards (queued, then
//! granted at Discord's pace).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{GuildId, RoleId, UserId};

/// A role reward waiting to be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleGrant {
    pub guild: GuildId,
    pub user: UserId,
    pub role: RoleId,
}

dispatch! {
    postgres: pending;

    /// What was celebrated for the member (or the team: user 0).
    pub async fn celebrations(&self, guild: GuildId, user: UserId) -> Result<BTreeSet<String>, StoreError>;

    /// Remembers celebrations; the keys not remembered before, which are
    /// the ones to say (each is said once, also across processes).
    pub async fn celebrate(&self, guild: GuildId, user: UserId, keys: Vec<String>, now: DateTime<Utc>) -> Result<Vec<String>, StoreError>;

    /// The server's role rewards: `(streak days, role)`, shortest first.
    pub async fn milestone_roles(&self, guild: GuildId) -> Result<Vec<(u32, RoleId)>, StoreError>;

    /// Sets (or with `None` removes) the role given at a streak milestone.
    pub async fn set_milestone_role(&self, guild: GuildId, days: u32, role: Option<RoleId>, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Queues a role grant; false if the member had this role queued or
    /// granted before.
    pub async fn queue_role_grant(&self, grant: RoleGrant, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Grants still to send, oldest first.
    pub async fn pending_role_grants(&self, limit: u32) -> Result<Vec<RoleGrant>, StoreError>;

    /// Records how a grant ended: granted, or refused with Discord's reason.
    pub async fn finish_role_grant(&self, grant: RoleGrant, refused: Option<String>, now: DateTime<Utc>) -> Result<(), StoreError>;
}
