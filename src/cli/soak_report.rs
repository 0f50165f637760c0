//! What `kiosk bench soak` reports: the goals, the samples, the idle cost, the UI thread and
//! the verdicts (printed, written as JSON, drawn by the plot).

use serde::Serialize;

/// The goals (issue 27).
pub const GOAL_IDLE_PSS_MB: f64 = 30.0;
pub const GOAL_GROWTH_MB: f64 = 5.0;
pub const GOAL_P999_MS: f64 = 8.0;
pub const GOAL_MAX_MS: f64 = 16.0;
pub const GOAL_IDLE_CPU_PCT: f64 = 1.0;
/// Growth is judged from this journey on: the first ones load what every later one uses
/// (GStreamer, the pinyin engine, the glyphs of the pages).
pub const WARM_UP_JOURNEYS: u32 = 20;

/// One sample, taken on the welcome page with nobody's session.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    pub journeys: u32,
    pub failed: u32,
    pub pss_mb: f64,
    pub rss_mb: f64,
    pub heap_mb: Option<f64>,
    pub open_files: usize,
    pub threads: usize,
}

/// What the idle kiosk costs over a span.
#[derive(Clone, Debug, Serialize)]
pub struct IdleCost {
    pub seconds: u32,
    pub cpu_percent_of_one_core: f64,
    pub wakeups_per_sec: f64,
}

/// The UI thread over the journeys.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UiThread {
    pub events: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// How late the event loop ran a call posted every 50 ms (p99.9 and max): it includes
    /// Slint's layout and painting, which the per-event figures above do not.
    pub loop_lag_p999_ms: f64,
    pub loop_lag_max_ms: f64,
    /// The worst events: kind and milliseconds.
    pub worst: Vec<(String, f64)>,
}

/// One goal's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub goal: String,
    pub figure: String,
    pub met: bool,
}

/// The whole report (`--json`).
#[derive(Clone, Debug, Serialize)]
pub struct SoakReport {
    pub build: &'static str,
    /// The kiosk binary measured, and its size on disk.
    pub binary: String,
    pub binary_bytes: u64,
    pub window: String,
    pub first_frame_ms: f64,
    pub idle_welcome: IdleCost,
    pub idle_attract: IdleCost,
    pub series: Vec<Sample>,
    pub ui_thread: UiThread,
    /// KB per journey after the warm-up (least squares over the samples from then on).
    pub slope_kb_per_journey: Option<f64>,
    pub verdicts: Vec<Verdict>,
}
