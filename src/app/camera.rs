//! The materials step's camera: opened when the citizen reaches the materials page and
//! closed when they leave it; each capture runs off the UI thread (still, page finding,
//! JPEG) and comes back through the inbox. The photos are personal data: they live in
//! memory only until the application is stored sealed, and are forgotten with the session.

use super::report::Reporter;
use crate::devices::camera::{document, Camera, CameraError, CameraSource, GstCamera, PreviewFrame};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a capture may take before the citizen is told to try again.
const STILL_TIMEOUT: Duration = Duration::from_secs(6);
/// The thumbnail shown after capture (the flattened page, shrunk).
pub const THUMBNAIL_HEIGHT: u32 = 300;

/// One photographed material, ready to be stored with the application.
#[derive(Clone)]
pub struct MaterialPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub page_found: bool,
    /// RGBA, `THUMBNAIL_HEIGHT` high.
    pub thumbnail: PreviewFrame,
}

impl std::fmt::Debug for MaterialPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MaterialPhoto({}x{}, {} bytes)",
            self.width,
            self.height,
            self.jpeg.len()
        )
    }
}

/// A finished capture, reported to the app.
#[derive(Debug)]
pub struct CaptureDone {
    pub code: String,
    /// Which session asked (a capture finishing after a wipe is dropped).
    pub generation: u64,
    pub result: Result<MaterialPhoto, CameraError>,
}

/// What the camera's threads report: an opening or a capture finished.
#[derive(Debug)]
pub enum CameraReport {
    Opened(CameraOpened),
    Captured(CaptureDone),
}

/// A camera opened (or not) off the UI thread.
pub struct CameraOpened {
    /// Which opening this answers (a later close makes it stale).
    pub attempt: u64,
    pub result: Result<GstCamera, CameraError>,
}

impl std::fmt::Debug for CameraOpened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CameraOpened(#{} ok={})", self.attempt, self.result.is_ok())
    }
}

/// The camera and the session's photos.
pub struct MaterialCamera {
    source: Option<CameraSource>,
    camera: Option<Arc<GstCamera>>,
    /// An opening is under way (its number); the page shows "starting the camera".
    opening: Option<u64>,
    attempts: u64,
    open_error: Option<CameraError>,
    photos: BTreeMap<String, MaterialPhoto>,
    capturing: Option<String>,
    last_error: Option<CameraError>,
    generation: u64,
    inbox: Option<Reporter<CameraReport>>,
    /// A still picture shown instead of the live preview (screenshots).
    staged_preview: Option<Arc<PreviewFrame>>,
}

impl MaterialCamera {
    /// `source: None` means the kiosk has no camera (the materials page offers 容缺 only).
    pub fn new(source: Option<CameraSource>, inbox: Option<Reporter<CameraReport>>) -> MaterialCamera {
        MaterialCamera {
            source,
            camera: None,
            opening: None,
            attempts: 0,
            open_error: None,
            photos: BTreeMap::new(),
            capturing: None,
            last_error: None,
            generation: 0,
            inbox,
            staged_preview: None,
        }
    }

    /// Starts the preview (the materials page opened). Opening waits for the first frame,
    /// so it runs on its own thread and answers through the inbox; failing to open is
    /// remembered and shown as "camera unavailable", never as a raw error.
    pub fn open(&mut self) {
        if self.camera.is_some() || self.opening.is_some() {
            return;
        }
        let (Some(source), Some(inbox)) = (self.source.clone(), self.inbox.clone()) else {
            return;
        };
        self.attempts += 1;
        let attempt = self.attempts;
        self.opening = Some(attempt);
        let spawned = std::thread::Builder::new().name("camera-open".into()).spawn(move || {
            let result = GstCamera::open(source);
            inbox.report(CameraReport::Opened(CameraOpened { attempt, result }));
        });
        if spawned.is_err() {
            self.opening = None;
        }
    }

    /// Takes an opened camera in, if the page still wants it (else it is closed again).
    pub fn opened(&mut self, opened: CameraOpened) {
        if self.opening != Some(opened.attempt) {
            if let Ok(camera) = opened.result {
                std::thread::spawn(move || drop(camera));
            }
            return;
        }
        self.opening = None;
        match opened.result {
            Ok(camera) => {
                self.camera = Some(Arc::new(camera));
                self.open_error = None;
            }
            Err(e) => {
                log::warn!("camera: cannot open: {} ({e})", e.kind());
                self.open_error = Some(e);
            }
        }
    }

    /// The camera is being started.
    pub fn starting(&self) -> bool {
        self.opening.is_some()
    }

    /// Stops the preview (the page closed). The pipeline is torn down on another thread.
    pub fn close(&mut self) {
        self.opening = None;
        if let Some(camera) = self.camera.take() {
            std::thread::spawn(move || drop(camera));
        }
    }

    /// Forgets the photos and starts the preview again (the progress page: a new lookup or
    /// supplement starts from an empty camera that still reads receipt QR codes).
    pub fn restart(&mut self) {
        self.forget();
        self.open();
    }

    /// Forgets the session's photos (timeout, cancel, finished).
    pub fn forget(&mut self) {
        self.photos.clear();
        self.capturing = None;
        self.last_error = None;
        self.generation += 1;
        self.close();
    }

    pub fn available(&self) -> bool {
        self.camera.is_some()
    }

    pub fn configured(&self) -> bool {
        self.source.is_some()
    }

    pub fn open_error(&self) -> Option<&CameraError> {
        self.open_error.as_ref()
    }

    pub fn latest_preview(&self) -> Option<Arc<PreviewFrame>> {
        match &self.camera {
            Some(camera) => camera.latest_preview(),
            None => self.staged_preview.clone(),
        }
    }

    /// Screenshots: a fixed preview picture and photos, with no pipeline running.
    pub fn stage(&mut self, preview: Arc<PreviewFrame>, photos: Vec<(String, MaterialPhoto)>) {
        self.staged_preview = Some(preview);
        self.photos.extend(photos);
    }

    pub fn capturing(&self) -> Option<&str> {
        self.capturing.as_deref()
    }

    pub fn last_error(&self) -> Option<&CameraError> {
        self.last_error.as_ref()
    }

    pub fn photo(&self, code: &str) -> Option<&MaterialPhoto> {
        self.photos.get(code)
    }

    /// The photos to store with the application, by material code.
    pub fn photos_for_upload(&self) -> Vec<(String, Vec<u8>)> {
        self.photos
            .iter()
            .map(|(code, p)| (code.clone(), p.jpeg.clone()))
            .collect()
    }

    /// Takes the photo for `code` out (the technician's test still: shown once, never kept).
    pub fn take(&mut self, code: &str) -> Option<MaterialPhoto> {
        self.photos.remove(code)
    }

    /// Takes a still for `code` off the UI thread. A second tap while one is running is
    /// ignored. Returns false when there is no camera to take it with.
    pub fn capture(&mut self, code: &str) -> bool {
        if self.capturing.is_some() {
            return true;
        }
        let (Some(camera), Some(inbox)) = (self.camera.clone(), self.inbox.clone()) else {
            return false;
        };
        self.capturing = Some(code.to_string());
        self.last_error = None;
        let (code, generation) = (code.to_string(), self.generation);
        let spawned = std::thread::Builder::new()
            .name("camera-capture".into())
            .spawn(move || {
                let result = camera.capture_still(STILL_TIMEOUT).map(|still| photo_from(&still));
                inbox.report(CameraReport::Captured(CaptureDone {
                    code,
                    generation,
                    result,
                }));
            });
        if spawned.is_err() {
            self.capturing = None;
            return false;
        }
        true
    }

    /// Takes a finished capture in; returns the material's code when it is this session's.
    pub fn finished(&mut self, done: CaptureDone) -> Option<Result<String, CameraError>> {
        if done.generation != self.generation {
            return None;
        }
        self.capturing = None;
        match done.result {
            Ok(photo) => {
                log::info!(
                    "material {} photographed: {}x{}, {} KB{}",
                    done.code,
                    photo.width,
                    photo.height,
                    photo.jpeg.len() / 1024,
                    if photo.page_found { "" } else { " (no page edges found)" }
                );
                self.photos.insert(done.code.clone(), photo);
                Some(Ok(done.code))
            }
            Err(e) => {
                log::warn!("material {}: capture failed: {} ({e})", done.code, e.kind());
                self.last_error = Some(e.clone());
                Some(Err(e))
            }
        }
    }
}

/// Processes a still (or, for screenshots, a flat page) into a material photo.
pub fn photo_from(still: &crate::devices::camera::RgbImage) -> MaterialPhoto {
    let page = document::process(still);
    let width = (page.page.width * THUMBNAIL_HEIGHT / page.page.height.max(1)).max(1);
    let small = page.page.resize(width, THUMBNAIL_HEIGHT);
    MaterialPhoto {
        width: page.width,
        height: page.height,
        page_found: page.corners.is_some(),
        jpeg: page.jpeg,
        thumbnail: PreviewFrame {
            sequence: 0,
            width: small.width,
            height: small.height,
            rgba: small.to_rgba(),
        },
    }
}

/// For screenshots and tests without a pipeline: the simulated camera's view (no drift) as
/// a preview frame, and the material photo the kiosk makes of it. Computed once.
pub fn fixture_sample() -> (Arc<PreviewFrame>, MaterialPhoto) {
    use crate::devices::camera::fixture;
    static SAMPLE: std::sync::OnceLock<(Arc<PreviewFrame>, MaterialPhoto)> = std::sync::OnceLock::new();
    SAMPLE
        .get_or_init(|| {
            let margin = fixture::MOTION_MARGIN as usize;
            let still = fixture::view(&fixture::scene(), margin, margin);
            let small = still.resize(640, 480);
            let preview = PreviewFrame {
                sequence: 1,
                width: 640,
                height: 480,
                rgba: small.to_rgba(),
            };
            (Arc::new(preview), photo_from(&still))
        })
        .clone()
}
