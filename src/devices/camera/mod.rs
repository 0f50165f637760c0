//! The document camera (高拍仪): live preview frames and full-resolution stills behind the
//! `Camera` trait, and the processing that makes a still into a material photo.
//!
//! One GStreamer pipeline serves both real and simulated cameras: `v4l2src` on the
//! configured device (MJPEG caps first, then YUYV) or `appsrc` fed with the fixture scene,
//! then the same tee into a 640×480 preview sink and a valve-gated still sink. Unplugging
//! is noticed on the pipeline's bus and recovered when the device comes back.

pub mod document;
pub mod fixture;
pub mod geometry;
pub mod image;
mod pipeline;
pub mod sim;

pub use image::{PreviewFrame, RgbImage};
pub use pipeline::GstCamera;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where frames come from.
#[derive(Clone)]
pub enum CameraSource {
    /// A UVC camera through Video4Linux.
    V4l2 { device: PathBuf },
    /// The fixture scene through `appsrc`, with a handle to unplug it in tests.
    Sim(Arc<sim::SimCameraControl>),
}

impl CameraSource {
    /// The camera's state before it is first opened (it opens on the materials page):
    /// `sim`, `ok` when its device node is there, else `absent`.
    pub fn initial_state(&self) -> &'static str {
        match self {
            CameraSource::Sim(_) => "sim",
            CameraSource::V4l2 { device } if device.exists() => "ok",
            CameraSource::V4l2 { .. } => "absent",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CameraSource::V4l2 { device } => format!("V4L2 camera {}", device.display()),
            CameraSource::Sim(_) => format!(
                "simulated document camera ({}x{}, fixture page)",
                fixture::SCENE_WIDTH,
                fixture::SCENE_HEIGHT
            ),
        }
    }
}

/// The camera's condition, for status and the technician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraState {
    Starting,
    Streaming,
    /// The device went away; it is reopened when it comes back.
    Unplugged,
    Failed(CameraError),
}

impl CameraState {
    pub fn label(&self) -> &'static str {
        match self {
            CameraState::Starting => "starting",
            CameraState::Streaming => "streaming",
            CameraState::Unplugged => "unplugged",
            CameraState::Failed(_) => "failed",
        }
    }
}

/// What can go wrong, as kinds a technician and the citizen's screen can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera at {0}: check the USB cable, `kiosk camera list`, or the udev name")]
    NotFound(PathBuf),
    #[error("no permission to open {0}: the kiosk user must be in the `video` group")]
    PermissionDenied(PathBuf),
    #[error("the camera is in use by another program")]
    Busy,
    #[error("the camera was unplugged")]
    Unplugged,
    #[error("the camera sent no picture within {0} ms")]
    Timeout(u64),
    #[error("the camera's picture did not settle (too dark or changing) within {0} ms")]
    NotSettled(u64),
    #[error("the camera offers neither MJPEG nor YUYV pictures")]
    Format,
    #[error("GStreamer is missing a part: {0} (install gstreamer1.0-plugins-base and -good)")]
    MissingPlugin(String),
    #[error("camera pipeline: {0}")]
    Pipeline(String),
}

impl CameraError {
    /// A stable kind for logs, status and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CameraError::NotFound(_) => "camera.not-found",
            CameraError::PermissionDenied(_) => "camera.permission",
            CameraError::Busy => "camera.busy",
            CameraError::Unplugged => "camera.unplugged",
            CameraError::Timeout(_) => "camera.timeout",
            CameraError::NotSettled(_) => "camera.not-settled",
            CameraError::Format => "camera.format",
            CameraError::MissingPlugin(_) => "camera.missing-plugin",
            CameraError::Pipeline(_) => "camera.pipeline",
        }
    }
}

/// A camera the app can show and photograph with.
pub trait Camera: Send + Sync {
    fn description(&self) -> String;
    fn state(&self) -> CameraState;
    /// The newest preview frame (640×480 RGBA), if any arrived yet.
    fn latest_preview(&self) -> Option<Arc<PreviewFrame>>;
    /// How many preview frames arrived since the camera was opened.
    fn preview_frames(&self) -> u64;
    /// A full-resolution still, taken once the exposure has settled. The preview keeps
    /// flowing meanwhile.
    fn capture_still(&self, timeout: Duration) -> Result<RgbImage, CameraError>;
}

/// One camera the system offers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CameraInfo {
    pub device: String,
    pub name: String,
}

/// The Video4Linux capture devices (from sysfs), then the simulated camera.
pub fn list() -> Vec<CameraInfo> {
    list_in(Path::new("/sys/class/video4linux"))
}

fn list_in(sysfs: &Path) -> Vec<CameraInfo> {
    let mut found: Vec<CameraInfo> = std::fs::read_dir(sysfs)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let node = entry.file_name().to_string_lossy().into_owned();
            let name = std::fs::read_to_string(entry.path().join("name")).ok()?;
            Some(CameraInfo {
                device: format!("/dev/{node}"),
                name: name.trim().to_string(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.device.cmp(&b.device));
    found.push(CameraInfo {
        device: "sim".into(),
        name: CameraSource::Sim(Arc::default()).describe(),
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_reads_sysfs_names_and_ends_with_the_simulator() {
        let dir = tempfile::tempdir().unwrap();
        for (node, name) in [("video2", "Doc Cam"), ("video0", "USB2.0 UVC\n")] {
            std::fs::create_dir(dir.path().join(node)).unwrap();
            std::fs::write(dir.path().join(node).join("name"), name).unwrap();
        }
        let list = list_in(dir.path());
        let devices: Vec<&str> = list.iter().map(|c| c.device.as_str()).collect();
        assert_eq!(devices, ["/dev/video0", "/dev/video2", "sim"]);
        assert_eq!(list[0].name, "USB2.0 UVC");
        assert!(list_in(&dir.path().join("absent")).len() == 1);
    }
}
