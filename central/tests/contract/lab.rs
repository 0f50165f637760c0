//! One reference server for one contract scenario: four enrolled kiosks (K-A … K-D), the
//! server on loopback ports over SQLite or PostgreSQL, and the requests every scenario makes.

use crate::common::serve;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use township_central::store::Store;

// What every scenario uses.
pub use std::time::{Duration, Instant};
pub use township_central::http::{Answer, Client};
pub use township_central::store::Operator;
pub use township_central::{fleet, pki, server, store::sha256_hex};
pub use township_core::central_api::{self as api, CaseStatus, PaymentStatus};
pub use township_core::domain::calendar::Date;

/// A test named `$name` on SQLite and on a throw-away PostgreSQL cluster, both running
/// `$name(db)`. A missing PostgreSQL fails the second (it is never skipped).
macro_rules! on_both_databases {
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_sqlite() {
                super::$name(None)
            }

            #[test]
            fn on_postgres() {
                let pg = crate::common::Pg::start();
                super::$name(Some(&pg.database(stringify!($name))))
            }
        }
    };
}
pub(crate) use on_both_databases;

pub struct Lab {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub srv: PathBuf,
    runtime: Option<tokio::runtime::Runtime>,
    running: Option<server::Running>,
}

impl Lab {
    pub fn start(db: Option<&str>) -> Lab {
        Lab::start_with(db, false)
    }

    /// A lab whose server has the payment sandbox on or off.
    pub fn start_with(db: Option<&str>, sandbox_payments: bool) -> Lab {
        Lab::start_configured(db, sandbox_payments, |_| {})
    }

    /// A lab whose server.toml `configure` changes before the server starts.
    pub fn start_configured(
        db: Option<&str>,
        sandbox_payments: bool,
        configure: impl FnOnce(&mut server::ServerConfig),
    ) -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let srv = crate::common::setup_with(&dir, &["K-A", "K-B", "K-C", "K-D"], db, sandbox_payments);
        let mut config = server::load_config(&srv).unwrap();
        configure(&mut config);
        std::fs::write(srv.join(server::CONFIG_FILE), toml::to_string_pretty(&config).unwrap()).unwrap();
        let (runtime, running) = serve(&srv, db);
        Lab {
            _tmp: tmp,
            dir,
            srv,
            runtime: Some(runtime),
            running: Some(running),
        }
    }

    fn running(&self) -> &server::Running {
        self.running.as_ref().expect("the server runs until the lab is dropped")
    }

    /// The API's address (mutual TLS).
    pub fn addr(&self) -> SocketAddr {
        self.running().api
    }

    /// The back office's address (plain HTTP on loopback).
    pub fn admin(&self) -> SocketAddr {
        self.running().admin
    }

    pub fn store(&self) -> &Store {
        &self.running().central.store
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A connection of the enrolled kiosk `id` (K-A … K-D) with its own certificate.
    pub async fn kiosk(&self, id: &str) -> Client {
        crate::common::kiosk(&self.dir, id, self.addr()).await
    }

    /// The simulated payment provider of this server directory (its key is in `srv`).
    pub fn provider(&self) -> township_central::provider::Simulator {
        township_central::provider::Simulator::load(&self.srv).unwrap()
    }

    /// Delivers a signed provider notification to the back office's notify endpoint: its
    /// status and body.
    pub fn notify(&self, signed: &township_central::provider::Signed) -> (u16, String) {
        let headers: Vec<(&str, &str)> = signed.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, _, body) =
            crate::common::http_raw(self.admin(), "POST", "/provider/notify", &headers, &signed.body);
        (status, body)
    }

    /// The provider pays order `id` of `amount` fen; asserts the notification was applied.
    pub fn provider_pays(&self, id: &str, amount: u32) {
        let (status, body) = self.notify(&self.provider().paid(id, amount, township_central::store::now()));
        assert_eq!((status, body.contains("\"applied\":true")), (200, true), "{body}");
    }

    /// Runs a scenario's requests on the server's runtime.
    pub fn run<T>(&self, scenario: impl Future<Output = T>) -> T {
        self.runtime.as_ref().expect("a runtime").block_on(scenario)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        drop(self.running.take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

pub async fn post(c: &mut Client, key: String, body: Vec<u8>) -> Answer {
    c.request(
        "POST",
        "/api/v1/applications",
        &[(api::IDEMPOTENCY_KEY_HEADER, &key)],
        body,
    )
    .await
    .unwrap()
}

pub async fn put(c: &mut Client, id: String, offset: usize, chunk: Vec<u8>, sha: String) -> Answer {
    c.request(
        "PUT",
        &format!("/api/v1/uploads/{id}?offset={offset}"),
        &[(api::CHUNK_SHA256_HEADER, &sha)],
        chunk,
    )
    .await
    .unwrap()
}

/// A POST without a body (finalise, cancel).
pub async fn post_empty(c: &mut Client, path: &str) -> Answer {
    c.request("POST", path, &[], Vec::new()).await.unwrap()
}

/// A GET whose answer is the JSON of `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(c: &mut Client, path: &str) -> T {
    c.get(path).await.unwrap().json().unwrap()
}

/// A POST of `body` whose answer is the JSON of `T`.
pub async fn post_json<T: serde::de::DeserializeOwned>(c: &mut Client, path: &str, body: &impl serde::Serialize) -> T {
    c.post(path, body).await.unwrap().json().unwrap()
}

/// One photo of `material` for the application `key`, uploaded whole and finalised.
pub async fn store_photo(c: &mut Client, key: &str, material: &str, photo: &[u8]) {
    let create = api::CreateUpload {
        size: photo.len() as u64,
        sha256: sha256_hex(photo),
    };
    let path = format!("/api/v1/applications/{key}/materials/{material}/uploads");
    let up: api::UploadState = c.post(&path, &create).await.unwrap().json().unwrap();
    put(c, up.upload_id.clone(), 0, photo.to_vec(), sha256_hex(photo)).await;
    let finalised = post_empty(c, &format!("/api/v1/uploads/{}/finalise", up.upload_id)).await;
    assert_eq!(finalised.status, 200, "{}", String::from_utf8_lossy(&finalised.body));
}

/// A heartbeat of kiosk `id` with its printer's state, paper and dead letters.
pub fn beat(id: &str, printer: &str, paper: api::PaperState, dead: u64) -> api::Heartbeat {
    api::Heartbeat {
        kiosk_id: id.into(),
        version: "0.1.0".into(),
        uptime_secs: 120,
        sent_at: Some(township_central::store::now()),
        devices: api::DeviceStates {
            reader: "ok".into(),
            printer: printer.into(),
            camera: "sim".into(),
            gpio: "ok".into(),
        },
        paper,
        outbox: api::OutboxSummary {
            pending: 2,
            dead,
            oldest_pending_age_secs: Some(30),
            last_sent_at: None,
        },
        last_errors: vec!["central unreachable: connection refused".into()],
        firmware: None,
    }
}

/// K-A's first application (the sample), accepted: the submission and its key.
pub async fn submit_one(a: &mut Client) -> (api::SubmitApplication, String) {
    let submission = fleet::submission("K-A", "KA", 1);
    let key = submission.application.uuid.clone();
    let answer = post(a, key.clone(), serde_json::to_vec(&submission).unwrap()).await;
    assert_eq!(answer.status, 201, "{}", String::from_utf8_lossy(&answer.body));
    (submission, key)
}
