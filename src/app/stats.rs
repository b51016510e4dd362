//! `/stats`: a member's totals, points, streaks and today's progress.

use std::collections::BTreeMap;

use crate::domain::exercise::ExerciseKey;
use crate::domain::leaderboard::{Period, Range};
use crate::domain::streak::Streak;
use crate::domain::{GuildId, UserId};

use super::goals::Standing;
use super::{App, AppError, UserError};

/// One exercise's sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseTotal {
    pub key: ExerciseKey,
    /// The catalog's name, or the key of an exercise no longer in it.
    pub name: String,
    pub unit: Option<crate::domain::exercise::Unit>,
    pub amount: i64,
    pub points: i64,
}

/// What `/stats` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub user: UserId,
    pub name: Option<String>,
    pub period: Period,
    pub range: Range,
    pub totals: Vec<ExerciseTotal>,
    pub points: i64,
    pub streak: Streak,
    /// Today's sums, in the member's zone.
    pub today: Vec<ExerciseTotal>,
    /// Freezes held and used, goal progress, a running vacation.
    pub standing: Standing,
    /// How many of the period's check-ins a moderator logged for them.
    pub by_moderator: u32,
}

impl App {
    /// The member's statistics in the server for `period`, as `viewer`
    /// asks for them: a member who opted out of leaderboards keeps their
    /// statistics to themselves too.
    pub async fn stats(
        &self,
        guild: GuildId,
        viewer: UserId,
        user: UserId,
        period: Period,
    ) -> Result<Stats, AppError> {
        let now = self.clock.now();
        let settings = self.store.server_settings(guild).await?;
        let prefs = self.store.member_prefs(guild, user).await?;
        if viewer != user && prefs.leaderboard_opt_out {
            return Err(UserError::PrivateStats.into());
        }
        let server_zone = settings.timezone.unwrap_or(self.default_zone);
        let range = period.range(now, server_zone, settings.week_start);
        // Day sums (one row per day and exercise, however many check-ins
        // they sum), vacations and goals: one read.
        let history = self.store.member_history(guild, user).await?;
        let today = now
            .with_timezone(&prefs.timezone.unwrap_or(server_zone))
            .date_naive();
        // Days retention kept of older check-ins count like the check-ins.
        let in_period = self
            .store
            .member_exercise_totals(guild, user, range.from, range.to)
            .await?;
        let totals =
            self.sum_by_exercise(in_period.iter().map(|t| (&t.exercise, t.amount, t.points)));
        let points = in_period.iter().map(|t| t.points).sum::<i64>();
        let by_moderator = in_period.iter().map(|t| t.by_moderator).sum::<i64>();
        let standing = self.standing(&settings, &prefs, &history, now);
        let streak = Streak {
            current: standing.streak.current,
            best: standing.streak.best,
        };
        let today_totals = self.sum_by_exercise(
            history
                .days
                .iter()
                .filter(|d| d.local_date == today)
                .map(|d| (&d.exercise, d.amount, d.points)),
        );
        Ok(Stats {
            user,
            name: prefs.display_name,
            period,
            range,
            totals,
            points,
            streak,
            today: today_totals,
            standing,
            by_moderator: u32::try_from(by_moderator).unwrap_or(u32::MAX),
        })
    }

    /// Sums per exercise, in catalog order (exercises no longer in the
    /// catalog last).
    fn sum_by_exercise<'a>(
        &self,
        checkins: impl Iterator<Item = (&'a ExerciseKey, i64, i64)>,
    ) -> Vec<ExerciseTotal> {
        let mut sums = BTreeMap::<ExerciseKey, (i64, i64)>::new();
        for (exercise, amount, points) in checkins {
            let sum = sums.entry(exercise.clone()).or_default();
            sum.0 += amount;
            sum.1 += points;
        }
        let position = |key: &ExerciseKey| {
            self.catalog
                .iter()
                .position(|e| &e.key == key)
                .unwrap_or(usize::MAX)
        };
        let mut totals: Vec<ExerciseTotal> = sums
            .into_iter()
            .map(|(key, (amount, points))| {
                let exercise = self.catalog.get(key.as_str());
                ExerciseTotal {
                    name: exercise.map_or_else(|| key.to_string(), |e| e.name.clone()),
                    unit: exercise.map(|e| e.unit),
                    key,
                    amount,
                    points,
                }
            })
            .collect();
        totals.sort_by_key(|t| position(&t.key));
        totals
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::app::test_support::{app_at, checkin_request};

    #[tokio::test]
    async fn totals_streaks_and_today_in_the_members_zone() {
        // Monday 2027-05-03, 22:30 UTC.
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 22, 30, 0).unwrap()).await;
        for (day, interaction) in [(0, 1), (1, 2), (2, 3)] {
            if day > 0 {
                clock.advance(Duration::days(1));
            }
            app.record_checkin(checkin_request(interaction, 7, "walk", 10))
                .await
                .unwrap();
        }
        app.record_checkin(checkin_request(4, 7, "calf-raises", 20))
            .await
            .unwrap();
        let stats = app
            .stats(GuildId(1), UserId(7), UserId(7), Period::ThisWeek)
            .await
            .unwrap();
        assert_eq!(stats.name.as_deref(), Some("member 7"));
        assert_eq!(
            stats.streak,
            Streak {
                current: 3,
                best: 3
            }
        );
        assert_eq!(stats.points, 30 + 10);
        let totals: Vec<_> = stats
            .totals
            .iter()
            .map(|t| (t.key.as_str(), t.amount, t.points))
            .collect();
        assert_eq!(totals, [("calf-raises", 20, 10), ("walk", 30, 30)]);
        let today: Vec<_> = stats
            .today
            .iter()
            .map(|t| (t.key.as_str(), t.amount))
            .collect();
        assert_eq!(today, [("calf-raises", 20), ("walk", 10)]);
        // Today is the member's own date: in Kolkata it is already Thursday,
        // so nothing yet today; the streak still holds.
        app.set_member_zone(GuildId(1), UserId(7), Some("Asia/Kolkata"))
            .await
            .unwrap();
        let stats = app
            .stats(GuildId(1), UserId(7), UserId(7), Period::Today)
            .await
            .unwrap();
        assert!(stats.today.is_empty(), "{:?}", stats.today);
        assert_eq!(stats.streak.current, 3);
        assert!(app
            .set_member_zone(GuildId(1), UserId(7), Some("Mars/Olympus"))
            .await
            .is_err());
    }
}
