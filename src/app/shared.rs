//! What every feature controller may touch: the session, the configuration and catalogue,
//! the worker, the camera, the on-screen keyboard and the clocks. A controller never runs a
//! session event itself: it queues it here ([`Shared::push`]) and the router (`KioskApp`)
//! feeds the queue through the state machine and carries out the effects, so no feature
//! needs to know the others.

use super::camera::MaterialCamera;
use super::text_entry::Keyboard;
use super::worker::Worker;
use crate::config::Config;
use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::catalogue::Catalogue;
use crate::domain::session::{Event, Session};
use crate::domain::Lang;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

pub struct Shared {
    pub config: Config,
    pub catalogue: Arc<Catalogue>,
    pub calendar: WorkCalendar,
    pub session: Session,
    /// The worker thread: store, printer, submissions, audit.
    pub worker: Worker,
    /// The document camera and the session's photos (materials and 补交材料).
    pub camera: MaterialCamera,
    /// The on-screen keyboard (pinyin buffer, candidate page, mode).
    pub keyboard: Keyboard,
    /// The devices are simulated (the simulator's controls are shown).
    pub simulated: bool,
    /// Session events queued by the controllers for the router.
    events: VecDeque<Event>,
    started: Instant,
    today_override: Option<Date>,
    /// A pinned wall clock (screenshots: the same picture every time).
    pub clock_override: Option<String>,
    /// The session clock at the last event (what countdowns are shown against).
    pub clock_ms: u64,
}

impl Shared {
    pub fn new(
        config: Config,
        catalogue: Arc<Catalogue>,
        session: Session,
        worker: Worker,
        camera: MaterialCamera,
    ) -> Shared {
        Shared {
            calendar: config.work_calendar(),
            config,
            catalogue,
            session,
            worker,
            camera,
            keyboard: Keyboard::default(),
            simulated: false,
            events: VecDeque::new(),
            started: Instant::now(),
            today_override: None,
            clock_override: None,
            clock_ms: 0,
        }
    }

    /// The keyboard the session's language starts with.
    pub fn with_keyboard_for_lang(mut self) -> Shared {
        self.keyboard = Keyboard::for_lang(self.session.lang);
        self
    }

    /// Marks the devices as simulated (the simulator's controls are shown).
    pub fn simulated(mut self, simulated: bool) -> Shared {
        self.simulated = simulated;
        self
    }

    /// Queues a session event (run by the router after the controller returns).
    pub fn push(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// Queues a touch: the citizen did something, the idle timer starts again.
    pub fn touch(&mut self) {
        self.push(Event::Touch);
    }

    /// The next queued event.
    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn lang(&self) -> Lang {
        self.session.lang
    }

    /// Milliseconds since the app started (the session clock).
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Moves the session clock forward by `by` (the soak bench: an idle wipe or the attract
    /// loop without waiting a minute). Everything timed by the session clock sees the jump.
    pub fn warp_clock(&mut self, by: std::time::Duration) {
        if let Some(earlier) = self.started.checked_sub(by) {
            self.started = earlier;
        }
    }

    /// The wall clock as the header shows it (China time, `HH:MM`).
    pub fn clock_text(&self) -> String {
        if let Some(pinned) = &self.clock_override {
            return pinned.clone();
        }
        let secs = (crate::storage::now_unix() + 8 * 3600).rem_euclid(86_400);
        format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
    }

    pub fn today(&self) -> Date {
        self.today_override
            .unwrap_or_else(|| Date::from_unix_china(crate::storage::now_unix()))
    }

    /// Pins "today" (screenshots and tests).
    pub fn set_today(&mut self, today: Date) {
        self.today_override = Some(today);
    }
}
