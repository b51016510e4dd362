//! Members own their data: `/forget-me`, `/checkin-for`, retention of old
//! rows, and what happens to a server's data when the bot leaves it.

use chrono::Duration;

use crate::domain::checkin::Source;
use crate::domain::privacy::{ForgetButton, ForgetPress};
use crate::domain::{GuildId, UserId};
use crate::store::Forgotten;

use super::checkins::{CheckInReceipt, CheckInRequest};
use super::settings::Caller;
use super::{App, AppError};

/// Rows one retention or purge write deletes at most: each write holds the
/// writer for milliseconds, so check-ins queued behind it barely wait.
pub const TIDY_BATCH: u32 = 500;

/// How long data is kept (`[retention]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Check-ins (with their notes), answers and prompts older than this
    /// many days are deleted, their daily totals kept; 0 keeps everything.
    pub checkins_days: u32,
    /// A server the bot was removed from keeps its data this many days.
    pub departed_server_days: u32,
}

/// What pressing a `/forget-me` confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgetOutcome {
    Forgotten(Forgotten),
    /// Another member's button: nothing happened.
    NotYours,
    /// Pressed after it expired: nothing happened.
    Expired,
}

/// What one tidying pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tidied {
    pub checkins: u64,
    /// Prompt answers and prompts.
    pub prompts: u64,
    /// Servers whose data went after the bot left them.
    pub departed_servers: u64,
}

impl App {
    /// The confirmation button for the member asking to be forgotten now.
    pub fn forget_button(&self, user: UserId) -> ForgetButton {
        ForgetButton::new(user, self.clock.now())
    }

    /// A press of a `/forget-me` confirmation by `presser` in `guild`:
    /// deletes the member's data only if it is their own button, in time.
    pub async fn press_forget(
        &self,
        guild: GuildId,
        presser: UserId,
        button: ForgetButton,
    ) -> Result<ForgetOutcome, AppError> {
        let now = self.clock.now();
        Ok(match button.press(presser, now) {
            ForgetPress::NotYours => ForgetOutcome::NotYours,
            ForgetPress::Expired => ForgetOutcome::Expired,
            ForgetPress::Confirmed => {
                let forgotten = self.store.forget_member(guild, presser, now).await?;
                tracing::info!(%guild, "a member's data was deleted at their request");
                ForgetOutcome::Forgotten(forgotten)
            }
        })
    }

    /// `/checkin-for`: a moderator logs a check-in for a member, validated
    /// like `/checkin`, stored with source `moderator` and the moderator as
    /// `recorded_by`, and audited.
    pub async fn checkin_for(
        &self,
        caller: &Caller,
        mut request: CheckInRequest,
    ) -> Result<CheckInReceipt, AppError> {
        self.authorize(caller).await?;
        request.source = Source::Moderator;
        let member = request.user;
        let receipt = self.record_checkin_by(request, Some(caller.user)).await?;
        if !receipt.duplicate {
            let c = &receipt.checkin;
            let detail = format!("for member {}: {} {}", member.0, c.amount, c.exercise);
            self.log(caller, "checkin.for", detail).await?;
        }
        Ok(receipt)
    }

    /// The bot was removed from the server (not an outage): its schedules
    /// stop at once, and its data goes after the grace period.
    pub async fn server_departed(&self, guild: GuildId) -> Result<(), AppError> {
        self.store.mark_departed(guild, self.clock.now()).await?;
        tracing::info!(%guild, "removed from a server; its data is deleted after the grace period");
        self.schedules_changed.notify_one();
        Ok(())
    }

    /// The bot is in the server: a departure recorded before is undone and
    /// its schedules run again.
    pub async fn server_present(&self, guild: GuildId) -> Result<(), AppError> {
        if self.store.mark_present(guild).await? {
            tracing::info!(%guild, "added back to a server; its data is kept");
            self.schedules_changed.notify_one();
        }
        Ok(())
    }

    /// At connection: every stored server that `is_ours` (this process's
    /// shards) and that Discord no longer lists (`present`) was removed while
    /// the bot was offline.
    pub async fn servers_seen(
        &self,
        present: &[GuildId],
        is_ours: impl Fn(GuildId) -> bool,
    ) -> Result<(), AppError> {
        for guild in self.store.stored_servers().await? {
            if is_ours(guild) && !present.contains(&guild) {
                self.server_departed(guild).await?;
            }
        }
        Ok(())
    }

    /// One pass of retention: old check-ins (their daily totals kept), old
    /// answers and prompts, and the data of servers the bot left longer ago
    /// than the grace period, all in small batches.
    pub async fn tidy(&self) -> Result<Tidied, AppError> {
        let now = self.clock.now();
        let mut tidied = Tidied::default();
        if self.retention.checkins_days > 0 {
            let cutoff = now - Duration::days(self.retention.checkins_days.into());
            loop {
                let done = self.store.expire_checkins(cutoff, TIDY_BATCH).await?;
                if done == 0 {
                    break;
                }
                tidied.checkins += done;
                tokio::task::yield_now().await;
            }
            loop {
                let done = self.store.expire_prompts(cutoff, TIDY_BATCH).await?;
                if done == 0 {
                    break;
                }
                tidied.prompts += done;
                tokio::task::yield_now().await;
            }
        }
        let grace = Duration::days(self.retention.departed_server_days.into());
        for guild in self.store.departed_before(now - grace).await? {
            while self.store.purge_departed(guild, TIDY_BATCH).await? > 0 {
                tokio::task::yield_now().await;
            }
            tracing::info!(%guild, "deleted the data of a server the bot left");
            tidied.departed_servers += 1;
        }
        self.store.optimize().await?;
        Ok(tidied)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::app::test_support::{admin, app_at, checkin_request};
    use crate::domain::leaderboard::{Metric, Period};
    use crate::store::Store;

    async fn count(store: &Store, table: &str) -> i64 {
        store.count_rows(table).await.unwrap()
    }

    async fn board(app: &App) -> Vec<crate::app::leaderboard::BoardRow> {
        app.leaderboard(GuildId(1), UserId(7), Period::AllTime, Metric::Points, None)
            .await
            .unwrap()
            .top
    }

    fn day(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 5, d, h, 0, 0).unwrap()
    }

    #[tokio::test]
    async fn retention_deletes_exactly_the_old_rows_and_keeps_streaks_and_boards() {
        // Check-ins on May 1, 2, 3 and 10, in virtual time.
        let (mut app, clock, _dir) = app_at(day(1, 9)).await;
        app.retention = Retention {
            checkins_days: 7,
            departed_server_days: 30,
        };
        let mut interaction = 0;
        for d in [1, 2, 3, 10] {
            clock.set(day(d, 9));
            for _ in 0..2 {
                interaction += 1;
                let mut request = checkin_request(interaction, 7, "walk", 10);
                request.note = Some("a private note".into());
                app.record_checkin(request).await.unwrap();
            }
        }
        let stats_before = app
            .stats(GuildId(1), UserId(7), UserId(7), Period::AllTime)
            .await
            .unwrap();
        let board_before = board(&app).await;

        // On May 10 at noon, 7 days back is May 3 at noon: May 1-3 go.
        clock.set(day(10, 12));
        let tidied = app.tidy().await.unwrap();
        assert_eq!(tidied.checkins, 6);
        let store = app.raw_store();
        assert_eq!(count(store, "checkins").await, 2);
        assert_eq!(count(store, "checkin_day_totals").await, 3);
        let left = store
            .member_checkins(GuildId(1), UserId(7), day(1, 0), day(11, 0))
            .await
            .unwrap();
        assert!(left.iter().all(|c| c.at == day(10, 9)), "{left:?}");
        // No note is kept.
        let kept = store.member_kept_days(GuildId(1), UserId(7)).await.unwrap();
        assert_eq!(
            kept.iter()
                .map(|d| (d.amount, d.checkins))
                .collect::<Vec<_>>(),
            [(20, 2), (20, 2), (20, 2)]
        );
        // Streaks, points and the all-time board are as before.
        let stats_after = app
            .stats(GuildId(1), UserId(7), UserId(7), Period::AllTime)
            .await
            .unwrap();
        assert_eq!(stats_after.streak, stats_before.streak);
        assert_eq!(stats_after.streak.best, 3);
        assert_eq!(stats_after.points, stats_before.points);
        assert_eq!(stats_after.totals, stats_before.totals);
        assert_eq!(board(&app).await, board_before);

        // A second pass finds nothing more; a later one takes May 10.
        assert_eq!(app.tidy().await.unwrap(), Tidied::default());
        clock.set(day(17, 10));
        assert_eq!(app.tidy().await.unwrap().checkins, 2);
        assert_eq!(
            app.stats(GuildId(1), UserId(7), UserId(7), Period::AllTime)
                .await
                .unwrap()
                .points,
            stats_before.points
        );
    }

    #[tokio::test]
    async fn retention_zero_keeps_everything() {
        let (app, clock, _dir) = app_at(day(1, 9)).await;
        app.record_checkin(checkin_request(1, 7, "walk", 10))
            .await
            .unwrap();
        clock.set(day(30, 9));
        assert_eq!(app.tidy().await.unwrap(), Tidied::default());
        assert_eq!(count(app.raw_store(), "checkins").await, 1);
    }

    #[tokio::test]
    async fn a_departed_servers_data_goes_after_the_grace_period_unless_the_bot_returns() {
        let (mut app, clock, _dir) = app_at(day(1, 9)).await;
        app.retention = Retention {
            checkins_days: 0,
            departed_server_days: 30,
        };
        let other = |mut r: CheckInRequest| {
            r.guild = GuildId(2);
            r
        };
        for (i, guild_two) in [(1, false), (2, true), (3, false), (4, true)] {
            let r = checkin_request(i, 7, "walk", 10);
            app.record_checkin(if guild_two { other(r) } else { r })
                .await
                .unwrap();
        }
        app.set_server_zone(&admin(), "Europe/Berlin")
            .await
            .unwrap();
        app.server_departed(GuildId(1)).await.unwrap();
        // The bot comes back to server 1 within the grace period, then
        // leaves again; the grace period counts from the new departure.
        clock.set(day(20, 9));
        app.server_present(GuildId(1)).await.unwrap();
        app.server_departed(GuildId(1)).await.unwrap();
        clock.set(day(31, 10));
        assert_eq!(app.tidy().await.unwrap().departed_servers, 0);
        let store = app.raw_store();
        assert_eq!(count(store, "checkins").await, 4);

        clock.set(day(20, 9) + Duration::days(30));
        assert_eq!(app.tidy().await.unwrap().departed_servers, 1);
        assert_eq!(store.stored_servers().await.unwrap(), vec![GuildId(2)]);
        assert_eq!(count(store, "checkins").await, 2);
        assert_eq!(count(store, "audit_log").await, 0);
        assert_eq!(count(store, "departed_servers").await, 0);
        assert_eq!(store.departed_at(GuildId(1)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn servers_missing_at_connection_are_departed_only_for_this_processs_shards() {
        let (app, _clock, _dir) = app_at(day(1, 9)).await;
        for (i, guild) in [(1, 1u64 << 22), (2, 2 << 22), (3, 3 << 22)] {
            let mut r = checkin_request(i, 7, "walk", 10);
            r.guild = GuildId(guild);
            app.record_checkin(r).await.unwrap();
        }
        // Shard 1 of 2 sees none of its servers: only 1 << 22 and 3 << 22
        // are its own.
        app.servers_seen(&[], |g| (g.0 >> 22) % 2 == 1)
            .await
            .unwrap();
        let store = app.raw_store();
        assert!(store.departed_at(GuildId(1 << 22)).await.unwrap().is_some());
        assert!(store.departed_at(GuildId(2 << 22)).await.unwrap().is_none());
        assert!(store.departed_at(GuildId(3 << 22)).await.unwrap().is_some());
        // A departed server's schedules do not fire.
        app.servers_seen(&[GuildId(3 << 22)], |_| true)
            .await
            .unwrap();
        app.server_present(GuildId(3 << 22)).await.unwrap();
        assert!(store.departed_at(GuildId(3 << 22)).await.unwrap().is_none());
    }
}
