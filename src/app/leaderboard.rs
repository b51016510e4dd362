//! `/leaderboard`: a server's ranking for a period and metric.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::exercise::Exercise;
use crate::domain::leaderboard::{rank, Entry, Metric, Period, Score};
use crate::domain::{GuildId, UserId};

use super::{App, AppError, UserError};

/// How many places a board shows.
pub const TOP: usize = 10;

/// One shown place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub rank: u32,
    pub user: UserId,
    /// As last seen by the bot; `None` if it never saw one.
    pub name: Option<String>,
    pub score: Score,
}

/// A computed leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub period: Period,
    pub metric: Metric,
    pub exercise: Option<Exercise>,
    pub top: Vec<BoardRow>,
    /// The viewer's own place when it is outside the top.
    pub viewer: Option<BoardRow>,
    /// How many members are ranked in all.
    pub ranked: usize,
}

impl App {
    /// Ranks the server's members; opted-out members take no place.
    pub async fn leaderboard(
        &self,
        guild: GuildId,
        viewer: UserId,
        period: Period,
        metric: Metric,
        exercise: Option<&str>,
    ) -> Result<Board, AppError> {
        let now = self.clock.now();
        let settings = self.store.server_settings(guild).await?;
        let zone = settings.timezone.unwrap_or(self.default_zone);
        let range = period.range(now, zone, settings.week_start);
        let exercise = match exercise.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(key) => Some(self.catalog.get(key).cloned().ok_or_else(|| {
                UserError::UnknownExercise {
                    key: key.to_owned(),
                    choices: self
                        .catalog
                        .iter()
                        .map(|e| e.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?),
        };
        if metric == Metric::Amount && exercise.is_none() {
            return Err(UserError::AmountNeedsExercise.into());
        }
        let key = exercise.as_ref().map(|e| &e.key);
        let entries: Vec<Entry> = match metric {
            Metric::Points | Metric::Amount => self
                .store
                .member_totals(guild, range.from, range.to, key)
                .await?
                .into_iter()
                .map(|t| Entry {
                    user: t.user,
                    score: Score::Total(if metric == Metric::Points {
                        t.points
                    } else {
                        t.amount
                    }),
                    reached_at: t.reached_at,
                })
                .collect(),
            Metric::Consistency => {
                self.consistency_entries(guild, range.from, range.to)
                    .await?
            }
        };
        let opted_out: HashSet<UserId> = self
            .store
            .opted_out_members(guild)
            .await?
            .into_iter()
            .collect();
        let ranked = rank(entries, &opted_out);
        let mut rows = Vec::new();
        for r in ranked.iter().take(TOP) {
            rows.push(self.row(guild, r.rank, r.entry.user, r.entry.score).await?);
        }
        let viewer_row = match ranked.iter().skip(TOP).find(|r| r.entry.user == viewer) {
            Some(r) => Some(self.row(guild, r.rank, r.entry.user, r.entry.score).await?),
            None => None,
        };
        Ok(Board {
            period,
            metric,
            exercise,
            top: rows,
            viewer: viewer_row,
            ranked: ranked.len(),
        })
    }

    async fn row(
        &self,
        guild: GuildId,
        rank: u32,
        user: UserId,
        score: Score,
    ) -> Result<BoardRow, AppError> {
        let name = self.store.member_prefs(guild, user).await?.display_name;
        Ok(BoardRow {
            rank,
            user,
            name,
            score,
        })
    }

    /// Prompts answered per prompt posted, counted from each member's first
    /// check-in in the server.
    async fn consistency_entries(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Entry>, AppError> {
        let members = self
            .store
            .member_totals(guild, DateTime::<Utc>::MIN_UTC, to, None)
            .await?;
        let mut entries = Vec::new();
        for member in members {
            let Some(first) = self.store.first_checkin_at(guild, member.user).await? else {
                continue;
            };
            let start = from.max(first);
            let posted = self.store.count_posted(guild, start, to).await?;
            let answered = self
                .store
                .prompts_done(guild, member.user, start, to)
                .await?;
            if let Some(score) = Score::consistency(answered, posted) {
                entries.push(Entry {
                    user: member.user,
                    score,
                    reached_at: member.reached_at,
                });
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::app::test_support::{app_at, checkin_request};

    #[tokio::test]
    async fn ties_share_ranks_and_opted_out_members_take_no_place() {
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
        // 1 and 2 tie on 50 points; 1 got there first. 3 opted out with 100.
        for (i, (user, amount)) in [(1, 50), (2, 50), (3, 100), (4, 30)]
            .into_iter()
            .enumerate()
        {
            clock.advance(Duration::minutes(1));
            app.record_checkin(checkin_request(i as u64 + 1, user, "walk", amount))
                .await
                .unwrap();
        }
        app.set_leaderboard_privacy(GuildId(1), UserId(3), true)
            .await
            .unwrap();
        let board = app
            .leaderboard(GuildId(1), UserId(4), Period::Today, Metric::Points, None)
            .await
            .unwrap();
        let places: Vec<_> = board
            .top
            .iter()
            .map(|r| (r.rank, r.user.0, r.name.clone().unwrap()))
            .collect();
        assert_eq!(
            places,
            [
                (1, 1, "member 1".to_owned()),
                (1, 2, "member 2".to_owned()),
                (3, 4, "member 4".to_owned())
            ]
        );
        assert_eq!(board.ranked, 3);
        assert_eq!(board.viewer, None);

        let err = app
            .leaderboard(GuildId(1), UserId(4), Period::Today, Metric::Amount, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Ranking by amount needs an exercise: add the `exercise` option."
        );
        let water = app
            .leaderboard(
                GuildId(1),
                UserId(4),
                Period::Today,
                Metric::Amount,
                Some("water"),
            )
            .await
            .unwrap();
        assert!(water.top.is_empty());
        // Another server sees none of it.
        let other = app
            .leaderboard(GuildId(2), UserId(4), Period::AllTime, Metric::Points, None)
            .await
            .unwrap();
        assert!(other.top.is_empty());
    }

    #[tokio::test]
    async fn the_viewer_outside_the_top_ten_sees_their_own_place() {
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
        for user in 1..=12u64 {
            clock.advance(Duration::minutes(1));
            app.record_checkin(checkin_request(user, user, "walk", 100 - user as i64))
                .await
                .unwrap();
        }
        let board = app
            .leaderboard(
                GuildId(1),
                UserId(12),
                Period::ThisWeek,
                Metric::Points,
                None,
            )
            .await
            .unwrap();
        assert_eq!(board.top.len(), TOP);
        assert_eq!(
            board.viewer.as_ref().map(|r| (r.rank, r.user)),
            Some((12, UserId(12)))
        );
        let board = app
            .leaderboard(
                GuildId(1),
                UserId(3),
                Period::ThisWeek,
                Metric::Points,
                None,
            )
            .await
            .unwrap();
        assert_eq!(board.viewer, None, "already in the top ten");
    }
}
