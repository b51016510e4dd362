//! The server's leaderboard posts: where (`/settings leaderboard-channel`),
//! when (`/settings leaderboard-schedule`), and the board each post shows.
//! A board schedule is a schedule of kind board, so its posts are claimed
//! and posted by the scheduler exactly like prompts.

use crate::domain::firings::next_due;
use crate::domain::leaderboard::Metric;
use crate::domain::occurrence::Occurrence;
use crate::domain::prompt::nonce;
use crate::domain::schedule::{BoardWeek, NewSchedule, ScheduleKind, ScheduleState};
use crate::domain::spec::ScheduleSpec;
use crate::domain::{ChannelId, UserId};

use super::prompts::BoardMessage;
use super::schedules::ScheduleView;
use super::settings::Caller;
use super::{App, AppError, UserError};

/// Board posts at most this often: a board is a weekly ritual, not a feed.
const MIN_BOARD_INTERVAL_MINUTES: u32 = 60;

impl App {
    /// Where the server's leaderboard is posted; `None` stops the posts.
    pub async fn set_leaderboard_channel(
        &self,
        caller: &Caller,
        channel: Option<ChannelId>,
    ) -> Result<(), AppError> {
        let detail = channel.map_or_else(|| "none".to_owned(), |c| format!("channel {c}"));
        self.change(caller, "settings.leaderboard-channel", detail, |s| {
            s.leaderboard_channel = channel
        })
        .await?;
        if let Some(mut board) = self.store.board_schedule(caller.guild).await? {
            match channel {
                Some(channel) => {
                    board.channel = channel;
                    self.store.update_schedule(&board, self.clock.now()).await?;
                }
                None => {
                    self.store.remove_board_schedule(caller.guild).await?;
                }
            }
            self.schedules_changed.notify_one();
        }
        Ok(())
    }

    /// When the server's leaderboard is posted (`fri 16:00`, any schedule
    /// spec at most hourly, or `off`), and which week it shows. Returns the
    /// schedule with its next posts, or `None` when turned off.
    pub async fn set_board_schedule(
        &self,
        caller: &Caller,
        when: &str,
        week: Option<&str>,
    ) -> Result<Option<(ScheduleView, BoardWeek)>, AppError> {
        let settings = self.authorize(caller).await?;
        if when.trim().eq_ignore_ascii_case("off") {
            self.store.remove_board_schedule(caller.guild).await?;
            self.schedules_changed.notify_one();
            self.log(caller, "settings.leaderboard-schedule", "off".into())
                .await?;
            return Ok(None);
        }
        let channel = settings
            .leaderboard_channel
            .ok_or(UserError::NoLeaderboardChannel)?;
        let spec =
            ScheduleSpec::parse(when, MIN_BOARD_INTERVAL_MINUTES).map_err(UserError::from)?;
        let week = match week {
            None => BoardWeek::This,
            Some(text) => BoardWeek::parse(text).ok_or(UserError::BoardWeek)?,
        };
        let zone = settings.timezone.unwrap_or(self.default_zone);
        let now = self.clock.now();
        let next =
            next_due(&spec, zone, &self.quiet(&settings), Default::default(), now).map(|f| f.at);
        let schedule = match self.store.board_schedule(caller.guild).await? {
            Some(mut board) => {
                board.kind = ScheduleKind::Board(week);
                board.channel = channel;
                board.spec = spec.written().to_owned();
                board.timezone = zone;
                board.state = ScheduleState::Active;
                board.next_due_at = next;
                self.store.update_schedule(&board, now).await?;
                board
            }
            None => {
                self.store
                    .insert_schedule(NewSchedule {
                        guild: caller.guild,
                        kind: ScheduleKind::Board(week),
                        channel,
                        exercises: Vec::new(),
                        spec: spec.written().to_owned(),
                        timezone: zone,
                        role: None,
                        expires_at: None,
                        next_due_at: next,
                        created_by: caller.user,
                        at: now,
                    })
                    .await?
            }
        };
        self.schedules_changed.notify_one();
        self.log(
            caller,
            "settings.leaderboard-schedule",
            format!("{} in {}, {}", spec.written(), zone.name(), week.key()),
        )
        .await?;
        Ok(Some((self.view(&settings, schedule, 3)?, week)))
    }

    /// The board a board occurrence posts: the week's points ranking.
    pub(super) async fn board_for(
        &self,
        occurrence: &Occurrence,
    ) -> Result<BoardMessage, AppError> {
        let board_schedule = self
            .store
            .board_schedule(occurrence.guild)
            .await?
            .filter(|s| Some(s.id) == occurrence.schedule);
        let Some(ScheduleKind::Board(week)) = board_schedule.map(|s| s.kind) else {
            return Err(AppError::Internal(anyhow::anyhow!(
                "board occurrence {} has no board schedule",
                occurrence.id
            )));
        };
        // Nobody is "you" on a board posted for everyone.
        let nobody = UserId(0);
        let board = self
            .leaderboard(
                occurrence.guild,
                nobody,
                week.period(),
                Metric::Points,
                None,
            )
            .await?;
        let settings = self.store.server_settings(occurrence.guild).await?;
        let team = self.team_progress(&settings, self.clock.now()).await?;
        Ok(BoardMessage {
            occurrence: occurrence.id,
            guild: occurrence.guild,
            channel: occurrence.channel,
            board,
            nonce: nonce(occurrence.id),
            team,
        })
    }
}
