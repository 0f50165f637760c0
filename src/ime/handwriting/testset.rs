//! The handwriting test set: characters as stroke medians in stroke order (Make Me a
//! Hanzi's data, from the npm package `hanzi-writer-data`, Arphic Public License; fetched
//! by scripts/fetch-handwriting-testset.sh, never shipped), drawn as a finger would draw
//! them on the pad: each sample gets its own size, slant, shear and place, each stroke its
//! own small shift, and every point a tremor, resampled at a touchscreen's pace. The
//! deformations are seeded, so a sample is the same every run. Independent of the model's
//! training data (the Tegaki project's own handwriting samples).

use super::Ink;
use std::path::Path;

/// The pad the samples are drawn on (pixels), about the writing pad's size on screen.
pub const PAD: u32 = 320;

/// One character of the set: the character and its strokes' medians (1024-unit box, y up).
#[derive(Clone, Debug)]
pub struct Sample {
    pub character: String,
    pub medians: Vec<Vec<[f64; 2]>>,
}

/// Reads every `X.json` of `dir` (`{"medians": [[[x, y], …], …], …}`), sorted by character.
pub fn load(dir: &Path) -> Result<Vec<Sample>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let (Some(stem), Some("json")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if stem.chars().count() != 1 {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let medians: Vec<Vec<[f64; 2]>> = serde_json::from_value(value["medians"].clone())
            .map_err(|e| format!("{}: no medians: {e}", path.display()))?;
        out.push(Sample {
            character: stem.to_string(),
            medians,
        });
    }
    out.sort_by(|a, b| a.character.cmp(&b.character));
    Ok(out)
}

/// A small seeded generator (xorshift64*): the same deformations every run.
struct Hand(u64);

impl Hand {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in ±`range`.
    fn within(&mut self, range: f64) -> f64 {
        (self.next() * 2.0 - 1.0) * range
    }
}

/// `sample` drawn by hand number `seed` on a [`PAD`]-sized pad.
pub fn draw(sample: &Sample, seed: u64) -> Ink {
    let mut hand = Hand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let scale = 0.72 + hand.within(0.08);
    let (sin, cos) = hand.within(6f64.to_radians()).sin_cos();
    let shear = hand.within(0.1);
    let (dx, dy) = (hand.within(18.0), hand.within(18.0));
    let pad = f64::from(PAD);
    let place = |x: f64, y: f64| {
        // Centre the 1024 box (y up, baseline at 900), then slant, shear and scale it.
        let (u, v) = ((x - 512.0) / 1024.0, (900.0 - y - 512.0) / 1024.0);
        let (u, v) = (u + shear * v, v);
        let (u, v) = (u * cos - v * sin, u * sin + v * cos);
        (pad / 2.0 + u * pad * scale + dx, pad / 2.0 + v * pad * scale + dy)
    };
    let mut ink = Ink::new(PAD, PAD);
    for median in &sample.medians {
        let (sx, sy) = (hand.within(4.0), hand.within(4.0));
        let points: Vec<(f64, f64)> = median
            .iter()
            .map(|[x, y]| {
                let (x, y) = place(*x, *y);
                (x + sx, y + sy)
            })
            .collect();
        let resampled = resample(&points, 6.0);
        let drawn = resampled.into_iter().map(|(x, y)| {
            (
                (x + hand.within(1.2)).round() as i32,
                (y + hand.within(1.2)).round() as i32,
            )
        });
        ink.push_stroke(drawn);
    }
    ink
}

/// Points along the polyline every `step` pixels (a touchscreen's samples), ends kept.
fn resample(points: &[(f64, f64)], step: f64) -> Vec<(f64, f64)> {
    let Some(&first) = points.first() else {
        return Vec::new();
    };
    let mut out = vec![first];
    let mut carry = 0.0;
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let length = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let mut at = step - carry;
        while at <= length {
            let t = at / length;
            out.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
            at += step;
        }
        carry = (carry + length) % step;
    }
    if let Some(&last) = points.last() {
        if out.last() != Some(&last) {
            out.push(last);
        }
    }
    out
}
