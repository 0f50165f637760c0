//! `GstCamera`: the GStreamer pipeline behind both camera sources, and its supervisor.
//!
//! source → tee ─ queue(leaky) → videoscale → RGBA 640×480 → appsink "preview" (drops)
//!              └ queue(leaky) → valve "stills" (closed) → RGB → appsink "still"
//!
//! The preview sink's callback keeps only the newest frame and feeds the exposure meter;
//! nothing waits on the UI. A still opens the valve, takes the first full frame after the
//! exposure settled, and closes it again. A supervisor thread watches the bus: when the
//! device goes away it tears the pipeline down and rebuilds it once the device is back.

use super::document::ExposureMeter;
use super::sim::{self, SimCameraControl};
use super::{Camera, CameraError, CameraSource, CameraState, PreviewFrame, RgbImage};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const PREVIEW_WIDTH: u32 = 640;
pub const PREVIEW_HEIGHT: u32 = 480;
/// How long opening waits for the first frame.
const FIRST_FRAME_WITHIN: Duration = Duration::from_secs(8);

#[derive(Default)]
struct Shared {
    state: Mutex<Option<CameraState>>,
    latest: Mutex<Option<Arc<PreviewFrame>>>,
    frames: AtomicU64,
    exposure: Mutex<ExposureMeter>,
    running: Mutex<Option<Running>>,
    stop: Arc<AtomicBool>,
}

struct Running {
    pipeline: gst::Pipeline,
    valve: gst::Element,
    still: gst_app::AppSink,
    feeder: Option<JoinHandle<()>>,
    feeder_stop: Arc<AtomicBool>,
}

impl Running {
    fn shut_down(mut self) {
        self.feeder_stop.store(true, Ordering::SeqCst);
        let _ = self.pipeline.set_state(gst::State::Null);
        if let Some(feeder) = self.feeder.take() {
            let _ = feeder.join();
        }
    }
}

/// A camera on a GStreamer pipeline; dropping it stops the pipeline.
pub struct GstCamera {
    source: CameraSource,
    shared: Arc<Shared>,
    supervisor: Option<JoinHandle<()>>,
    capture_lock: Mutex<()>,
}

impl GstCamera {
    /// Starts the pipeline and waits for the first frame, so that a missing device, a
    /// missing plugin or a format the camera lacks is an error here, not a black preview.
    pub fn open(source: CameraSource) -> Result<GstCamera, CameraError> {
        gst::init().map_err(|e| CameraError::Pipeline(format!("GStreamer cannot start: {e}")))?;
        let shared = Arc::new(Shared::default());
        *shared.state.lock().unwrap() = Some(CameraState::Starting);
        let running = start(&source, &shared)?;
        let bus = running.pipeline.bus().expect("a pipeline has a bus");
        *shared.running.lock().unwrap() = Some(running);
        let supervisor = {
            let (source, shared) = (source.clone(), shared.clone());
            std::thread::Builder::new()
                .name("camera-supervisor".into())
                .spawn(move || supervise(source, shared, bus))
                .map_err(|e| CameraError::Pipeline(e.to_string()))?
        };
        *shared.state.lock().unwrap() = Some(CameraState::Streaming);
        Ok(GstCamera {
            source,
            shared,
            supervisor: Some(supervisor),
            capture_lock: Mutex::new(()),
        })
    }
}

impl Drop for GstCamera {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(supervisor) = self.supervisor.take() {
            let _ = supervisor.join();
        }
        if let Some(running) = self.shared.running.lock().unwrap().take() {
            running.shut_down();
        }
    }
}

impl Camera for GstCamera {
    fn description(&self) -> String {
        self.source.describe()
    }

    fn state(&self) -> CameraState {
        self.shared
            .state
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(CameraState::Starting)
    }

    fn latest_preview(&self) -> Option<Arc<PreviewFrame>> {
        self.shared.latest.lock().unwrap().clone()
    }

    fn preview_frames(&self) -> u64 {
        self.shared.frames.load(Ordering::SeqCst)
    }

    fn capture_still(&self, timeout: Duration) -> Result<RgbImage, CameraError> {
        let _one_at_a_time = self.capture_lock.lock().unwrap();
        let deadline = Instant::now() + timeout;
        let timeout_ms = timeout.as_millis() as u64;
        // Wait for the exposure to settle (the preview feeds the meter).
        while !self.shared.exposure.lock().unwrap().settled() {
            if let CameraState::Unplugged = self.state() {
                return Err(CameraError::Unplugged);
            }
            if Instant::now() >= deadline {
                return Err(CameraError::NotSettled(timeout_ms));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let (valve, still) = {
            let running = self.shared.running.lock().unwrap();
            let running = running.as_ref().ok_or(CameraError::Unplugged)?;
            (running.valve.clone(), running.still.clone())
        };
        // Anything left from an earlier still is stale.
        while still.try_pull_sample(gst::ClockTime::ZERO).is_some() {}
        valve.set_property("drop", false);
        let sample = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break None;
            }
            match still.try_pull_sample(gst::ClockTime::from_mseconds(left.as_millis().min(200) as u64)) {
                Some(sample) => break Some(sample),
                None if self.state() == CameraState::Unplugged => break None,
                None => continue,
            }
        };
        valve.set_property("drop", true);
        let sample = sample.ok_or(if self.state() == CameraState::Unplugged {
            CameraError::Unplugged
        } else {
            CameraError::Timeout(timeout_ms)
        })?;
        rgb_from_sample(&sample)
    }
}

/// Builds and starts the pipeline for `source`; for V4L2, MJPEG first, then YUYV.
fn start(source: &CameraSource, shared: &Arc<Shared>) -> Result<Running, CameraError> {
    match source {
        CameraSource::Sim(control) => start_with(
            &format!(
                "appsrc name=src is-live=true format=time do-timestamp=true caps={}",
                sim::caps_description()
            ),
            Some(control.clone()),
            source,
            shared,
        ),
        CameraSource::V4l2 { device } => {
            if !device.exists() {
                return Err(CameraError::NotFound(device.clone()));
            }
            let device_text = device.display().to_string().replace('"', "");
            let mjpeg = format!("v4l2src name=src device=\"{device_text}\" ! image/jpeg ! jpegdec");
            match start_with(&mjpeg, None, source, shared) {
                Err(CameraError::Format) => {
                    let yuyv = format!("v4l2src name=src device=\"{device_text}\" ! video/x-raw,format=YUY2");
                    start_with(&yuyv, None, source, shared)
                }
                other => other,
            }
        }
    }
}

fn start_with(
    source_description: &str,
    sim_control: Option<Arc<SimCameraControl>>,
    source: &CameraSource,
    shared: &Arc<Shared>,
) -> Result<Running, CameraError> {
    let description = format!(
        "{source_description} ! tee name=t \
         t. ! queue leaky=downstream max-size-buffers=2 ! videoscale ! videoconvert \
            ! video/x-raw,format=RGBA,width={PREVIEW_WIDTH},height={PREVIEW_HEIGHT},pixel-aspect-ratio=1/1 \
            ! appsink name=preview sync=false async=false max-buffers=1 drop=true \
         t. ! queue leaky=downstream max-size-buffers=2 ! valve name=stills drop=true ! videoconvert \
            ! video/x-raw,format=RGB ! appsink name=still sync=false async=false max-buffers=1 drop=true"
    );
    let pipeline = gst::parse::launch(&description)
        .map_err(|e| CameraError::MissingPlugin(e.message().to_string()))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| CameraError::Pipeline("not a pipeline".into()))?;
    let element = |name: &str| {
        pipeline
            .by_name(name)
            .ok_or_else(|| CameraError::Pipeline(format!("no element {name}")))
    };
    let sink = |name: &str| {
        element(name)?
            .downcast::<gst_app::AppSink>()
            .map_err(|_| CameraError::Pipeline(format!("{name} is not an appsink")))
    };
    let (preview, still, valve) = (sink("preview")?, sink("still")?, element("stills")?);
    *shared.exposure.lock().unwrap() = ExposureMeter::default();
    let frames_at_start = shared.frames.load(Ordering::SeqCst);
    keep_latest_frame(&preview, shared.clone());
    let feeder_stop = Arc::new(AtomicBool::new(false));
    let feeder = match sim_control {
        Some(control) => {
            let src = element("src")?
                .downcast::<gst_app::AppSrc>()
                .map_err(|_| CameraError::Pipeline("src is not an appsrc".into()))?;
            let stop = feeder_stop.clone();
            Some(
                std::thread::Builder::new()
                    .name("camera-sim".into())
                    .spawn(move || sim::feed(src, control, stop))
                    .map_err(|e| CameraError::Pipeline(e.to_string()))?,
            )
        }
        None => None,
    };
    let running = Running {
        pipeline: pipeline.clone(),
        valve,
        still,
        feeder,
        feeder_stop,
    };
    play_until_first_frame(running, shared, frames_at_start, source)
}

/// Every preview frame becomes the latest (and feeds the exposure meter).
fn keep_latest_frame(preview: &gst_app::AppSink, shared: Arc<Shared>) {
    preview.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let Some(frame) = preview_from_sample(&sample, shared.frames.load(Ordering::SeqCst) + 1) {
                    shared.exposure.lock().unwrap().push(frame.mean_luminance());
                    *shared.latest.lock().unwrap() = Some(Arc::new(frame));
                    shared.frames.fetch_add(1, Ordering::SeqCst);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

/// Sets the pipeline playing and waits for a first frame or the first error (then it is
/// shut down and the error classified).
fn play_until_first_frame(
    running: Running,
    shared: &Arc<Shared>,
    frames_at_start: u64,
    source: &CameraSource,
) -> Result<Running, CameraError> {
    let pipeline = running.pipeline.clone();
    if let Err(e) = pipeline.set_state(gst::State::Playing) {
        let detail =
            first_error(&pipeline, Duration::from_millis(500)).unwrap_or_else(|| CameraError::Pipeline(e.to_string()));
        running.shut_down();
        return Err(classify_source(detail, source));
    }
    let bus = pipeline.bus().expect("a pipeline has a bus");
    let deadline = Instant::now() + FIRST_FRAME_WITHIN;
    while shared.frames.load(Ordering::SeqCst) == frames_at_start {
        if let Some(message) = bus.timed_pop_filtered(gst::ClockTime::from_mseconds(50), &[gst::MessageType::Error]) {
            running.shut_down();
            return Err(classify_source(error_of(&message), source));
        }
        if Instant::now() >= deadline {
            running.shut_down();
            return Err(CameraError::Timeout(FIRST_FRAME_WITHIN.as_millis() as u64));
        }
    }
    Ok(running)
}

fn first_error(pipeline: &gst::Pipeline, within: Duration) -> Option<CameraError> {
    let bus = pipeline.bus()?;
    bus.timed_pop_filtered(
        gst::ClockTime::from_mseconds(within.as_millis() as u64),
        &[gst::MessageType::Error],
    )
    .map(|m| error_of(&m))
}

/// A bus error as a camera error kind.
fn error_of(message: &gst::Message) -> CameraError {
    let gst::MessageView::Error(error) = message.view() else {
        return CameraError::Pipeline("unexpected message".into());
    };
    let e = error.error();
    let text = e.message().to_string();
    if e.matches(gst::ResourceError::NotFound) {
        CameraError::NotFound(Default::default())
    } else if e.matches(gst::ResourceError::OpenRead) || e.matches(gst::ResourceError::OpenReadWrite) {
        if text.contains("ermission") {
            CameraError::PermissionDenied(Default::default())
        } else {
            CameraError::NotFound(Default::default())
        }
    } else if e.matches(gst::ResourceError::Busy) {
        CameraError::Busy
    } else if e.matches(gst::ResourceError::Read) || e.matches(gst::ResourceError::Failed) {
        CameraError::Unplugged
    } else if e.matches(gst::CoreError::Negotiation) || text.contains("not-negotiated") || text.contains("negotiat") {
        CameraError::Format
    } else if e.matches(gst::CoreError::MissingPlugin) {
        CameraError::MissingPlugin(text)
    } else {
        CameraError::Pipeline(text)
    }
}

/// Fills in the device path the bus message does not carry.
fn classify_source(error: CameraError, source: &CameraSource) -> CameraError {
    let path = match source {
        CameraSource::V4l2 { device } => device.clone(),
        CameraSource::Sim(_) => "sim".into(),
    };
    match error {
        CameraError::NotFound(_) => CameraError::NotFound(path),
        CameraError::PermissionDenied(_) => CameraError::PermissionDenied(path),
        other => other,
    }
}

/// Watches the bus; on loss of the device, rebuilds the pipeline once it is back.
fn supervise(source: CameraSource, shared: Arc<Shared>, mut bus: gst::Bus) {
    while !shared.stop.load(Ordering::SeqCst) {
        let Some(message) = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(100),
            &[gst::MessageType::Error, gst::MessageType::Eos],
        ) else {
            continue;
        };
        let error = match message.view() {
            gst::MessageView::Eos(_) => CameraError::Unplugged,
            _ => error_of(&message),
        };
        log::warn!("camera: {} ({})", error.kind(), error);
        *shared.state.lock().unwrap() = Some(CameraState::Unplugged);
        if let Some(running) = shared.running.lock().unwrap().take() {
            running.shut_down();
        }
        // Reopen when the device is back.
        loop {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            let present = match &source {
                CameraSource::Sim(control) => control.plugged(),
                CameraSource::V4l2 { device } => device.exists(),
            };
            if present {
                match start(&source, &shared) {
                    Ok(running) => {
                        bus = running.pipeline.bus().expect("a pipeline has a bus");
                        *shared.running.lock().unwrap() = Some(running);
                        *shared.state.lock().unwrap() = Some(CameraState::Streaming);
                        log::info!("camera: reopened after the device came back");
                        break;
                    }
                    Err(e) => log::warn!("camera: reopening failed: {} ({e})", e.kind()),
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

fn caps_size(sample: &gst::Sample) -> Option<(u32, u32)> {
    let structure = sample.caps()?.structure(0)?;
    let width = structure.get::<i32>("width").ok()?;
    let height = structure.get::<i32>("height").ok()?;
    Some((width as u32, height as u32))
}

fn preview_from_sample(sample: &gst::Sample, sequence: u64) -> Option<PreviewFrame> {
    let (width, height) = caps_size(sample)?;
    let map = sample.buffer()?.map_readable().ok()?;
    let size = width as usize * height as usize * 4;
    (map.len() >= size).then(|| PreviewFrame {
        sequence,
        width,
        height,
        rgba: map[..size].to_vec(),
    })
}

fn rgb_from_sample(sample: &gst::Sample) -> Result<RgbImage, CameraError> {
    let bad = |what: &str| CameraError::Pipeline(format!("still frame: {what}"));
    let (width, height) = caps_size(sample).ok_or_else(|| bad("no size"))?;
    let buffer = sample.buffer().ok_or_else(|| bad("no buffer"))?;
    let map = buffer.map_readable().map_err(|_| bad("unreadable"))?;
    // GStreamer pads RGB rows to a multiple of 4 bytes.
    let stride = (width as usize * 3).div_ceil(4) * 4;
    RgbImage::from_strided(width, height, stride, &map).ok_or_else(|| bad("short buffer"))
}
