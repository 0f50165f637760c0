//! The simulated camera's source: pushes the fixture scene into `appsrc` at 15 fps with a
//! slow hand-held drift, sparse sensor noise and an exposure that ramps up for the first
//! frames (so the still waits for it to settle, as with a real camera). Tests unplug and
//! replug it through `SimCameraControl`.

use super::fixture::{self, MOTION_MARGIN, SCENE_HEIGHT, SCENE_WIDTH};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const FRAMES_PER_SECOND: u32 = 15;
/// Frames it takes the simulated auto-exposure to reach full brightness.
const EXPOSURE_RAMP_FRAMES: u64 = 6;

/// Test and technician controls of the simulated camera.
#[derive(Debug)]
pub struct SimCameraControl {
    unplugged: AtomicBool,
    pushed: AtomicU64,
    /// CPU time the feeding threads spent making frames (what a real camera does in
    /// hardware), so benchmarks can report the pipeline's own cost.
    feeder_cpu_ns: AtomicU64,
    /// What is held under the camera instead of the specimen page (a receipt's QR code).
    held: std::sync::Mutex<Option<Arc<super::image::RgbImage>>>,
}

impl Default for SimCameraControl {
    fn default() -> Self {
        SimCameraControl {
            unplugged: AtomicBool::new(false),
            pushed: AtomicU64::new(0),
            feeder_cpu_ns: AtomicU64::new(0),
            held: std::sync::Mutex::new(None),
        }
    }
}

impl SimCameraControl {
    pub fn unplug(&self) {
        self.unplugged.store(true, Ordering::SeqCst);
    }

    pub fn replug(&self) {
        self.unplugged.store(false, Ordering::SeqCst);
    }

    pub fn plugged(&self) -> bool {
        !self.unplugged.load(Ordering::SeqCst)
    }

    /// Holds a receipt's QR code (with `text`) under the camera; `None` puts the specimen
    /// page back.
    pub fn hold_code(&self, text: Option<&str>) {
        let scene = text.and_then(fixture::scene_with_code).map(Arc::new);
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = scene;
    }

    fn held(&self) -> Option<Arc<super::image::RgbImage>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// CPU time spent making simulated frames so far.
    pub fn feeder_cpu(&self) -> Duration {
        Duration::from_nanos(self.feeder_cpu_ns.load(Ordering::SeqCst))
    }

    /// Frames pushed into pipelines so far (all openings together).
    pub fn frames_pushed(&self) -> u64 {
        self.pushed.load(Ordering::SeqCst)
    }
}

/// The caps `appsrc` announces: what a YUYV camera gives after conversion, in RGB.
pub fn caps_description() -> String {
    format!("video/x-raw,format=RGB,width={SCENE_WIDTH},height={SCENE_HEIGHT},framerate={FRAMES_PER_SECOND}/1")
}

/// Feeds `appsrc` until `stop` is set or the control unplugs the camera (which posts the
/// same kind of bus error a vanished V4L2 device does).
pub fn feed(src: gstreamer_app::AppSrc, control: Arc<SimCameraControl>, stop: Arc<AtomicBool>) {
    let scene = fixture::scene();
    let (w, h) = (SCENE_WIDTH as usize, SCENE_HEIGHT as usize);
    let period = Duration::from_secs(1) / FRAMES_PER_SECOND;
    let started = Instant::now();
    // A real sensor's noise differs every time: seeded from the clock, so two openings never
    // give byte-identical stills (a re-photographed material is a new photo to the server).
    let opened_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut noise_state = (0x2545_f491_4f6c_dd1du64 ^ opened_at) | 1;
    for frame_number in 0u64.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if !control.plugged() {
            gstreamer::element_error!(src, gstreamer::ResourceError::Read, ("simulated camera unplugged"));
            return;
        }
        let cpu_before = thread_cpu_ns();
        let t = started.elapsed().as_secs_f32();
        let dx = (MOTION_MARGIN as f32 + 3.0 * (t * 0.9).sin()).round() as usize;
        let dy = (MOTION_MARGIN as f32 + 2.0 * (t * 0.6).cos()).round() as usize;
        let held = control.held();
        let mut data = fixture::view(held.as_deref().unwrap_or(&scene), dx, dy).data;
        // Sensor noise on one pixel in 64.
        for _ in 0..(w * h / 64) {
            noise_state ^= noise_state << 13;
            noise_state ^= noise_state >> 7;
            noise_state ^= noise_state << 17;
            let i = (noise_state as usize % (w * h)) * 3;
            let delta = (noise_state >> 40) as u8 % 17;
            for k in 0..3 {
                data[i + k] = data[i + k].saturating_add(delta).saturating_sub(8);
            }
        }
        if frame_number < EXPOSURE_RAMP_FRAMES {
            let gain = 0.35 + 0.65 * frame_number as f32 / EXPOSURE_RAMP_FRAMES as f32;
            let table: Vec<u8> = (0..=255u32).map(|v| (v as f32 * gain) as u8).collect();
            for byte in &mut data {
                *byte = table[*byte as usize];
            }
        }
        control
            .feeder_cpu_ns
            .fetch_add(thread_cpu_ns().saturating_sub(cpu_before), Ordering::SeqCst);
        if src.push_buffer(gstreamer::Buffer::from_mut_slice(data)).is_err() {
            return; // the pipeline is shutting down
        }
        control.pushed.fetch_add(1, Ordering::SeqCst);
        let next = started + period * (frame_number as u32 + 1);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

/// This thread's CPU time so far.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
