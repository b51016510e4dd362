//! SQLite: the queries behind [`crate::store::celebrations`].

use crate::domain::{GuildId, RoleId, UserId};
use crate::store::celebrations::*;
use crate::store::{db_id, millis, snowflake, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

impl SqliteStore {
    pub async fn celebrations(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<BTreeSet<String>, StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        Ok(sqlx::query_scalar!(
            "SELECT key FROM celebrations WHERE guild_id = ? AND user_id = ?",
            guild_id,
            user_id
        )
        .fetch_all(&self.readers)
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
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let mut new = Vec::new();
                for key in keys {
                    let done = sqlx::query!(
                        r#"INSERT INTO celebrations (guild_id, user_id, key, at) VALUES (?, ?, ?, ?)
                           ON CONFLICT DO NOTHING"#,
                        guild_id,
                        user_id,
                        key,
                        now
                    )
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() == 1 {
                        new.push(key);
                    }
                }
                Ok(new)
            })
        })
        .await
    }

    pub async fn milestone_roles(&self, guild: GuildId) -> Result<Vec<(u32, RoleId)>, StoreError> {
        let guild_id = db_id(guild.0);
        sqlx::query!(
            "SELECT days, role_id FROM milestone_roles WHERE guild_id = ? ORDER BY days",
            guild_id
        )
        .fetch_all(&self.readers)
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
        let (guild_id, by) = (db_id(guild.0), db_id(by.0));
        let days = i64::from(days);
        let role = role.map(|r| db_id(r.0));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                match role {
                    Some(role) => {
                        sqlx::query!(
                            r#"INSERT INTO milestone_roles (guild_id, days, role_id, set_by, updated_at)
                               VALUES (?, ?, ?, ?, ?)
                               ON CONFLICT (guild_id, days) DO UPDATE SET role_id = excluded.role_id,
                                   set_by = excluded.set_by, updated_at = excluded.updated_at"#,
                            guild_id,
                            days,
                            role,
                            by,
                            now
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                    None => {
                        sqlx::query!(
                            "DELETE FROM milestone_roles WHERE guild_id = ? AND days = ?",
                            guild_id,
                            days
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                }
                Ok(())
            })
        })
        .await
    }

    pub async fn queue_role_grant(
        &self,
        grant: RoleGrant,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (guild_id, user_id, role_id) = (
            db_id(grant.guild.0),
            db_id(grant.user.0),
            db_id(grant.role.0),
        );
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"INSERT INTO role_grants (guild_id, user_id, role_id, state, created_at, updated_at)
                       VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING"#,
                    guild_id,
                    user_id,
                    role_id,
                    now,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    pub async fn pending_role_grants(&self, limit: u32) -> Result<Vec<RoleGrant>, StoreError> {
        let limit = i64::from(limit);
        let (total, first, last) = self.shard_filter();
        Ok(sqlx::query!(
            r#"SELECT guild_id, user_id, role_id FROM role_grants WHERE state = 'pending'
                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?
               ORDER BY created_at LIMIT ?"#,
            total,
            first,
            last,
            limit
        )
        .fetch_all(&self.readers)
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
        let (guild_id, user_id, role_id) = (
            db_id(grant.guild.0),
            db_id(grant.user.0),
            db_id(grant.role.0),
        );
        let state = if refused.is_some() {
            "refused"
        } else {
            "granted"
        };
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"UPDATE role_grants SET state = ?, detail = ?, updated_at = ?
                       WHERE guild_id = ? AND user_id = ? AND role_id = ?"#,
                    state,
                    refused,
                    now,
                    guild_id,
                    user_id,
                    role_id
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }
}
