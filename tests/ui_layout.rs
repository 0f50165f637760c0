//! Every page fits every supported screen: rendered through Slint's testing backend at each
//! size (portrait 1080×1920, landscape 1920×1080, 1280×800 and the small 800×480 panel), in
//! both languages and in elderly mode, no labelled element (text, button) lies outside the
//! window — unless it is inside a scrolling area, which must still contain it horizontally —
//! the page's main action (a `PrimaryButton`) is in view without scrolling, nothing lies
//! below a scrolling area's visible part unless the area shows its "more below" cue, and no
//! button's text is cut (the button reports `clipped` when its text needs more room).

use i_slint_backend_testing::{ElementHandle, ElementQuery};
use slint::ComponentHandle;
use std::rc::Rc;
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::app::sim_controls::SimControls;
use township_kiosk::app::staging::{prepare, PAGES};
use township_kiosk::config::Config;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::domain::Lang;
use township_kiosk::ui::Shell;

const SIZES: [(f32, f32); 4] = [(1080.0, 1920.0), (1920.0, 1080.0), (1280.0, 800.0), (800.0, 480.0)];

fn shell_on(page: &str, lang: Lang, elderly: bool) -> Rc<Shell> {
    let config = Config::default();
    let catalogue = township_kiosk::app::load_catalogue(&config).unwrap();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.sim = Some(SimControls::new(None, None));
    let mut app = KioskApp::new(config, catalogue, parts);
    prepare(&mut app, page, lang, elderly).unwrap();
    let shell = Shell::new(app).unwrap();
    shell.window.show().unwrap();
    shell
}

struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

fn rect(e: &ElementHandle) -> Rect {
    let (p, s) = (e.absolute_position(), e.size());
    Rect {
        x: p.x,
        y: p.y,
        w: s.width,
        h: s.height,
    }
}

/// Left, right, top and bottom of an area.
fn area_of(r: &Rect) -> (f32, f32, f32, f32) {
    (r.x, r.x + r.w, r.y, r.y + r.h)
}

/// What is wrong with this page at this size (empty when it fits).
/// The labels of the scrolling areas' "more below" cue.
const CUES: [&str; 2] = ["下面还有内容", "More below"];

fn problems(shell: &Rc<Shell>, width: f32, height: f32) -> Vec<String> {
    problems_seeing_cues(shell, width, height, true)
}

/// As [`problems`]; with `see_cues` off, as if no area showed its cue (the check's own test).
fn problems_seeing_cues(shell: &Rc<Shell>, width: f32, height: f32, see_cues: bool) -> Vec<String> {
    shell.set_size(width as u32, height as u32);
    let all = ElementQuery::from_root(&shell.window).find_all();
    let cues: Vec<Rect> = all
        .iter()
        .filter(|e| see_cues && e.accessible_label().is_some_and(|l| CUES.contains(&l.as_str())))
        .map(rect)
        .collect();
    // Whether the area (left, right, top, bottom) shows its cue at its bottom edge.
    let cued = |&(left, right, _top, bottom): &(f32, f32, f32, f32)| {
        cues.iter()
            .any(|c| c.x >= left - 1.0 && c.x + c.w <= right + 1.0 && (c.y + c.h - bottom).abs() <= 2.0)
    };
    // Elements inside a scrolling area, by identity (type, label, place, size), with the
    // horizontal extent of their area.
    let key = |e: &ElementHandle| {
        let r = rect(e);
        format!(
            "{:?}|{:?}|{}|{}|{}|{}",
            e.type_name(),
            e.accessible_label(),
            r.x,
            r.y,
            r.w,
            r.h
        )
    };
    let mut scrolled = std::collections::HashMap::new();
    let is_a = |e: &ElementHandle, kind: &str| {
        e.type_name().as_deref() == Some(kind) || e.bases().is_some_and(|mut b| b.any(|b| b == kind))
    };
    for flickable in all.iter().filter(|e| is_a(e, "Flickable")) {
        let area = rect(flickable);
        for inner in flickable.query_descendants().find_all() {
            // The innermost area wins: descendants are visited after their ancestors.
            scrolled.insert(key(&inner), area_of(&area));
        }
    }
    let mut found = Vec::new();
    const SLACK: f32 = 1.0;
    for element in &all {
        let Some(label) = element.accessible_label().filter(|l| !l.trim().is_empty()) else {
            continue;
        };
        if element.computed_opacity() <= 0.0 {
            continue;
        }
        let r = rect(element);
        if r.w <= 0.0 || r.h <= 0.0 {
            continue;
        }
        if element.accessible_description().as_deref() == Some("clipped") {
            found.push(format!("{label:?}: its text does not fit ({:.0}×{:.0})", r.w, r.h));
        }
        // The page's main action must be in view as the page opens: not cut off and not
        // scrolled below the fold, where a citizen would not find it.
        let in_view_required = is_a(element, "PrimaryButton");
        let (left, right, top, bottom) = match scrolled.get(&key(element)) {
            Some(&(left, right, top, bottom)) if in_view_required => (left, right, top.max(0.0), bottom.min(height)),
            // Inside a scrolling area: any height, but the width of the area.
            Some(&(left, right, _, _)) => (left, right, f32::MIN, f32::MAX),
            None => (0.0, width, 0.0, height),
        };
        if r.x < left - SLACK || r.x + r.w > right + SLACK || r.y < top - SLACK || r.y + r.h > bottom + SLACK {
            found.push(format!(
                "{label:?} at {:.0},{:.0} {:.0}×{:.0} is cut off",
                r.x, r.y, r.w, r.h
            ));
        }
        // Below a scrolling area's visible part: only with a sign that there is more.
        if let Some(area) = scrolled.get(&key(element)) {
            let visible_bottom = area.3.min(height);
            if r.y + r.h > visible_bottom + SLACK && !cued(area) && !CUES.contains(&label.as_str()) {
                found.push(format!(
                    "{label:?} at {:.0},{:.0} lies below the visible part ({:.0}) with no cue",
                    r.x, r.y, visible_bottom
                ));
            }
        }
    }
    found
}

/// Where a control still lies below the fold with no cue: wrapped text makes these pages
/// taller than their layout's preferred height, so their scrolling area does not know it
/// overflows (the elderly layout of issue 26 replaces them). A ratchet, not a skip: these are
/// checked like every other case and printed; a new case fails, and so does a listed case
/// that no longer fails (strike it from the list).
const KNOWN_HIDDEN_WITHOUT_CUE: [&str; 9] = [
    "address-handwriting en elderly 1080×1920",
    "catalogue en elderly 1920×1080",
    "catalogue zh-CN elderly 1920×1080",
    "materials en elderly 1080×1920",
    "materials zh-CN elderly 1080×1920",
    "progress-supply en elderly 1080×1920",
    "progress-supply zh-CN elderly 1080×1920",
    "progress en elderly 1080×1920",
    "progress zh-CN elderly 1080×1920",
];

#[test]
fn every_page_fits_every_size_in_both_languages_and_elderly_mode() {
    i_slint_backend_testing::init_no_event_loop();
    let mut failures = Vec::new();
    let mut known_seen = std::collections::BTreeSet::new();
    for page in PAGES {
        for (lang, elderly) in [(Lang::Zh, false), (Lang::En, false), (Lang::Zh, true), (Lang::En, true)] {
            let shell = shell_on(page, lang, elderly);
            for (width, height) in SIZES {
                let case = format!(
                    "{page} {}{} {width}×{height}",
                    lang.code(),
                    if elderly { " elderly" } else { "" }
                );
                for problem in problems(&shell, width, height) {
                    if problem.contains("with no cue") && KNOWN_HIDDEN_WITHOUT_CUE.contains(&case.as_str()) {
                        println!("known, still open: {case}: {problem}");
                        known_seen.insert(case.clone());
                        continue;
                    }
                    failures.push(format!("{case}: {problem}"));
                }
            }
        }
    }
    for known in KNOWN_HIDDEN_WITHOUT_CUE {
        if !known_seen.contains(known) {
            failures.push(format!("{known}: fixed — strike it from KNOWN_HIDDEN_WITHOUT_CUE"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_check_sees_a_page_that_does_not_fit() {
    i_slint_backend_testing::init_no_event_loop();
    let shell = shell_on("review", Lang::En, true);
    // A window far narrower than any supported panel cannot hold the review page's buttons.
    let found = problems(&shell, 260.0, 400.0);
    assert!(!found.is_empty());
}

/// Without the "more below" cue, the review at 800×480 (the delivery choice below the fold,
/// 去支付 in view: a citizen could pay without seeing it) is a failure.
#[test]
fn the_check_sees_controls_hidden_below_without_a_cue() {
    i_slint_backend_testing::init_no_event_loop();
    let shell = shell_on("review", Lang::Zh, false);
    let hidden = problems_seeing_cues(&shell, 800.0, 480.0, false);
    assert!(hidden.iter().any(|p| p.contains("with no cue")), "{hidden:?}");
    let cued = problems(&shell, 800.0, 480.0);
    assert!(cued.iter().all(|p| !p.contains("with no cue")), "{cued:?}");
}

#[test]
fn the_check_sees_a_main_action_scrolled_out_of_view() {
    i_slint_backend_testing::init_no_event_loop();
    let shell = shell_on("review", Lang::Zh, true);
    // So short that the frame's bottom zone with 提交 cannot be in view.
    let found = problems(&shell, 800.0, 200.0);
    assert!(found.iter().any(|p| p.contains("提交")), "{found:?}");
}
