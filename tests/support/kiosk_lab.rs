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
