//! The signed 容缺 promise: the promise's words as the citizen read them (with the material
//! and the deadline) and their handwritten signature from the on-screen pad. The signature
//! is the pad's strokes as path commands (`M x y L x y …`) in a 1000 × 400 box, the same
//! form the screen draws and a back office can render as SVG. It travels inside the
//! application, so it is sealed with it at rest and never printed or logged (`Debug` shows
//! only its size).
//! Pure: must not import any I/O crate.

use serde::{Deserialize, Serialize};

/// The pad's coordinate box.
pub const PAD_WIDTH: u32 = 1000;
pub const PAD_HEIGHT: u32 = 400;
/// Fewer points than this is a tap or a dot, not a signature.
const MIN_POINTS: usize = 8;
/// The strokes must span at least this much of the pad's width (a tenth).
const MIN_SPAN: u32 = PAD_WIDTH / 10;
/// More than this is not a hand signing (a stuck touch panel, a bug): refused.
const MAX_POINTS: usize = 4000;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPromise {
    /// The promise as shown, in the citizen's language.
    pub promise: String,
    /// Path commands in the pad's box, normalised (`M x y L x y …`, integers).
    pub strokes: String,
}

impl std::fmt::Debug for SignedPromise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignedPromise({} bytes of strokes)", self.strokes.len())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the pad is empty or holds only a dot")]
    TooLittle,
    #[error("the strokes are not the pad's path commands")]
    Malformed,
    #[error("more strokes than a hand signs")]
    TooMuch,
}

impl SignedPromise {
    /// Checks the pad's path commands and normalises them (points clamped to the box,
    /// rounded, single spaces).
    pub fn new(promise: &str, commands: &str) -> Result<SignedPromise, SignatureError> {
        let points = parse(commands)?;
        if points.len() > MAX_POINTS {
            return Err(SignatureError::TooMuch);
        }
        let (min_x, max_x) = points
            .iter()
            .fold((u32::MAX, 0), |(lo, hi), (_, x, _)| (lo.min(*x), hi.max(*x)));
        if points.len() < MIN_POINTS || max_x.saturating_sub(min_x) < MIN_SPAN {
            return Err(SignatureError::TooLittle);
        }
        let strokes = points
            .iter()
            .map(|(op, x, y)| format!("{op} {x} {y}"))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(SignedPromise {
            promise: promise.to_string(),
            strokes,
        })
    }

    /// How many separate strokes (pen-downs) the signature has.
    pub fn stroke_count(&self) -> usize {
        self.strokes.split(' ').filter(|t| *t == "M").count()
    }
}

/// `M x y L x y …` → points with their command; a path must start with `M`.
fn parse(commands: &str) -> Result<Vec<(char, u32, u32)>, SignatureError> {
    let mut tokens = commands.split_whitespace();
    let mut points = Vec::new();
    while let Some(op) = tokens.next() {
        let op = match op {
            "M" => 'M',
            "L" if !points.is_empty() => 'L',
            _ => return Err(SignatureError::Malformed),
        };
        let mut coordinate = |max: u32| -> Result<u32, SignatureError> {
            let value: f64 = tokens
                .next()
                .and_then(|t| t.parse().ok())
                .filter(|v: &f64| v.is_finite())
                .ok_or(SignatureError::Malformed)?;
            Ok(value.round().clamp(0.0, f64::from(max)) as u32)
        };
        let x = coordinate(PAD_WIDTH)?;
        let y = coordinate(PAD_HEIGHT)?;
        points.push((op, x, y));
        if points.len() > MAX_POINTS {
            return Err(SignatureError::TooMuch);
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zigzag(points: usize) -> String {
        let mut path = String::from("M 100 200");
        for i in 1..points {
            path.push_str(&format!(" L {} {}", 100 + i * 40, if i % 2 == 0 { 150 } else { 250 }));
        }
        path
    }

    #[test]
    fn a_hand_signature_is_kept_normalised() {
        let signed = SignedPromise::new(
            "本人承诺……",
            "M 10.4 20.6  L 500 30 L 900.7 399.9 M 20 20 L 30 30 L 40 40 L 50 50 L 60 60",
        )
        .unwrap();
        assert_eq!(
            signed.strokes,
            "M 10 21 L 500 30 L 901 400 M 20 20 L 30 30 L 40 40 L 50 50 L 60 60"
        );
        assert_eq!(signed.stroke_count(), 2);
        assert_eq!(signed.promise, "本人承诺……");
    }

    #[test]
    fn points_off_the_pad_are_clamped_to_its_edge() {
        let signed = SignedPromise::new("p", &format!("M -50 -3 {}", &zigzag(9)[9..])).unwrap();
        assert!(signed.strokes.starts_with("M 0 0 L"), "{}", signed.strokes);
    }

    #[test]
    fn an_empty_pad_a_dot_and_a_short_tick_are_not_signatures() {
        assert_eq!(SignedPromise::new("p", ""), Err(SignatureError::TooLittle));
        assert_eq!(SignedPromise::new("p", "M 500 200"), Err(SignatureError::TooLittle));
        let tick = "M 500 200 L 501 201 L 502 202 L 503 203 L 504 204 L 505 205 L 506 206 L 507 207 L 508 208";
        assert_eq!(
            SignedPromise::new("p", tick),
            Err(SignatureError::TooLittle),
            "too narrow"
        );
        assert!(SignedPromise::new("p", &zigzag(8)).is_ok());
    }

    #[test]
    fn anything_but_the_pads_commands_is_refused() {
        for bad in [
            "L 1 2",
            "M 1",
            "M a b",
            "M 1 2 C 3 4 5 6",
            "M 1 2 L NaN 3",
            "M 1 2 L inf 3",
        ] {
            assert_eq!(SignedPromise::new("p", bad), Err(SignatureError::Malformed), "{bad}");
        }
        assert_eq!(
            SignedPromise::new("p", &zigzag(MAX_POINTS + 1)),
            Err(SignatureError::TooMuch)
        );
    }

    #[test]
    fn debug_shows_no_strokes() {
        let signed = SignedPromise::new("本人承诺", &zigzag(10)).unwrap();
        let shown = format!("{signed:?}");
        assert!(!shown.contains("M 100") && !shown.contains("本人"), "{shown}");
    }
}
