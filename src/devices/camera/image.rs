//! Plain 8-bit RGB and RGBA images: what the camera pipeline hands over and what document
//! processing works on. No codec, no GStreamer: just pixels and a few exact operations.

/// Row-major RGB, 3 bytes per pixel, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    // A photo of a material can show personal data: Debug gives its size only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    pub fn new(width: u32, height: u32) -> RgbImage {
        RgbImage {
            width,
            height,
            data: vec![0; width as usize * height as usize * 3],
        }
    }

    /// Copies rows out of a buffer whose rows are `stride` bytes apart (GStreamer pads rows
    /// to 4 bytes). `None` when the buffer is too short for the size.
    pub fn from_strided(width: u32, height: u32, stride: usize, bytes: &[u8]) -> Option<RgbImage> {
        let row = width as usize * 3;
        if stride < row || bytes.len() < stride * (height as usize - 1) + row {
            return None;
        }
        let mut data = Vec::with_capacity(row * height as usize);
        for y in 0..height as usize {
            data.extend_from_slice(&bytes[y * stride..y * stride + row]);
        }
        Some(RgbImage { width, height, data })
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Bilinear sample at a real position, clamped to the edges.
    pub fn sample(&self, x: f32, y: f32) -> [u8; 3] {
        let max_x = (self.width - 1) as f32;
        let max_y = (self.height - 1) as f32;
        let (x, y) = (x.clamp(0.0, max_x), y.clamp(0.0, max_y));
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let (a, b, c, d) = (
            self.pixel(x0, y0),
            self.pixel(x1, y0),
            self.pixel(x0, y1),
            self.pixel(x1, y1),
        );
        let mut out = [0u8; 3];
        for k in 0..3 {
            let top = a[k] as f32 * (1.0 - fx) + b[k] as f32 * fx;
            let bottom = c[k] as f32 * (1.0 - fx) + d[k] as f32 * fx;
            out[k] = (top * (1.0 - fy) + bottom * fy).round() as u8;
        }
        out
    }

    /// Area-average downscale by an integer factor (exact, no aliasing): used for the
    /// page finder's working copy and for thumbnails.
    pub fn shrink(&self, factor: u32) -> RgbImage {
        let factor = factor.max(1);
        let (w, h) = ((self.width / factor).max(1), (self.height / factor).max(1));
        let mut out = RgbImage::new(w, h);
        let area = factor * factor;
        for oy in 0..h {
            for ox in 0..w {
                let mut sum = [0u32; 3];
                for dy in 0..factor {
                    for dx in 0..factor {
                        let p = self.pixel(
                            (ox * factor + dx).min(self.width - 1),
                            (oy * factor + dy).min(self.height - 1),
                        );
                        for (total, value) in sum.iter_mut().zip(p) {
                            *total += value as u32;
                        }
                    }
                }
                let i = (oy as usize * w as usize + ox as usize) * 3;
                for (value, total) in out.data[i..i + 3].iter_mut().zip(sum) {
                    *value = (total / area) as u8;
                }
            }
        }
        out
    }

    /// Resamples to exactly `width` × `height` (bilinear after an area pre-shrink, so a
    /// large reduction does not alias).
    pub fn resize(&self, width: u32, height: u32) -> RgbImage {
        let factor = (self.width / width.max(1)).min(self.height / height.max(1)).max(1);
        let source = if factor >= 2 { self.shrink(factor) } else { self.clone() };
        let mut out = RgbImage::new(width, height);
        let sx = source.width as f32 / width as f32;
        let sy = source.height as f32 / height as f32;
        for y in 0..height {
            for x in 0..width {
                let p = source.sample((x as f32 + 0.5) * sx - 0.5, (y as f32 + 0.5) * sy - 0.5);
                let i = (y as usize * width as usize + x as usize) * 3;
                out.data[i..i + 3].copy_from_slice(&p);
            }
        }
        out
    }

    /// Mean luminance (0–255, Rec. 601 weights) over a sparse grid: cheap enough per frame.
    pub fn mean_luminance(&self) -> f32 {
        luminance_of(&self.data, 3, self.width, self.height)
    }

    /// RGBA copy (opaque), for the screen.
    pub fn to_rgba(&self) -> Vec<u8> {
        self.data
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect()
    }
}

/// One preview frame as the screen shows it: RGBA, with a running number so the UI only
/// uploads new frames.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewFrame {
    pub sequence: u64,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for PreviewFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PreviewFrame(#{} {}x{})", self.sequence, self.width, self.height)
    }
}

impl PreviewFrame {
    pub fn mean_luminance(&self) -> f32 {
        luminance_of(&self.rgba, 4, self.width, self.height)
    }
}

fn luminance_of(bytes: &[u8], channels: usize, width: u32, height: u32) -> f32 {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 {
        return 0.0;
    }
    let step = ((w * h) / 4096).max(1);
    let mut sum = 0.0f64;
    let mut count = 0u32;
    let mut i = 0;
    while i < w * h {
        let p = &bytes[i * channels..i * channels + 3];
        sum += 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
        count += 1;
        i += step;
    }
    (sum / count as f64) as f32
}
