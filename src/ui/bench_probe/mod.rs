//! The benchmarks' probe inside the real `kiosk run` process (only with the hidden `--bench`
//! flag). It reports the first painted frame, then takes commands on standard input:
//! - `journeys N`: N identical application journeys (`kiosk bench ui`);
//! - `soak N`: N journeys of a mix (applications with camera materials and payment, in
//!   Chinese, English and elderly mode, progress queries, appointments, complaints, an idle
//!   wipe), pausing every 10 on the welcome page with a `sample` line until `resume`;
//! - `warp SECS`: moves the session clock forward (the attract loop without waiting);
//! - `trace`: the UI thread's event histogram and its worst events; `quit`.
//!
//! Journeys go through the pages' own callbacks (the same presenter → intent → app path a
//! finger takes). Lines on stdout start with `bench:`.

mod desks;
mod journeys;
mod mix;

use super::event_trace::{EventKind, EventTrace};
use super::{with_shell, Shell};
use journeys::{Journey, Script};
use slint::ComponentHandle;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The soak pauses for a sample after this many journeys.
pub const SAMPLE_EVERY: u32 = 10;
/// How often the script takes a step.
const STEP_PERIOD: Duration = Duration::from_millis(15);

/// How often the lag probe asks the event loop to run something while journeys run.
const LAG_PROBE_PERIOD: Duration = Duration::from_millis(50);

thread_local! {
    static SCRIPT: RefCell<Option<Script>> = const { RefCell::new(None) };
    static TIMER: RefCell<Option<slint::Timer>> = const { RefCell::new(None) };
    /// How late the event loop ran the lag probe's calls: this includes what the shell's
    /// trace cannot see (Slint's layout and painting between events).
    static LAG: RefCell<EventTrace> = RefCell::new(EventTrace::default());
}

/// Whether journeys are under way (the lag probe runs only then: idle stays idle).
static RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "bench: {line}");
    let _ = out.flush();
}

/// Reports the first painted frame and listens for commands on standard input.
pub fn install(shell: &Rc<Shell>) {
    let mut first = true;
    let notifier = shell.window.window().set_rendering_notifier(move |state, _| {
        if first && matches!(state, slint::RenderingState::AfterRendering) {
            first = false;
            say("first-frame");
        }
    });
    if notifier.is_err() {
        // The software renderer has no rendering notifier: the first turn of the event loop
        // after the window was shown is when winit maps it and draws the first frame.
        slint::Timer::single_shot(Duration::ZERO, || say("first-frame"));
    }
    std::thread::spawn(|| {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            let command = line.trim().to_string();
            let _ = slint::invoke_from_event_loop(move || run_command(&command));
        }
    });
}

fn run_command(command: &str) {
    let mut words = command.split_whitespace();
    let (verb, count) = (
        words.next().unwrap_or(""),
        words.next().and_then(|n| n.parse::<u32>().ok()),
    );
    match (verb, count) {
        ("journeys", Some(n)) => start(Script::new(n, false)),
        ("soak", Some(n)) => start(Script::new(n, true)),
        ("resume", _) => SCRIPT.with(|s| {
            if let Some(script) = s.borrow_mut().as_mut() {
                script.paused = false;
            }
        }),
        ("warp", Some(secs)) => with_shell(|shell| {
            shell.app_mut().warp_clock(Duration::from_secs(secs.into()));
            shell.tick();
            say(&format!("warped {secs}"));
        }),
        ("trace", _) => with_shell(|shell| say(&trace_line(shell))),
        ("sample", _) => {
            let (done, failed) = SCRIPT.with(|s| s.borrow().as_ref().map_or((0, 0), |s| (s.done, s.failed)));
            say(&format!(
                "sample journeys={done} failed={failed} heap-bytes={}",
                heap_bytes()
            ));
        }
        ("quit", _) => {
            let _ = slint::quit_event_loop();
        }
        _ => say(&format!("unknown-command {command:?}")),
    }
}

fn start(script: Script) {
    with_shell(|shell| shell.reset_trace());
    LAG.with(|l| l.borrow_mut().reset());
    if !RUNNING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        std::thread::spawn(probe_lag);
    }
    SCRIPT.with(|s| *s.borrow_mut() = Some(script));
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, STEP_PERIOD, || {
        with_shell(|shell| SCRIPT.with(|s| step(shell, &mut s.borrow_mut())));
    });
    TIMER.with(|t| *t.borrow_mut() = Some(timer));
}

/// One step of the script: a page's action, or on the welcome page the end of a journey,
/// a sample, or the end of the run.
fn step(shell: &Rc<Shell>, script: &mut Option<Script>) {
    let Some(s) = script.as_mut() else { return };
    if s.paused {
        return;
    }
    if !s.at_rest(shell) {
        return s.act(shell);
    }
    if s.soak && s.done > 0 && s.done % SAMPLE_EVERY == 0 && s.sampled != s.done {
        // Memory is read by the bench while nothing moves: the session is over, the wipe
        // and its give-back are done, the pause holds the next journey.
        s.sampled = s.done;
        s.paused = true;
        return say(&format!(
            "sample journeys={} failed={} heap-bytes={} {}",
            s.done,
            s.failed,
            heap_bytes(),
            trace_figures(shell)
        ));
    }
    if s.remaining == 0 {
        say(&format!(
            "journeys-done {} failed={} busiest-us={} {}",
            s.done,
            s.failed,
            shell.trace().max().as_micros(),
            trace_figures(shell)
        ));
        *script = None;
        TIMER.with(|t| *t.borrow_mut() = None);
        RUNNING.store(false, std::sync::atomic::Ordering::SeqCst);
        return;
    }
    let journey = if s.soak {
        Journey::of_soak(s.done)
    } else {
        Journey::Apply(Default::default())
    };
    s.begin(shell, journey);
}

/// Asks the event loop to run a call every [`LAG_PROBE_PERIOD`] while journeys run, and
/// records how late each ran.
fn probe_lag() {
    while RUNNING.load(std::sync::atomic::Ordering::SeqCst) {
        let asked = Instant::now();
        let ran = slint::invoke_from_event_loop(move || {
            LAG.with(|l| l.borrow_mut().record(asked.elapsed(), || EventKind::Tick));
        });
        if ran.is_err() {
            break;
        }
        std::thread::sleep(LAG_PROBE_PERIOD);
    }
    RUNNING.store(false, std::sync::atomic::Ordering::SeqCst);
}

/// The heap in use as the allocator counts it (`-` where it gives no figure).
fn heap_bytes() -> String {
    crate::heap::in_use_bytes().map_or("-".to_string(), |b| b.to_string())
}

/// The trace's quantiles on one line (`events= p50-us= p99-us= p999-us= max-us=`), and the
/// lag probe's (`lag-p999-us= lag-max-us=`).
fn trace_figures(shell: &Shell) -> String {
    let t = shell.trace();
    let (lag_p999, lag_max) = LAG.with(|l| {
        let l = l.borrow();
        (l.quantile(0.999).as_micros(), l.max().as_micros())
    });
    format!(
        "events={} p50-us={} p99-us={} p999-us={} max-us={} lag-p999-us={lag_p999} lag-max-us={lag_max}",
        t.count(),
        t.quantile(0.5).as_micros(),
        t.quantile(0.99).as_micros(),
        t.quantile(0.999).as_micros(),
        t.max().as_micros()
    )
}

/// The `trace` answer: the figures and the worst events (`worst=kind@us;…`).
fn trace_line(shell: &Shell) -> String {
    let worst: Vec<String> = shell
        .trace()
        .worst()
        .iter()
        .map(|(took, kind)| format!("{}@{}", kind.to_string().replace(' ', "_"), took.as_micros()))
        .collect();
    format!("trace {} worst={}", trace_figures(shell), worst.join(";"))
}
