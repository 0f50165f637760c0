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
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let catalogue = match crate::app::load_catalogue(&loaded.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::CONFIG;
        }
    };
    let profile = crate::devices::printer::profile::profile(&loaded.config.devices.printer.profile)
        .unwrap_or_else(|_| crate::devices::printer::profile::profile("generic-80mm").expect("embedded profile"));
    let app = crate::app::kiosk::KioskApp::new(loaded.config, catalogue, None, None, profile, true);
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
