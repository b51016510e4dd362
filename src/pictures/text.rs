//! Text in the pictures: one bundled font, DejaVu Sans (Latin, Greek,
//! Cyrillic and many symbols; its licence is beside it in
//! `assets/fonts/`), and a readable stand-in for every character it has no
//! glyph for, so that no name is drawn as empty boxes.
//!
//! A character the font lacks is replaced by its name or transliteration
//! from `deunicode`: an emoji by its name between colons (`:runner:`), a
//! letter of another script by its Latin reading (`中` reads `Zhong`).
//! Joiners and variation selectors, which only shape emoji, are left out;
//! anything else without a stand-in becomes `?`.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};

use super::PictureError;

static FONT_FILE: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// What a character with no glyph and no stand-in becomes.
const UNKNOWN: &str = "?";
/// Ends a text cut short to fit.
const ELLIPSIS: char = '…';

/// The bundled font, parsed once.
pub fn font() -> Result<&'static FontRef<'static>, PictureError> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_FILE).ok())
        .as_ref()
        .ok_or(PictureError::Font)
}

/// How one character of a text is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The font's own glyph.
    Glyph(char),
    /// A stand-in, drawn with the font's glyphs (all of which it has).
    Replaced(char, String),
    /// Left out: it only shapes the characters around it.
    Dropped(char),
}

/// What every character of `text` is drawn as.
pub fn plan(font: &FontRef<'_>, text: &str) -> Vec<Shown> {
    text.chars().map(|c| shown(font, c)).collect()
}

fn shown(font: &FontRef<'_>, c: char) -> Shown {
    if is_shaping(c) || c.is_control() {
        return Shown::Dropped(c);
    }
    if font.glyph_id(c) != GlyphId(0) {
        return Shown::Glyph(c);
    }
    let reading = deunicode::deunicode_char(c)
        .map(str::trim)
        .filter(|r| !r.is_empty() && r.chars().all(|r| font.glyph_id(r) != GlyphId(0)));
    let stand_in = match reading {
        Some(reading) if c.is_alphabetic() => reading.to_owned(),
        Some(reading) => format!(":{}:", reading.trim_matches(':')),
        None => UNKNOWN.to_owned(),
    };
    Shown::Replaced(c, stand_in)
}

/// Zero-width joiners, variation selectors and skin-tone modifiers: parts
/// of an emoji sequence with no meaning alone.
fn is_shaping(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// The characters actually drawn for `text`, every one with a glyph.
pub fn drawn(font: &FontRef<'_>, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut read_before = false;
    for piece in plan(font, text) {
        match piece {
            Shown::Glyph(c) => {
                out.push(c);
                read_before = false;
            }
            Shown::Replaced(c, stand_in) => {
                // Readings of a run of letters of another script are words:
                // 李小龍 reads "Li Xiao Long".
                let reading = c.is_alphabetic();
                if reading && read_before {
                    out.push(' ');
                }
                out.push_str(&stand_in);
                read_before = reading;
            }
            Shown::Dropped(_) => {}
        }
    }
    out
}

/// A line of text laid out at one size: glyphs and their x offsets.
pub struct Line {
    glyphs: Vec<(GlyphId, f32)>,
    pub width: f32,
    pub scale: PxScale,
}

impl Line {
    /// Lays `text` out at `size` pixels, cut short with an ellipsis when it
    /// would be wider than `max_width`.
    pub fn new(font: &FontRef<'_>, text: &str, size: f32, max_width: Option<f32>) -> Self {
        let scale = PxScale::from(size);
        let scaled = font.as_scaled(scale);
        let chars: Vec<char> = drawn(font, text).chars().collect();
        let advance = |chars: &[char]| -> Vec<(GlyphId, f32)> {
            let mut x = 0.0;
            let mut previous: Option<GlyphId> = None;
            let mut placed = Vec::with_capacity(chars.len() + 1);
            for &c in chars {
                let id = scaled.glyph_id(c);
                if let Some(previous) = previous {
                    x += scaled.kern(previous, id);
                }
                placed.push((id, x));
                x += scaled.h_advance(id);
                previous = Some(id);
            }
            placed.push((GlyphId(0), x));
            placed
        };
        let mut glyphs = advance(&chars);
        let limit = max_width.unwrap_or(f32::INFINITY);
        let mut kept = chars.len();
        while glyphs.last().map_or(0.0, |(_, x)| *x) > limit && kept > 0 {
            kept -= 1;
            let mut shorter: Vec<char> = chars.iter().take(kept).copied().collect();
            while shorter.last().is_some_and(|c| c.is_whitespace()) {
                shorter.pop();
            }
            shorter.push(ELLIPSIS);
            glyphs = advance(&shorter);
        }
        let width = glyphs.pop().map_or(0.0, |(_, x)| x);
        Self {
            glyphs,
            width,
            scale,
        }
    }

    /// Calls `plot(x, y, coverage)` for every pixel the line covers, drawn
    /// with its left end at `x` and its baseline at `baseline`.
    pub fn draw(
        &self,
        font: &FontRef<'_>,
        x: f32,
        baseline: f32,
        mut plot: impl FnMut(i64, i64, f32),
    ) {
        for (id, offset) in &self.glyphs {
            let glyph = id.with_scale_and_position(self.scale, point(x + offset, baseline));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    plot(
                        bounds.min.x as i64 + i64::from(gx),
                        bounds.min.y as i64 + i64::from(gy),
                        coverage,
                    );
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> &'static FontRef<'static> {
        super::font().unwrap()
    }

    #[test]
    fn latin_greek_and_cyrillic_names_draw_with_their_own_glyphs() {
        for name in ["Zoë Ångström", "Σωκράτης", "Анна Каренина", "Łukasz Żółć"]
        {
            assert!(
                plan(font(), name)
                    .iter()
                    .all(|s| matches!(s, Shown::Glyph(_))),
                "{name}: {:?}",
                plan(font(), name)
            );
            assert_eq!(drawn(font(), name), name);
        }
    }

    #[test]
    fn an_emoji_becomes_its_name_and_another_script_its_reading() {
        let drawn = drawn(font(), "Ada 🏃‍♀️ 中");
        assert!(drawn.starts_with("Ada :"), "{drawn}");
        assert!(drawn.ends_with(" Zhong"), "{drawn}");
        assert_eq!(super::drawn(font(), "李小龍"), "Li Xiao Long");
        assert!(!drawn.contains('\u{200D}') && !drawn.contains('\u{FE0F}'));
    }

    #[test]
    fn every_character_drawn_has_a_real_glyph_of_the_font() {
        let names = [
            "🏃‍♀️🔥💪",
            "Ada 🧑🏽‍💻",
            "日本語のなまえ",
            "עברית",
            "العربية",
            "\u{E000}private\u{10FFFD}",
            "Ω≈ç√∫",
        ];
        for name in names {
            let drawn = drawn(font(), name);
            assert!(!drawn.is_empty(), "{name}");
            for c in drawn.chars() {
                assert_ne!(font().glyph_id(c), GlyphId(0), "{name}: {c:?} in {drawn}");
            }
        }
    }

    #[test]
    fn a_long_line_is_cut_with_an_ellipsis_to_fit() {
        let whole = Line::new(font(), "Bartholomew Featherstonehaugh", 20.0, None);
        let cut = Line::new(
            font(),
            "Bartholomew Featherstonehaugh",
            20.0,
            Some(whole.width / 2.0),
        );
        assert!(
            cut.width <= whole.width / 2.0,
            "{} > {}",
            cut.width,
            whole.width / 2.0
        );
        assert!(cut.width > whole.width / 4.0);
        let short = Line::new(font(), "Ada", 20.0, Some(whole.width));
        assert_eq!(short.glyphs.len(), 3);
    }
}
