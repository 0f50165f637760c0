//! Text rasterisation with a CJK font, in the printer's own cell grid (12×24 dots for a
//! half-width character, 24×24 for a hanzi, scaled by the character size). Used for lines
//! the printer's font cannot print and by the simulator to draw what it received. Needs a
//! font with the rare name characters (Noto Sans CJK or WenQuanYi Micro Hei).

use super::layout::char_width;
use super::raster::Bitmap;
use std::path::{Path, PathBuf};

pub const CELL_WIDTH: u32 = 12;
pub const CELL_HEIGHT: u32 = 24;

/// Fonts tried in order: `$KIOSK_RECEIPT_FONT`, then the Debian packages' paths.
const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
];

pub struct ReceiptFont {
    font: fontdue::Font,
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
        let bytes = std::fs::read(path).map_err(|e| FontError::Load {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let settings = fontdue::FontSettings {
            collection_index: index,
            scale: 24.0,
            ..Default::default()
        };
        let font = fontdue::Font::from_bytes(bytes, settings).map_err(|e| FontError::Load {
            path: shown,
            reason: e.to_string(),
        })?;
        Ok(ReceiptFont {
            font,
            path: path.to_path_buf(),
        })
    }

    /// The first usable font from the environment or the usual Debian paths.
    pub fn locate() -> Result<ReceiptFont, FontError> {
        if let Some(path) = std::env::var_os("KIOSK_RECEIPT_FONT") {
            return ReceiptFont::load(Path::new(&path), 0);
        }
        CANDIDATES
            .iter()
            .filter(|(p, _)| Path::new(p).exists())
            .find_map(|(p, i)| ReceiptFont::load(Path::new(p), *i).ok())
            .ok_or(FontError::NotFound)
    }

    pub fn has_glyph(&self, c: char) -> bool {
        self.font.lookup_glyph_index(c) != 0
    }

    /// Draws `text` in printer cells at `scale` (1 or 2), `bold` by double striking.
    pub fn draw_line(&self, text: &str, scale: u32, bold: bool) -> Bitmap {
        let cell_w = CELL_WIDTH * scale;
        let cell_h = CELL_HEIGHT * scale;
        let width: u32 = text.chars().map(|c| char_width(c).max(1) as u32 * cell_w).sum();
        let mut bitmap = Bitmap::new(width.max(1), cell_h);
        let px = 22.0 * scale as f32;
        let ascent = self
            .font
            .horizontal_line_metrics(px)
            .map(|m| m.ascent)
            .unwrap_or(px * 0.88);
        // Centre the font's ascent+descent in the cell.
        let baseline = ((cell_h as f32 - px) / 2.0 + ascent).round() as i32;
        let mut x = 0i32;
        for c in text.chars() {
            let advance = (char_width(c).max(1) as u32 * cell_w) as i32;
            if c != ' ' {
                let (mut metrics, mut coverage) = self.font.rasterize(c, px);
                // Printer cells are fixed: a glyph wider than its cell is narrowed (not
                // shrunk), as printer fonts draw W and M.
                let fit = (advance - 1).max(1) as usize;
                if metrics.width > fit {
                    let (w, h) = (metrics.width, metrics.height);
                    coverage = (0..h)
                        .flat_map(|y| (0..fit).map(move |x| (y, x * w / fit)))
                        .map(|(y, sx)| coverage[y * w + sx])
                        .collect();
                    metrics.width = fit;
                }
                let left = x + (advance - metrics.width as i32) / 2;
                let top = baseline - metrics.height as i32 - metrics.ymin;
                for gy in 0..metrics.height {
                    for gx in 0..metrics.width {
                        if coverage[gy * metrics.width + gx] >= 110 {
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
