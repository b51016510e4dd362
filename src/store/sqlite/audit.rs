//! SQLite: the queries behind [`crate::store::audit`].

use crate::domain::audit::{AuditEntry, NewAuditEntry};
use crate::domain::{GuildId, UserId};
use crate::store::{db_id, instant, millis, snowflake, sqlite::SqliteStore, StoreError};

impl SqliteStore {
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
