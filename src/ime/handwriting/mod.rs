//! Handwriting input: what a citizen writes with a finger on the writing pad (手写), as
//! [`Ink`] (strokes of points in a pad of known size), recognised on the device by a
//! [`HandwritingEngine`] into candidate characters, best first. The production engine is
//! zinnia with the Tegaki simplified-Chinese model, both from the Debian archive
//! (`libzinnia0`, `tegaki-zinnia-simplified-chinese`, LGPL-2.1+); see [`zinnia`].
//!
//! Privacy: the ink lives in the keyboard's state for one character and is cleared when a
//! candidate is taken, with the session, or by 重写; nothing is logged or kept.

pub mod testset;
pub mod zinnia;

use serde::{Deserialize, Serialize};

/// The most points one stroke keeps, and the most strokes one character keeps: a finger
/// dragged for minutes must not grow the ink without bound.
pub const MAX_POINTS_PER_STROKE: usize = 512;
pub const MAX_STROKES: usize = 64;

/// Strokes on a pad: `{"width":W,"height":H,"strokes":[[[x,y],…],…]}` (the CLI's format).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ink {
    pub width: u32,
    pub height: u32,
    pub strokes: Vec<Vec<[i32; 2]>>,
}

impl Ink {
    pub fn new(width: u32, height: u32) -> Ink {
        Ink {
            width,
            height,
            strokes: Vec::new(),
        }
    }

    /// Adds one stroke (points outside the pad are clamped to its edge; a stroke of no
    /// point is ignored; beyond the bounds, points are thinned and strokes refused).
    pub fn push_stroke(&mut self, points: impl IntoIterator<Item = (i32, i32)>) -> bool {
        if self.strokes.len() >= MAX_STROKES {
            return false;
        }
        let (w, h) = (self.width as i32, self.height as i32);
        let mut stroke: Vec<[i32; 2]> = points
            .into_iter()
            .map(|(x, y)| [x.clamp(0, w.max(1) - 1), y.clamp(0, h.max(1) - 1)])
            .collect();
        if stroke.is_empty() {
            return false;
        }
        if stroke.len() > MAX_POINTS_PER_STROKE {
            let step = stroke.len().div_ceil(MAX_POINTS_PER_STROKE);
            let last = *stroke.last().unwrap_or(&[0, 0]);
            stroke = stroke.into_iter().step_by(step).collect();
            if stroke.last() != Some(&last) {
                stroke.push(last);
            }
        }
        self.strokes.push(stroke);
        true
    }

    pub fn is_empty(&self) -> bool {
        self.strokes.is_empty()
    }

    /// Checks the CLI's input: a pad of some size, bounded strokes, points on the pad.
    pub fn validate(&self) -> Result<(), String> {
        if self.width == 0 || self.height == 0 || self.width > 10_000 || self.height > 10_000 {
            return Err(format!(
                "the pad is {}x{}: give a width and height of 1 to 10000",
                self.width, self.height
            ));
        }
        if self.strokes.len() > MAX_STROKES {
            return Err(format!("{} strokes: at most {MAX_STROKES}", self.strokes.len()));
        }
        for (n, stroke) in self.strokes.iter().enumerate() {
            if stroke.is_empty() || stroke.len() > MAX_POINTS_PER_STROKE {
                return Err(format!(
                    "stroke {n} has {} points: 1 to {MAX_POINTS_PER_STROKE}",
                    stroke.len()
                ));
            }
            if let Some([x, y]) = stroke
                .iter()
                .find(|[x, y]| *x < 0 || *y < 0 || *x >= self.width as i32 || *y >= self.height as i32)
            {
                return Err(format!("stroke {n} has the point ({x}, {y}) outside the pad"));
            }
        }
        Ok(())
    }

    /// The strokes as SVG path commands in pad coordinates (the pad draws them).
    pub fn path_commands(&self) -> String {
        let mut out = String::new();
        for stroke in &self.strokes {
            for (i, [x, y]) in stroke.iter().enumerate() {
                let verb = if i == 0 { 'M' } else { 'L' };
                out.push_str(&format!("{verb} {x} {y} "));
            }
            if stroke.len() == 1 {
                let [x, y] = stroke[0];
                out.push_str(&format!("L {} {} ", x + 1, y + 1));
            }
        }
        out.trim_end().to_string()
    }
}

/// One recognised character and the engine's score for it (higher is better).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HandwritingCandidate {
    pub text: String,
    pub score: f32,
}

/// Why handwriting cannot be recognised.
#[derive(Debug, thiserror::Error)]
pub enum HandwritingError {
    #[error("the handwriting model {path} could not be opened: {reason} (install tegaki-zinnia-simplified-chinese)")]
    Model { path: String, reason: String },
    #[error("the handwriting engine refused the strokes: {0}")]
    Engine(String),
}

/// A recogniser of handwritten characters.
pub trait HandwritingEngine: Send + Sync {
    /// The `top` best characters for `ink`, best first (none for empty ink).
    fn recognize(&self, ink: &Ink, top: usize) -> Result<Vec<HandwritingCandidate>, HandwritingError>;
    /// The engine and model, for `kiosk doctor` and the bench.
    fn describe(&self) -> String;
}

#[cfg(test)]
mod tests;
