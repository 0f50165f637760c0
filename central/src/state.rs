//! The shared state every request handler gets: [`Central`] (the store, the revocation list,
//! the catalogue's ETag and the request metrics). The API and the back office both depend on
//! it; the server module starts them over it.

use crate::http::{Req, Resp};
use crate::store::Store;
use anyhow::Result;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use township_core::central_api::CatalogueResponse;

/// (request kind, HTTP status).
pub type RequestKey = (&'static str, u16);

/// Request counts and latency sums per (kind, status), for /metrics.
#[derive(Default)]
pub struct Metrics {
    counts: Mutex<BTreeMap<RequestKey, (u64, f64)>>,
}

impl Metrics {
    pub fn observe(&self, kind: &'static str, status: u16, elapsed: Duration) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let entry = counts.entry((kind, status)).or_default();
        entry.0 += 1;
        entry.1 += elapsed.as_secs_f64();
    }
    pub fn snapshot(&self) -> Vec<(RequestKey, (u64, f64))> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }
}

/// Everything a request handler needs.
pub struct Central {
    pub store: Store,
    pub metrics: Metrics,
    revoked: RwLock<HashSet<String>>,
    catalogue_etag: String,
    /// `server.toml`'s `sandbox-payments`: kiosks may mark their orders paid.
    pub sandbox_payments: bool,
}

impl Central {
    pub fn new(store: Store) -> Result<Central> {
        let revoked = store.revoked()?;
        let catalogue_etag = format!(
            "\"{}\"",
            &crate::store::sha256_hex(store.catalogue_toml.as_bytes())[..32]
        );
        Ok(Central {
            store,
            metrics: Metrics::default(),
            revoked: RwLock::new(revoked),
            catalogue_etag,
            sandbox_payments: false,
        })
    }

    pub fn is_revoked(&self, fingerprint: &str) -> bool {
        self.revoked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(fingerprint)
    }

    /// Re-reads the revocation list (another instance or the CLI may have revoked).
    pub fn refresh_revoked(&self) {
        if let Ok(set) = self.store.revoked() {
            *self.revoked.write().unwrap_or_else(|p| p.into_inner()) = set;
        }
    }

    pub fn catalogue(&self, req: &Req) -> Resp {
        if req.header("if-none-match") == Some(self.catalogue_etag.as_str()) {
            return Resp {
                status: 304,
                headers: vec![("etag", self.catalogue_etag.clone())],
                body: Vec::new(),
            };
        }
        Resp::json(
            200,
            &CatalogueResponse {
                version: self.store.catalogue.version.clone(),
                toml: self.store.catalogue_toml.clone(),
            },
        )
        .with("etag", self.catalogue_etag.clone())
    }
}
