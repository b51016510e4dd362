//! Members' per-server preferences and last seen display names.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{time_zone, StoreError};
use crate::domain::member::MemberPrefs;
use crate::domain::{GuildId, UserId};

/// The preferences columns of a `members` row.
pub(in crate::store) struct PrefsRow {
    pub(in crate::store) timezone: Option<String>,
    pub(in crate::store) opt_out: bool,
    pub(in crate::store) display_name: Option<String>,
}

/// The member's preferences from their row; the defaults without one.
pub(in crate::store) fn prefs_from_row(
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

dispatch! {
    /// The member's preferences in the server; the defaults if never set.
    pub async fn member_prefs(&self, guild: GuildId, user: UserId) -> Result<MemberPrefs, StoreError>;

    /// Sets (or with `None` clears) the member's own time zone.
    pub async fn set_member_timezone(&self, guild: GuildId, user: UserId, timezone: Option<Tz>, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Opts the member out of (or back into) the server's leaderboards.
    pub async fn set_leaderboard_opt_out(&self, guild: GuildId, user: UserId, opt_out: bool, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Remembers the name the member goes by, as seen in an interaction.
    pub async fn remember_display_name(&self, guild: GuildId, user: UserId, name: String, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// The display names last seen of some of the server's members (those
    /// never seen are left out), in one query.
    pub async fn display_names(&self, guild: GuildId, users: &[UserId]) -> Result<Vec<(UserId, String)>, StoreError>;

    /// Members of the server who opted out of leaderboards.
    pub async fn opted_out_members(&self, guild: GuildId) -> Result<Vec<UserId>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schedules::tests::t;
    use crate::store::test_support::TestBackend;

    on_both_backends!(preferences_are_kept_per_member_and_server);

    async fn preferences_are_kept_per_member_and_server(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
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
