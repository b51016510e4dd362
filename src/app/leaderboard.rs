//! `/leaderboard`: a server's ranking for a period and metric.

use std::collections::{HashMap, HashSet};

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
        let exercise = self.board_exercise(metric, exercise)?;
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
        let shown: Vec<_> = ranked
            .iter()
            .take(TOP)
            .chain(ranked.iter().skip(TOP).find(|r| r.entry.user == viewer))
            .collect();
        let users: Vec<UserId> = shown.iter().map(|r| r.entry.user).collect();
        let names: HashMap<UserId, String> = self
            .store
            .display_names(guild, &users)
            .await?
            .into_iter()
            .collect();
        let mut rows: Vec<BoardRow> = shown
            .into_iter()
            .map(|r| BoardRow {
                rank: r.rank,
                user: r.entry.user,
                name: names.get(&r.entry.user).cloned(),
                score: r.entry.score,
            })
            .collect();
        let viewer_row = (rows.len() > TOP).then(|| rows.remove(TOP));
        Ok(Board {
            period,
            metric,
            exercise,
            top: rows,
            viewer: viewer_row,
            ranked: ranked.len(),
        })
    }

    /// The exercise a board is limited to, checked against the catalog and
    /// the metric. Cheap, so the command checks it before answering
    /// "thinking…": a mistake gets its private answer at once.
    pub fn board_exercise(
        &self,
        metric: Metric,
        exercise: Option<&str>,
    ) -> Result<Option<Exercise>, UserError> {
        let exercise = match exercise.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(key) => Some(self.catalog_exercise(key)?.clone()),
        };
        if metric == Metric::Amount && exercise.is_none() {
            return Err(UserError::AmountNeedsExercise);
        }
        Ok(exercise)
    }

    /// Prompts answered per prompt posted, counted from each member's first
    /// check-in in the server.
    async fn consistency_entries(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Entry>, AppError> {
        // Two queries whatever the number of members: their answers, and
        // the prompts posted, counted here from each one's first check-in.
        let members = self.store.members_consistency(guild, from, to).await?;
        let posted = self.store.posted_prompt_times(guild, from, to).await?;
        let mut entries = Vec::new();
        for member in members {
            let start = from.max(member.first);
            let before = posted.partition_point(|due| *due < start);
            let posted = u32::try_from(posted.len() - before).unwrap_or(u32::MAX);
            if let Some(score) = Score::consistency(member.answered, posted) {
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
