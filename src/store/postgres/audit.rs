//! PostgreSQL: the queries behind [`crate::store::audit`].

use super::PostgresStore;
use crate::domain::audit::{AuditEntry, NewAuditEntry};
use crate::domain::{GuildId, UserId};
use crate::store::{db_id, instant, millis, snowflake, StoreError};

impl PostgresStore {
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let id = sqlx::query_scalar!(
            r#"INSERT INTO audit_log (guild_id, actor_id, action, detail, at)
               VALUES ($1, $2, $3, $4, $5) RETURNING id AS "id!""#,
            db_id(entry.guild.0),
            db_id(entry.actor.0),
            entry.action,
            entry.detail,
            millis(entry.at)
        )
        .fetch_one(&self.pool)
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
        let rows = sqlx::query!(
            r#"SELECT id, actor_id, action, detail, at FROM audit_log
               WHERE guild_id = $1 ORDER BY at DESC, id DESC LIMIT $2"#,
            db_id(guild.0),
            i64::from(limit)
        )
        .fetch_all(&self.pool)
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
