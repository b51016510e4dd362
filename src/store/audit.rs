//! The moderator audit log.

use super::{db_id, instant, millis, snowflake, Store, StoreError};
use crate::domain::audit::{AuditEntry, NewAuditEntry};
use crate::domain::{GuildId, UserId};

impl Store {
    /// Appends a moderator action to the server's log.
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let guild_id = db_id(entry.guild.0);
        let actor_id = db_id(entry.actor.0);
        let at = millis(entry.at);
        let (action, detail) = (entry.action.clone(), entry.detail.clone());
        let id = self
            .write(move |conn| {
                Box::pin(async move {
                    let id = sqlx::query_scalar!(
                        r#"INSERT INTO audit_log (guild_id, actor_id, action, detail, at)
                           VALUES (?, ?, ?, ?, ?) RETURNING id"#,
                        guild_id,
                        actor_id,
                        action,
                        detail,
                        at
                    )
                    .fetch_one(&mut *conn)
                    .await?;
                    Ok(id)
                })
            })
            .await?;
        Ok(AuditEntry {
            id,
            guild: entry.guild,
            actor: entry.actor,
            action: entry.action,
            detail: entry.detail,
            at: entry.at,
        })
    }

    /// The server's most recent moderator actions, newest first.
    pub async fn recent_audit(
        &self,
        guild: GuildId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let guild_id = db_id(guild.0);
        let limit = i64::from(limit);
        let rows = sqlx::query!(
            r#"SELECT id, actor_id, action, detail, at FROM audit_log
               WHERE guild_id = ? ORDER BY at DESC, id DESC LIMIT ?"#,
            guild_id,
            limit
        )
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.id,
                    guild,
                    actor: UserId(snowflake(row.actor_id)),
                    action: row.action,
                    detail: row.detail,
                    at: instant(row.at)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schedules::tests::t;
    use crate::store::test_support::temp_store;

    fn entry(guild: u64, action: &str, minute: u32) -> NewAuditEntry {
        NewAuditEntry {
            guild: GuildId(guild),
            actor: UserId(42),
            action: action.into(),
            detail: format!("{action} at {minute}"),
            at: t(9, minute),
        }
    }

    #[tokio::test]
    async fn the_log_lists_newest_first_per_server() {
        let (store, _dir) = temp_store().await;
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
