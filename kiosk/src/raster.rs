//! Text as pictures: what the printer's code page cannot print (Greek,
//! Arabic, Hebrew, Chinese…) is drawn here with a font the agent ships and
//! sent as `GS v 0` raster images, one bit per dot.
//!
//! [`layout`](crate::layout) decides per line: a line the page prints in
//! full stays text, anything else comes here. [`Fonts`] holds the shipped
//! DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew) and the files the
//! configuration's `fallback_fonts` names (a CJK font is far too large to
//! embed). cosmic-text does the text work: bidirectional order, shaping
//! (Arabic letters join), line breaking at the paper's width and choosing,
//! glyph by glyph, the first font that has it. A character no font has
//! prints as the shipped font's "missing glyph" box and is logged.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cosmic_text::{
    Align, Attrs, Buffer, Color, Family, FontSystem, Metrics, Shaping, SwashCache, Wrap, fontdb,
};

/// DejaVu Sans, embedded (license: `kiosk/fonts/DejaVuSans-LICENSE.txt`).
pub const SHIPPED_FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The family name of [`SHIPPED_FONT`]: every line asks for it first.
pub const SHIPPED_FAMILY: &str = "DejaVu Sans";

/// Rows per `GS v 0` command: taller images are sent as several bands, so
/// printers with small receive buffers (some hold 4 KiB) cope.
pub const MAX_BAND_ROWS: u32 = 256;

/// Text size in dots (pixels): close to font A's 24-dot cell, so raster
/// lines look like the text lines around them.
pub const FONT_SIZE: f32 = 24.0;

/// Line height in dots: room for Arabic marks above and below.
pub const LINE_HEIGHT: f32 = 32.0;

/// A monochrome image, one bit per dot, rows padded to whole bytes, most
/// significant bit leftmost, 1 = black: the layout `GS v 0` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in dots.
    pub width: u32,
    /// Height in dots (rows).
    pub height: u32,
    /// `height` rows of `width.div_ceil(8)` bytes.
    pub bits: Vec<u8>,
}

impl Bitmap {
    /// A white image.
    pub fn blank(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            bits: vec![0; width.div_ceil(8) as usize * height as usize],
        }
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Whether the dot at (`x`, `y`) is black; outside the image is white.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.bits[y as usize * self.row_bytes() + (x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// Blackens the dot at (`x`, `y`); outside the image does nothing.
    pub fn set(&mut self, x: u32, y: u32) {
        if x >= self.width || y >= self.height {
            return;
        }
        let row = self.row_bytes();
        self.bits[y as usize * row + (x / 8) as usize] |= 0x80 >> (x % 8);
    }

    /// How many dots are black.
    pub fn ink(&self) -> usize {
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The leftmost and rightmost black columns, if any dot is black.
    pub fn ink_columns(&self) -> Option<(u32, u32)> {
        let columns = (0..self.width).filter(|&x| (0..self.height).any(|y| self.get(x, y)));
        let mut columns = columns.peekable();
        let first = *columns.peek()?;
        Some((first, columns.last().unwrap_or(first)))
    }

    /// Thickens every stroke by one dot to the right: the raster twin of
    /// the printer's bold mode (`ESC E`), so no bold font is shipped.
    pub fn embolden(&mut self) {
        let row = self.row_bytes();
        for line in self.bits.chunks_mut(row.max(1)) {
            let mut carry = 0u8;
            for byte in line.iter_mut() {
                let b = *byte;
                *byte = b | (b >> 1) | carry;
                carry = (b & 1) << 7;
            }
        }
        // Padding bits past the width stay white.
        if !self.width.is_multiple_of(8) {
            let mask = 0xFFu8 << (8 - self.width % 8);
            for line in self.bits.chunks_mut(row.max(1)) {
                if let Some(last) = line.last_mut() {
                    *last &= mask;
                }
            }
        }
    }

    /// The `GS v 0` commands printing this image (see [`raster_commands`]).
    pub fn commands(&self) -> Vec<u8> {
        raster_commands(self.row_bytes(), self.height, &self.bits)
    }
}

/// `GS v 0 m xL xH yL yH d…` (m = 0, normal size) for an image of `height`
/// rows of `row_bytes` bytes, split into bands of at most
/// [`MAX_BAND_ROWS`] rows; the printer prints them edge to edge. Nothing
/// for an empty image, and nothing when a row is wider than the command
/// can say (65535 bytes: no paper is that wide).
pub fn raster_commands(row_bytes: usize, height: u32, bits: &[u8]) -> Vec<u8> {
    let Ok(x) = u16::try_from(row_bytes) else {
        return Vec::new();
    };
    if row_bytes == 0 || height == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(bits.len() + 8 * (height / MAX_BAND_ROWS + 1) as usize);
    for band in bits.chunks(row_bytes * MAX_BAND_ROWS as usize) {
        let rows = u16::try_from(band.len() / row_bytes).unwrap_or(u16::MAX);
        out.extend([0x1D, 0x76, 0x30, 0x00]);
        out.extend(x.to_le_bytes());
        out.extend(rows.to_le_bytes());
        out.extend(band);
    }
    out
}

/// How a line is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextStyle {
    /// Centred on the paper (the ticket's lines are); otherwise aligned to
    /// the start of the line's direction: left for Latin, right for Arabic
    /// and Hebrew.
    pub centred: bool,
    /// Bold, as the printer's `ESC E 1`.
    pub bold: bool,
}

/// A font file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("fallback font {}: {source}", path.display())]
    Read {
        /// The file named in the configuration.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no font face the agent can read.
    #[error("fallback font {}: not a TrueType/OpenType font (or collection)", path.display())]
    NotAFont {
        /// The file named in the configuration.
        path: PathBuf,
    },
}

/// The fonts raster lines are drawn with: the shipped font first, then the
/// configured fallbacks in their order. Load once at start-up and share:
/// reading a CJK font takes a moment.
pub struct Fonts {
    /// cosmic-text's font database with its shaping caches, and the glyph
    /// image cache. Both need `&mut` to draw; a std mutex because drawing
    /// is synchronous and short (one ticket's few lines), and tickets are
    /// encoded one at a time anyway.
    inner: Mutex<Inner>,
    /// The family names of the fallback fonts, for logs.
    fallbacks: Vec<String>,
}

struct Inner {
    system: FontSystem,
    /// Glyph images by glyph and size: grows with each distinct glyph
    /// drawn (a few hundred bytes each at [`FONT_SIZE`]), so at most the
    /// fonts' glyph counts.
    cache: SwashCache,
}

/// cosmic-text's fallback policy: no preferred family names. Its default
/// lists the system fonts of each platform by name (per script, then
/// common ones) and would try any of those among the configured fonts
/// before the others, whatever their order in `fallback_fonts`; without
/// names it goes through the loaded faces in load order.
struct InOrder;

impl cosmic_text::Fallback for InOrder {
    fn common_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn forbidden_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn script_fallback(&self, _script: unicode_script::Script, _locale: &str) -> &[&'static str] {
        &[]
    }
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("shipped", &SHIPPED_FAMILY)
            .field("fallbacks", &self.fallbacks)
            .finish_non_exhaustive()
    }
}

impl Fonts {
    /// The shipped font alone, loaded on first use.
    pub fn shipped() -> &'static Fonts {
        static SHIPPED: OnceLock<Fonts> = OnceLock::new();
        SHIPPED.get_or_init(|| Fonts::build(fontdb::Database::new(), Vec::new()))
    }

    /// The shipped font plus the font files at `paths` (TrueType, OpenType
    /// or a `.ttc` collection), tried in that order for glyphs the shipped
    /// font lacks (regular faces before bold ones: lines are drawn at
    /// regular weight).
    ///
    /// # Errors
    /// A file cannot be read or holds no font; the error names the file.
    pub fn with_fallbacks(paths: &[impl AsRef<Path>]) -> Result<Fonts, FontError> {
        let mut db = fontdb::Database::new();
        let mut names = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let data = std::fs::read(path).map_err(|source| FontError::Read {
                path: path.to_owned(),
                source,
            })?;
            let ids = db.load_font_source(fontdb::Source::Binary(std::sync::Arc::new(data)));
            if ids.is_empty() {
                return Err(FontError::NotAFont {
                    path: path.to_owned(),
                });
            }
            for id in ids {
                if let Some((family, _)) = db.face(id).and_then(|face| face.families.first()) {
                    names.push(family.clone());
                }
            }
        }
        Ok(Fonts::build(db, names))
    }

    /// Adds the shipped font to `db` (fallbacks loaded first keep their
    /// order after it: cosmic-text tries the requested family, then every
    /// other face).
    fn build(mut db: fontdb::Database, fallbacks: Vec<String>) -> Fonts {
        db.load_font_data(SHIPPED_FONT.to_vec());
        db.set_sans_serif_family(SHIPPED_FAMILY);
        // A fixed locale: the host's locale only tunes which system fonts
        // cosmic-text prefers, and the agent uses no system fonts.
        let system = FontSystem::new_with_locale_and_db_and_fallback("en-US".into(), db, InOrder);
        Fonts {
            inner: Mutex::new(Inner {
                system,
                cache: SwashCache::new(),
            }),
            fallbacks,
        }
    }

    /// The family names of the loaded fallback fonts.
    pub fn fallback_families(&self) -> &[String] {
        &self.fallbacks
    }

    /// Draws `text` (one paragraph) `width` dots wide, wrapped at the
    /// width, [`LINE_HEIGHT`] dots per line. Control characters and the
    /// line and paragraph separators count as spaces, as on text lines: a
    /// second paragraph of the other direction would make cosmic-text panic
    /// (it expects one direction per line). Empty text gives an image 0
    /// rows high.
    pub fn render(&self, text: &str, width: u32, style: TextStyle) -> Bitmap {
        let text: String = text
            .chars()
            .map(|c| {
                if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let text = text.trim();
        if text.is_empty() {
            return Bitmap::blank(width, 0);
        }
        // The text comes from the office's settings and the visitor's
        // language: a shaping bug must cost one line of the ticket, not the
        // agent. Such a line prints as question marks, as a code page's
        // missing characters do.
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.draw(text, width, style)
        }));
        drawn.unwrap_or_else(|_| {
            tracing::error!(%text, "this line could not be drawn; printed as question marks");
            let stand_in = "?".repeat(text.chars().count().min(64));
            self.draw(&stand_in, width, style)
        })
    }

    fn draw(&self, text: &str, width: u32, style: TextStyle) -> Bitmap {
        // A panic while drawing cannot leave the caches half-updated in a
        // way that matters: reuse them.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { system, cache } = &mut *inner;
        let mut buffer = Buffer::new(system, Metrics::new(FONT_SIZE, LINE_HEIGHT));
        buffer.set_wrap(Wrap::WordOrGlyph);
        buffer.set_size(Some(width as f32), None);
        let attrs = Attrs::new().family(Family::Name(SHIPPED_FAMILY));
        let align = style.centred.then_some(Align::Center);
        buffer.set_text(text, &attrs, Shaping::Advanced, align);
        buffer.shape_until_scroll(system, false);

        let mut height = 0.0f32;
        let mut missing = String::new();
        for run in buffer.layout_runs() {
            height = height.max(run.line_top + run.line_height);
            for glyph in run.glyphs.iter().filter(|g| g.glyph_id == 0) {
                for c in run.text[glyph.start..glyph.end].chars() {
                    if !missing.contains(c) {
                        missing.push(c);
                    }
                }
            }
        }
        if !missing.is_empty() {
            tracing::warn!(
                %missing,
                "no font has these characters; printed as boxes (add a font to fallback_fonts)"
            );
        }
        let mut bitmap = Bitmap::blank(width, height.ceil() as u32);
        buffer.draw(system, cache, Color::rgb(0, 0, 0), |x, y, w, h, color| {
            // Coverage is the alpha: a dot is black when more than half
            // covered (thermal dots are either on or off).
            if color.a() < 0x80 {
                return;
            }
            for dy in 0..h {
                for dx in 0..w {
                    if let (Ok(px), Ok(py)) =
                        (u32::try_from(x + dx as i32), u32::try_from(y + dy as i32))
                    {
                        bitmap.set(px, py);
                    }
                }
            }
        });
        if style.bold {
            bitmap.embolden();
        }
        bitmap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_split_at_256_rows() {
        // 2 bytes wide, 600 rows: 256 + 256 + 88.
        let bits: Vec<u8> = (0..1200u32).map(|i| (i % 251) as u8).collect();
        let out = raster_commands(2, 600, &bits);
        assert_eq!(out.len(), 3 * 8 + 1200);
        assert_eq!(out[..8], [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x00, 0x01]);
        let second = 8 + 512;
        assert_eq!(
            out[second..second + 8],
            [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x00, 0x01]
        );
        let third = second + 8 + 512;
        assert_eq!(
            out[third..third + 8],
            [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 88, 0x00]
        );
        assert_eq!(out[third + 8..], bits[1024..]);
        assert!(raster_commands(2, 0, &[]).is_empty());
    }

    #[test]
    fn embolden_keeps_padding_white() {
        let mut b = Bitmap::blank(10, 1);
        b.set(7, 0);
        b.set(9, 0);
        b.embolden();
        assert!(b.get(7, 0) && b.get(8, 0) && b.get(9, 0));
        assert_eq!(b.bits, [0x01, 0xC0]);
    }

    #[test]
    fn bold_lines_have_thicker_strokes() {
        let fonts = Fonts::shipped();
        let plain = fonts.render("Διαβατήρια", 384, TextStyle::default());
        let bold = fonts.render(
            "Διαβατήρια",
            384,
            TextStyle {
                centred: false,
                bold: true,
            },
        );
        assert_eq!((plain.width, plain.height), (bold.width, bold.height));
        assert!(
            bold.ink() > plain.ink() * 5 / 4,
            "{} {}",
            bold.ink(),
            plain.ink()
        );
        // Every dot of the plain line is still black.
        assert!(plain.bits.iter().zip(&bold.bits).all(|(p, b)| p & b == *p));
    }

    #[test]
    fn missing_glyphs_print_as_a_box_not_a_panic() {
        // Tangut: in no font here.
        let b = Fonts::shipped().render("\u{17000}\u{17001}", 384, TextStyle::default());
        assert!(b.height > 0 && b.ink() > 0);
    }

    #[test]
    fn a_paragraph_separator_between_directions_is_not_a_panic() {
        // Found by the layout property test: U+2029 split the line into a
        // left-to-right and a right-to-left paragraph.
        for text in [
            "\u{11100}\u{2029}\u{10EB0}",
            "a\u{2029}\u{05D0}",
            "\u{0627}\u{2028}b",
        ] {
            let b = Fonts::shipped().render(text, 384, TextStyle::default());
            assert!(b.height > 0, "{text:?}");
        }
    }

    #[test]
    fn unreadable_fallback_is_named() {
        let err = Fonts::with_fallbacks(&["/nonexistent/font.ttf"]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/font.ttf"), "{err}");
        let not_font = std::env::temp_dir().join(format!("ww-not-a-font-{}", std::process::id()));
        std::fs::write(&not_font, b"hello").unwrap();
        let err = Fonts::with_fallbacks(&[&not_font]).unwrap_err();
        let _ = std::fs::remove_file(&not_font);
        assert!(matches!(err, FontError::NotAFont { .. }), "{err}");
        assert!(err.to_string().contains("ww-not-a-font"), "{err}");
    }
}
