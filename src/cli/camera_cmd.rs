//! `kiosk camera list` and `kiosk camera capture --out page.jpg [--device /dev/videoN|sim]`:
//! what a technician tries first with a document camera. Capture runs the kiosk's own
//! pipeline and document processing, and says what it found (page edges, size, quality).

use super::{exit, load_config, Cli};
use crate::config::CameraKind;
use crate::devices::camera::{self, document, Camera, CameraSource, GstCamera};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum CameraCommand {
    /// The Video4Linux cameras this system has, and the simulated one.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Take one material photo as the kiosk would (page found, flattened, ~150 dpi JPEG).
    Capture(CaptureArgs),
}

#[derive(Args, Debug)]
pub struct CaptureArgs {
    /// Where to write the JPEG.
    #[arg(long)]
    pub out: PathBuf,
    /// A V4L2 device, or `sim`; default: the configured camera.
    #[arg(long)]
    pub device: Option<String>,
    /// Also write the unprocessed still (PNG-free raw JPEG of the whole frame) here.
    #[arg(long)]
    pub raw: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, command: &CameraCommand) -> i32 {
    match command {
        CameraCommand::List { json } => {
            let cameras = camera::list();
            if *json {
                println!("{}", serde_json::json!({ "cameras": cameras }));
            } else {
                for c in &cameras {
                    println!("{:<14}  {}", c.device, c.name);
                }
            }
            exit::OK
        }
        CameraCommand::Capture(args) => capture(cli, args),
    }
}

/// The source a `--device` value or the configuration names.
pub(crate) fn source_for(cli: &Cli, device: Option<&str>) -> Result<CameraSource, i32> {
    match device {
        Some("sim") => Ok(CameraSource::Sim(Default::default())),
        Some(path) => Ok(CameraSource::V4l2 { device: path.into() }),
        None => {
            let loaded = load_config(cli)?;
            let config = &loaded.config.devices.camera;
            Ok(match config.kind {
                CameraKind::Sim => CameraSource::Sim(Default::default()),
                CameraKind::V4l2 => CameraSource::V4l2 {
                    device: config.device.clone(),
                },
            })
        }
    }
}

fn capture(cli: &Cli, args: &CaptureArgs) -> i32 {
    let source = match source_for(cli, args.device.as_deref()) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let started = Instant::now();
    let camera = match GstCamera::open(source) {
        Ok(camera) => camera,
        Err(e) => {
            eprintln!("kiosk camera: {e} [{}]", e.kind());
            return exit::DEVICE;
        }
    };
    let opened_ms = started.elapsed().as_millis();
    let still = match camera.capture_still(Duration::from_secs(5)) {
        Ok(still) => still,
        Err(e) => {
            eprintln!("kiosk camera: {e} [{}]", e.kind());
            return exit::DEVICE;
        }
    };
    let still_ms = started.elapsed().as_millis();
    let preview_frames = camera.preview_frames();
    drop(camera);
    if let Some(raw) = &args.raw {
        let (bytes, _) = document::encode_jpeg(&still, usize::MAX);
        if let Err(e) = std::fs::write(raw, bytes) {
            eprintln!("kiosk camera: cannot write {}: {e}", raw.display());
            return exit::DEVICE;
        }
    }
    let page = document::process(&still);
    if let Err(e) = std::fs::write(&args.out, &page.jpeg) {
        eprintln!("kiosk camera: cannot write {}: {e}", args.out.display());
        return exit::DEVICE;
    }
    let total_ms = started.elapsed().as_millis();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "out": args.out,
                "still": {"width": still.width, "height": still.height},
                "page_found": page.corners.is_some(),
                "width": page.width,
                "height": page.height,
                "bytes": page.jpeg.len(),
                "quality": page.quality,
                "preview_frames": preview_frames,
                "opened_ms": opened_ms,
                "still_ms": still_ms,
                "total_ms": total_ms,
            })
        );
    } else {
        println!(
            "{}: {}x{} JPEG, {} KB (quality {}), {} from a {}x{} still; camera open {opened_ms} ms, still after {still_ms} ms, ready after {total_ms} ms",
            args.out.display(),
            page.width,
            page.height,
            page.jpeg.len() / 1024,
            page.quality,
            if page.corners.is_some() { "page edges found and flattened" } else { "no page edges found, whole frame kept" },
            still.width,
            still.height,
        );
    }
    exit::OK
}
