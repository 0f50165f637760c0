//! `kiosk bench camera`: the document camera pipeline with the simulated source — preview
//! frames per second against the source's 15 fps, the CPU the pipeline costs (the process's
//! CPU minus what the simulator spends making frames, which a real camera does in
//! hardware) against the 15 %-of-a-core budget, and still-to-JPEG latency against 1 s.

use super::exit;
use crate::devices::camera::sim::{SimCameraControl, FRAMES_PER_SECOND};
use crate::devices::camera::{document, Camera, CameraSource, GstCamera};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn process_cpu() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

pub fn bench(seconds: u32, stills: u32) -> i32 {
    let control = Arc::new(SimCameraControl::default());
    let camera = match GstCamera::open(CameraSource::Sim(control.clone())) {
        Ok(camera) => camera,
        Err(e) => {
            eprintln!("kiosk bench camera: {e}");
            return exit::DEVICE;
        }
    };
    // Preview: frames and CPU over the window, nothing else running.
    let (frames0, cpu0, feeder0, wall0) = (
        camera.preview_frames(),
        process_cpu(),
        control.feeder_cpu(),
        Instant::now(),
    );
    std::thread::sleep(Duration::from_secs(seconds as u64));
    let wall = wall0.elapsed().as_secs_f64();
    let frames = (camera.preview_frames() - frames0) as f64;
    let cpu = (process_cpu() - cpu0).as_secs_f64();
    let feeder = (control.feeder_cpu() - feeder0).as_secs_f64();
    let fps = frames / wall;
    let pipeline_share = (cpu - feeder).max(0.0) / wall;
    println!(
        "camera preview, 640x480 RGBA from a {}x{} source at {FRAMES_PER_SECOND} fps, {seconds} s:",
        crate::devices::camera::fixture::SCENE_WIDTH,
        crate::devices::camera::fixture::SCENE_HEIGHT
    );
    println!(
        "  preview: {fps:.1} fps = {:.2} x the source rate (goal >= 15 fps)",
        fps / FRAMES_PER_SECOND as f64
    );
    println!(
        "  CPU: pipeline {:.1} % of one core = {:.2} x the 15 % budget; the simulator's frame making adds {:.1} %",
        pipeline_share * 100.0,
        pipeline_share / 0.15,
        feeder / wall * 100.0
    );
    // Stills: time from request to a processed JPEG.
    let mut latencies = Vec::new();
    for _ in 0..stills {
        let started = Instant::now();
        let frames_before = camera.preview_frames();
        let still = match camera.capture_still(Duration::from_secs(5)) {
            Ok(still) => still,
            Err(e) => {
                eprintln!("kiosk bench camera: {e}");
                return exit::DEVICE;
            }
        };
        let taken = started.elapsed();
        let page = document::process(&still);
        let total = started.elapsed();
        let during = camera.preview_frames() - frames_before;
        latencies.push((taken, total, page.jpeg.len(), during));
    }
    for (i, (taken, total, bytes, during)) in latencies.iter().enumerate() {
        println!(
            "  still {}: taken in {} ms, JPEG ready in {} ms = {:.2} x the 1 s goal ({} KB; {} preview frames meanwhile)",
            i + 1,
            taken.as_millis(),
            total.as_millis(),
            total.as_secs_f64(),
            bytes / 1024,
            during
        );
    }
    exit::OK
}
