//! Handwriting recognition as the kiosk ships it (zinnia with Debian's Tegaki model): the
//! `kiosk handwriting recognize` command on a drawn character and on bad input, and the
//! accuracy over the test set (117 characters, scripts/fetch-handwriting-testset.sh, each
//! drawn by three simulated hands; see `ime::handwriting::testset`). The figures are
//! printed; the floors catch a broken engine, scaling or axis, not a small regression.

use std::path::{Path, PathBuf};
use std::process::Command;
use township_kiosk::ime::handwriting::testset::{draw, load};
use township_kiosk::ime::handwriting::zinnia::shared;
use township_kiosk::ime::handwriting::HandwritingEngine;

fn testset() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/handwriting-testset");
    assert!(
        dir.join("stamp").exists(),
        "no handwriting test set in {}: run scripts/fetch-handwriting-testset.sh (scripts/test-all.sh does)",
        dir.display()
    );
    dir
}

fn kiosk(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_recognises_a_drawn_character_and_refuses_bad_strokes() {
    let samples = load(&testset()).unwrap();
    let road = samples.iter().find(|s| s.character == "口").expect("口 in the set");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strokes.json");
    std::fs::write(&file, serde_json::to_string(&draw(road, 7)).unwrap()).unwrap();
    let path = file.to_str().unwrap();
    let (code, out, err) = kiosk(&["handwriting", "recognize", "--strokes", path, "--json"]);
    assert_eq!(code, 0, "{err}");
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    let candidates: Vec<&str> = answer["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(candidates.len(), 8, "the top 8 by default: {out}");
    assert!(candidates.contains(&"口"), "{out}");
    let (code, out, _) = kiosk(&["handwriting", "recognize", "--strokes", path, "--top", "3"]);
    assert_eq!((code, out.lines().count()), (0, 3), "{out}");

    for (bad, why) in [
        ("not json", "not a strokes file"),
        (r#"{"width":100,"height":100,"strokes":[[[5,500]]]}"#, "outside the pad"),
        (r#"{"width":0,"height":100,"strokes":[]}"#, "width and height"),
    ] {
        std::fs::write(&file, bad).unwrap();
        let (code, out, err) = kiosk(&["handwriting", "recognize", "--strokes", path]);
        assert_eq!(code, 1, "{bad}: {out}{err}");
        assert!(err.contains(why), "{bad}: {err}");
    }
    std::fs::write(&file, "x".repeat(2 << 20)).unwrap();
    let (code, _, err) = kiosk(&["handwriting", "recognize", "--strokes", path]);
    assert_eq!(code, 1);
    assert!(err.contains("larger than 1024 KiB"), "{err}");
    let (code, _, err) = kiosk(&["handwriting", "recognize", "--strokes", "/nonexistent.json"]);
    assert_eq!(code, 1, "{err}");
    std::fs::write(&file, serde_json::to_string(&draw(road, 7)).unwrap()).unwrap();
    let (code, _, err) = kiosk(&[
        "handwriting",
        "recognize",
        "--strokes",
        path,
        "--model",
        "/nonexistent.model",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tegaki-zinnia-simplified-chinese"), "{err}");
}

#[test]
fn the_test_set_is_recognised_well_enough_to_write_with() {
    let samples = load(&testset()).unwrap();
    assert!(samples.len() >= 100, "{} characters", samples.len());
    let engine = shared().unwrap();
    let (mut top1, mut top5, mut total) = (0, 0, 0);
    let mut missed = Vec::new();
    for sample in &samples {
        for hand in 0..3 {
            let found = engine.recognize(&draw(sample, hand), 8).unwrap();
            let rank = found.iter().position(|c| c.text == sample.character);
            total += 1;
            top1 += usize::from(rank == Some(0));
            top5 += usize::from(rank.is_some_and(|r| r < 5));
            if rank.is_none_or(|r| r >= 5) {
                missed.push(sample.character.clone());
            }
        }
    }
    let (p1, p5) = (100.0 * top1 as f64 / total as f64, 100.0 * top5 as f64 / total as f64);
    println!(
        "handwriting: {total} drawn characters, top-1 {p1:.1} %, top-5 {p5:.1} %; not in the top 5: {}",
        missed.join("")
    );
    assert!(p1 >= 70.0 && p5 >= 80.0, "top-1 {p1:.1} %, top-5 {p5:.1} %");
}
