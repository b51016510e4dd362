//! A picture being drawn: filled rectangles and lines of text on an opaque
//! background, encoded as PNG at the end.

use tiny_skia::{Color, Paint, Pixmap, PremultipliedColorU8, Rect, Transform};

use super::text::{self, Line};
use super::PictureError;

/// An opaque colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn color(self) -> Color {
        Color::from_rgba8(self.0, self.1, self.2, 255)
    }
}

/// Where a line of text sits relative to its `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Centre,
}

pub struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    pub fn new(width: u32, height: u32, background: Rgb) -> Result<Self, PictureError> {
        let mut pixmap = Pixmap::new(width, height).ok_or(PictureError::Size { width, height })?;
        pixmap.fill(background.color());
        Ok(Self { pixmap })
    }

    /// Fills a rectangle; one of zero or negative size draws nothing.
    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Rgb) {
        let Some(rect) = Rect::from_xywh(x, y, width, height) else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(colour.color());
        paint.anti_alias = false;
        self.pixmap
            .fill_rect(rect, &paint, Transform::identity(), None);
    }

    /// Draws one line of text with its baseline at `baseline`, cut short
    /// with an ellipsis past `max_width`; returns its width.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        text: &str,
        x: f32,
        baseline: f32,
        size: f32,
        colour: Rgb,
        align: Align,
        max_width: Option<f32>,
    ) -> Result<f32, PictureError> {
        let font = text::font()?;
        let line = Line::new(font, text, size, max_width);
        let left = match align {
            Align::Left => x,
            Align::Right => x - line.width,
            Align::Centre => x - line.width / 2.0,
        };
        let (width, height) = (
            i64::from(self.pixmap.width()),
            i64::from(self.pixmap.height()),
        );
        let pixels = self.pixmap.pixels_mut();
        line.draw(font, left, baseline, |px, py, coverage| {
            if px < 0 || py < 0 || px >= width || py >= height {
                return;
            }
            let index = usize::try_from(py * width + px).unwrap_or(usize::MAX);
            if let Some(pixel) = pixels.get_mut(index) {
                *pixel = blend(*pixel, colour, coverage);
            }
        });
        Ok(line.width)
    }

    pub fn png(&self) -> Result<Vec<u8>, PictureError> {
        self.pixmap
            .encode_png()
            .map_err(|e| PictureError::Encode(e.to_string()))
    }
}

/// `colour` over an opaque pixel, at `coverage` (0 to 1).
fn blend(under: PremultipliedColorU8, colour: Rgb, coverage: f32) -> PremultipliedColorU8 {
    let a = coverage.clamp(0.0, 1.0);
    let mix = |over: u8, under: u8| -> u8 {
        (f32::from(over) * a + f32::from(under) * (1.0 - a)).round() as u8
    };
    PremultipliedColorU8::from_rgba(
        mix(colour.0, under.red()),
        mix(colour.1, under.green()),
        mix(colour.2, under.blue()),
        255,
    )
    .unwrap_or(under)
}
