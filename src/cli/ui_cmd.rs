//! `kiosk screenshot`: any page rendered headless with sample data.

use super::{exit, Cli};
use crate::domain::Lang;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ScreenshotArgs {
    /// Print the page names, one per line.
    #[arg(long)]
    pub list_pages: bool,
    #[arg(long, required_unless_present = "list_pages")]
    pub page: Option<String>,
    /// WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "1080x1920")]
    pub size: String,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: super::printer_cmd::LangArg,
    #[arg(long)]
    pub elderly: bool,
    #[arg(long, required_unless_present = "list_pages")]
    pub out: Option<PathBuf>,
}

/// An app on the effective configuration with no store and no devices: for rendering.
fn sample_app(cli: &Cli) -> Result<crate::app::kiosk::KioskApp, i32> {
    let loaded = super::load_config(cli)?;
    let catalogue = crate::app::load_catalogue(&loaded.config).map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::CONFIG
    })?;
    let profile = crate::devices::printer::profile::profile(&loaded.config.devices.printer.profile)
        .or_else(|_| crate::devices::printer::profile::profile(crate::devices::printer::profile::DEFAULT_PROFILE))
        .map_err(|e| {
            eprintln!("kiosk: {e}");
            exit::CONFIG
        })?;
    let mut parts = crate::app::kiosk::AppParts::bare(profile);
    // Rendered as on simulated devices (the badge, the simulated payment button).
    parts.sim = Some(crate::app::sim_controls::SimControls::new(None, None));
    Ok(crate::app::kiosk::KioskApp::new(loaded.config, catalogue, parts))
}

pub fn parse_size(size: &str) -> Option<(u32, u32)> {
    let (w, h) = size.split_once(['x', 'X', '×'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    ((320..=4096).contains(&w) && (240..=4096).contains(&h)).then_some((w, h))
}

pub fn screenshot(cli: &Cli, args: &ScreenshotArgs) -> i32 {
    if args.list_pages {
        for page in crate::ui::screenshot::PAGES {
            println!("{page}");
        }
        return exit::OK;
    }
    let Some((width, height)) = parse_size(&args.size) else {
        eprintln!("kiosk: --size must be WIDTHxHEIGHT, e.g. 1080x1920");
        return exit::CONFIG;
    };
    let (Some(page), Some(out)) = (&args.page, &args.out) else {
        return exit::CONFIG;
    };
    let app = match sample_app(cli) {
        Ok(app) => app,
        Err(code) => return code,
    };
    let lang: Lang = args.lang.into();
    match crate::ui::screenshot::screenshot(app, page, width, height, lang, args.elderly, out) {
        Ok(()) => {
            println!(
                "{}: {page} at {width}×{height}, {}{}",
                out.display(),
                lang.code(),
                if args.elderly { ", elderly mode" } else { "" }
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: screenshot: {e}");
            exit::CONFIG
        }
    }
}
