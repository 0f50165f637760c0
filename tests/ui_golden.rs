//! Golden screenshots: every page, in Chinese and English, normal and elderly mode, rendered
//! headless (the `kiosk screenshot` code, in this process) at 1080×1920 and compared with the approved picture in tests/golden
//! with a tolerant comparison (4×4 grey averages; a few anti-aliasing differences pass, a
//! moved or missing block fails). After an intended change of the UI, look at the new
//! pictures and approve them: `KIOSK_UPDATE_GOLDEN=1 cargo test --test ui_golden`.

use std::path::{Path, PathBuf};
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::app::sim_controls::SimControls;
use township_kiosk::app::staging::PAGES;
use township_kiosk::config::Config;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::domain::Lang;
use township_kiosk::ui::screenshot::render_page;

const SCALE: usize = 4;
const WIDTH: usize = 1080;
const HEIGHT: usize = 1920;

/// A grey picture averaged over SCALE×SCALE blocks.
struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

/// An approved picture (stored grey, already averaged).
fn decode(path: &Path) -> Grey {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale, "{}", path.display());
    let (width, height) = (info.width as usize, info.height as usize);
    buffer.truncate(width * height);
    Grey {
        width,
        height,
        pixels: buffer,
    }
}

fn write_grey(path: &Path, grey: &Grey) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), grey.width as u32, grey.height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(&grey.pixels).unwrap();
}

/// Share of block pixels that differ by more than a faint anti-aliasing change.
fn difference(a: &Grey, b: &Grey) -> f64 {
    if (a.width, a.height) != (b.width, b.height) {
        return 1.0;
    }
    let differing = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .filter(|(x, y)| x.abs_diff(**y) > 32)
        .count();
    differing as f64 / a.pixels.len() as f64
}

/// A page rendered headless, averaged into 4×4 grey blocks.
fn render(page: &str, lang: Lang, elderly: bool) -> Grey {
    let config = Config::default();
    let catalogue = township_kiosk::app::load_catalogue(&config).unwrap();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.sim = Some(SimControls::new(None, None));
    let app = KioskApp::new(config, catalogue, parts);
    let pixels = render_page(app, page, WIDTH as u32, HEIGHT as u32, lang, elderly).unwrap();
    let (gw, gh) = (WIDTH / SCALE, HEIGHT / SCALE);
    let mut grey = Vec::with_capacity(gw * gh);
    for y in 0..gh {
        for x in 0..gw {
            let mut sum = 0u32;
            for dy in 0..SCALE {
                for dx in 0..SCALE {
                    let p = pixels[(y * SCALE + dy) * WIDTH + x * SCALE + dx];
                    sum += (u32::from(p.r) * 3 + u32::from(p.g) * 6 + u32::from(p.b)) / 10;
                }
            }
            grey.push((sum / (SCALE * SCALE) as u32) as u8);
        }
    }
    Grey {
        width: gw,
        height: gh,
        pixels: grey,
    }
}

#[test]
fn every_page_matches_its_approved_picture() {
    let golden_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("KIOSK_UPDATE_GOLDEN").is_some();
    std::fs::create_dir_all(&golden_dir).unwrap();
    let mut failures = Vec::new();
    for page in PAGES {
        for (lang, code) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
            for elderly in [false, true] {
                let name = format!("{page}-{code}{}", if elderly { "-elderly" } else { "" });
                let now = render(page, lang, elderly);
                let golden = golden_dir.join(format!("{name}.png"));
                if update {
                    write_grey(&golden, &now);
                    continue;
                }
                if !golden.exists() {
                    failures.push(format!(
                        "{name}: no approved picture (KIOSK_UPDATE_GOLDEN=1 to approve)"
                    ));
                    continue;
                }
                let share = difference(&decode(&golden), &now);
                if share > 0.015 {
                    let kept = std::env::temp_dir().join(format!("kiosk-golden-{name}.png"));
                    write_grey(&kept, &now);
                    failures.push(format!(
                        "{name}: {:.1} % of the picture changed (now: {})",
                        share * 100.0,
                        kept.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_comparison_sees_a_moved_block_but_not_a_faint_change() {
    let base = Grey {
        width: 100,
        height: 100,
        pixels: (0..10_000).map(|i| if (i % 100) < 50 { 255 } else { 0 }).collect(),
    };
    let faint = Grey {
        pixels: base.pixels.iter().map(|p| p.saturating_sub(10)).collect(),
        ..base
    };
    assert_eq!(difference(&base, &faint), 0.0);
    let moved = Grey {
        width: 100,
        height: 100,
        pixels: (0..10_000).map(|i| if (i % 100) < 45 { 255 } else { 0 }).collect(),
    };
    assert!(difference(&base, &moved) > 0.015);
}
