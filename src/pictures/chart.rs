//! A member's days as a picture: one bar per day, stacked by series (the
//! exercises, in points, which share one unit), with a mark under each day
//! on which every goal was met.

use super::canvas::{Align, Canvas, Rgb};
use super::{alt_text, heading, palette, Picture, PictureError, PAD};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 420;
/// The plot's area: left of it the axis labels, below it the day labels,
/// the goal marks and the legend.
const PLOT_LEFT: f32 = 72.0;
const PLOT_TOP: f32 = 92.0;
const PLOT_BOTTOM: f32 = 320.0;

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// "Ada: the last 4 weeks".
    pub title: String,
    /// "points per day, by exercise".
    pub subtitle: String,
    /// The names of the series, in the order of each day's values.
    pub series: Vec<String>,
    /// Oldest first.
    pub days: Vec<ChartDay>,
    /// The legend's words for a day on which every goal was met; `None`
    /// when the member has no goals (no marks are drawn).
    pub goal_legend: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartDay {
    /// Written under the day ("Mon 3"), for some days only.
    pub label: Option<String>,
    /// Its amount in each series.
    pub values: Vec<f64>,
    pub goals_met: bool,
}

impl Chart {
    pub fn draw(&self) -> Result<Picture, PictureError> {
        let mut canvas = Canvas::new(WIDTH, HEIGHT, palette::BACKGROUND)?;
        let right = WIDTH as f32 - PAD;
        heading(&mut canvas, WIDTH, &self.title, &self.subtitle)?;

        let top = nice_ceiling(
            self.days
                .iter()
                .map(|d| d.values.iter().filter(|v| **v > 0.0).sum::<f64>())
                .fold(0.0, f64::max),
        );
        let plot_height = PLOT_BOTTOM - PLOT_TOP;
        for step in 0..=2 {
            let value = top * f64::from(step) / 2.0;
            let y = PLOT_BOTTOM - plot_height * step as f32 / 2.0;
            canvas.rect(PLOT_LEFT, y, right - PLOT_LEFT, 1.0, palette::GRID);
            canvas.text(
                &figure(value),
                PLOT_LEFT - 8.0,
                y + 6.0,
                16.0,
                palette::MUTED,
                Align::Right,
                Some(PLOT_LEFT - PAD),
            )?;
        }

        let slot = (right - PLOT_LEFT) / self.days.len().max(1) as f32;
        let bar = (slot * 0.7).max(1.0);
        for (i, day) in self.days.iter().enumerate() {
            let x = PLOT_LEFT + slot * i as f32 + (slot - bar) / 2.0;
            let mut y = PLOT_BOTTOM;
            for (s, value) in day.values.iter().enumerate() {
                if *value <= 0.0 || top <= 0.0 {
                    continue;
                }
                let h = (plot_height as f64 * value / top) as f32;
                y -= h;
                canvas.rect(x, y, bar, h, series_colour(s));
            }
            if day.goals_met && self.goal_legend.is_some() {
                canvas.rect(x, PLOT_BOTTOM + 6.0, bar, 6.0, palette::MARK);
            }
            if let Some(label) = &day.label {
                canvas.text(
                    label,
                    x + bar / 2.0,
                    PLOT_BOTTOM + 32.0,
                    15.0,
                    palette::MUTED,
                    Align::Centre,
                    Some(slot * 6.0),
                )?;
            }
        }

        let mut x = PAD;
        let legend = HEIGHT as f32 - PAD - 10.0;
        let mut entries: Vec<(&str, Rgb)> = self
            .series
            .iter()
            .enumerate()
            .map(|(s, name)| (name.as_str(), series_colour(s)))
            .collect();
        if let Some(goal) = &self.goal_legend {
            entries.push((goal.as_str(), palette::MARK));
        }
        for (name, colour) in entries {
            if x > right - 60.0 {
                break;
            }
            canvas.rect(x, legend - 12.0, 14.0, 14.0, colour);
            let width = canvas.text(
                name,
                x + 20.0,
                legend,
                16.0,
                palette::TEXT,
                Align::Left,
                Some(right - x - 20.0),
            )?;
            x += 20.0 + width + 20.0;
        }

        Ok(Picture {
            png: canvas.png()?,
            width: WIDTH,
            height: HEIGHT,
            alt_text: alt_text(self.describe()),
        })
    }

    /// The chart in words: the totals per series and the busiest day.
    fn describe(&self) -> String {
        let mut text = format!("{}, {}.", self.title, self.subtitle);
        let totals: Vec<String> = self
            .series
            .iter()
            .enumerate()
            .map(|(s, name)| {
                let total: f64 = self
                    .days
                    .iter()
                    .filter_map(|d| d.values.get(s))
                    .filter(|v| **v > 0.0)
                    .sum();
                format!("{name} {}", figure(total))
            })
            .collect();
        if totals.is_empty() {
            text.push_str(" Nothing logged.");
        } else {
            text.push_str(&format!(" Totals: {}.", totals.join(", ")));
        }
        let active = self
            .days
            .iter()
            .filter(|d| d.values.iter().any(|v| *v > 0.0))
            .count();
        text.push_str(&format!(" Active on {active} of {} days.", self.days.len()));
        if self.goal_legend.is_some() {
            let met = self.days.iter().filter(|d| d.goals_met).count();
            text.push_str(&format!(" Every goal met on {met} days."));
        }
        text
    }
}

fn series_colour(index: usize) -> Rgb {
    palette::SERIES
        .get(index % palette::SERIES.len())
        .copied()
        .unwrap_or(palette::BAR)
}

/// The axis top: `max` rounded up to 1, 2 or 5 times a power of ten.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 0.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

/// A figure as the axis and the description write it: whole numbers
/// without decimals.
fn figure(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_top_is_a_round_figure_at_or_above_the_highest_day() {
        assert_eq!(nice_ceiling(0.0), 0.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(10.0), 10.0);
        assert_eq!(nice_ceiling(11.0), 20.0);
        assert_eq!(nice_ceiling(240.0), 500.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
    }
}
