use super::zinnia::{shared, Zinnia};
use super::*;
use std::path::Path;

fn ink(strokes: &[&[(i32, i32)]]) -> Ink {
    let mut ink = Ink::new(320, 320);
    for stroke in strokes {
        assert!(ink.push_stroke(stroke.iter().copied()));
    }
    ink
}

#[test]
fn strokes_are_clamped_to_the_pad_and_bounded() {
    let mut ink = Ink::new(100, 50);
    assert!(ink.push_stroke([(-5, 10), (120, 80)]));
    assert_eq!(ink.strokes[0], vec![[0, 10], [99, 49]]);
    assert!(!ink.push_stroke([]), "a stroke of no point is no stroke");
    // A finger dragged for minutes is thinned to the bound, its end kept.
    assert!(ink.push_stroke((0..5000).map(|i| (i % 100, i % 50))));
    assert!(ink.strokes[1].len() <= MAX_POINTS_PER_STROKE + 1);
    assert_eq!(ink.strokes[1].last(), Some(&[99, 49]));
    while ink.strokes.len() < MAX_STROKES {
        ink.push_stroke([(1, 1)]);
    }
    assert!(!ink.push_stroke([(2, 2)]), "no more than {MAX_STROKES} strokes");
    assert_eq!(ink.validate(), Ok(()));
}

#[test]
fn bad_ink_is_refused_with_the_reason() {
    let mut ink = Ink::new(0, 10);
    assert!(ink.validate().unwrap_err().contains("width and height"));
    ink.width = 10;
    ink.strokes = vec![vec![[3, 3]], vec![]];
    assert!(ink.validate().unwrap_err().contains("stroke 1 has 0 points"));
    ink.strokes = vec![vec![[3, 30]]];
    assert!(ink.validate().unwrap_err().contains("(3, 30) outside the pad"));
}

#[test]
fn the_pad_draws_the_strokes_as_a_path() {
    let ink = ink(&[&[(1, 2), (3, 4)], &[(5, 6)]]);
    assert_eq!(ink.path_commands(), "M 1 2 L 3 4 M 5 6 L 6 7");
}

#[test]
fn written_characters_are_recognised_on_the_device() {
    let engine = shared().expect("the Debian model (tegaki-zinnia-simplified-chinese) is installed");
    let ten = ink(&[
        &[(50, 160), (160, 160), (270, 160)],
        &[(160, 40), (160, 160), (160, 290)],
    ]);
    let found = engine.recognize(&ten, 8).unwrap();
    assert_eq!(found.first().map(|c| c.text.as_str()), Some("十"), "{found:?}");
    assert!(found.len() <= 8 && found.windows(2).all(|w| w[0].score >= w[1].score));
    let mouth = ink(&[
        &[(80, 80), (80, 240)],
        &[(80, 80), (240, 80), (240, 240)],
        &[(80, 240), (240, 240)],
    ]);
    let found = engine.recognize(&mouth, 5).unwrap();
    assert!(found.iter().any(|c| c.text == "口"), "{found:?}");
    assert!(
        engine.recognize(&Ink::new(320, 320), 8).unwrap().is_empty(),
        "no ink, nothing offered"
    );
    assert!(engine.describe().contains("zinnia") && engine.describe().contains("6763 characters"));
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let Err(e) = Zinnia::open(Path::new("/nonexistent/handwriting.model")) else {
        panic!("opened a missing model");
    };
    let message = e.to_string();
    assert!(
        message.contains("/nonexistent/handwriting.model") && message.contains("tegaki-zinnia"),
        "{message}"
    );
}
