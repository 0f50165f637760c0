//! A kiosk app (no window) talking to a real reference central server over mutual TLS: the
//! server on loopback, the kiosk enrolled, its config and state in a temporary directory,
//! and the app built with that config's HTTPS client, like `kiosk run` builds it.

use std::path::PathBuf;
use std::time::Duration;
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::cli::local_central::{self, LocalCentral};
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::storage::Store;

pub struct KioskLab {
    pub server: LocalCentral,
    pub config_path: PathBuf,
    pub config: township_kiosk::config::Config,
    pub dir: tempfile::TempDir,
}

impl KioskLab {
    pub fn start(kiosk_id: &str) -> KioskLab {
        let dir = tempfile::tempdir().unwrap();
        let server_dir = dir.path().join("central");
        std::fs::create_dir_all(&server_dir).unwrap();
        let server = LocalCentral::start(&super::central_lab::central_bin(), &server_dir).unwrap();
        let central_toml = server.enroll(kiosk_id, &dir.path().join("enrolment")).unwrap();
        let config_path = dir.path().join("kiosk.toml");
        let state = dir.path().join("state");
        std::fs::write(
            &config_path,
            local_central::kiosk_config(kiosk_id, &state, &central_toml, None),
        )
        .unwrap();
        let config = township_kiosk::config::load(Some(&config_path), None)
            .unwrap_or_else(|e| panic!("{:?}", e.0))
            .config;
        KioskLab {
            server,
            config_path,
            config,
            dir,
        }
    }

    /// The parts `kiosk run` would give the app: store, the central client, a simulated
    /// camera; the caller adds a printer or simulator controls.
    pub fn parts(&self) -> AppParts {
        let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
        parts.store = Some(Store::open_in(&self.config.kiosk.state_dir).unwrap());
        parts.camera = Some(township_kiosk::devices::camera::CameraSource::Sim(Default::default()));
        parts.central = Some(township_kiosk::app::services::central_from_config(&self.config).unwrap());
        parts
    }

    pub fn app(&self, parts: AppParts) -> KioskApp {
        let catalogue = township_kiosk::app::load_catalogue(&self.config).unwrap();
        KioskApp::new(self.config.clone(), catalogue, parts)
    }
}

/// Takes the app's reports until `done` holds (a minute at most: debug-build photos and
/// the payment poller's two-second beat).
pub fn wait_until(app: &mut KioskApp, what: &str, done: impl Fn(&KioskApp) -> bool) {
    for _ in 0..600 {
        if done(app) {
            return;
        }
        app.wait_inbox(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}; step {:?}", app.session().step);
}

/// Sample data of the citizen in these tests (made up): the ID number typed at the
/// touchscreen and its last six characters, and the phone number given in the form.
pub const CITIZEN_ID: &str = "330225198506120431";
pub const CITIZEN_TAIL: &str = "120431";
pub const CITIZEN_PHONE: &str = "13805740000";

impl KioskLab {
    /// A citizen applies at the touchscreen for 户籍证明 (HH-006): a typed ID number, the
    /// phone in the form, every mandatory material photographed with the simulated camera
    /// `camera`. Returns the app, the receipt number and the mandatory materials' codes.
    pub fn apply_at_touchscreen(
        &self,
        camera: &std::sync::Arc<township_kiosk::devices::camera::sim::SimCameraControl>,
    ) -> (KioskApp, String, Vec<String>) {
        use township_kiosk::app::intent::{Intent, JourneyIntent};
        use township_kiosk::domain::session::{Event, Step};
        let mut parts = self.parts();
        parts.camera = Some(township_kiosk::devices::camera::CameraSource::Sim(camera.clone()));
        let mut app = self.app(parts);
        app.handle(Intent::Start);
        app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
        app.handle(Intent::Session(Event::ConfirmGuide));
        for key in CITIZEN_ID.chars() {
            app.handle(Intent::Journey(JourneyIntent::IdKey(key.to_string())));
        }
        app.handle(Intent::Journey(JourneyIntent::SubmitTypedId));
        app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
        for key in CITIZEN_PHONE.chars() {
            app.handle(Intent::Journey(JourneyIntent::FieldKey(key.to_string())));
        }
        app.handle(Intent::Journey(JourneyIntent::SubmitForm));
        assert_eq!(
            app.session().step,
            Step::Materials,
            "{:?}",
            app.session().data.form_errors
        );
        let mandatory: Vec<String> = township_kiosk::app::view::materials::materials(&app)
            .rows
            .into_iter()
            .filter(|r| r.mandatory)
            .map(|r| r.code)
            .collect();
        wait_until(&mut app, "the camera", |app| app.camera().available());
        for code in &mandatory {
            app.handle(Intent::Journey(JourneyIntent::CaptureMaterial(code.clone())));
            wait_until(&mut app, "the photo", |app| app.camera().photo(code).is_some());
        }
        app.handle(Intent::Session(Event::MaterialsDone));
        assert_eq!(app.session().step, Step::Review, "{:?}", app.session().data.error);
        app.handle(Intent::Session(Event::ConfirmReview));
        wait_until(&mut app, "the receipt", |app| app.session().data.receipt.is_some());
        let receipt = app.session().data.receipt.clone().unwrap().number.as_str().to_string();
        (app, receipt, mandatory)
    }

    /// `kiosk outbox drain` with this configuration, as a technician runs it; it must succeed.
    pub fn drain_outbox(&self) -> std::process::Output {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["--config", self.config_path.to_str().unwrap(), "outbox", "drain"])
            .env("KIOSK_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// The receipt's QR code as the scanner hands it over (number and the token this kiosk
    /// printed): the lookup that opens the case for a supplement.
    pub fn scan_receipt(&self, app: &mut KioskApp, receipt: &str) {
        let key = township_kiosk::app::progress_key::load_or_create_key(&self.config.kiosk.state_dir).unwrap();
        let number = township_kiosk::domain::receipt::ReceiptNumber::parse(receipt).unwrap();
        let token = Some(key.token(&number));
        app.lookup_mut()
            .search_scanned(township_kiosk::app::receipt_scan::Scanned { number, token });
        wait_until(app, "the answer", |app| app.lookup().answer().is_some());
    }
}

/// 查询进度 by typing the receipt number and the applicant's ID tail: the progress view.
pub fn look_up_typed(app: &mut KioskApp, receipt: &str) -> township_kiosk::app::view::progress::ProgressView {
    use township_kiosk::app::intent::{Intent, ProgressIntent};
    use township_kiosk::domain::session::Event;
    app.handle(Intent::Session(Event::Cancel));
    app.handle(Intent::Progress(ProgressIntent::Open));
    app.handle(Intent::Progress(ProgressIntent::Key("CLEAR".into())));
    for c in receipt.chars() {
        app.handle(Intent::Progress(ProgressIntent::Key(c.to_string())));
    }
    app.handle(Intent::Progress(ProgressIntent::Search));
    assert!(
        township_kiosk::app::view::progress::progress(app).asking_tail,
        "a typed number alone opens nothing"
    );
    for c in CITIZEN_TAIL.chars() {
        app.handle(Intent::Progress(ProgressIntent::Key(c.to_string())));
    }
    app.handle(Intent::Progress(ProgressIntent::Search));
    wait_until(app, "the answer", |app| app.lookup().answer().is_some());
    township_kiosk::app::view::progress::progress(app)
}

/// 补交材料 for `receipt` (already opened by its QR code): `code` photographed again under
/// the camera and queued durably.
pub fn supply_material(app: &mut KioskApp, receipt: &str, code: &str) {
    use township_kiosk::app::intent::{Intent, JourneyIntent, ProgressIntent};
    app.handle(Intent::Progress(ProgressIntent::SupplyStart(receipt.to_string())));
    assert!(
        township_kiosk::app::view::progress::progress(app).supply.is_some(),
        "the supplement panel"
    );
    wait_until(app, "the camera", |app| app.camera().available());
    app.handle(Intent::Journey(JourneyIntent::CaptureMaterial(code.to_string())));
    wait_until(app, "the photo", |app| app.camera().photo(code).is_some());
    app.handle(Intent::Progress(ProgressIntent::SupplySubmit));
    wait_until(app, "the queue", |app| {
        app.supply()
            .is_some_and(|s| s.state == township_kiosk::app::supply::SupplyState::Queued)
    });
}
