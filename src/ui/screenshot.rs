//! Headless rendering of any page with the software renderer, filled with realistic
//! made-up data taken through the real state machine: `kiosk screenshot`, the README
//! gallery, and the UI benchmark. Uses a minimal platform of our own (no display needed).

use super::{select_language, Shell};
use crate::app::kiosk::KioskApp;
use crate::app::sample;
use crate::devices::card_reader::fixtures::fixture;
use crate::devices::card_reader::ReaderState;
use crate::domain::calendar::Date;
use crate::domain::session::{Event, PrintState, Step};
use crate::domain::Lang;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::Rgb8Pixel;
use slint::{ComponentHandle, PhysicalSize, PlatformError};
use std::rc::Rc;
use std::time::{Duration, Instant};

pub const PAGES: &[&str] = &[
    "welcome",
    "catalogue",
    "guide",
    "identify",
    "identify-manual",
    "identify-proxy",
    "form",
    "form-errors",
    "materials",
    "review",
    "payment",
    "submitting",
    "receipt",
    "receipt-qr",
    "rating",
    "farewell",
    "idle-warning",
];

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A headless renderer: one window of a given size.
pub struct Headless {
    pub window: Rc<MinimalSoftwareWindow>,
}

impl Headless {
    /// Installs the headless platform (once per process).
    pub fn install() -> Result<Headless, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
            start: Instant::now(),
        }))
        .map_err(|e| PlatformError::Other(e.to_string()))?;
        Ok(Headless { window })
    }

    /// Renders the current frame into an RGB image.
    pub fn render(&self, width: u32, height: u32) -> Vec<Rgb8Pixel> {
        self.window.set_size(PhysicalSize::new(width, height));
        slint::platform::update_timers_and_animations();
        let mut buffer = vec![Rgb8Pixel::default(); (width * height) as usize];
        self.window.request_redraw();
        self.window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, width as usize);
        });
        buffer
    }
}

pub fn write_png(pixels: &[Rgb8Pixel], width: u32, height: u32, out: impl std::io::Write) -> std::io::Result<()> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
    let data: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    writer.write_image_data(&data).map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}

/// Brings `app` to `page` with sample data, through the state machine.
pub fn prepare(app: &mut KioskApp, page: &str, lang: Lang, elderly: bool) -> Result<(), String> {
    if !PAGES.contains(&page) {
        return Err(format!("unknown page {page:?}; see --list-pages"));
    }
    let today = Date::parse("2026-11-26").ok_or("date")?;
    app.set_today(today);
    app.reader_state = ReaderState::Ready;
    let t = 1000;
    let _ = app.dispatch_at(Event::SetLanguage(lang), t);
    let _ = app.dispatch_at(Event::SetElderly(elderly), t);
    if page == "welcome" {
        return Ok(());
    }
    let _ = app.dispatch_at(Event::Start { today }, t);
    if page == "catalogue" {
        return Ok(());
    }
    // The proxy flow needs an item that allows acting for someone else, typing one that
    // does not require the card.
    let proxy = page == "identify-proxy";
    let _ = app.choose_item(match page {
        "identify-proxy" => "ID-001",
        "identify-manual" => "HH-006",
        _ => "ID-003",
    });
    if proxy {
        let _ = app.choose_item_again_for_proxy();
    }
    if page == "guide" {
        return Ok(());
    }
    let _ = app.dispatch_at(Event::ConfirmGuide, t);
    match page {
        "identify" | "identify-proxy" => return Ok(()),
        "identify-manual" => {
            app.typed_id = "33022519900315002".into();
            let _ = app.dispatch_at(Event::ManualId("330225199003150028".into()), t);
            app.typed_id = "330225199003150028".into();
            return Ok(());
        }
        _ => {}
    }
    let card = fixture("resident").ok_or("fixture")?;
    let person = crate::devices::card_reader::Card {
        text: card.text,
        photo: card.photo,
        fingerprint: None,
        appended_address: None,
    }
    .person();
    let _ = app.dispatch_at(Event::CardRead(Box::new(person)), t);
    if page == "form-errors" {
        app.form_draft.insert("phone".into(), "1380574".into());
        let draft = app.form_draft.clone();
        let _ = app.dispatch_at(Event::SubmitForm(draft), t);
        return Ok(());
    }
    app.form_draft.insert("phone".into(), "13805740000".into());
    app.form_draft.insert("replace-reason".into(), "lost".into());
    if page == "form" {
        return Ok(());
    }
    let draft = app.form_draft.clone();
    let _ = app.dispatch_at(Event::SubmitForm(draft), t);
    let deadline = crate::domain::application::supplement_deadline(&app.catalogue, &app.calendar, today);
    let _ = app.dispatch_at(
        Event::MaterialCaptured {
            code: "household-book".into(),
            photo: "p1".into(),
        },
        t,
    );
    let _ = app.dispatch_at(
        Event::MaterialPromised {
            code: "loss-statement".into(),
            deadline,
        },
        t,
    );
    if page == "materials" {
        return Ok(());
    }
    let _ = app.dispatch_at(
        Event::MaterialCaptured {
            code: "id-photo-receipt".into(),
            photo: "p2".into(),
        },
        t,
    );
    let _ = app.dispatch_at(Event::MaterialsDone, t);
    if page == "review" || page == "idle-warning" {
        if page == "idle-warning" {
            let warn = app.session.timeouts.warn_after_ms;
            let _ = app.dispatch_at(Event::Tick, t + warn + 1);
        }
        return Ok(());
    }
    let _ = app.dispatch_at(Event::ConfirmReview, t);
    if page == "payment" {
        return Ok(());
    }
    // Submitting and beyond: the sample receipt stands in for a stored application.
    app.session.step = Step::Submitting;
    if page == "submitting" {
        return Ok(());
    }
    app.session.data.receipt = Some(sample::receipt());
    app.session.step = Step::Receipt;
    app.session.data.print = if page == "receipt-qr" {
        PrintState::ShowQr
    } else {
        PrintState::Printed
    };
    app.render_receipt_preview();
    if page.starts_with("receipt") {
        return Ok(());
    }
    let _ = app.dispatch_at(Event::ReceiptDone, t);
    if page == "rating" {
        return Ok(());
    }
    let _ = app.dispatch_at(Event::SkipRating, t);
    Ok(())
}

/// Renders one page to PNG (installs the headless platform: call once per process).
pub fn screenshot(
    app: KioskApp,
    page: &str,
    width: u32,
    height: u32,
    lang: Lang,
    elderly: bool,
    out: &std::path::Path,
) -> Result<(), String> {
    let headless = Headless::install().map_err(|e| e.to_string())?;
    let mut app = app;
    prepare(&mut app, page, lang, elderly)?;
    let shell = Shell::new(app, None, None).map_err(|e| e.to_string())?;
    select_language(lang);
    shell.render();
    shell.window.show().map_err(|e| e.to_string())?;
    let pixels = headless.render(width, height);
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    write_png(&pixels, width, height, std::io::BufWriter::new(file)).map_err(|e| e.to_string())
}

/// Renders `page` `frames` times (full repaints) and returns the time of each frame.
pub fn frame_times(app: KioskApp, page: &str, width: u32, height: u32, frames: u32) -> Result<Vec<Duration>, String> {
    let headless = Headless::install().map_err(|e| e.to_string())?;
    let mut app = app;
    prepare(&mut app, page, Lang::Zh, false)?;
    let shell = Shell::new(app, None, None).map_err(|e| e.to_string())?;
    shell.window.show().map_err(|e| e.to_string())?;
    let _ = headless.render(width, height);
    let mut times = Vec::new();
    for _ in 0..frames {
        let start = Instant::now();
        let _ = headless.render(width, height);
        times.push(start.elapsed());
    }
    Ok(times)
}

/// Resident set size of this process in KiB (Linux).
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
