//! The camera pipeline as the kiosk runs it, with the simulated source: frame sizes, the
//! material photo's bounds, the preview flowing during a still, unplug and replug, the
//! perspective correction against the fixture's known corners, and the V4L2 error paths.

use std::sync::Arc;
use std::time::{Duration, Instant};
use township_kiosk::devices::camera::document::{self, A4_SHORT_SIDE_PX, MAX_JPEG_BYTES};
use township_kiosk::devices::camera::geometry::distance;
use township_kiosk::devices::camera::sim::SimCameraControl;
use township_kiosk::devices::camera::{fixture, Camera, CameraError, CameraSource, CameraState, GstCamera};

fn sim_camera() -> (GstCamera, Arc<SimCameraControl>) {
    let control = Arc::new(SimCameraControl::default());
    let camera = GstCamera::open(CameraSource::Sim(control.clone())).expect("the simulated camera opens");
    (camera, control)
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn preview_frames_are_640x480_and_keep_flowing_while_a_still_is_taken() {
    let (camera, _control) = sim_camera();
    let first = camera.latest_preview().expect("open waits for a first frame");
    assert_eq!((first.width, first.height, first.rgba.len()), (640, 480, 640 * 480 * 4));
    let before = camera.preview_frames();
    let still = camera.capture_still(Duration::from_secs(20)).expect("a still");
    assert_eq!(
        (still.width, still.height),
        (fixture::SCENE_WIDTH, fixture::SCENE_HEIGHT)
    );
    assert!(
        camera.preview_frames() > before,
        "preview frames arrived while the still was taken ({before} before)"
    );
    let latest = camera.latest_preview().unwrap();
    assert!(latest.sequence > first.sequence);
    // The preview shows a page on a desk: a bright middle, darker corners.
    let mean = |x0: usize, y0: usize| {
        let block = (y0..y0 + 40).flat_map(|y| (x0..x0 + 40).map(move |x| (y * 640 + x) * 4));
        block.map(|i| latest.rgba[i] as u32).sum::<u32>() / 1600
    };
    assert!(mean(300, 220) > 170, "page in the middle: {}", mean(300, 220));
    assert!(mean(0, 0) < 100, "desk in the corner: {}", mean(0, 0));
    assert_eq!(camera.state(), CameraState::Streaming);
}

#[test]
fn a_material_photo_is_a_flattened_page_at_150_dpi_under_500_kb() {
    let (camera, _control) = sim_camera();
    let still = camera.capture_still(Duration::from_secs(20)).unwrap();
    drop(camera);
    let page = document::process(&still);
    let corners = page.corners.expect("the page is found");
    // The fixture page sits at known corners, shifted by the simulated hand's drift.
    for (found, placed) in corners.iter().zip(fixture::page_corners()) {
        assert!(distance(*found, placed) < 24.0, "corner {found:?} vs placed {placed:?}");
    }
    assert!(page.jpeg.len() <= MAX_JPEG_BYTES, "{} bytes", page.jpeg.len());
    assert_eq!(document::jpeg_dimensions(&page.jpeg), Some((page.width, page.height)));
    assert_eq!(page.width.min(page.height), A4_SHORT_SIDE_PX);
    // Upright A4: the long side is about √2 times the short one.
    let aspect = page.height as f32 / page.width as f32;
    assert!((1.35..1.47).contains(&aspect), "aspect {aspect}");
}

#[test]
fn perspective_correction_recovers_the_fixture_page() {
    // The still the simulator would give with no drift: the skewed page on the desk.
    let margin = fixture::MOTION_MARGIN as usize;
    let still = fixture::view(&fixture::scene(), margin, margin);
    let quad = document::find_page(&still).expect("page found");
    for (found, placed) in quad.iter().zip(fixture::page_corners()) {
        assert!(distance(*found, placed) < 8.0, "corner {found:?} vs {placed:?}");
    }
    // Flattened and scaled to the flat original's size, the picture matches the original.
    let flat = document::flatten(&still, &quad);
    let original = fixture::render_page();
    let flat = flat.resize(original.width / 4, original.height / 4);
    let original = original.resize(original.width / 4, original.height / 4);
    let differences: u64 = flat
        .data
        .iter()
        .zip(&original.data)
        .map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs() as u64)
        .sum();
    let mean = differences as f64 / flat.data.len() as f64;
    assert!(mean < 12.0, "mean difference {mean:.1} per channel");
    // The uncorrected still, cut to the page's bounding box, does not match as well.
    let skewed = still.resize(original.width, original.height);
    let skewed_mean = skewed
        .data
        .iter()
        .zip(&original.data)
        .map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs() as f64)
        .sum::<f64>()
        / skewed.data.len() as f64;
    assert!(
        skewed_mean > mean * 2.0,
        "correction matters: {skewed_mean:.1} vs {mean:.1}"
    );
}

#[test]
fn an_unplugged_camera_reports_it_and_recovers_when_plugged_back() {
    let (camera, control) = sim_camera();
    control.unplug();
    wait_until("the unplug to be noticed", Duration::from_secs(10), || {
        camera.state() == CameraState::Unplugged
    });
    assert_eq!(
        camera.capture_still(Duration::from_secs(1)),
        Err(CameraError::Unplugged)
    );
    control.replug();
    wait_until("the camera to come back", Duration::from_secs(30), || {
        camera.state() == CameraState::Streaming
    });
    let frames = camera.preview_frames();
    wait_until("frames after replug", Duration::from_secs(10), || {
        camera.preview_frames() > frames
    });
    assert!(camera.capture_still(Duration::from_secs(20)).is_ok());
}

#[test]
fn v4l2_errors_name_the_device_and_what_to_do() {
    let missing = CameraSource::V4l2 {
        device: "/dev/video-nonexistent".into(),
    };
    let error = GstCamera::open(missing).err().expect("no such device");
    assert_eq!(error, CameraError::NotFound("/dev/video-nonexistent".into()));
    assert_eq!(error.kind(), "camera.not-found");
    assert!(error.to_string().contains("kiosk camera list"));
    // A path that exists but is no camera fails cleanly with a kind, not a hang or a panic.
    let not_a_camera = tempfile::NamedTempFile::new().unwrap();
    let error = GstCamera::open(CameraSource::V4l2 {
        device: not_a_camera.path().into(),
    })
    .err()
    .expect("a plain file is no camera");
    assert!(error.kind().starts_with("camera."), "{error:?}");
}
