//! What the view layer reads from the app: the features' state, the session, the clocks,
//! and the few setters screenshots and tests use to pin a picture.

use super::KioskApp;
use crate::config::Config;
use crate::devices::card_reader::ReaderState;
use crate::devices::printer::raster::Bitmap;
use crate::domain::application::FormValues;
use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::catalogue::Catalogue;
use crate::domain::message::Message;
use crate::domain::session::Session;
use crate::domain::Lang;

impl KioskApp {
    // ---- what the view layer reads -------------------------------------------------------

    pub fn config(&self) -> &Config {
        &self.shared.config
    }
    pub fn catalogue(&self) -> &Catalogue {
        &self.shared.catalogue
    }
    pub fn calendar(&self) -> &WorkCalendar {
        &self.shared.calendar
    }
    /// The materials page's camera: preview, photos, capture in progress.
    pub fn camera(&self) -> &crate::app::camera::MaterialCamera {
        &self.shared.camera
    }

    /// 查询进度: what was typed and what the central system answered.
    pub fn lookup(&self) -> &crate::app::lookup::ProgressLookup {
        &self.progress.lookup
    }

    /// 缴费: the payment order and where it stands.
    pub fn payment(&self) -> &crate::app::payment::PaymentDesk {
        &self.payment
    }

    /// Screenshots stage an order here.
    pub fn payment_mut(&mut self) -> &mut crate::app::payment::PaymentDesk {
        &mut self.payment
    }

    /// 预约: slots, choice and booking.
    pub fn appointment(&self) -> &crate::app::appointment::AppointmentDesk {
        &self.appointment
    }

    /// Screenshots stage a booking here.
    pub fn appointment_mut(&mut self) -> &mut crate::app::appointment::AppointmentDesk {
        &mut self.appointment
    }
    pub fn consult(&self) -> &crate::app::consult::ConsultDesk {
        &self.consult
    }
    pub fn consult_mut(&mut self) -> &mut crate::app::consult::ConsultDesk {
        &mut self.consult
    }

    /// Screenshots stage an answer here.
    pub fn lookup_mut(&mut self) -> &mut crate::app::lookup::ProgressLookup {
        &mut self.progress.lookup
    }

    /// Screenshots stage a preview and photos here.
    pub fn camera_mut(&mut self) -> &mut crate::app::camera::MaterialCamera {
        &mut self.shared.camera
    }

    pub fn session(&self) -> &Session {
        &self.shared.session
    }
    pub fn reader_state(&self) -> &ReaderState {
        &self.reader_state
    }
    pub fn simulated(&self) -> bool {
        self.sim.is_some()
    }
    pub fn typed_id(&self) -> &str {
        &self.journey.typed_id
    }
    pub fn active_field(&self) -> usize {
        self.journey.active_field
    }
    pub fn form_draft(&self) -> &FormValues {
        &self.journey.form_draft
    }
    pub fn receipt_preview(&self) -> Option<&Bitmap> {
        self.journey.receipt_preview.as_ref()
    }
    pub fn current_category(&self) -> &str {
        &self.journey.current_category
    }
    pub fn staff_called(&self) -> bool {
        self.staff_called
    }
    /// Whether 退出办理? is asked on screen.
    pub fn exit_asked(&self) -> bool {
        self.exit_asked
    }
    pub fn keyboard(&self) -> &crate::app::text_entry::Keyboard {
        &self.shared.keyboard
    }
    /// The supplement being photographed on the progress page.
    pub fn supply(&self) -> Option<&crate::app::supply::SupplyDraft> {
        self.progress.supply.as_ref()
    }
    /// Why the last 提交 of a supplement was refused (no photo yet).
    pub fn supply_error(&self) -> Option<Message> {
        self.progress.supply_error
    }
    /// Why 补交材料 did not open (the answer came from a typed ID tail).
    pub fn supply_proof_error(&self) -> Option<Message> {
        self.progress.proof_error
    }
    /// The material whose 容缺 promise is on the pad, and why the last try was refused.
    pub fn promising(&self) -> Option<(&str, Option<Message>)> {
        self.journey
            .promising
            .as_deref()
            .map(|code| (code, self.journey.promise_error))
    }
    /// The promise text for `code` as the citizen reads and signs it today.
    pub fn promise_text(&self, code: &str) -> (String, Date) {
        crate::app::journey::promise_text(&self.shared, code)
    }
    pub fn address(&self) -> Option<&crate::app::address_entry::AddressDraft> {
        self.journey.address.as_ref()
    }
    /// Where place names rank first on the keyboard: the address being picked, else the
    /// kiosk's own county.
    pub fn keyboard_region(&self) -> String {
        self.journey
            .address
            .as_ref()
            .and_then(|a| a.region())
            .unwrap_or(&self.shared.config.kiosk.county)
            .to_string()
    }
    /// The wall clock as the header shows it (China time, `HH:MM`).
    pub fn clock_text(&self) -> String {
        self.shared.clock_text()
    }
    pub fn clock_ms(&self) -> u64 {
        self.shared.clock_ms
    }
    pub fn lang(&self) -> Lang {
        self.shared.session.lang
    }
    pub fn now_ms(&self) -> u64 {
        self.shared.now_ms()
    }
    pub fn today(&self) -> Date {
        self.shared.today()
    }

    /// Pins "today" (screenshots and tests).
    pub fn set_today(&mut self, today: Date) {
        self.shared.set_today(today);
    }

    /// Pins the header clock (screenshots).
    pub fn pin_clock(&mut self, hhmm: &str) {
        self.shared.clock_override = Some(hhmm.to_string());
    }

    /// Pins the reader's state (screenshots).
    pub fn set_reader_state(&mut self, state: ReaderState) {
        self.reader_state = state;
    }
}
