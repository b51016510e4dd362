//! The pictures the bot attaches: a leaderboard and a member's last four
//! weeks, as PNG. Pure drawing from plain figures (no Discord, no store),
//! CPU-bound: callers run it off the async threads.
//!
//! The colours are for Discord's dark theme: light text on a dark
//! background, bars in colours that stay apart for the common kinds of
//! colour blindness (after Okabe and Ito), each with a contrast of at least
//! 3:1 against the background; text at least 4.5:1.

mod board;
mod canvas;
mod chart;
pub mod text;

pub use board::{Board, BoardRow, GoalBar};
pub use chart::{Chart, ChartDay};

/// A drawn picture.
#[derive(Debug, Clone)]
pub struct Picture {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// What it shows, in words: the attachment's description, for screen
    /// readers (Discord allows 1,024 characters).
    pub alt_text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("the bundled font cannot be read")]
    Font,
    #[error("a picture of {width}×{height} pixels cannot be made")]
    Size { width: u32, height: u32 },
    #[error("the picture cannot be encoded as PNG: {0}")]
    Encode(String),
}

/// The margin around a picture's content.
const PAD: f32 = 24.0;

/// A picture's title and, under it, its subtitle.
fn heading(
    canvas: &mut canvas::Canvas,
    width: u32,
    title: &str,
    subtitle: &str,
) -> Result<(), PictureError> {
    let room = Some(width as f32 - 2.0 * PAD);
    let left = canvas::Align::Left;
    canvas.text(title, PAD, PAD + 28.0, 28.0, palette::TEXT, left, room)?;
    canvas.text(subtitle, PAD, PAD + 58.0, 18.0, palette::MUTED, left, room)?;
    Ok(())
}

/// Discord's limit on an attachment's description.
const MAX_ALT_TEXT: usize = 1024;

/// `text` cut to Discord's limit on a description, at a character
/// boundary.
fn alt_text(text: String) -> String {
    if text.chars().count() <= MAX_ALT_TEXT {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_ALT_TEXT - 1).collect();
    cut.push('…');
    cut
}

mod palette {
    use super::canvas::Rgb;

    /// Discord's dark theme background.
    pub const BACKGROUND: Rgb = Rgb(0x2b, 0x2d, 0x31);
    /// A row set apart: the member's own.
    pub const HIGHLIGHT: Rgb = Rgb(0x3a, 0x3d, 0x44);
    /// The empty part of a bar.
    pub const TRACK: Rgb = Rgb(0x40, 0x44, 0x4b);
    pub const TEXT: Rgb = Rgb(0xf2, 0xf3, 0xf5);
    pub const MUTED: Rgb = Rgb(0xb5, 0xba, 0xc1);
    /// Grid lines of the chart.
    pub const GRID: Rgb = Rgb(0x4e, 0x50, 0x58);
    /// Bars of the board and of a goal.
    pub const BAR: Rgb = Rgb(0x56, 0xb4, 0xe9);
    pub const GOAL_MET: Rgb = Rgb(0x3b, 0xd1, 0x8f);
    /// The chart's mark of a day with every goal met: apart from every
    /// series colour.
    pub const MARK: Rgb = Rgb(0xf2, 0xf3, 0xf5);
    /// The chart's series, in order; more series reuse them.
    pub const SERIES: [Rgb; 7] = [
        Rgb(0x56, 0xb4, 0xe9),
        Rgb(0xe6, 0x9f, 0x00),
        Rgb(0x00, 0x9e, 0x73),
        Rgb(0xf0, 0xe4, 0x42),
        Rgb(0xcc, 0x79, 0xa7),
        Rgb(0xd5, 0x5e, 0x00),
        Rgb(0x9a, 0xa0, 0xff),
    ];
}

#[cfg(test)]
mod tests;
