//! The UI benchmark's probe inside the real `kiosk run` process (only with the hidden
//! `--bench` flag): it reports the first painted frame, then, on command from standard
//! input, drives scripted citizen journeys through the pages' own callbacks (the same
//! presenter → intent → app path a finger takes) and reports the longest time the UI thread
//! was busy with one intent, report or tick. Lines on stdout start with `bench:`.

use super::generated::*;
use super::{with_shell, Shell};
use crate::app::intent::{Intent, SimAction};
use slint::{ComponentHandle, Model, SharedString};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Where one journey stands.
#[derive(Default)]
struct Script {
    remaining: u32,
    done: u32,
    /// When the test card went on the reader (this journey).
    placed_at: Option<Instant>,
    /// When it was lifted: the reader must poll an empty field before the next card counts.
    lifted_at: Option<Instant>,
}

/// Long enough for the reader's polling (400 ms) to see the empty field.
const LIFTED_FOR: Duration = Duration::from_millis(900);

thread_local! {
    static SCRIPT: RefCell<Option<Script>> = const { RefCell::new(None) };
    static TIMER: RefCell<Option<slint::Timer>> = const { RefCell::new(None) };
}

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
    if let Some(count) = command.strip_prefix("journeys ").and_then(|n| n.parse::<u32>().ok()) {
        SCRIPT.with(|s| {
            *s.borrow_mut() = Some(Script {
                remaining: count,
                ..Script::default()
            })
        });
        let timer = slint::Timer::default();
        timer.start(slint::TimerMode::Repeated, Duration::from_millis(15), || {
            with_shell(|shell| SCRIPT.with(|s| step(shell, &mut s.borrow_mut())));
        });
        TIMER.with(|t| *t.borrow_mut() = Some(timer));
    } else if command == "quit" {
        let _ = slint::quit_event_loop();
    }
}

/// One step of the scripted journey, chosen by the page on screen.
fn step(shell: &Rc<Shell>, script: &mut Option<Script>) {
    let Some(s) = script.as_mut() else { return };
    let w = &shell.window;
    match w.global::<AppAdapter>().get_page() {
        Page::Welcome => {
            if s.lifted_at.is_some_and(|t| t.elapsed() < LIFTED_FOR) {
                return;
            }
            if s.remaining == 0 {
                say(&format!(
                    "journeys-done {} busiest-us={}",
                    s.done,
                    shell.busiest().as_micros()
                ));
                *script = None;
                TIMER.with(|t| *t.borrow_mut() = None);
                return;
            }
            w.global::<WelcomeAdapter>().invoke_start();
        }
        Page::Catalogue => w.global::<CatalogueAdapter>().invoke_choose_item("ID-003".into()),
        Page::Guide => w.global::<GuideAdapter>().invoke_confirm(),
        Page::Identify => place_card(shell, s),
        Page::Form => {
            let form = w.global::<FormAdapter>();
            form.invoke_activate(0);
            for key in "13805740000".chars() {
                form.invoke_key(SharedString::from(key.to_string()));
            }
            form.invoke_choose(1, "lost".into());
            form.invoke_submit();
        }
        Page::Materials => photograph_materials(&w.global::<MaterialsAdapter>()),
        Page::Progress => w.global::<ProgressAdapter>().invoke_back(),
        Page::Appointment => w.global::<AppointmentAdapter>().invoke_back(),
        Page::Consult => w.global::<ConsultAdapter>().invoke_back(),
        Page::Technician => w.global::<TechnicianAdapter>().invoke_close(),
        Page::Review => w.global::<ReviewAdapter>().invoke_confirm(),
        Page::Payment => w.global::<PaymentAdapter>().invoke_simulate_paid(),
        Page::Receipt => {
            let receipt = w.global::<ReceiptAdapter>();
            if !receipt.get_submitting() && receipt.get_print_state() != "printing" {
                receipt.invoke_done();
            }
        }
        Page::Rating => {
            let rating = w.global::<RatingAdapter>();
            rating.invoke_rate(5);
            rating.invoke_toggle("quick".into());
            rating.invoke_submit();
        }
        Page::Address => w.global::<AddressAdapter>().invoke_cancel(),
        Page::Farewell => {
            shell.handle(Intent::Sim(SimAction::LiftCard));
            s.placed_at = None;
            s.lifted_at = Some(Instant::now());
            s.remaining = s.remaining.saturating_sub(1);
            s.done += 1;
            w.global::<RatingAdapter>().invoke_finish();
        }
    }
}

/// The identify page: the test card goes on the reader (after the last one was lifted
/// long enough); one not read within 3 s is lifted and placed again.
fn place_card(shell: &Rc<Shell>, s: &mut Script) {
    match s.placed_at {
        None if s.lifted_at.is_some_and(|t| t.elapsed() < LIFTED_FOR) => {}
        None => {
            s.placed_at = Some(Instant::now());
            shell.handle(Intent::Sim(SimAction::PlaceCard(0)));
        }
        // Not read (the reader missed the lift): lift, wait, place again.
        Some(t) if t.elapsed() > Duration::from_secs(3) => {
            shell.handle(Intent::Sim(SimAction::LiftCard));
            s.placed_at = None;
            s.lifted_at = Some(Instant::now());
        }
        Some(_) => {}
    }
}

/// The materials page: one photo at a time, as a citizen does (waiting while one is being
/// taken), the promise signed for the optional ones, then done.
fn photograph_materials(materials: &MaterialsAdapter) {
    if materials.get_busy() || !materials.get_live() {
        return;
    }
    let rows: Vec<_> = materials.get_materials().iter().collect();
    if let Some(row) = rows.iter().find(|r| r.mandatory && !r.has_thumbnail) {
        return materials.invoke_capture(row.code.clone());
    }
    if materials.get_promise_open() {
        return materials.invoke_sign(crate::app::staging::SAMPLE_SIGNATURE.into());
    }
    if let Some(row) = rows.iter().find(|r| !r.mandatory && r.state.as_str() != "promised") {
        return materials.invoke_promise(row.code.clone());
    }
    materials.invoke_done();
}
