//! Headless rendering of any page with the software renderer, filled with realistic
//! made-up data taken through the real state machine: `kiosk screenshot`, the README
//! gallery, and the UI benchmark. Uses a minimal platform of our own (no display needed).

use super::{select_language, Shell};
use crate::app::kiosk::KioskApp;
pub use crate::app::staging::{prepare, PAGES};
use crate::domain::Lang;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::Rgb8Pixel;
use slint::{ComponentHandle, PhysicalSize, PlatformError};
use std::rc::Rc;
use std::time::Duration;

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
    /// Time stands still: animations (the landing card, the spinner) are drawn at the same
    /// moment in every picture, so screenshots can be compared.
    fn duration_since_start(&self) -> Duration {
        Duration::from_millis(500)
    }
}

thread_local! {
    static HEADLESS: std::cell::RefCell<Option<Rc<MinimalSoftwareWindow>>> = const { std::cell::RefCell::new(None) };
}

/// A headless renderer: one window of a given size.
pub struct Headless {
    pub window: Rc<MinimalSoftwareWindow>,
}

impl Headless {
    /// Installs the headless platform (the first time; later calls reuse it).
    pub fn install() -> Result<Headless, PlatformError> {
        if let Some(window) = HEADLESS.with(|h| h.borrow().clone()) {
            return Ok(Headless { window });
        }
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(HeadlessPlatform { window: window.clone() }))
            .map_err(|e| PlatformError::Other(e.to_string()))?;
        HEADLESS.with(|h| *h.borrow_mut() = Some(window.clone()));
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

/// Renders one page headless into RGB pixels (installs the headless platform the first time).
pub fn render_page(
    app: KioskApp,
    page: &str,
    width: u32,
    height: u32,
    lang: Lang,
    elderly: bool,
) -> Result<Vec<Rgb8Pixel>, String> {
    let headless = Headless::install().map_err(|e| e.to_string())?;
    let mut app = app;
    prepare(&mut app, page, lang, elderly)?;
    let shell = Shell::new(app).map_err(|e| e.to_string())?;
    select_language(lang);
    shell.render();
    shell.window.show().map_err(|e| e.to_string())?;
    shell.set_size(width, height);
    let pixels = headless.render(width, height);
    shell.window.hide().map_err(|e| e.to_string())?;
    Ok(pixels)
}

/// Renders one page to PNG.
pub fn screenshot(
    app: KioskApp,
    page: &str,
    width: u32,
    height: u32,
    lang: Lang,
    elderly: bool,
    out: &std::path::Path,
) -> Result<(), String> {
    let pixels = render_page(app, page, width, height, lang, elderly)?;
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    write_png(&pixels, width, height, std::io::BufWriter::new(file)).map_err(|e| e.to_string())
}
