//! The cache against a scripted central system: fresh sync, 304 on the cached ETag, a
//! catalogue that does not parse, a corrupt cache file, and the start's fallbacks.

use super::*;
use crate::central_api::{
    CatalogueResponse, CreateUpload, FinaliseResponse, Heartbeat, HeartbeatResponse, SubmitApplication, SubmitResponse,
    UploadState,
};

/// Answers the catalogue call with `toml` under `etag` (304 when the kiosk sends it), or
/// is offline.
struct Scripted {
    toml: Mutex<String>,
    etag: &'static str,
    offline: AtomicBool,
    asked_with: Mutex<Vec<Option<String>>>,
}

impl Scripted {
    fn new(toml: &str, etag: &'static str) -> Arc<Scripted> {
        Arc::new(Scripted {
            toml: Mutex::new(toml.to_string()),
            etag,
            offline: AtomicBool::new(false),
            asked_with: Mutex::new(Vec::new()),
        })
    }
}

fn offline<T>() -> Result<T, CentralError> {
    Err(CentralError::Unavailable("connection refused".into()))
}

impl CentralSystem for Scripted {
    fn submit(&self, _: &SubmitApplication) -> Result<SubmitResponse, CentralError> {
        offline()
    }
    fn upload_create(&self, _: &str, _: &str, _: &CreateUpload) -> Result<UploadState, CentralError> {
        offline()
    }
    fn upload_state(&self, _: &str) -> Result<UploadState, CentralError> {
        offline()
    }
    fn upload_chunk(&self, _: &str, _: u64, _: &[u8]) -> Result<UploadState, CentralError> {
        offline()
    }
    fn upload_finalise(&self, _: &str) -> Result<FinaliseResponse, CentralError> {
        offline()
    }
    fn heartbeat(&self, _: &Heartbeat) -> Result<HeartbeatResponse, CentralError> {
        offline()
    }
    fn catalogue(&self, etag: Option<&str>) -> Result<CatalogueSync, CentralError> {
        self.asked_with.lock().unwrap().push(etag.map(str::to_string));
        if self.offline.load(Ordering::SeqCst) {
            return offline();
        }
        if etag == Some(self.etag) {
            return Ok(CatalogueSync::NotModified);
        }
        let toml = self.toml.lock().unwrap().clone();
        Ok(CatalogueSync::Changed {
            etag: Some(self.etag.to_string()),
            catalogue: CatalogueResponse {
                version: "ignored: the file's own version counts".into(),
                toml,
            },
        })
    }
}

/// The packaged catalogue under another version: what a central system would publish.
fn central_catalogue(version: &str) -> String {
    let packaged = super::super::EMBEDDED_CATALOGUE;
    let line = packaged.lines().find(|l| l.starts_with("version = ")).unwrap();
    packaged.replacen(line, &format!("version = \"{version}\""), 1)
}

fn config(state_dir: &Path) -> Config {
    let mut config = Config::default();
    config.kiosk.state_dir = state_dir.to_path_buf();
    config.central.url = "https://127.0.0.1:9".into();
    config
}

fn packaged_version() -> String {
    Catalogue::parse(super::super::EMBEDDED_CATALOGUE).unwrap().version
}

#[test]
fn a_fresh_sync_caches_and_the_second_is_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let central = Scripted::new(&central_catalogue("2099.1-test"), "\"v1\"");
    assert_eq!(
        sync(central.as_ref(), dir.path(), 1_800_000_000).unwrap(),
        Synced::Updated {
            version: "2099.1-test".into()
        }
    );
    let (cached, catalogue) = read(dir.path()).unwrap().unwrap();
    assert_eq!(
        (cached.etag.as_deref(), cached.fetched_at),
        (Some("\"v1\""), 1_800_000_000)
    );
    assert_eq!(catalogue.version, "2099.1-test");
    assert_eq!(
        sync(central.as_ref(), dir.path(), 1_800_000_100).unwrap(),
        Synced::NotModified {
            version: "2099.1-test".into()
        }
    );
    assert_eq!(
        *central.asked_with.lock().unwrap(),
        vec![None, Some("\"v1\"".to_string())],
        "the cached ETag goes with the second call"
    );
    // Nothing but the cache is left in the state directory (no temp file).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec![CACHE_FILE.to_string()]);
}

#[test]
fn a_catalogue_that_does_not_parse_leaves_the_cache_alone() {
    let dir = tempfile::tempdir().unwrap();
    let central = Scripted::new(&central_catalogue("2099.1-test"), "\"v1\"");
    sync(central.as_ref(), dir.path(), 1).unwrap();
    let before = std::fs::read(path(dir.path())).unwrap();
    let broken = Scripted::new("version = \"2099.2\"\n[[item]]\ncode = ", "\"v2\"");
    assert!(matches!(
        sync(broken.as_ref(), dir.path(), 2),
        Err(CacheError::Invalid(_))
    ));
    assert_eq!(std::fs::read(path(dir.path())).unwrap(), before);
    central.offline.store(true, Ordering::SeqCst);
    assert!(matches!(
        sync(central.as_ref(), dir.path(), 3),
        Err(CacheError::Central(_))
    ));
    assert_eq!(std::fs::read(path(dir.path())).unwrap(), before);
}

#[test]
fn the_start_takes_central_then_cache_then_packaged() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let central = Scripted::new(&central_catalogue("2099.1-test"), "\"v1\"");
    let start = for_start(&config, Some(central.clone() as Arc<dyn CentralSystem>)).unwrap();
    assert_eq!(
        (start.catalogue.version.as_str(), &start.origin),
        ("2099.1-test", &Origin::Central)
    );
    assert!(start.synced && start.warnings.is_empty());

    central.offline.store(true, Ordering::SeqCst);
    let start = for_start(&config, Some(central.clone() as Arc<dyn CentralSystem>)).unwrap();
    assert_eq!(start.catalogue.version, "2099.1-test");
    assert!(matches!(start.origin, Origin::Cached { .. }), "{:?}", start.origin);
    assert!(start.warnings[0].contains("catalogue sync"), "{:?}", start.warnings);

    std::fs::write(path(dir.path()), b"{\"etag\": null, \"version\": \"x\", \"fe").unwrap();
    let start = for_start(&config, Some(central.clone() as Arc<dyn CentralSystem>)).unwrap();
    assert_eq!(
        (start.catalogue.version, start.origin),
        (packaged_version(), Origin::Packaged)
    );
    assert!(
        start
            .warnings
            .iter()
            .any(|w| w.contains("corrupt") && w.contains("packaged")),
        "{:?}",
        start.warnings
    );
    assert!(matches!(read(dir.path()), Err(CacheError::Corrupt { .. })));

    // The simulation keeps the packaged catalogue and never asks.
    let mut sim = config.clone();
    sim.central.url = "sim".into();
    let asked = central.asked_with.lock().unwrap().len();
    let start = for_start(&sim, Some(central.clone() as Arc<dyn CentralSystem>)).unwrap();
    assert_eq!(start.origin, Origin::Packaged);
    assert_eq!(central.asked_with.lock().unwrap().len(), asked);
}

#[test]
fn a_cache_whose_catalogue_does_not_parse_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    assert!(read(dir.path()).unwrap().is_none());
    let cached = Cached {
        etag: Some("\"v1\"".into()),
        version: "1".into(),
        fetched_at: 0,
        toml: "not a catalogue".into(),
    };
    std::fs::write(path(dir.path()), serde_json::to_vec(&cached).unwrap()).unwrap();
    assert!(matches!(read(dir.path()), Err(CacheError::Corrupt { .. })));
}
