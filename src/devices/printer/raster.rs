//! 1-bit bitmaps: what thermal paper is. Used for raster QR codes, lines of text the
//! printer's font cannot print, the simulator's paper, and PNG output. GS v 0 output is split
//! into bands no taller than the profile allows.

use std::io;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    /// Row-major, `true` = black dot.
    pub dots: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            dots: vec![false; (width * height) as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize]
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x < self.width && y < self.height {
            self.dots[(y * self.width + x) as usize] = black;
        }
    }

    pub fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                self.dots[(yy * self.width + xx) as usize] = true;
            }
        }
    }

    /// Draws `other` with its top-left corner at (x, y); black dots only (like ink).
    pub fn blit(&mut self, other: &Bitmap, x: u32, y: u32) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                if other.get(ox, oy) {
                    self.set(x + ox, y + oy, true);
                }
            }
        }
    }

    /// Grows the bitmap downwards (white) to at least `height` rows.
    pub fn grow_to(&mut self, height: u32) {
        if height > self.height {
            self.dots.resize((self.width * height) as usize, false);
            self.height = height;
        }
    }

    pub fn black_dots(&self) -> usize {
        self.dots.iter().filter(|d| **d).count()
    }

    /// `GS v 0` raster commands, one per band of at most `band_rows` rows. Rows are padded
    /// to whole bytes; the most significant bit is the leftmost dot.
    pub fn to_gs_v0(&self, band_rows: u32) -> Vec<u8> {
        let bytes_per_row = self.width.div_ceil(8);
        let mut out = Vec::new();
        let mut top = 0;
        while top < self.height {
            let rows = band_rows.min(self.height - top);
            out.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00]);
            out.extend_from_slice(&(bytes_per_row as u16).to_le_bytes());
            out.extend_from_slice(&(rows as u16).to_le_bytes());
            for y in top..top + rows {
                for byte in 0..bytes_per_row {
                    let mut b = 0u8;
                    for bit in 0..8 {
                        if self.get(byte * 8 + bit, y) {
                            b |= 0x80 >> bit;
                        }
                    }
                    out.push(b);
                }
            }
            top += rows;
        }
        out
    }

    /// An 8-bit greyscale PNG (black dots on white paper).
    pub fn write_png(&self, out: impl io::Write) -> io::Result<()> {
        let mut encoder = png::Encoder::new(out, self.width, self.height.max(1));
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        let mut data: Vec<u8> = self.dots.iter().map(|d| if *d { 0 } else { 255 }).collect();
        if self.height == 0 {
            data = vec![255; self.width as usize];
        }
        writer.write_image_data(&data).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)
    }
}

/// The QR code of `payload` with `module` dots per module and a 4-module quiet zone.
pub fn qr_bitmap(payload: &str, module: u32, level: qrcode::EcLevel) -> Result<Bitmap, qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), level)?;
    let width = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let size = (width + 2 * quiet) * module;
    let mut bitmap = Bitmap::new(size, size);
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (i as u32 % width, i as u32 / width);
            bitmap.fill_rect((x + quiet) * module, (y + quiet) * module, module, module);
        }
    }
    Ok(bitmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_v0_bands_and_bit_order() {
        let mut bitmap = Bitmap::new(10, 5);
        bitmap.set(0, 0, true);
        bitmap.set(9, 4, true);
        let bytes = bitmap.to_gs_v0(3);
        // Band 1: 2 bytes per row, 3 rows; band 2: 2 rows.
        assert_eq!(&bytes[..8], &[0x1D, 0x76, 0x30, 0x00, 2, 0, 3, 0]);
        assert_eq!(bytes[8], 0x80);
        let second = 8 + 6;
        assert_eq!(&bytes[second..second + 8], &[0x1D, 0x76, 0x30, 0x00, 2, 0, 2, 0]);
        assert_eq!(bytes[bytes.len() - 1], 0x40);
        assert_eq!(bytes.len(), 8 + 6 + 8 + 4);
    }

    #[test]
    fn qr_has_a_quiet_zone() {
        let qr = qr_bitmap("https://example.gov.cn/p/1", 4, qrcode::EcLevel::M).unwrap();
        assert_eq!(qr.width, qr.height);
        assert!((0..16).all(|i| !qr.get(i, i)));
        assert!(qr.get(16, 16), "finder pattern corner");
    }
}
