//! Contrast computed from the theme (ui/theme.slint): every text/background pair the pages
//! use reaches WCAG 2.x 4.5:1 (MIIT 2021 elderly-friendly norms ask the same).

use std::collections::HashMap;

fn theme_colours() -> HashMap<String, [f64; 3]> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/theme.slint")).unwrap();
    let mut colours = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("out property <color> ") else {
            continue;
        };
        let (name, value) = rest.split_once(':').unwrap();
        let hex = value.trim().trim_end_matches(';').trim_start_matches('#');
        colours.insert(name.trim().to_string(), rgb(hex));
    }
    colours.insert("white".into(), [1.0, 1.0, 1.0]);
    colours
}

fn rgb(hex: &str) -> [f64; 3] {
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
    [byte(0), byte(2), byte(4)]
}

fn luminance(c: [f64; 3]) -> f64 {
    let lin = |v: f64| {
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `tone` at 15 % over `base` (the badges: `tone.transparentize(0.85)`).
fn tint(tone: [f64; 3], base: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| tone[i] * 0.15 + base[i] * 0.85)
}

#[test]
fn every_text_and_background_pair_in_use_reaches_4_5_to_1() {
    let c = theme_colours();
    let get = |name: &str| *c.get(name).unwrap_or_else(|| panic!("no theme colour {name}"));
    // (foreground, background, where)
    let mut pairs: Vec<(String, [f64; 3], [f64; 3])> = Vec::new();
    for (fg, bg, place) in [
        ("text", "background", "page text"),
        ("text", "surface", "cards, fields"),
        ("muted", "background", "labels, hints"),
        ("muted", "surface", "labels on cards"),
        ("primary", "surface", "outlined buttons, links"),
        ("primary", "background", "step label, links"),
        ("white", "primary", "primary buttons, header"),
        ("white", "primary-pressed", "pressed buttons"),
        ("white", "ok", "finished steps"),
        ("error", "background", "errors"),
        ("error", "surface", "errors on cards"),
        ("warning", "background", "countdown number"),
        ("warning", "surface", "badges on cards"),
        ("warning", "amber-soft", "待拍照 / 待补交 on amber cards"),
        ("text", "amber", "countdown chip, staff banner, paper-out banner"),
        ("text", "amber-soft", "material names on amber cards"),
        ("ok", "surface", "拍照完成"),
    ] {
        pairs.push((format!("{fg} on {bg} ({place})"), get(fg), get(bg)));
    }
    for tone in ["ok", "primary", "warning", "muted"] {
        for base in ["surface", "amber-soft"] {
            pairs.push((
                format!("badge {tone} on its tint over {base}"),
                get(tone),
                tint(get(tone), get(base)),
            ));
        }
    }
    let failing: Vec<String> = pairs
        .iter()
        .map(|(name, fg, bg)| (name, contrast(*fg, *bg)))
        .filter(|(_, ratio)| *ratio < 4.5)
        .map(|(name, ratio)| format!("{name}: {ratio:.2}:1"))
        .collect();
    assert!(failing.is_empty(), "below 4.5:1:\n{}", failing.join("\n"));
}

#[test]
fn the_contrast_formula_matches_known_values() {
    assert!((contrast([0.0; 3], [1.0; 3]) - 21.0).abs() < 0.01);
    assert!((contrast([1.0; 3], [1.0; 3]) - 1.0).abs() < 1e-9);
    // #777777 on white is the classic just-below-4.5 grey.
    assert!(contrast(rgb("777777"), [1.0; 3]) < 4.5);
}
