//! The moderator audit log.

use super::StoreError;
use crate::domain::audit::{AuditEntry, NewAuditEntry};
use crate::domain::GuildId;

dispatch! {
    /// Appends a moderator action to the server's log.
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError>;

    /// The server's most recent moderator actions, newest first.
    pub async fn recent_audit(&self, guild: GuildId, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::store::schedules::tests::t;
    use crate::store::test_support::TestBackend;

    on_both_backends!(the_log_lists_newest_first_per_server);

    fn entry(guild: u64, action: &str, minute: u32) -> NewAuditEntry {
        NewAuditEntry {
            guild: GuildId(guild),
            actor: UserId(42),
            action: action.into(),
            detail: format!("{action} at {minute}"),
            at: t(9, minute),
        }
    }

    async fn the_log_lists_newest_first_per_server(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let first = store
            .append_audit(entry(1, "schedule.add", 0))
            .await
            .unwrap();
        let second = store
            .append_audit(entry(1, "schedule.pause", 5))
            .await
            .unwrap();
        store
            .append_audit(entry(2, "settings.timezone", 6))
            .await
            .unwrap();
        assert_eq!(
            store.recent_audit(GuildId(1), 10).await.unwrap(),
            vec![second.clone(), first]
        );
        assert_eq!(
            store.recent_audit(GuildId(1), 1).await.unwrap(),
            vec![second]
        );
        assert_eq!(store.recent_audit(GuildId(3), 10).await.unwrap(), vec![]);
        store.close().await;
    }
}
