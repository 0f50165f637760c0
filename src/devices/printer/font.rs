//! Text rasterisation with a CJK font, in the printer's own cell grid (12×24 dots for a
//! half-width character, 24×24 for a hanzi, scaled by the character size). Used for lines
//! the printer's font cannot print and by the simulator to draw what it received. Needs a
//! font with the rare name characters (Noto Sans CJK or WenQuanYi Micro Hei).

use super::layout::char_width;
use super::raster::Bitmap;
use std::path::{Path, PathBuf};

pub const CELL_WIDTH: u32 = 12;
pub const CELL_HEIGHT: u32 = 24;

/// Fonts tried in order after `$KIOSK_RECEIPT_FONT`: the Debian packages' paths, from the
/// installed `fonts.list` (else the embedded copy of `packaging/fonts.list`).
pub const EMBEDDED_FONTS_LIST: &str = include_str!("../../../packaging/fonts.list");

/// The fonts list's entries: `(path, face index)`.
pub fn candidates() -> Vec<(PathBuf, u32)> {
    parse_fonts_list(&crate::data::text("fonts.list", EMBEDDED_FONTS_LIST))
}

/// `PATH [INDEX]` lines; `#` comments and blank lines are skipped.
pub fn parse_fonts_list(text: &str) -> Vec<(PathBuf, u32)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut parts = line.split_whitespace();
            let path = PathBuf::from(parts.next().unwrap_or_default());
            (path, parts.next().and_then(|i| i.parse().ok()).unwrap_or(0))
        })
        .collect()
}

/// Glyphs are outlined and rasterised on demand (ab_glyph) from the font file mapped into
/// memory: only the pages of the glyphs drawn are ever resident, and they are the page
/// cache's, shared with every other process using the font — not a heap copy of the file
/// (5 MB for WenQuanYi, 19 MB for Noto Sans CJK) per user of the font, nor a cache of every
/// glyph (a CJK font has ~30 000).
pub struct ReceiptFont {
    /// Borrows from `_map` (declared first, so dropped before it).
    font: ab_glyph::FontRef<'static>,
    _map: memmap2::Mmap,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("no CJK font found (install fonts-wqy-microhei or fonts-noto-cjk, or set KIOSK_RECEIPT_FONT)")]
    NotFound,
    #[error("font {path}: {reason}")]
    Load { path: String, reason: String },
}

impl ReceiptFont {
    pub fn load(path: &Path, index: u32) -> Result<ReceiptFont, FontError> {
        let shown = path.display().to_string();
        let failed = |reason: String| FontError::Load {
            path: shown.clone(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
        // SAFETY: a font file under /usr/share is replaced (a new inode) by dpkg, never
        // written in place, so the mapped bytes do not change under the font.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| failed(e.to_string()))?;
        // SAFETY: the slice points into the mapping, which stays at its address as long as
        // `self` lives and is dropped after `font`, its only borrower.
        let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(map.as_ptr(), map.len()) };
        let font = ab_glyph::FontRef::try_from_slice_and_index(bytes, index).map_err(|e| failed(e.to_string()))?;
        Ok(ReceiptFont {
            font,
            _map: map,
            path: path.to_path_buf(),
        })
    }

    /// The process's one receipt font (found once by [`ReceiptFont::locate`]), shared by
    /// the worker that prints, the receipt preview, and the simulated printer and camera.
    pub fn shared() -> Option<std::sync::Arc<ReceiptFont>> {
        static SHARED: std::sync::OnceLock<Option<std::sync::Arc<ReceiptFont>>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| ReceiptFont::locate().ok().map(std::sync::Arc::new))
            .clone()
    }

    /// The first usable font from the environment or the usual Debian paths.
    pub fn locate() -> Result<ReceiptFont, FontError> {
        if let Some(path) = std::env::var_os("KIOSK_RECEIPT_FONT") {
            return ReceiptFont::load(Path::new(&path), 0);
        }
        candidates()
            .iter()
            .filter(|(p, _)| p.exists())
            .find_map(|(p, i)| ReceiptFont::load(p, *i).ok())
            .ok_or(FontError::NotFound)
    }

    pub fn has_glyph(&self, c: char) -> bool {
        use ab_glyph::Font;
        self.font.glyph_id(c).0 != 0
    }

    /// ab_glyph scales by line height; printer glyphs are sized by the em square.
    fn em(&self, px: f32) -> ab_glyph::PxScale {
        use ab_glyph::Font;
        match self.font.units_per_em() {
            Some(units) if units > 0.0 => ab_glyph::PxScale::from(px * self.font.height_unscaled() / units),
            _ => ab_glyph::PxScale::from(px),
        }
    }

    /// Coverage (0–255) of one glyph at `px`, with its left/top offsets from the pen
    /// position on the baseline.
    pub(crate) fn rasterize(&self, c: char, px: f32) -> (usize, usize, i32, i32, Vec<u8>) {
        use ab_glyph::Font;
        let glyph = self
            .font
            .glyph_id(c)
            .with_scale_and_position(self.em(px), ab_glyph::point(0.0, 0.0));
        let Some(outlined) = self.font.outline_glyph(glyph) else {
            return (0, 0, 0, 0, Vec::new());
        };
        let bounds = outlined.px_bounds();
        let (w, h) = (bounds.width().ceil() as usize, bounds.height().ceil() as usize);
        let mut coverage = vec![0u8; w * h];
        outlined.draw(|x, y, c| {
            let (x, y) = (x as usize, y as usize);
            if x < w && y < h {
                coverage[y * w + x] = (c * 255.0) as u8;
            }
        });
        (w, h, bounds.min.x.floor() as i32, bounds.min.y.floor() as i32, coverage)
    }

    /// Draws `text` in printer cells at `scale` (1 or 2), `bold` by double striking.
    pub fn draw_line(&self, text: &str, scale: u32, bold: bool) -> Bitmap {
        let cell_w = CELL_WIDTH * scale;
        let cell_h = CELL_HEIGHT * scale;
        let width: u32 = text.chars().map(|c| char_width(c).max(1) as u32 * cell_w).sum();
        let mut bitmap = Bitmap::new(width.max(1), cell_h);
        let px = 22.0 * scale as f32;
        let ascent = {
            use ab_glyph::{Font, ScaleFont};
            self.font.as_scaled(self.em(px)).ascent()
        };
        // Centre the font's em box in the cell.
        let baseline = ((cell_h as f32 - px) / 2.0 + ascent * 0.95).round() as i32;
        let mut x = 0i32;
        for c in text.chars() {
            let advance = (char_width(c).max(1) as u32 * cell_w) as i32;
            if c != ' ' {
                let (mut w, h, _, top_offset, mut coverage) = self.rasterize(c, px);
                // Printer cells are fixed: a glyph wider than its cell is narrowed (not
                // shrunk), as printer fonts draw W and M.
                let fit = (advance - 1).max(1) as usize;
                if w > fit {
                    coverage = (0..h)
                        .flat_map(|y| (0..fit).map(move |x| (y, x * w / fit)))
                        .map(|(y, sx)| coverage[y * w + sx])
                        .collect();
                    w = fit;
                }
                let left = x + (advance - w as i32) / 2;
                let top = baseline + top_offset;
                for gy in 0..h {
                    for gx in 0..w {
                        if coverage[gy * w + gx] >= 110 {
                            let (dx, dy) = (left + gx as i32, top + gy as i32);
                            if dx >= 0 && dy >= 0 {
                                bitmap.set(dx as u32, dy as u32, true);
                                if bold {
                                    bitmap.set(dx as u32 + 1, dy as u32, true);
                                }
                            }
                        }
                    }
                }
            }
            x += advance;
        }
        bitmap
    }
}

#[cfg(test)]
mod fonts_list_tests {
    use super::*;

    #[test]
    fn the_fonts_list_has_paths_and_face_indexes() {
        let list = parse_fonts_list("# comment\n\n/a.ttc 2\n/b.ttf\n");
        assert_eq!(list, vec![(PathBuf::from("/a.ttc"), 2), (PathBuf::from("/b.ttf"), 0)]);
        let shipped = parse_fonts_list(EMBEDDED_FONTS_LIST);
        assert!(shipped.iter().any(|(p, _)| p.ends_with("wqy-microhei.ttc")));
    }
}
