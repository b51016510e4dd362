//! Members' per-server preferences and last seen display names.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{db_id, millis, snowflake, time_zone, Store, StoreError};
use crate::domain::member::MemberPrefs;
use crate::domain::{GuildId, UserId};

impl Store {
    /// The member's preferences in the server; the defaults if never set.
    pub async fn member_prefs(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<MemberPrefs, StoreError> {
        read_member_prefs(&self.readers, guild, user).await
    }

    /// Sets (or with `None` clears) the member's own time zone.
    pub async fn set_member_timezone(
        &self,
        guild: GuildId,
        user: UserId,
        timezone: Option<Tz>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let timezone = timezone.map(|tz| tz.name().to_owned());
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO members (guild_id, user_id, timezone, updated_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           timezone = excluded.timezone, updated_at = excluded.updated_at"#,
                    guild_id,
                    user_id,
                    timezone,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Opts the member out of (or back into) the server's leaderboards.
    pub async fn set_leaderboard_opt_out(
        &self,
        guild: GuildId,
        user: UserId,
        opt_out: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO members (guild_id, user_id, leaderboard_opt_out, updated_at)
                       VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           leaderboard_opt_out = excluded.leaderboard_opt_out,
                           updated_at = excluded.updated_at"#,
                    guild_id,
                    user_id,
                    opt_out,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Remembers the name the member goes by, as seen in an interaction.
    pub async fn remember_display_name(
        &self,
        guild: GuildId,
        user: UserId,
        name: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move { upsert_display_name(conn, guild, user, &name, now).await })
        })
        .await
    }

    /// The display names last seen of some of the server's members (those
    /// never seen are left out), in one query.
    pub async fn display_names(
        &self,
        guild: GuildId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let guild_id = db_id(guild.0);
        // A JSON array, read with json_each: one statement for any number.
        let ids = format!(
            "[{}]",
            users
                .iter()
                .map(|u| db_id(u.0).to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let rows = sqlx::query!(
            r#"SELECT user_id, display_name AS "display_name!" FROM members
               WHERE guild_id = ? AND display_name IS NOT NULL
                 AND user_id IN (SELECT value FROM json_each(?))"#,
            guild_id,
            ids
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (UserId(snowflake(row.user_id)), row.display_name))
            .collect())
    }

    /// Members of the server who opted out of leaderboards.
    pub async fn opted_out_members(&self, guild: GuildId) -> Result<Vec<UserId>, StoreError> {
        let guild_id = db_id(guild.0);
        let ids = sqlx::query_scalar!(
            "SELECT user_id FROM members WHERE guild_id = ? AND leaderboard_opt_out = 1 ORDER BY user_id",
            guild_id
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(ids.into_iter().map(|id| UserId(snowflake(id))).collect())
    }
}

/// The member's preferences in the server, read with `executor` (the
/// readers, or the writer's transaction).
pub(super) async fn read_member_prefs<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    guild: GuildId,
    user: UserId,
) -> Result<MemberPrefs, StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let row = sqlx::query_as!(
        PrefsRow,
        r#"SELECT timezone, leaderboard_opt_out AS "opt_out: bool", display_name
               FROM members WHERE guild_id = ? AND user_id = ?"#,
        guild_id,
        user_id
    )
    .fetch_optional(executor)
    .await?;
    prefs_from_row(guild, user, row)
}

/// The preferences columns of a `members` row.
pub(super) struct PrefsRow {
    pub(super) timezone: Option<String>,
    pub(super) opt_out: bool,
    pub(super) display_name: Option<String>,
}

/// The member's preferences from their row; the defaults without one.
pub(super) fn prefs_from_row(
    guild: GuildId,
    user: UserId,
    row: Option<PrefsRow>,
) -> Result<MemberPrefs, StoreError> {
    Ok(match row {
        None => MemberPrefs::new(guild, user),
        Some(row) => MemberPrefs {
            guild,
            user,
            timezone: row.timezone.as_deref().map(time_zone).transpose()?,
            leaderboard_opt_out: row.opt_out,
            display_name: row.display_name,
        },
    })
}

/// Remembers the name the member goes by, inside the caller's transaction.
pub(super) async fn upsert_display_name(
    conn: &mut sqlx::SqliteConnection,
    guild: GuildId,
    user: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (guild_id, user_id) = (db_id(guild.0), db_id(user.0));
    let now = millis(now);
    sqlx::query!(
        r#"INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (guild_id, user_id) DO UPDATE SET
                           display_name = excluded.display_name, updated_at = excluded.updated_at
                       WHERE members.display_name IS NOT excluded.display_name"#,
        guild_id,
        user_id,
        name,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schedules::tests::t;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn preferences_are_kept_per_member_and_server() {
        let (store, _dir) = temp_store().await;
        let (g, u) = (GuildId(1), UserId(7));
        assert_eq!(
            store.member_prefs(g, u).await.unwrap(),
            MemberPrefs::new(g, u)
        );

        store
            .set_member_timezone(g, u, Some(chrono_tz::Asia::Kolkata), t(9, 0))
            .await
            .unwrap();
        store
            .set_leaderboard_opt_out(g, u, true, t(9, 1))
            .await
            .unwrap();
        store
            .remember_display_name(g, u, "Ada ✨".into(), t(9, 2))
            .await
            .unwrap();
        let prefs = store.member_prefs(g, u).await.unwrap();
        assert_eq!(
            prefs,
            MemberPrefs {
                guild: g,
                user: u,
                timezone: Some(chrono_tz::Asia::Kolkata),
                leaderboard_opt_out: true,
                display_name: Some("Ada ✨".into()),
            }
        );
        // One setting changes without touching the others.
        store
            .set_member_timezone(g, u, None, t(9, 3))
            .await
            .unwrap();
        store
            .remember_display_name(g, u, "Ada".into(), t(9, 4))
            .await
            .unwrap();
        let prefs = store.member_prefs(g, u).await.unwrap();
        assert_eq!(
            (
                prefs.timezone,
                prefs.leaderboard_opt_out,
                prefs.display_name.as_deref()
            ),
            (None, true, Some("Ada"))
        );

        // Nothing of it is visible from another server.
        assert_eq!(
            store.member_prefs(GuildId(2), u).await.unwrap(),
            MemberPrefs::new(GuildId(2), u)
        );
        store
            .set_leaderboard_opt_out(GuildId(2), UserId(8), true, t(9, 5))
            .await
            .unwrap();
        assert_eq!(store.opted_out_members(g).await.unwrap(), vec![u]);
        store
            .set_leaderboard_opt_out(g, u, false, t(9, 6))
            .await
            .unwrap();
        assert!(store.opted_out_members(g).await.unwrap().is_empty());
        store.close().await;
    }
}
