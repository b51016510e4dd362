//! The pictures replies carry: drawn off the async threads, a few at a time,
//! and the figures of the `/stats` chart.
//!
//! Drawing is CPU-bound (tens of milliseconds a picture), so it runs on
//! tokio's blocking threads, never on the threads that answer check-ins; a
//! semaphore lets only [`RENDER_PERMITS`] draw at once, so a burst of
//! `/leaderboard` waits its turn instead of taking every core.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Days, NaiveDate};
use tokio::sync::Semaphore;

use crate::domain::exercise::ExerciseKey;
use crate::domain::goals::{day_goal_days, progress};
use crate::domain::text;
use crate::domain::GuildId;
use crate::pictures::{Chart, ChartDay, Picture, PictureError};

use super::goals::working_days;
use super::stats::Stats;
use super::{App, AppError};

/// How many pictures are drawn at once.
pub const RENDER_PERMITS: usize = 2;
/// The days the `/stats` chart shows, today last.
pub const CHART_DAYS: u64 = 28;
/// A week's strength goal counts the week's days before the chart's first.
const WEEK_BEFORE: u64 = 6;

/// Draws pictures on the blocking threads, a few at a time.
#[derive(Debug)]
pub struct Renderer {
    permits: Arc<Semaphore>,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new(RENDER_PERMITS)
    }
}

impl Renderer {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    /// Runs `draw` on a blocking thread once a permit is free. The permit
    /// goes with the drawing: a caller that stops waiting does not free it
    /// before the drawing ends.
    pub async fn draw<F>(&self, draw: F) -> Result<Picture, AppError>
    where
        F: FnOnce() -> Result<Picture, PictureError> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("the renderer is closed: {e}")))?;
        let started = Instant::now();
        let picture = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            draw()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("drawing a picture stopped: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot draw a picture: {e}")))?;
        metrics::histogram!("secondheart_picture_render_seconds")
            .record(started.elapsed().as_secs_f64());
        Ok(picture)
    }
}

impl App {
    /// The chart `/stats` attaches: the member's last [`CHART_DAYS`] days up
    /// to their today, points stacked by exercise, and the days every goal
    /// was on track marked (when the member has goals).
    pub async fn stats_chart(&self, guild: GuildId, stats: &Stats) -> Result<Chart, AppError> {
        let last = stats.standing.today;
        let first = last - Days::new(CHART_DAYS - 1);
        let sums = self
            .store
            .member_days_between(guild, stats.user, first - Days::new(WEEK_BEFORE), last)
            .await?;
        let settings = self.store.server_settings(guild).await?;
        let server_targets = self.server_targets(guild).await?;
        let targets = self
            .store
            .member_goals(guild, stats.user)
            .await?
            .targets(server_targets);

        // The exercises with points in the chart's days, in catalog order.
        let shown: BTreeSet<&ExerciseKey> = sums
            .iter()
            .filter(|s| s.local_date >= first && s.points > 0)
            .map(|s| &s.exercise)
            .collect();
        let mut series: Vec<&ExerciseKey> = shown.into_iter().collect();
        series.sort_by_key(|key| {
            self.catalog
                .iter()
                .position(|e| &e.key == *key)
                .unwrap_or(usize::MAX)
        });
        let goal_days = day_goal_days(
            sums.iter()
                .map(|s| (s.local_date, s.exercise.as_str(), s.amount, s.checkins)),
        );
        let working = working_days(&settings);
        let days = first
            .iter_days()
            .take_while(|date| *date <= last)
            .map(|date| ChartDay {
                label: (date.signed_duration_since(first).num_days() % 7 == 0)
                    .then(|| day_label(date)),
                values: series
                    .iter()
                    .map(|key| {
                        sums.iter()
                            .filter(|s| s.local_date == date && &&s.exercise == key)
                            .map(|s| s.points as f64)
                            .sum()
                    })
                    .collect(),
                goals_met: targets.is_some_and(|t| {
                    progress(&goal_days, t, date, settings.week_start, working).on_track
                }),
            })
            .collect();
        let name = stats
            .name
            .as_deref()
            .map(text::readable)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "A member".to_owned());
        Ok(Chart {
            title: format!("{name}: the last 4 weeks"),
            subtitle: "points per day, by exercise".to_owned(),
            series: series
                .into_iter()
                .map(|key| {
                    self.catalog
                        .get(key.as_str())
                        .map_or_else(|| key.to_string(), |e| e.name.clone())
                })
                .collect(),
            days,
            goal_legend: targets.map(|_| "every goal met".to_owned()),
        })
    }
}

/// "Mon 3".
fn day_label(date: NaiveDate) -> String {
    format!("{} {}", date.format("%a"), date.day())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::app::test_support::{app_at, checkin_request};
    use crate::domain::leaderboard::Period;
    use crate::domain::UserId;

    #[tokio::test]
    async fn the_chart_shows_four_weeks_of_points_by_exercise_and_the_days_goals_were_met() {
        // Monday 2027-05-03, 09:00 UTC.
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
        // Every goal of the defaults on the first day: 30 minutes' walk, calf
        // raises (strength), 8 sets of heel raises, 6 glasses.
        let mut interaction = 0;
        let mut check_in = |exercise: &'static str, amount: i64| {
            interaction += 1;
            checkin_request(interaction, 7, exercise, amount)
        };
        let mut monday = vec![("walk", 30), ("calf-raises", 20), ("water", 6)];
        monday.extend([("heel-raises", 30); 8]);
        for (exercise, amount) in monday {
            app.record_checkin(check_in(exercise, amount))
                .await
                .unwrap();
        }
        clock.advance(Duration::days(2));
        app.record_checkin(check_in("walk", 10)).await.unwrap();
        // Older than four weeks: not drawn.
        clock.set(Utc.with_ymd_and_hms(2027, 4, 1, 9, 0, 0).unwrap());
        app.record_checkin(check_in("walk", 50)).await.unwrap();
        clock.set(Utc.with_ymd_and_hms(2027, 5, 5, 12, 0, 0).unwrap());

        let stats = app
            .stats(GuildId(1), UserId(7), UserId(7), Period::ThisWeek)
            .await
            .unwrap();
        let chart = app.stats_chart(GuildId(1), &stats).await.unwrap();
        assert_eq!(chart.title, "member 7: the last 4 weeks");
        assert_eq!(chart.days.len(), 28);
        assert_eq!(chart.series.len(), 4, "{:?}", chart.series);
        let today = chart.days.last().unwrap();
        let monday = &chart.days[25];
        assert_eq!(
            today.values.iter().sum::<f64>(),
            10.0,
            "today's 10 minutes' walk"
        );
        assert!(monday.goals_met, "every goal on Monday");
        assert!(!today.goals_met);
        assert_eq!(
            chart.days.iter().filter(|d| d.goals_met).count(),
            1,
            "{chart:?}"
        );
        assert_eq!(
            chart.days.iter().filter_map(|d| d.label.clone()).next(),
            Some("Thu 8".to_owned()),
            "the first day, 2027-04-08"
        );
        let points: f64 = chart.days.iter().flat_map(|d| &d.values).sum();
        assert_eq!(points, stats_points_since(&app, 8).await);
        let picture = chart.draw().unwrap();
        assert_eq!((picture.width, picture.height), (800, 420));
    }

    /// The member's points since 2027-04-08, by the week boards' sums.
    async fn stats_points_since(app: &App, april_day: u32) -> f64 {
        let from = Utc.with_ymd_and_hms(2027, 4, april_day, 0, 0, 0).unwrap();
        app.raw_store()
            .member_totals(GuildId(1), from, from + Duration::days(365), None)
            .await
            .unwrap()
            .iter()
            .map(|t| t.points as f64)
            .sum()
    }
}
