//! The scripted citizens of the benchmarks: what each kind of journey does on each page,
//! through the pages' own callbacks. A journey begins on the welcome page and ends when the
//! kiosk is back there with the card off the reader; one that has not ended within its time
//! is counted as failed and ended by the idle wipe.

use super::super::generated::*;
use super::super::Shell;
use super::desks;
pub use super::mix::Journey;
use crate::app::intent::{Intent, SimAction};
use slint::ComponentHandle;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Long enough for the reader's polling (400 ms) to see the empty field.
const LIFTED_FOR: Duration = Duration::from_millis(900);
/// A journey not back on the welcome page by then failed.
const JOURNEY_LIMIT: Duration = Duration::from_secs(90);
/// The idle wipe's fast-forward: past the idle warning and its countdown.
const WIPE_WARP: Duration = Duration::from_secs(700);

/// One journey under way.
struct Under {
    journey: Journey,
    begun: Instant,
    left_welcome: bool,
    /// 付款成功 asked of the sandbox once.
    paid_asked: bool,
    /// The phone number this citizen types (a different one each journey).
    phone: String,
    /// A step of this journey that failed (an error on the page).
    failed: bool,
}

/// The benchmark's script.
#[derive(Default)]
pub struct Script {
    pub remaining: u32,
    pub done: u32,
    pub failed: u32,
    /// The soak's mix (else every journey is the default application).
    pub soak: bool,
    /// Waiting for `resume` after a sample.
    pub paused: bool,
    /// The journey count at the last sample.
    pub sampled: u32,
    under: Option<Under>,
    /// When the test card went on the reader.
    placed_at: Option<Instant>,
    /// When it was lifted: the reader must poll an empty field before the next card counts.
    lifted_at: Option<Instant>,
}

impl Script {
    pub fn new(journeys: u32, soak: bool) -> Script {
        Script {
            remaining: journeys,
            soak,
            ..Script::default()
        }
    }

    /// On the welcome page with no journey under way, no card on the reader, no reminder.
    pub fn at_rest(&self, shell: &Shell) -> bool {
        self.under.is_none()
            && page(shell) == Page::Welcome
            && !shell.window.global::<AppAdapter>().get_card_reminder()
            && self.placed_at.is_none()
            && self.lifted_at.is_none_or(|t| t.elapsed() >= LIFTED_FOR)
    }

    /// Begins a journey from the welcome page.
    pub fn begin(&mut self, shell: &Shell, journey: Journey) {
        let welcome = shell.window.global::<WelcomeAdapter>();
        let (english, elderly) = match journey {
            Journey::Apply(a) => (a.english, a.elderly),
            _ => (false, false),
        };
        welcome.invoke_set_language(if english { "en" } else { "zh" }.into());
        welcome.invoke_set_elderly(elderly);
        match journey {
            Journey::Apply(_) | Journey::IdleWipe => welcome.invoke_start(),
            Journey::Progress => welcome.invoke_progress(),
            Journey::Appointment => welcome.invoke_appointment(),
            Journey::Complaint => welcome.invoke_consult(),
        }
        self.under = Some(Under {
            journey,
            begun: Instant::now(),
            left_welcome: false,
            paid_asked: false,
            phone: format!("1380574{:04}", self.done % 10_000),
            failed: false,
        });
    }

    /// One step of the journey under way (or of putting the kiosk at rest after one).
    pub fn act(&mut self, shell: &Rc<Shell>) {
        let here = page(shell);
        if self.under.is_none() && here != Page::Welcome {
            // Between journeys on another page (never expected): the wipe ends it.
            return warp(shell, WIPE_WARP);
        }
        if shell.window.global::<AppAdapter>().get_card_reminder() || self.under.is_none() {
            // The journey is over but the card is still on the reader: take it.
            return self.lift(shell);
        }
        let Some(u) = self.under.as_mut() else { return };
        if here != Page::Welcome {
            u.left_welcome = true;
        }
        if here == Page::Welcome && u.left_welcome {
            return self.finish(shell);
        }
        if u.begun.elapsed() > JOURNEY_LIMIT {
            // Stuck: the idle wipe ends it, as it would for a citizen who walked away.
            u.failed = true;
            u.begun = Instant::now();
            return warp(shell, WIPE_WARP);
        }
        let journey = u.journey;
        match journey {
            Journey::Apply(_) => self.apply_step(shell, here),
            Journey::Progress => self.progress_step(shell),
            Journey::Appointment => self.appointment_step(shell),
            Journey::Complaint => self.complaint_step(shell),
            Journey::IdleWipe => self.idle_wipe_step(shell, here),
        }
    }

    fn finish(&mut self, shell: &Rc<Shell>) {
        if let Some(u) = self.under.take() {
            self.done += 1;
            self.remaining = self.remaining.saturating_sub(1);
            self.failed += u32::from(u.failed);
        }
        self.lift(shell);
    }

    fn lift(&mut self, shell: &Rc<Shell>) {
        if self.placed_at.take().is_some() || shell.window.global::<AppAdapter>().get_card_reminder() {
            shell.handle(Intent::Sim(SimAction::LiftCard));
            self.lifted_at = Some(Instant::now());
        }
    }

    /// The test card goes on the reader (after the last one was lifted long enough); one
    /// not read within 3 s is lifted and placed again.
    fn place_card(&mut self, shell: &Rc<Shell>) {
        match self.placed_at {
            None if self.lifted_at.is_some_and(|t| t.elapsed() < LIFTED_FOR) => {}
            None => {
                self.placed_at = Some(Instant::now());
                shell.handle(Intent::Sim(SimAction::PlaceCard(0)));
            }
            Some(t) if t.elapsed() > Duration::from_secs(3) => {
                shell.handle(Intent::Sim(SimAction::LiftCard));
                self.placed_at = None;
                self.lifted_at = Some(Instant::now());
            }
            Some(_) => {}
        }
    }

    fn apply_step(&mut self, shell: &Rc<Shell>, here: Page) {
        let w = &shell.window;
        let Some(Journey::Apply(apply)) = self.under.as_ref().map(|u| u.journey) else {
            return;
        };
        match here {
            Page::Catalogue => w.global::<CatalogueAdapter>().invoke_choose_item(apply.item.into()),
            Page::Guide => w.global::<GuideAdapter>().invoke_confirm(),
            Page::Identify => self.place_card(shell),
            Page::Form => self.fill_form(&w.global::<FormAdapter>()),
            Page::Materials => desks::photograph_materials(&w.global::<MaterialsAdapter>()),
            Page::Review => w.global::<ReviewAdapter>().invoke_confirm(),
            Page::Payment => {
                let payment = w.global::<PaymentAdapter>();
                let u = self.under.as_mut().expect("a journey is under way");
                if payment.get_phase() == "waiting" && !u.paid_asked {
                    u.paid_asked = true;
                    payment.invoke_simulate_paid();
                }
            }
            Page::Address => w.global::<AddressAdapter>().invoke_cancel(),
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
            Page::Farewell => {
                self.lift(shell);
                w.global::<RatingAdapter>().invoke_finish();
            }
            _ => self.leave(shell),
        }
    }

    fn fill_form(&self, form: &FormAdapter) {
        form.invoke_activate(0);
        desks::type_phone(self.phone(), |key| form.invoke_key(key));
        form.invoke_choose(1, "lost".into());
        form.invoke_submit();
    }

    fn progress_step(&mut self, shell: &Rc<Shell>) {
        let progress = shell.window.global::<ProgressAdapter>();
        if progress.get_searching() {
            return;
        }
        if progress.get_answered() || !progress.get_error().is_empty() {
            self.note_failure(!progress.get_error().is_empty());
            self.lift(shell);
            return progress.invoke_back();
        }
        self.place_card(shell);
    }

    fn appointment_step(&mut self, shell: &Rc<Shell>) {
        let failed = desks::appointment(&shell.window.global::<AppointmentAdapter>(), self.phone());
        self.note_failure(failed);
    }

    fn complaint_step(&mut self, shell: &Rc<Shell>) {
        let failed = desks::complaint(&shell.window.global::<ConsultAdapter>(), self.phone());
        self.note_failure(failed);
    }

    /// Chooses a service, reads its guide, and walks away: the clock jumps past the idle
    /// warning and its countdown, and the wipe brings the welcome page back.
    fn idle_wipe_step(&mut self, shell: &Rc<Shell>, here: Page) {
        match here {
            Page::Catalogue => shell
                .window
                .global::<CatalogueAdapter>()
                .invoke_choose_item("ID-003".into()),
            _ => warp(shell, WIPE_WARP),
        }
    }

    /// This citizen's phone number.
    fn phone(&self) -> &str {
        self.under.as_ref().map_or("", |u| u.phone.as_str())
    }

    fn note_failure(&mut self, failed: bool) {
        if let Some(u) = self.under.as_mut() {
            u.failed |= failed;
        }
    }

    /// A page this journey does not expect: counted as failed, left by the wipe.
    fn leave(&mut self, shell: &Rc<Shell>) {
        self.note_failure(true);
        warp(shell, WIPE_WARP);
    }
}

/// Moves the session clock forward and lets the clock tick see it.
fn warp(shell: &Shell, by: Duration) {
    shell.app_mut().warp_clock(by);
    shell.tick();
}

fn page(shell: &Shell) -> Page {
    shell.window.global::<AppAdapter>().get_page()
}
