//! Test helpers: server directories with enrolled kiosks, an in-process server, kiosk
//! clients, a blocking HTTP client for the back office, Debian packages installed on demand
//! and a throw-away PostgreSQL cluster.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use township_central::http::Client;
use township_central::{pki, server};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_township-central")
}

/// `township-central init` in `dir/srv` plus one enrolment per kiosk in `dir/<id>`.
pub fn setup(dir: &Path, kiosks: &[&str], db: Option<&str>) -> PathBuf {
    setup_with(dir, kiosks, db, false)
}

/// [`setup`], with the payment sandbox on or off.
pub fn setup_with(dir: &Path, kiosks: &[&str], db: Option<&str>, sandbox_payments: bool) -> PathBuf {
    let srv = dir.join("srv");
    server::init(&srv, "127.0.0.1:0", "127.0.0.1:0", &[], sandbox_payments).unwrap();
    for id in kiosks {
        server::enroll(&srv, id, &prefix_for(id), &dir.join(id), db).unwrap();
    }
    srv
}

/// The receipt prefix `setup` enrols kiosk `id` with: its letters and digits, upper-case
/// (K-A: KA).
pub fn prefix_for(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(6)
        .collect()
}

/// A kiosk's TLS configuration from its enrolment directory.
pub fn kiosk_tls(dir: &Path, id: &str) -> Arc<rustls::ClientConfig> {
    let read = |name: &str| std::fs::read_to_string(dir.join(id).join(name)).unwrap();
    Arc::new(pki::client_config(&read("ca.pem"), Some((&read("kiosk.pem"), &read("kiosk.key")))).unwrap())
}

/// A two-worker runtime with the server of `srv` on loopback ports.
pub fn serve(srv: &Path, db: Option<&str>) -> (tokio::runtime::Runtime, server::Running) {
    serve_at(srv, db, "127.0.0.1:0")
}

/// [`serve`], with the back office on `admin`.
pub fn serve_at(srv: &Path, db: Option<&str>, admin: &str) -> (tokio::runtime::Runtime, server::Running) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let running = runtime
        .block_on(server::start(srv, Some("127.0.0.1:0"), Some(admin), db))
        .unwrap();
    (runtime, running)
}

pub async fn kiosk(dir: &Path, id: &str, addr: SocketAddr) -> Client {
    Client::connect(addr, kiosk_tls(dir, id), Some(id)).await.unwrap()
}

/// One blocking HTTP/1.1 request to the back office: (status, headers, body).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> (u16, String, String) {
    let mut headers = Vec::new();
    if form.is_some() {
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    }
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    http_raw(addr, method, path, &headers, form.unwrap_or("").as_bytes())
}

/// One blocking HTTP/1.1 request with any headers: (status, headers, body).
pub fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// Makes sure `program` runs: installs `package` from Debian when it does not (tests may
/// need root for that). A test that cannot have what it needs fails: it never passes
/// without having run (the test setup, scripts/setup-debian.sh, installs them all).
pub fn require(program: &str, package: &str) {
    let have = |p: &str| {
        Path::new(p).exists()
            || Command::new("sh")
                .args(["-c", &format!("command -v {p}")])
                .output()
                .is_ok_and(|o| o.status.success())
    };
    if have(program) {
        return;
    }
    eprintln!("installing Debian package {package} for this test…");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=600", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    assert!(
        have(program),
        "{program} (Debian {package}) is missing and cannot be installed: run scripts/setup-debian.sh test first"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A throw-away PostgreSQL cluster with TLS (its own CA, a certificate for localhost and
/// 127.0.0.1), stopped on drop. Its URLs ask for `sslmode=verify-full`.
pub struct Pg {
    /// The CA that signed the cluster's certificate.
    pub ca: PathBuf,
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    root: bool,
}

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .collect();
    versions.sort();
    versions.pop().filter(|b| b.join("initdb").exists())
}

impl Pg {
    /// The cluster's data directory (its tables, indexes and write-ahead log on disk).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Starts one; fails the test when PostgreSQL cannot be had (never skips it).
    pub fn start() -> Pg {
        if pg_bin().is_none() {
            require("/usr/lib/postgresql", "postgresql");
        }
        let bin = pg_bin().expect("PostgreSQL's initdb not found after installing postgresql");
        let root = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::tempdir().unwrap();
        if root {
            let uid = Command::new("id").args(["-u", "postgres"]).output().unwrap();
            let uid: u32 = String::from_utf8_lossy(&uid.stdout).trim().parse().unwrap();
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(uid)).unwrap();
        }
        let data = dir.path().join("data");
        let port = free_port();
        // TLS: a CA of the test's own and the server's certificate and key (the key 0600 and
        // the server's, as PostgreSQL insists).
        let (ca, _) = township_central::pki::Ca::create().unwrap();
        let (cert, key) = ca.issue_server(&["localhost".into(), "127.0.0.1".into()]).unwrap();
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, &ca.cert_pem).unwrap();
        let (cert_path, key_path) = (dir.path().join("server.crt"), dir.path().join("server.key"));
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        if root {
            let uid = Command::new("id").args(["-u", "postgres"]).output().unwrap();
            let uid: u32 = String::from_utf8_lossy(&uid.stdout).trim().parse().unwrap();
            for path in [&cert_path, &key_path, &ca_path] {
                std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
            }
        }
        let run = |args: Vec<String>| {
            let mut command = if root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]);
                c
            } else {
                Command::new(&args[0])
            };
            let rest = if root { &args[..] } else { &args[1..] };
            command.args(rest).stdout(std::process::Stdio::null());
            command.status().unwrap().success()
        };
        assert!(
            run(vec![
                bin.join("initdb").display().to_string(),
                "-D".into(),
                data.display().to_string(),
                "-A".into(),
                "trust".into(),
                "-U".into(),
                "kiosk".into()
            ]),
            "initdb failed"
        );
        assert!(
            run(vec![
                bin.join("pg_ctl").display().to_string(),
                "-D".into(),
                data.display().to_string(),
                "-o".into(),
                format!(
                    "-k {} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    dir.path().display(),
                    cert_path.display(),
                    key_path.display()
                ),
                "-l".into(),
                dir.path().join("log").display().to_string(),
                "-w".into(),
                "-t".into(),
                "60".into(),
                "start".into(),
            ]),
            "pg_ctl start failed"
        );
        Pg {
            ca: ca_path,
            _dir: dir,
            data,
            bin,
            port,
            root,
        }
    }

    /// A fresh database's URL.
    pub fn database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(
            &format!("postgres://kiosk@127.0.0.1:{}/postgres", self.port),
            postgres::NoTls,
        )
        .unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!(
            "postgres://kiosk@127.0.0.1:{}/{name}?sslmode=verify-full&sslrootcert={}",
            self.port,
            self.ca.display()
        )
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl").display().to_string();
        let data = self.data.display().to_string();
        let mut command = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &pg_ctl]);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
    }
}
