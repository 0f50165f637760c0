//! The touchscreen UI shell: the window, the router and the clock. It is the only module
//! that sees Slint-generated types. Each page's presenter (`pages/`) connects its adapter's
//! callbacks to [`Intent`]s and renders its adapter from the app's view of that page; the
//! shell renders the frame and the current page only. Blocking work happens on the app's
//! worker: reports come back through the inbox, and a waker brings them onto this thread.

pub mod bench_probe;
mod camera_preview;
pub mod convert;
pub mod event_trace;
pub mod generated;
mod pages;
pub mod screenshot;

use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::{self, PageId};
use crate::domain::Lang;
use event_trace::{EventKind, EventTrace};
use generated::*;
use slint::ComponentHandle;
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::rc::Rc;
use std::time::Instant;

/// The UI and the app it shows.
pub struct Shell {
    pub window: AppWindow,
    app: RefCell<KioskApp>,
    /// The page and language last rendered: a change re-renders the page.
    rendered: Cell<Option<(PageId, Lang)>>,
    /// How long each intent, report, tick and camera frame kept the UI thread busy.
    trace: RefCell<EventTrace>,
    /// The running number of the camera frame on screen.
    preview_shown: Cell<u64>,
    /// The camera preview's timer (~15 fps): it runs only while a page with a camera shows.
    preview_timer: slint::Timer,
}

/// Selects the bundled translation for `lang` (English is the source language).
pub fn select_language(lang: Lang) {
    let code = match lang {
        Lang::Zh => "zh_CN",
        Lang::En => "",
    };
    if let Err(e) = slint::select_bundled_translation(code) {
        log::warn!("translation {code:?}: {e}");
    }
}

impl Shell {
    pub fn new(app: KioskApp) -> Result<Rc<Shell>, slint::PlatformError> {
        let window = AppWindow::new()?;
        let shell = Rc::new(Shell {
            window,
            app: RefCell::new(app),
            rendered: Cell::new(None),
            trace: RefCell::new(EventTrace::default()),
            preview_shown: Cell::new(0),
            preview_timer: slint::Timer::default(),
        });
        pages::connect(&shell);
        // What the reader and the worker reported before the window existed is shown now.
        shell.app.borrow_mut().take_inbox();
        shell.render();
        Ok(shell)
    }

    /// Read access to the app (tests, screenshots).
    pub fn app(&self) -> Ref<'_, KioskApp> {
        self.app.borrow()
    }

    /// Write access to the app, for preparing screenshots; re-render afterwards.
    pub fn app_mut(&self) -> RefMut<'_, KioskApp> {
        self.app.borrow_mut()
    }

    /// Brings the worker's and the reader's reports onto the UI thread from now on.
    pub fn install_waker(&self) {
        self.app.borrow().set_waker(|| {
            let _ = slint::invoke_from_event_loop(|| with_shell(|shell| shell.take_inbox()));
        });
        self.take_inbox();
    }

    pub fn set_size(&self, width: u32, height: u32) {
        self.window
            .window()
            .set_size(slint::LogicalSize::new(width as f32, height as f32));
        // The window's `changed width` handler does the same once an event loop runs; set it
        // now for headless rendering and tests. Sizes follow the short side (1080 px = 1.0),
        // never below 0.5.
        let theme = self.window.global::<Theme>();
        theme.set_scale((width.min(height) as f32 / 1080.0).max(0.5));
        theme.set_landscape(width > height);
    }

    /// Shows the window and runs the event loop until it quits.
    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.run()
    }

    /// One intent from a page: the app handles it, then the current page is rendered.
    pub fn handle(&self, intent: Intent) {
        let started = Instant::now();
        // Named before the intent moves into the app (its values never are).
        let kind = EventKind::Intent(event_trace::intent_kind(&intent));
        self.app.borrow_mut().handle(intent);
        self.render();
        self.note_busy(started, || kind);
        if self.app.borrow().restart_requested() {
            // `kiosk run` starts itself again once the loop has ended and the devices are safe.
            let _ = slint::quit_event_loop();
        }
    }

    /// Takes the reports waiting in the app's inbox.
    pub fn take_inbox(&self) {
        let started = Instant::now();
        let kinds = self.app.borrow_mut().take_inbox_kinds();
        if !kinds.is_empty() {
            self.render();
        }
        self.note_busy(started, || EventKind::Reports(kinds.join("+")));
    }

    /// The periodic clock: idle warning countdown and wipe.
    pub fn tick(&self) {
        let now_ms = self.app.borrow().now_ms();
        self.tick_at(now_ms);
    }

    /// The clock at a given session time. Most ticks change nothing: only a change of step
    /// or of the idle warning re-renders; otherwise just the countdown moves.
    pub fn tick_at(&self, now_ms: u64) {
        let started = Instant::now();
        let key = |app: &KioskApp| {
            (
                app.session().step,
                app.session().warning_since_ms,
                app.technician().stage(),
                app.restart_requested(),
                app.attract_slide(),
            )
        };
        let before = key(&self.app.borrow());
        self.app.borrow_mut().tick_at(now_ms);
        let app = self.app.borrow();
        if key(&app) != before {
            drop(app);
            self.render();
        } else {
            // Only the countdowns and the clock move.
            let frame = view::frame(&app);
            self.render_clock(&frame);
            if let Some((PageId::Payment, _)) = self.rendered.get() {
                pages::payment::render_time_left(&self.window, &app);
            }
        }
        self.note_busy(started, || EventKind::Tick);
    }

    /// How long the UI thread was busy with each thing it did so far.
    pub fn trace(&self) -> Ref<'_, EventTrace> {
        self.trace.borrow()
    }

    /// Starts the trace again.
    pub fn reset_trace(&self) {
        self.trace.borrow_mut().reset();
    }

    pub(crate) fn note_busy(&self, started: Instant, kind: impl FnOnce() -> EventKind) {
        self.trace.borrow_mut().record(started.elapsed(), kind);
    }

    /// Renders the frame and the current page (no other page).
    pub fn render(&self) {
        let app = self.app.borrow();
        let frame = view::frame(&app);
        if self.rendered.get().map(|(_, lang)| lang) != Some(frame.lang) {
            select_language(frame.lang);
        }
        let w = &self.window;
        w.global::<Theme>().set_elderly(frame.elderly);
        w.global::<Theme>().set_hide_cursor(frame.hide_cursor);
        w.global::<LanguageAdapter>()
            .set_other_language(convert::s(match frame.lang {
                Lang::Zh => "English",
                Lang::En => "中文",
            }));
        let a = w.global::<AppAdapter>();
        a.set_page(router(frame.page));
        a.set_simulated(frame.simulated);
        a.set_idle_warning(frame.idle_warning);
        a.set_card_reminder(frame.card_reminder);
        let f = w.global::<FrameAdapter>();
        f.set_site_name(convert::s(&frame.site_name));
        f.set_step(frame.progress_step.map_or(-1, i32::from));
        f.set_staff_called(frame.staff_called);
        f.set_confirming_exit(frame.exit_asked);
        f.set_writing(frame.writing);
        let voice = w.global::<VoiceAdapter>();
        voice.set_available(frame.voice.is_some());
        voice.set_on(frame.voice == Some(true));
        self.render_clock(&frame);
        if frame.page == PageId::Welcome {
            pages::clear_personal(w);
            if self.rendered.get().is_some_and(|(page, _)| page != PageId::Welcome) {
                // A session just ended and its images are gone: the memory goes back to the
                // system, so the kiosk's footprint returns to its floor between citizens (on
                // a thread of its own: trimming takes milliseconds the UI has not got).
                crate::heap::give_back_soon();
            }
        }
        pages::render(w, &app, frame.page);
        self.rendered.set(Some((frame.page, frame.lang)));
        self.schedule_preview(frame.page);
    }
}

impl Shell {
    /// The parts of the frame that move with time: countdowns and the clock.
    fn render_clock(&self, frame: &view::FrameView) {
        let w = &self.window;
        w.global::<AppAdapter>().set_idle_seconds(frame.idle_seconds as i32);
        let f = w.global::<FrameAdapter>();
        f.set_seconds_left(frame.seconds_left.map_or(-1, |s| i32::try_from(s).unwrap_or(i32::MAX)));
        f.set_clock(convert::s(&frame.clock));
    }
}

/// The router: which Slint page shows a page of the app.
fn router(page: PageId) -> Page {
    match page {
        PageId::Welcome => Page::Welcome,
        PageId::Catalogue => Page::Catalogue,
        PageId::Guide => Page::Guide,
        PageId::Identify => Page::Identify,
        PageId::Form => Page::Form,
        PageId::Materials => Page::Materials,
        PageId::Review => Page::Review,
        PageId::Payment => Page::Payment,
        PageId::Receipt => Page::Receipt,
        PageId::Rating => Page::Rating,
        PageId::Farewell => Page::Farewell,
        PageId::Address => Page::Address,
        PageId::Progress => Page::Progress,
        PageId::Appointment => Page::Appointment,
        PageId::Consult => Page::Consult,
        PageId::Technician => Page::Technician,
    }
}

thread_local! {
    static SHELL: RefCell<Option<Rc<Shell>>> = const { RefCell::new(None) };
}

/// Makes `shell` reachable from closures that come back through the event loop, and
/// starts taking the app's reports through it.
pub fn install(shell: &Rc<Shell>) {
    SHELL.with(|s| *s.borrow_mut() = Some(Rc::clone(shell)));
    shell.install_waker();
}

pub fn with_shell(f: impl FnOnce(&Rc<Shell>)) {
    let shell = SHELL.with(|s| s.borrow().clone());
    if let Some(shell) = shell {
        f(&shell);
    }
}
