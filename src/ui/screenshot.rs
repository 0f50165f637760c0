//! Headless rendering of any page with the software renderer, filled with realistic
//! made-up data taken through the real state machine: `kiosk screenshot`, the README
//! gallery, and the UI benchmark. Uses a minimal platform of our own (no display needed).

use super::{select_language, Shell};
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::sample;
use crate::devices::card_reader::fixtures::fixture;
use crate::devices::card_reader::ReaderState;
use crate::domain::calendar::Date;
use crate::domain::session::{Event, PrintState};
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

/// Brings `app` to `page` with sample data, through the same intents a citizen's touches
/// send (the receipt pages show the sample receipt, rendered as the printer prints it).
pub fn prepare(app: &mut KioskApp, page: &str, lang: Lang, elderly: bool) -> Result<(), String> {
    if !PAGES.contains(&page) {
        return Err(format!("unknown page {page:?}; see --list-pages"));
    }
    let today = Date::parse("2026-11-26").ok_or("date")?;
    app.set_today(today);
    app.set_reader_state(ReaderState::Ready);
    let t = 1000;
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    go(app, Intent::SetLanguage(lang));
    go(app, Intent::SetElderly(elderly));
    if page == "welcome" {
        return Ok(());
    }
    go(app, Intent::Start);
    if page == "catalogue" {
        return Ok(());
    }
    // The proxy flow needs an item that allows acting for someone else.
    let proxy = page == "identify-proxy";
    go(app, Intent::ChooseItem(if proxy { "ID-001" } else { "ID-003" }.into()));
    if proxy {
        go(app, Intent::Session(Event::ChooseProxy(true)));
    }
    if page == "guide" {
        return Ok(());
    }
    go(app, Intent::Session(Event::ConfirmGuide));
    let type_keys = |app: &mut KioskApp, text: &str| {
        for key in text.chars() {
            go(app, Intent::IdKey(key.to_string()));
        }
    };
    match page {
        "identify" | "identify-proxy" => return Ok(()),
        "identify-manual" => {
            // A made-up number with a wrong check digit: the page shows why.
            type_keys(app, "330225199003150028");
            app.handle_at(Intent::SubmitTypedId, t);
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
    app.event_at(Event::CardRead(Box::new(person)), t);
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    let field = |app: &mut KioskApp, index: usize, text: &str| {
        app.handle_at(Intent::ActivateField(index), t);
        for key in text.chars() {
            app.handle_at(Intent::FieldKey(key.to_string()), t);
        }
    };
    if page == "form-errors" {
        field(app, 0, "1380574");
        go(app, Intent::SubmitForm);
        return Ok(());
    }
    field(app, 0, "13805740000");
    go(
        app,
        Intent::ChooseOption {
            field: 1,
            value: "lost".into(),
        },
    );
    if page == "form" {
        return Ok(());
    }
    go(app, Intent::SubmitForm);
    go(app, Intent::CaptureMaterial("household-book".into()));
    go(app, Intent::PromiseMaterial("loss-statement".into()));
    if page == "materials" {
        return Ok(());
    }
    go(app, Intent::CaptureMaterial("id-photo-receipt".into()));
    go(app, Intent::Session(Event::MaterialsDone));
    if page == "review" || page == "idle-warning" {
        if page == "idle-warning" {
            let warn = app.session().timeouts.warn_after_ms;
            app.tick_at(t + warn + 1);
        }
        return Ok(());
    }
    go(app, Intent::Session(Event::ConfirmReview));
    if page == "payment" {
        return Ok(());
    }
    // Submitting and beyond: the sample receipt stands in for a stored application.
    app.stage_submitting();
    if page == "submitting" {
        return Ok(());
    }
    let print = if page == "receipt-qr" {
        PrintState::ShowQr
    } else {
        PrintState::Printed
    };
    let profile = crate::devices::printer::profile::profile(&app.config().devices.printer.profile)
        .or_else(|_| crate::devices::printer::profile::profile(crate::devices::printer::profile::DEFAULT_PROFILE))
        .map_err(|e| e.to_string())?;
    app.stage_receipt(sample::receipt(), print, &profile);
    if page.starts_with("receipt") {
        return Ok(());
    }
    go(app, Intent::Session(Event::ReceiptDone));
    if page == "rating" {
        return Ok(());
    }
    go(app, Intent::Session(Event::SkipRating));
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
    let shell = Shell::new(app).map_err(|e| e.to_string())?;
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
    let shell = Shell::new(app).map_err(|e| e.to_string())?;
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
