//! Plane geometry for documents: a quadrilateral's corners and the projective transform
//! (homography) that maps a rectangle onto it. Used both ways: to flatten a photographed
//! page and to place the fixture page skewed in the simulated camera's scene.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

pub fn point(x: f32, y: f32) -> Point {
    Point { x, y }
}

/// Corners in order: top-left, top-right, bottom-right, bottom-left.
pub type Quad = [Point; 4];

/// A 3×3 projective transform (h33 = 1).
#[derive(Clone, Copy, Debug)]
pub struct Homography([f64; 9]);

impl Homography {
    /// The transform taking `from[i]` to `to[i]` for the four corners; `None` when the
    /// points are degenerate (three on a line).
    pub fn between(from: &Quad, to: &Quad) -> Option<Homography> {
        // Eight equations in the eight unknowns h11..h32.
        let mut m = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (from[i].x as f64, from[i].y as f64);
            let (u, v) = (to[i].x as f64, to[i].y as f64);
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve(m)?;
        Some(Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]))
    }

    /// Maps the rectangle (0,0)–(width,height) onto `quad`.
    pub fn rectangle_to(width: f32, height: f32, quad: &Quad) -> Option<Homography> {
        let rect = [
            point(0.0, 0.0),
            point(width, 0.0),
            point(width, height),
            point(0.0, height),
        ];
        Homography::between(&rect, quad)
    }

    pub fn apply(&self, p: Point) -> Point {
        let h = &self.0;
        let (x, y) = (p.x as f64, p.y as f64);
        let w = h[6] * x + h[7] * y + h[8];
        point(
            ((h[0] * x + h[1] * y + h[2]) / w) as f32,
            ((h[3] * x + h[4] * y + h[5]) / w) as f32,
        )
    }
}

/// Gaussian elimination with partial pivoting on an 8×9 augmented matrix.
fn solve(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for (row, values) in m.iter_mut().enumerate() {
            if row != col {
                let factor = values[col] / pivot_row[col];
                for (value, pivot) in values[col..].iter_mut().zip(&pivot_row[col..]) {
                    *value -= factor * pivot;
                }
            }
        }
    }
    let mut out = [0f64; 8];
    for (i, value) in out.iter_mut().enumerate() {
        *value = m[i][8] / m[i][i];
    }
    Some(out)
}

pub fn distance(a: Point, b: Point) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Twice the signed area (shoelace); positive for clockwise corners in screen coordinates.
pub fn area(quad: &Quad) -> f32 {
    (0..4)
        .map(|i| {
            let (a, b) = (quad[i], quad[(i + 1) % 4]);
            a.x * b.y - b.x * a.y
        })
        .sum::<f32>()
        / 2.0
}

/// True when every turn goes the same way (a convex quadrilateral in the given order).
pub fn is_convex(quad: &Quad) -> bool {
    let turns: Vec<f32> = (0..4)
        .map(|i| {
            let (a, b, c) = (quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]);
            (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
        })
        .collect();
    turns.iter().all(|t| *t > 0.0) || turns.iter().all(|t| *t < 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_the_corners_and_keeps_lines_straight() {
        let quad = [
            point(10.0, 20.0),
            point(210.0, 35.0),
            point(190.0, 300.0),
            point(5.0, 280.0),
        ];
        let h = Homography::rectangle_to(100.0, 150.0, &quad).unwrap();
        for (corner, expected) in [(point(0.0, 0.0), quad[0]), (point(100.0, 150.0), quad[2])] {
            let got = h.apply(corner);
            assert!(distance(got, expected) < 1e-3, "{got:?} vs {expected:?}");
        }
        // The middle of the top edge lies on the line between the top corners.
        let mid = h.apply(point(50.0, 0.0));
        let cross = (quad[1].x - quad[0].x) * (mid.y - quad[0].y) - (quad[1].y - quad[0].y) * (mid.x - quad[0].x);
        assert!(cross.abs() < 1e-2);
    }

    #[test]
    fn degenerate_corners_have_no_homography() {
        let line = [point(0.0, 0.0), point(1.0, 1.0), point(2.0, 2.0), point(3.0, 3.0)];
        assert!(Homography::rectangle_to(10.0, 10.0, &line).is_none());
        assert!(!is_convex(&line));
        let square = [point(0.0, 0.0), point(4.0, 0.0), point(4.0, 4.0), point(0.0, 4.0)];
        assert!(is_convex(&square));
        assert_eq!(area(&square), 16.0);
    }
}
