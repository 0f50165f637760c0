//! Turns a camera still into a material photo for upload: find the page's edges, flatten
//! the perspective, scale to about 150 dpi for an A4 page, and encode a JPEG under the size
//! limit. Also the exposure meter that decides when a still can be taken.
//!
//! The page finder assumes what a document camera sees: a light page on a darker desk.
//! It thresholds a small working copy (Otsu), keeps the largest light region, and takes
//! its extreme corners. When no plausible page is found the whole frame is kept.

use super::geometry::{self, point, Homography, Quad};
use super::image::RgbImage;

/// 150 dpi across the short side of A4 (210 mm).
pub const A4_SHORT_SIDE_PX: u32 = 1240;
/// The largest JPEG a material photo may be.
pub const MAX_JPEG_BYTES: usize = 500 * 1024;

/// Decides when the picture is steady: the last frames' brightness agrees to within
/// `tolerance` and is neither black nor blown out.
#[derive(Clone, Debug)]
pub struct ExposureMeter {
    recent: Vec<f32>,
    frames: usize,
    tolerance: f32,
}

impl Default for ExposureMeter {
    fn default() -> Self {
        ExposureMeter {
            recent: Vec::new(),
            frames: 3,
            tolerance: 0.02,
        }
    }
}

impl ExposureMeter {
    pub fn push(&mut self, mean_luminance: f32) {
        self.recent.push(mean_luminance);
        if self.recent.len() > self.frames {
            self.recent.remove(0);
        }
    }

    pub fn settled(&self) -> bool {
        if self.recent.len() < self.frames {
            return false;
        }
        let (lo, hi) = self
            .recent
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        (20.0..=235.0).contains(&lo) && (hi - lo) <= hi * self.tolerance
    }
}

/// What processing made of a still.
#[derive(Clone, Debug)]
pub struct ProcessedPage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The page corners found in the still (None: the whole frame was kept).
    pub corners: Option<Quad>,
    pub quality: u8,
    /// The flattened, scaled page the JPEG was made from (for thumbnails).
    pub page: RgbImage,
}

/// Finds the page, flattens it, scales it and encodes it.
pub fn process(still: &RgbImage) -> ProcessedPage {
    let corners = find_page(still);
    let flat = match corners {
        Some(quad) => flatten(still, &quad),
        None => still.clone(),
    };
    let scaled = scale_to_150_dpi(&flat);
    let (jpeg, quality) = encode_jpeg(&scaled, MAX_JPEG_BYTES);
    ProcessedPage {
        jpeg,
        width: scaled.width,
        height: scaled.height,
        corners,
        quality,
        page: scaled,
    }
}

/// The page's corners (top-left, top-right, bottom-right, bottom-left) in still
/// coordinates, or `None` when no light region covering at least a fifth of the frame is
/// there.
pub fn find_page(still: &RgbImage) -> Option<Quad> {
    let factor = (still.width.max(still.height) / 480).max(1);
    let small = still.shrink(factor);
    let (w, h) = (small.width as usize, small.height as usize);
    let gray: Vec<u8> = small
        .data
        .chunks_exact(3)
        .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29) >> 8) as u8)
        .collect();
    let threshold = otsu(&gray);
    let light: Vec<bool> = gray.iter().map(|g| *g > threshold).collect();
    let region = largest_region(&light, w, h)?;
    if region.len() < w * h / 5 {
        return None;
    }
    let extreme = |key: &dyn Fn(usize, usize) -> i64, max: bool| {
        let pick = region.iter().map(|&i| (i % w, i / w));
        if max {
            pick.max_by_key(|&(x, y)| key(x, y))
        } else {
            pick.min_by_key(|&(x, y)| key(x, y))
        }
    };
    let sum = |x: usize, y: usize| x as i64 + y as i64;
    let diff = |x: usize, y: usize| x as i64 - y as i64;
    let corners = [
        extreme(&sum, false)?,
        extreme(&diff, true)?,
        extreme(&sum, true)?,
        extreme(&diff, false)?,
    ];
    // Back to still coordinates, at the centre of the working pixel.
    let scale = factor as f32;
    let quad: Quad = corners.map(|(x, y)| point((x as f32 + 0.5) * scale, (y as f32 + 0.5) * scale));
    let frame_area = still.width as f32 * still.height as f32;
    (geometry::is_convex(&quad) && geometry::area(&quad).abs() >= frame_area / 6.0).then_some(quad)
}

/// The page cut out and made rectangular, at the resolution the still has along its edges.
pub fn flatten(still: &RgbImage, quad: &Quad) -> RgbImage {
    let width = (geometry::distance(quad[0], quad[1]) + geometry::distance(quad[3], quad[2])) / 2.0;
    let height = (geometry::distance(quad[0], quad[3]) + geometry::distance(quad[1], quad[2])) / 2.0;
    let (w, h) = (width.round().max(1.0) as u32, height.round().max(1.0) as u32);
    let Some(map) = Homography::rectangle_to(w as f32, h as f32, quad) else {
        return still.clone();
    };
    let mut out = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let p = map.apply(point(x as f32 + 0.5, y as f32 + 0.5));
            let i = (y as usize * w as usize + x as usize) * 3;
            out.data[i..i + 3].copy_from_slice(&still.sample(p.x - 0.5, p.y - 0.5));
        }
    }
    out
}

/// Scales so that the short side is 1240 px (150 dpi on A4). Never enlarges: a smaller
/// picture carries no more detail for being blown up.
pub fn scale_to_150_dpi(page: &RgbImage) -> RgbImage {
    let short = page.width.min(page.height);
    if short <= A4_SHORT_SIDE_PX {
        return page.clone();
    }
    let ratio = A4_SHORT_SIDE_PX as f32 / short as f32;
    let (w, h) = (
        (page.width as f32 * ratio).round() as u32,
        (page.height as f32 * ratio).round() as u32,
    );
    page.resize(w, h)
}

/// Encodes at the highest quality (85 down to 40) that fits `max_bytes`; below that the
/// picture is made smaller until it fits. Returns the bytes and the quality used.
pub fn encode_jpeg(image: &RgbImage, max_bytes: usize) -> (Vec<u8>, u8) {
    let mut current = image.clone();
    loop {
        let mut last = Vec::new();
        for quality in [85u8, 78, 70, 62, 55, 48, 40] {
            last = encode_once(&current, quality);
            if last.len() <= max_bytes {
                return (last, quality);
            }
        }
        if current.width < 64 || current.height < 64 {
            return (last, 40);
        }
        current = current.resize(current.width * 4 / 5, current.height * 4 / 5);
    }
}

fn encode_once(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // Sizes are bounded by the camera (u16 is 65535 px); an encoder error leaves `out` empty
    // and the caller's size check then fails loudly in tests.
    let _ = encoder.encode(
        &image.data,
        image.width as u16,
        image.height as u16,
        jpeg_encoder::ColorType::Rgb,
    );
    out
}

/// The size a JPEG declares in its frame header (SOF0–SOF2), for checks and listings.
pub fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let length = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]) as u32;
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]) as u32;
            return Some((w, h));
        }
        i += 2 + length;
    }
    None
}

/// Otsu's threshold: the grey level that best separates two classes.
fn otsu(gray: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for g in gray {
        histogram[*g as usize] += 1;
    }
    let total = gray.len() as f64;
    let sum_all: f64 = histogram.iter().enumerate().map(|(i, n)| i as f64 * *n as f64).sum();
    let (mut sum_back, mut weight_back, mut best, mut best_variance) = (0.0, 0.0, 0u8, -1.0);
    for (level, count) in histogram.iter().enumerate() {
        weight_back += *count as f64;
        if weight_back == 0.0 {
            continue;
        }
        let weight_fore = total - weight_back;
        if weight_fore == 0.0 {
            break;
        }
        sum_back += level as f64 * *count as f64;
        let mean_back = sum_back / weight_back;
        let mean_fore = (sum_all - sum_back) / weight_fore;
        let variance = weight_back * weight_fore * (mean_back - mean_fore).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = level as u8;
        }
    }
    best
}

/// Indices of the largest 4-connected set of `true` cells.
fn largest_region(mask: &[bool], w: usize, h: usize) -> Option<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let mut best: Vec<usize> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        let mut region = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            region.push(i);
            let (x, y) = (i % w, i / w);
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for n in neighbours.into_iter().flatten() {
                if mask[n] && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        if region.len() > best.len() {
            best = region;
        }
    }
    (!best.is_empty()).then_some(best)
}
