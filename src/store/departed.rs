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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::goals::{MemberGoals, TargetChange};
    use crate::domain::streak::Vacation;
    use crate::domain::team_goal::{TeamGoal, TeamMetric};
    use crate::domain::{RoleId, UserId};
    use crate::store::celebrations::RoleGrant;
    use crate::store::checkins::tests::at;
    use crate::store::privacy::tests::seed_checkin;
    use crate::store::test_support::TestBackend;
    use crate::store::{Store, StoreOptions};

    on_both_backends!(
        a_departure_is_recorded_once_and_forgiven_on_return,
        stored_servers_are_those_with_settings_or_members,
        a_departed_servers_rows_are_deleted_in_batches_and_no_other,
        two_processes_purging_a_server_delete_each_row_once,
    );

    /// Rows of `guild` in most of its tables, through the store's methods
    /// (and check-ins with plain SQL); how many.
    async fn fill_server(store: &Store, guild: u64) -> u64 {
        let g = GuildId(guild);
        let goals = TargetChange {
            walk_minutes: Some(100),
            ..TargetChange::default()
        };
        store.set_server_goals(g, goals, at(1, 9)).await.unwrap();
        let team = TeamGoal {
            metric: TeamMetric::Points,
            target: 50,
        };
        store
            .set_team_goal(g, team, UserId(8), at(1, 9))
            .await
            .unwrap();
        store
            .set_milestone_role(g, 7, Some(RoleId(70)), UserId(8), at(1, 9))
            .await
            .unwrap();
        for user in [8, 9] {
            let member = UserId(user);
            store
                .set_member_goals(g, member, MemberGoals::default(), at(1, 9))
                .await
                .unwrap();
            let vacation = Vacation {
                first: at(5, 0).date_naive(),
                last: at(6, 0).date_naive(),
            };
            store
                .start_vacation(g, member, at(1, 0).date_naive(), vacation, at(1, 9))
                .await
                .unwrap();
            store
                .celebrate(g, member, vec!["streak-7".into()], at(1, 9))
                .await
                .unwrap();
            let grant = RoleGrant {
                guild: g,
                user: member,
                role: RoleId(70),
            };
            store.queue_role_grant(grant, at(1, 9)).await.unwrap();
            for i in 0..3 {
                seed_checkin(
                    store,
                    guild * 100 + user * 10 + i,
                    guild,
                    user,
                    "walk",
                    1,
                    at(1, 9),
                )
                .await;
            }
        }
        // servers, team_goals, milestone_roles; per member: members,
        // vacations, celebrations, role_grants and 3 check-ins.
        3 + 2 * (4 + 3)
    }

    async fn server_rows(store: &Store, guild: u64) -> i64 {
        let mut rows = 0;
        for table in SERVER_TABLES {
            rows += store
                .query_i64(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE guild_id = {guild}"
                ))
                .await
                .unwrap();
        }
        rows
    }

    async fn a_departure_is_recorded_once_and_forgiven_on_return(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let guild = GuildId(1);
        assert_eq!(store.departed_at(guild).await.unwrap(), None);
        assert!(!store.mark_present(guild).await.unwrap());
        store.mark_departed(guild, at(1, 9)).await.unwrap();
        store.mark_departed(guild, at(2, 9)).await.unwrap();
        store.mark_departed(GuildId(2), at(3, 9)).await.unwrap();
        assert_eq!(store.departed_at(guild).await.unwrap(), Some(at(1, 9)));
        assert_eq!(store.departed_before(at(1, 8)).await.unwrap(), vec![]);
        assert_eq!(store.departed_before(at(1, 9)).await.unwrap(), vec![guild]);
        assert_eq!(
            store.departed_before(at(4, 0)).await.unwrap(),
            vec![guild, GuildId(2)]
        );
        assert!(store.mark_present(guild).await.unwrap());
        assert!(!store.mark_present(guild).await.unwrap());
        assert_eq!(store.departed_at(guild).await.unwrap(), None);
        assert_eq!(
            store.departed_before(at(4, 0)).await.unwrap(),
            vec![GuildId(2)]
        );
        store.close().await;
    }

    async fn stored_servers_are_those_with_settings_or_members(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        assert_eq!(store.stored_servers().await.unwrap(), vec![]);
        store
            .set_server_goals(GuildId(30), TargetChange::default(), at(1, 9))
            .await
            .unwrap();
        for guild in [20, 30, u64::MAX >> 1] {
            store
                .set_member_goals(GuildId(guild), UserId(8), MemberGoals::default(), at(1, 9))
                .await
                .unwrap();
        }
        assert_eq!(
            store.stored_servers().await.unwrap(),
            vec![GuildId(20), GuildId(30), GuildId(u64::MAX >> 1)]
        );
        store.close().await;
    }

    async fn a_departed_servers_rows_are_deleted_in_batches_and_no_other(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let rows = fill_server(&store, 1).await;
        let kept = fill_server(&store, 2).await;
        assert_eq!(server_rows(&store, 1).await, i64::try_from(rows).unwrap());

        // Not departed: nothing goes.
        assert_eq!(store.purge_departed(GuildId(1), 5).await.unwrap(), 0);
        assert_eq!(server_rows(&store, 1).await, i64::try_from(rows).unwrap());

        store.mark_departed(GuildId(1), at(2, 0)).await.unwrap();
        let mut deleted = 0;
        loop {
            let done = store.purge_departed(GuildId(1), 4).await.unwrap();
            assert!(done <= 4);
            if done == 0 {
                break;
            }
            deleted += done;
        }
        assert_eq!(deleted, rows);
        assert_eq!(server_rows(&store, 1).await, 0);
        assert_eq!(store.departed_at(GuildId(1)).await.unwrap(), None);
        assert_eq!(server_rows(&store, 2).await, i64::try_from(kept).unwrap());
        for table in ["checkin_days", "checkin_members"] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE guild_id = 1");
            assert_eq!(store.query_i64(&sql).await.unwrap(), 0, "{table}");
        }

        // Added back before the purge ends: the rest stays.
        store.mark_departed(GuildId(2), at(3, 0)).await.unwrap();
        let gone = store.purge_departed(GuildId(2), 4).await.unwrap();
        assert!(gone > 0);
        assert!(store.mark_present(GuildId(2)).await.unwrap());
        assert_eq!(store.purge_departed(GuildId(2), 4).await.unwrap(), 0);
        assert_eq!(
            server_rows(&store, 2).await,
            i64::try_from(kept - gone).unwrap()
        );
        store.close().await;
    }

    /// Two processes purging the same departed server at once: together
    /// they delete each row once, and the departure goes with the last.
    async fn two_processes_purging_a_server_delete_each_row_once(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let rows = fill_server(&store, 1).await;
        store.mark_departed(GuildId(1), at(2, 0)).await.unwrap();
        async fn purge(store: &Store) -> u64 {
            let mut deleted = 0;
            loop {
                let done = store.purge_departed(GuildId(1), 2).await.unwrap();
                if done == 0 {
                    return deleted;
                }
                deleted += done;
            }
        }
        let (a, b) = tokio::join!(purge(&store), purge(&other));
        assert_eq!(a + b, rows);
        assert_eq!(server_rows(&store, 1).await, 0);
        assert_eq!(store.departed_at(GuildId(1)).await.unwrap(), None);
        other.close().await;
        store.close().await;
    }
}
