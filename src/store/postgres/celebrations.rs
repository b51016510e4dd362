//! PostgreSQL: the queries behind [`crate::store::celebrations`].

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::domain::{GuildId, RoleId, UserId};
use crate::store::celebrations::*;
use crate::store::{db_id, millis, snowflake, StoreError};

impl PostgresStore {
    pub async fn celebrations(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<BTreeSet<String>, StoreError> {
        Ok(sqlx::query_scalar!(
            "SELECT key FROM celebrations WHERE guild_id = $1 AND user_id = $2",
            db_id(guild.0),
            db_id(user.0)
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect())
    }

    pub async fn celebrate(
        &self,
        guild: GuildId,
        user: UserId,
        keys: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        // One statement, its rows inserted in the keys' order: the primary
        // key decides between processes (the second insert of a key waits
        // for the first's transaction, then inserts nothing), and two
        // processes inserting the same keys lock them in the same order, so
        // neither waits for the other in turn.
        let inserted: HashSet<String> = sqlx::query_scalar!(
            r#"INSERT INTO celebrations (guild_id, user_id, key, at)
               SELECT $1::BIGINT, $2::BIGINT, k, $4::BIGINT FROM UNNEST($3::TEXT[]) AS k ORDER BY k
               ON CONFLICT DO NOTHING RETURNING key"#,
            db_id(guild.0),
            db_id(user.0),
            &keys,
            millis(now)
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        // In the order asked, each once (as one insert after the other).
        let mut new = Vec::new();
        for key in keys {
            if inserted.contains(&key) && !new.contains(&key) {
                new.push(key);
            }
        }
        Ok(new)
    }

    pub async fn milestone_roles(&self, guild: GuildId) -> Result<Vec<(u32, RoleId)>, StoreError> {
        sqlx::query!(
            "SELECT days, role_id FROM milestone_roles WHERE guild_id = $1 ORDER BY days",
            db_id(guild.0)
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                u32::try_from(r.days)
                    .map_err(|_| StoreError::Corrupt(format!("milestone days {}", r.days)))?,
                RoleId(snowflake(r.role_id)),
            ))
        })
        .collect()
    }

    pub async fn set_milestone_role(
        &self,
        guild: GuildId,
        days: u32,
        role: Option<RoleId>,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, days) = (db_id(guild.0), i64::from(days));
        match role {
            Some(role) => {
                sqlx::query!(
                    r#"INSERT INTO milestone_roles (guild_id, days, role_id, set_by, updated_at)
                       VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (guild_id, days) DO UPDATE SET role_id = excluded.role_id,
                           set_by = excluded.set_by, updated_at = excluded.updated_at"#,
                    guild_id,
                    days,
                    db_id(role.0),
                    db_id(by.0),
                    millis(now)
                )
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query!(
                    "DELETE FROM milestone_roles WHERE guild_id = $1 AND days = $2",
                    guild_id,
                    days
                )
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    pub async fn queue_role_grant(
        &self,
        grant: RoleGrant,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = millis(now);
        let done = sqlx::query!(
            r#"INSERT INTO role_grants (guild_id, user_id, role_id, state, created_at, updated_at)
               VALUES ($1, $2, $3, 'pending', $4, $4) ON CONFLICT DO NOTHING"#,
            db_id(grant.guild.0),
            db_id(grant.user.0),
            db_id(grant.role.0),
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn pending_role_grants(&self, limit: u32) -> Result<Vec<RoleGrant>, StoreError> {
        let (total, first, last) = self.shard_filter();
        Ok(sqlx::query!(
            r#"SELECT guild_id, user_id, role_id FROM role_grants WHERE state = 'pending'
                 AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4
               ORDER BY created_at LIMIT $1"#,
            i64::from(limit),
            total,
            first,
            last
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| RoleGrant {
            guild: GuildId(snowflake(r.guild_id)),
            user: UserId(snowflake(r.user_id)),
            role: RoleId(snowflake(r.role_id)),
        })
        .collect())
    }

    pub async fn finish_role_grant(
        &self,
        grant: RoleGrant,
        refused: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let state = if refused.is_some() {
            "refused"
        } else {
            "granted"
        };
        sqlx::query!(
            r#"UPDATE role_grants SET state = $1, detail = $2, updated_at = $3
               WHERE guild_id = $4 AND user_id = $5 AND role_id = $6"#,
            state,
            refused,
            millis(now),
            db_id(grant.guild.0),
            db_id(grant.user.0),
            db_id(grant.role.0)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
