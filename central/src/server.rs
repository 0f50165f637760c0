//! The server directory (`init`, `enroll`, `revoke`), its `server.toml` and `serve`: the API
//! listener over mutual TLS and the back-office listener, both over the shared [`Central`],
//! and the maintenance job (unfinished uploads dropped after a day).

use crate::db;
use crate::pki::{self, Ca};
use crate::store::{Limits, Operator, Store};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use township_core::domain::catalogue::Catalogue;

pub const CONFIG_FILE: &str = "server.toml";
pub const DB_FILE: &str = "central.db";

/// `DIR/server.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerConfig {
    /// The API listener (mutual TLS).
    pub listen: String,
    /// The back office and /metrics (plain HTTP: keep it on loopback or behind a proxy).
    pub admin_listen: String,
    /// The URL kiosks use, written into their central.toml.
    pub public_url: String,
    /// `postgres://…`; none: SQLite in DIR/central.db.
    #[serde(default)]
    pub db: Option<String>,
    /// The fleet's key for ID-number lookup hashes (hex, 32 bytes).
    pub lookup_key: String,
    #[serde(default = "default_offline")]
    pub offline_after_secs: i64,
    #[serde(default = "default_payment_ttl")]
    pub payment_ttl_secs: i64,
    /// A payment sandbox for labs and demonstrations: kiosks may mark their own orders paid
    /// (`POST /payments/{id}/sandbox-pay`), as a payment provider's test mode does. Never on
    /// a production server.
    #[serde(default)]
    pub sandbox_payments: bool,
    /// Per-kiosk quotas.
    #[serde(default)]
    pub limits: Limits,
    /// Days after a case is closed (and after a booking or complaint is made) that its
    /// personal data is purged.
    #[serde(default = "default_retention")]
    pub retention_days: i64,
    /// The SMS provider for replies to citizens; none: messages wait in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<crate::sms::SmsConfig>,
}

fn default_retention() -> i64 {
    180
}

fn default_offline() -> i64 {
    180
}
fn default_payment_ttl() -> i64 {
    900
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    write_file(path, text, 0o600)
}

pub(crate) use crate::files::write_file;

/// `township-central init`: CA, server certificate and server.toml in `dir`.
pub fn init(
    dir: &Path,
    listen: &str,
    admin_listen: &str,
    extra_names: &[String],
    sandbox_payments: bool,
) -> Result<()> {
    if dir.join(pki::CA_KEY).exists() {
        bail!("{} already holds a CA: refusing to overwrite it", dir.display());
    }
    std::fs::create_dir_all(dir)?;
    let (ca, ca_key) = Ca::create_server_ca()?;
    write_private(&dir.join(pki::CA_KEY), &ca_key)?;
    write_file(&dir.join(pki::CA_CERT), &ca.cert_pem, 0o644)?;
    let (kiosk_ca, kiosk_ca_key) = Ca::create_kiosk_ca()?;
    write_private(&dir.join(pki::KIOSK_CA_KEY), &kiosk_ca_key)?;
    write_file(&dir.join(pki::KIOSK_CA_CERT), &kiosk_ca.cert_pem, 0o644)?;
    let (simulator_key, provider_public) = crate::provider::Simulator::generate()?;
    write_private(&dir.join(crate::provider::SIMULATOR_KEY_FILE), &simulator_key)?;
    write_file(
        &dir.join(crate::provider::PUBLIC_KEY_FILE),
        provider_public + "\n",
        0o644,
    )?;
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    names.extend(extra_names.iter().cloned());
    let (cert, key) = ca.issue_server(&names)?;
    write_file(&dir.join(pki::SERVER_CERT), cert, 0o644)?;
    write_private(&dir.join(pki::SERVER_KEY), &key)?;
    let mut lookup = [0u8; 32];
    lookup[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    lookup[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let config = ServerConfig {
        listen: listen.to_string(),
        admin_listen: admin_listen.to_string(),
        public_url: format!("https://{listen}"),
        db: None,
        lookup_key: hex::encode(lookup),
        offline_after_secs: default_offline(),
        payment_ttl_secs: default_payment_ttl(),
        sandbox_payments,
        limits: Limits::default(),
        retention_days: default_retention(),
        // Labs and demonstrations: the simulated SMS gateway, like the simulated payments.
        sms: sandbox_payments.then(|| crate::sms::SmsConfig {
            url: "sim".into(),
            token_file: None,
            ca_file: None,
        }),
    };
    write_private(&dir.join(CONFIG_FILE), &toml::to_string_pretty(&config)?)?;
    Ok(())
}

pub fn load_config(dir: &Path) -> Result<ServerConfig> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (run `township-central init` first)", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in {}", path.display()))
}

/// Makes `dir` 0700 and every file in it 0600: keys, the database and its journals, the
/// configuration, also when they were made before (or by hand with a looser umask).
pub fn harden(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let private = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("making {} private", path.display()))
    };
    private(dir, 0o700)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            private(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

/// Opens the store of `dir` (`db` overrides server.toml's database).
pub fn open_store(dir: &Path, db: Option<&str>) -> Result<Store> {
    let config = load_config(dir)?;
    let sealer = crate::seal::Sealer::load_or_create(dir)?;
    let url = db.map(str::to_string).or(config.db.clone());
    let backend = db::open(url.as_deref(), &dir.join(DB_FILE))?;
    let catalogue_path = dir.join("catalogue.toml");
    let catalogue_toml = if catalogue_path.exists() {
        std::fs::read_to_string(&catalogue_path)?
    } else {
        township_core::EMBEDDED_CATALOGUE.to_string()
    };
    let catalogue = Catalogue::parse(&catalogue_toml).context("the catalogue")?;
    Ok(Store {
        db: backend,
        catalogue,
        catalogue_toml,
        lookup_key: hex::decode(&config.lookup_key).ok().context("lookup-key is not hex")?,
        calendar: Default::default(),
        offline_after_secs: config.offline_after_secs,
        payment_ttl_secs: config.payment_ttl_secs,
        limits: config.limits.clone(),
        sealer: std::sync::Arc::new(sealer),
    })
}

/// `township-central enroll`: the kiosk with the receipt prefix it may issue, a client
/// certificate recorded first and then written with its central.toml (a certificate is
/// never handed out unrecorded, and only recorded ones are accepted).
pub fn enroll(dir: &Path, kiosk_id: &str, receipt_prefix: &str, out: &Path, db: Option<&str>) -> Result<()> {
    let config = load_config(dir)?;
    let kiosk_ca = Ca::load_kiosk_ca(dir)?;
    let server_ca = std::fs::read_to_string(dir.join(pki::CA_CERT)).context("reading the server CA")?;
    let key = rcgen::KeyPair::generate()?;
    let issued = kiosk_ca.issue_kiosk_for(kiosk_id, &key)?;
    let store = open_store(dir, db)?;
    store.enrol(&Operator::cli(), kiosk_id, receipt_prefix)?;
    store.record_certificate(kiosk_id, &issued.fingerprint, issued.expires_at)?;
    std::fs::create_dir_all(out)?;
    let out = out.canonicalize()?;
    write_file(&out.join("ca.pem"), &server_ca, 0o644)?;
    write_file(&out.join("kiosk.pem"), &issued.cert_pem, 0o644)?;
    write_private(&out.join("kiosk.key"), &key.serialize_pem())?;
    let section = format!(
        "# Written by `township-central enroll {kiosk_id}`: put this section into the kiosk's config.\n[central]\nurl = {:?}\nca = {:?}\ncert = {:?}\nkey = {:?}\nkiosk-id = {:?}\nreceipt-prefix = {:?}\n",
        config.public_url,
        out.join("ca.pem").display().to_string(),
        out.join("kiosk.pem").display().to_string(),
        out.join("kiosk.key").display().to_string(),
        kiosk_id,
        receipt_prefix,
    );
    write_private(&out.join("central.toml"), &section)?;
    Ok(())
}

pub use crate::state::{Central, Metrics, RequestKey};

/// A running server: its bound addresses; dropping the runtime stops it.
pub struct Running {
    pub api: SocketAddr,
    pub admin: SocketAddr,
    pub central: Arc<Central>,
}

/// Binds both listeners and spawns the server on the current tokio runtime.
pub async fn start(dir: &Path, listen: Option<&str>, admin_listen: Option<&str>, db: Option<&str>) -> Result<Running> {
    let config = load_config(dir)?;
    let store = {
        let dir = dir.to_path_buf();
        let db = db.map(str::to_string);
        tokio::task::spawn_blocking(move || open_store(&dir, db.as_deref())).await??
    };
    harden(dir)?;
    let mut central = central_for(dir, &config, store)?;
    let tls = Arc::new(pki::server_config(dir)?);
    let (api_listener, admin_listener) = bind_listeners(&config, listen, admin_listen).await?;
    central.admin_on_loopback = admin_listener.local_addr()?.ip().is_loopback();
    // Beyond loopback the back office speaks TLS itself (the server certificate: add the
    // host's names with `init --name`), never plain HTTP.
    let admin_tls = match central.admin_on_loopback {
        true => None,
        false => Some(Arc::new(pki::admin_config(dir)?)),
    };
    let central = Arc::new(central);
    let running = Running {
        api: api_listener.local_addr()?,
        admin: admin_listener.local_addr()?,
        central: central.clone(),
    };
    spawn_listeners(&central, (api_listener, tls), (admin_listener, admin_tls));
    // The background jobs hold the state weakly: the last strong reference (and with it
    // the database pool, whose PostgreSQL clients must not be dropped on a runtime thread)
    // goes with the `Running` handle.
    spawn_certificate_refresher(Arc::downgrade(&central));
    spawn_maintenance(Arc::downgrade(&central), config.retention_days);
    if let Some(sms) = &config.sms {
        spawn_sms(Arc::downgrade(&central), crate::sms::Gateway::from_config(sms, dir)?);
    }
    Ok(running)
}

/// The shared state over `store`: the sandbox setting, the payment provider's key (without
/// it no order can turn paid), the kiosk CA and, in the sandbox, the simulated provider.
fn central_for(dir: &Path, config: &ServerConfig, store: Store) -> Result<Central> {
    let mut central = Central::new(store)?;
    central.sandbox_payments = config.sandbox_payments;
    central.provider = match crate::provider::Verifier::load(dir) {
        Ok(verifier) => Some(verifier),
        Err(e) => {
            log::warn!("no payment provider key ({e:#}): no order can turn paid");
            None
        }
    };
    central.kiosk_ca = Some(Ca::load_kiosk_ca(dir)?);
    if config.sandbox_payments {
        central.simulator = Some(crate::provider::Simulator::load(dir)?);
        log::warn!(
            "PAYMENT SANDBOX ON: a simulated provider pays kiosks' orders on request, and the back office can mark orders paid. Never in production."
        );
    }
    Ok(central)
}

/// Binds the API listener, then the back-office listener (the given addresses, else
/// server.toml's).
async fn bind_listeners(
    config: &ServerConfig,
    listen: Option<&str>,
    admin_listen: Option<&str>,
) -> Result<(tokio::net::TcpListener, tokio::net::TcpListener)> {
    let api_listener = tokio::net::TcpListener::bind(listen.unwrap_or(&config.listen))
        .await
        .with_context(|| format!("binding the API listener {}", listen.unwrap_or(&config.listen)))?;
    let admin_listener = tokio::net::TcpListener::bind(admin_listen.unwrap_or(&config.admin_listen))
        .await
        .with_context(|| {
            format!(
                "binding the back-office listener {}",
                admin_listen.unwrap_or(&config.admin_listen)
            )
        })?;
    Ok((api_listener, admin_listener))
}

/// Spawns the API server (mutual TLS) and the back office (plain HTTP on loopback, else
/// TLS without client certificates) on their listeners.
fn spawn_listeners(
    central: &Arc<Central>,
    (api_listener, tls): (tokio::net::TcpListener, Arc<rustls::ServerConfig>),
    (admin_listener, admin_tls): (tokio::net::TcpListener, Option<Arc<rustls::ServerConfig>>),
) {
    tokio::spawn(crate::http::serve_tls(
        api_listener,
        tls,
        central.clone(),
        crate::api::handle,
        crate::api::gate,
    ));
    match admin_tls {
        None => {
            tokio::spawn(crate::http::serve_plain(
                admin_listener,
                central.clone(),
                crate::admin::handle,
            ));
        }
        Some(tls) => {
            tokio::spawn(crate::http::serve_tls_anonymous(
                admin_listener,
                tls,
                central.clone(),
                crate::admin::handle,
            ));
        }
    }
}

/// Spawns the job that reloads the certificate records every half second, until the state
/// is gone.
fn spawn_certificate_refresher(refresher: std::sync::Weak<Central>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let c = refresher.clone();
            let alive = tokio::task::spawn_blocking(move || c.upgrade().map(|c| c.refresh_certificates()).is_some());
            if !matches!(alive.await, Ok(true)) {
                return;
            }
        }
    });
}

/// Runs `job` on the blocking pool now and then every `every`, until the state is gone.
fn spawn_every(state: std::sync::Weak<Central>, every: Duration, job: impl Fn(&Central) + Send + Sync + 'static) {
    let job = Arc::new(job);
    tokio::spawn(async move {
        loop {
            let (c, job) = (state.clone(), job.clone());
            let alive = tokio::task::spawn_blocking(move || match c.upgrade() {
                Some(c) => {
                    job(&c);
                    true
                }
                None => false,
            });
            if !matches!(alive.await, Ok(true)) {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// Spawns the hourly maintenance job (stale uploads dropped, closed cases older than
/// `retention_days` purged).
fn spawn_maintenance(maintainer: std::sync::Weak<Central>, retention_days: i64) {
    spawn_every(maintainer, Duration::from_secs(3600), move |c| {
        match c.store.drop_stale_uploads() {
            Ok(0) => {}
            Ok(n) => log::info!("dropped {n} upload(s) never finished within a day"),
            Err(e) => log::warn!("dropping stale uploads failed: {e:#}"),
        }
        match c.store.purge(&crate::store::Operator::cli(), retention_days) {
            Ok(p) if p == crate::store::Purged::default() => {}
            Ok(p) => log::info!("purged personal data of closed cases: {p:?}"),
            Err(e) => log::warn!("the purge failed: {e:#}"),
        }
    });
}

/// Sends the queued SMS every half minute while the server runs.
fn spawn_sms(sender: std::sync::Weak<Central>, gateway: crate::sms::Gateway) {
    spawn_every(sender, crate::sms::EVERY, move |c| {
        match gateway.send_queued(&c.store) {
            Ok(round) if round == crate::sms::Round::default() => {}
            Ok(round) => log::info!("SMS: {round:?}"),
            Err(e) => log::warn!("SMS round failed: {e:#}"),
        }
    });
}

/// Where `serve` keeps its database by default.
pub fn default_db(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}
