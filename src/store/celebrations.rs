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

    /// Grants still to send, oldest first, in the servers of this store's
    /// shards (so processes on other shard ranges never send them too).
    pub async fn pending_role_grants(&self, limit: u32) -> Result<Vec<RoleGrant>, StoreError>;

    /// Records how a grant ended: granted, or refused with Discord's reason.
    pub async fn finish_role_grant(&self, grant: RoleGrant, refused: Option<String>, now: DateTime<Utc>) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::checkins::tests::at;
    use crate::store::test_support::TestBackend;
    use crate::store::{Store, StoreOptions};

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    fn grant(guild: u64, user: u64, role: u64) -> RoleGrant {
        RoleGrant {
            guild: GuildId(guild),
            user: UserId(user),
            role: RoleId(role),
        }
    }

    on_both_backends!(
        each_celebration_is_said_once_per_member,
        milestone_roles_are_set_replaced_and_removed,
        a_role_grant_is_queued_once_and_leaves_the_queue_when_finished,
        two_processes_celebrating_at_once_say_each_key_once,
    );

    async fn each_celebration_is_said_once_per_member(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let (guild, member) = (GuildId(1), UserId(8));
        assert!(store.celebrations(guild, member).await.unwrap().is_empty());
        assert_eq!(
            store
                .celebrate(guild, member, keys(&["streak-7", "goal-week"]), at(1, 9))
                .await
                .unwrap(),
            keys(&["streak-7", "goal-week"])
        );
        assert_eq!(
            store
                .celebrate(
                    guild,
                    member,
                    keys(&["goal-week", "streak-30", "streak-30"]),
                    at(2, 9)
                )
                .await
                .unwrap(),
            keys(&["streak-30"])
        );
        assert_eq!(
            store.celebrations(guild, member).await.unwrap(),
            keys(&["goal-week", "streak-30", "streak-7"])
                .into_iter()
                .collect()
        );
        // The team (user 0) and other servers have their own.
        assert_eq!(
            store
                .celebrate(guild, UserId(0), keys(&["goal-week"]), at(2, 9))
                .await
                .unwrap(),
            keys(&["goal-week"])
        );
        assert_eq!(
            store
                .celebrate(GuildId(2), member, keys(&["streak-7"]), at(2, 9))
                .await
                .unwrap(),
            keys(&["streak-7"])
        );
        assert_eq!(
            store
                .celebrate(guild, member, vec![], at(2, 9))
                .await
                .unwrap(),
            Vec::<String>::new()
        );
        store.close().await;
    }

    async fn milestone_roles_are_set_replaced_and_removed(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let guild = GuildId(1);
        assert_eq!(store.milestone_roles(guild).await.unwrap(), vec![]);
        for (days, role) in [(30, 3), (7, 1), (100, 5)] {
            store
                .set_milestone_role(guild, days, Some(RoleId(role)), UserId(8), at(1, 9))
                .await
                .unwrap();
        }
        store
            .set_milestone_role(guild, 30, Some(RoleId(4)), UserId(8), at(1, 10))
            .await
            .unwrap();
        store
            .set_milestone_role(guild, 100, None, UserId(8), at(1, 11))
            .await
            .unwrap();
        assert_eq!(
            store.milestone_roles(guild).await.unwrap(),
            vec![(7, RoleId(1)), (30, RoleId(4))]
        );
        assert_eq!(store.milestone_roles(GuildId(2)).await.unwrap(), vec![]);
        store.close().await;
    }

    async fn a_role_grant_is_queued_once_and_leaves_the_queue_when_finished(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        assert!(store
            .queue_role_grant(grant(1, 8, 70), at(1, 9))
            .await
            .unwrap());
        assert!(store
            .queue_role_grant(grant(2, 8, 70), at(1, 8))
            .await
            .unwrap());
        assert!(store
            .queue_role_grant(grant(1, 9, 70), at(1, 10))
            .await
            .unwrap());
        assert!(!store
            .queue_role_grant(grant(1, 8, 70), at(1, 11))
            .await
            .unwrap());
        assert_eq!(
            store.pending_role_grants(10).await.unwrap(),
            vec![grant(2, 8, 70), grant(1, 8, 70), grant(1, 9, 70)]
        );
        assert_eq!(
            store.pending_role_grants(1).await.unwrap(),
            vec![grant(2, 8, 70)]
        );

        store
            .finish_role_grant(grant(2, 8, 70), None, at(2, 9))
            .await
            .unwrap();
        store
            .finish_role_grant(
                grant(1, 8, 70),
                Some("missing Manage Roles".into()),
                at(2, 9),
            )
            .await
            .unwrap();
        assert_eq!(
            store.pending_role_grants(10).await.unwrap(),
            vec![grant(1, 9, 70)]
        );
        // Granted or refused, a grant is never queued again.
        assert!(!store
            .queue_role_grant(grant(1, 8, 70), at(3, 9))
            .await
            .unwrap());
        assert!(!store
            .queue_role_grant(grant(2, 8, 70), at(3, 9))
            .await
            .unwrap());
        assert_eq!(
            store
                .query_i64(
                    "SELECT COUNT(*) FROM role_grants WHERE state = 'refused' \
                     AND detail = 'missing Manage Roles'"
                )
                .await
                .unwrap(),
            1
        );
        store.close().await;
    }

    /// Two processes celebrating the same milestones at once: each key is
    /// new to exactly one of them.
    async fn two_processes_celebrating_at_once_say_each_key_once(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let all = keys(&["streak-7", "streak-30", "goal-week", "team-goal"]);
        for user in 1..=10 {
            let (guild, member) = (GuildId(1), UserId(user));
            let mut reversed = all.clone();
            reversed.reverse();
            let (a, b) = tokio::join!(
                store.celebrate(guild, member, all.clone(), at(1, 9)),
                other.celebrate(guild, member, reversed, at(1, 9)),
            );
            let mut said = a.unwrap();
            said.extend(b.unwrap());
            said.sort();
            let mut expected = all.clone();
            expected.sort();
            assert_eq!(said, expected, "member {user}");
        }
        other.close().await;
        store.close().await;
    }
}
