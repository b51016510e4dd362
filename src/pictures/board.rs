//! The leaderboard as a picture: rank, name, a bar and the figure per row,
//! the member's own place below when outside the rows, and the team goal.

use super::canvas::{Align, Canvas};
use super::{alt_text, heading, palette, Picture, PictureError, PAD};

const WIDTH: u32 = 800;
const ROW: f32 = 44.0;
const NAME_X: f32 = 84.0;
const NAME_WIDTH: f32 = 250.0;
const BAR_X: f32 = 350.0;
const BAR_WIDTH: f32 = 300.0;
/// The most rows drawn: a board shows the top ten.
const MAX_ROWS: usize = 25;

/// What the board shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// "Leaderboard: this week".
    pub title: String,
    /// "by points".
    pub subtitle: String,
    pub rows: Vec<BoardRow>,
    /// The member's own place, when it is not among `rows`.
    pub own: Option<BoardRow>,
    pub team_goal: Option<GoalBar>,
    /// Shown instead of rows when there are none.
    pub empty: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub rank: u32,
    pub name: String,
    /// The bar's length, relative to the other rows' values.
    pub value: f64,
    /// The figure as the text shows it ("1,240", "86%").
    pub figure: String,
    /// The member who asked: the row is set apart.
    pub own: bool,
}

/// Progress towards a target, drawn as a bar under its label.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalBar {
    /// "Team goal: 340 of 500 points this week".
    pub label: String,
    pub done: f64,
    pub target: f64,
}

impl Board {
    /// Draws the first [`MAX_ROWS`] rows.
    pub fn draw(&self) -> Result<Picture, PictureError> {
        let shown = self.rows.get(..MAX_ROWS).unwrap_or(&self.rows);
        let own_rows = usize::from(self.own.is_some());
        let rows = shown.len().max(1) + own_rows;
        let height = PAD
            + 80.0
            + ROW * rows as f32
            + if own_rows > 0 { 12.0 } else { 0.0 }
            + if self.team_goal.is_some() { 72.0 } else { 0.0 }
            + PAD;
        let height = height.ceil() as u32;
        let mut canvas = Canvas::new(WIDTH, height, palette::BACKGROUND)?;
        let right = WIDTH as f32 - PAD;
        heading(&mut canvas, WIDTH, &self.title, &self.subtitle)?;
        let mut y = PAD + 80.0;
        if shown.is_empty() {
            canvas.text(
                &self.empty,
                PAD,
                y + 28.0,
                20.0,
                palette::MUTED,
                Align::Left,
                Some(right - PAD),
            )?;
            y += ROW;
        }
        let max = shown
            .iter()
            .chain(&self.own)
            .map(|r| r.value)
            .fold(0.0, f64::max);
        for row in shown {
            draw_row(&mut canvas, row, y, max)?;
            y += ROW;
        }
        if let Some(own) = &self.own {
            canvas.rect(PAD, y + 5.0, right - PAD, 2.0, palette::GRID);
            y += 12.0;
            draw_row(&mut canvas, own, y, max)?;
            y += ROW;
        }
        if let Some(goal) = &self.team_goal {
            y += 16.0;
            canvas.text(
                &goal.label,
                PAD,
                y + 20.0,
                18.0,
                palette::TEXT,
                Align::Left,
                Some(right - PAD),
            )?;
            let share = if goal.target > 0.0 {
                (goal.done / goal.target).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let track = right - PAD;
            canvas.rect(PAD, y + 32.0, track, 16.0, palette::TRACK);
            let colour = if share >= 1.0 {
                palette::GOAL_MET
            } else {
                palette::BAR
            };
            canvas.rect(PAD, y + 32.0, track * share as f32, 16.0, colour);
        }
        Ok(Picture {
            png: canvas.png()?,
            width: WIDTH,
            height,
            alt_text: alt_text(self.describe()),
        })
    }

    /// The board in words.
    fn describe(&self) -> String {
        let mut text = format!("{}, {}.", self.title, self.subtitle);
        if self.rows.is_empty() {
            text.push(' ');
            text.push_str(&self.empty);
        }
        for row in &self.rows {
            text.push_str(&format!(" {}. {}: {}.", row.rank, row.name, row.figure));
        }
        if let Some(own) = &self.own {
            text.push_str(&format!(
                " Your place: {}. {}: {}.",
                own.rank, own.name, own.figure
            ));
        }
        if let Some(goal) = &self.team_goal {
            text.push_str(&format!(" {}.", goal.label));
        }
        text
    }
}

fn draw_row(canvas: &mut Canvas, row: &BoardRow, y: f32, max: f64) -> Result<(), PictureError> {
    let right = WIDTH as f32 - PAD;
    if row.own {
        canvas.rect(
            PAD - 8.0,
            y + 2.0,
            right - PAD + 16.0,
            ROW - 4.0,
            palette::HIGHLIGHT,
        );
    }
    let baseline = y + 29.0;
    canvas.text(
        &format!("#{}", row.rank),
        PAD,
        baseline,
        20.0,
        palette::MUTED,
        Align::Left,
        Some(NAME_X - PAD - 4.0),
    )?;
    canvas.text(
        &row.name,
        NAME_X,
        baseline,
        20.0,
        palette::TEXT,
        Align::Left,
        Some(NAME_WIDTH),
    )?;
    canvas.rect(BAR_X, y + 14.0, BAR_WIDTH, 16.0, palette::TRACK);
    let share = if max > 0.0 {
        (row.value / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    canvas.rect(
        BAR_X,
        y + 14.0,
        BAR_WIDTH * share as f32,
        16.0,
        palette::BAR,
    );
    canvas.text(
        &row.figure,
        right,
        baseline,
        20.0,
        palette::TEXT,
        Align::Right,
        Some(right - BAR_X - BAR_WIDTH - 8.0),
    )?;
    Ok(())
}
