//! `kiosk bench handwriting`: the writing pad's budget, measured on this machine. The model's
//! load (goal ≤ 300 ms), then a recognition after every stroke of every character of the test
//! set as three hands draw it (goal ≤ 30 ms each: the candidates follow the finger), and the
//! top-1 and top-5 accuracy of the finished characters.

use super::exit;
use crate::ime::handwriting::testset::{draw, load};
use crate::ime::handwriting::zinnia::{Zinnia, DEFAULT_MODEL};
use crate::ime::handwriting::{HandwritingEngine, Ink};
use std::path::Path;
use std::time::Instant;

const LOAD_GOAL_MS: f64 = 300.0;
const STROKE_GOAL_MS: f64 = 30.0;
const HANDS: u64 = 3;

pub fn bench(testset: &Path) -> i32 {
    let samples = match load(testset) {
        Ok(samples) if !samples.is_empty() => samples,
        Ok(_) => {
            eprintln!(
                "kiosk bench: {}: no characters (scripts/fetch-handwriting-testset.sh)",
                testset.display()
            );
            return exit::NOT_FOUND;
        }
        Err(e) => {
            eprintln!("kiosk bench: {e} (scripts/fetch-handwriting-testset.sh fetches the set)");
            return exit::NOT_FOUND;
        }
    };
    let started = Instant::now();
    let engine = match Zinnia::open(Path::new(DEFAULT_MODEL)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("kiosk bench: {e}");
            return exit::CONFIG;
        }
    };
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("engine: {}", engine.describe());
    println!(
        "model load: {load_ms:.1} ms ({:.2}× the {LOAD_GOAL_MS:.0} ms goal)",
        load_ms / LOAD_GOAL_MS
    );
    let mut per_stroke = Vec::new();
    let (mut top1, mut top5, mut total) = (0, 0, 0);
    for sample in &samples {
        for hand in 0..HANDS {
            let ink = draw(sample, hand);
            let mut partial = Ink::new(ink.width, ink.height);
            let mut last = Vec::new();
            for stroke in &ink.strokes {
                partial.strokes.push(stroke.clone());
                let t = Instant::now();
                last = engine.recognize(&partial, 8).unwrap_or_default();
                per_stroke.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            total += 1;
            let rank = last.iter().position(|c| c.text == sample.character);
            top1 += usize::from(rank == Some(0));
            top5 += usize::from(rank.is_some_and(|r| r < 5));
        }
    }
    per_stroke.sort_by(f64::total_cmp);
    let at = |q: f64| per_stroke[((per_stroke.len() - 1) as f64 * q).round() as usize];
    println!(
        "recognition after a stroke ({} strokes): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({:.2}× the {STROKE_GOAL_MS:.0} ms goal at p99)",
        per_stroke.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        at(0.99) / STROKE_GOAL_MS
    );
    println!(
        "accuracy on {total} drawn characters ({} characters × {HANDS} hands): top-1 {:.1} %, top-5 {:.1} %",
        samples.len(),
        100.0 * top1 as f64 / total as f64,
        100.0 * top5 as f64 / total as f64
    );
    exit::OK
}
