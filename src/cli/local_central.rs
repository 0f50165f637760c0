//! A throw-away reference central server on loopback, for `kiosk bench central` and the
//! tests: `township-central init` + `serve` in a directory of its own, `enroll` for a
//! kiosk, `list --json` to see what it holds. The child process is stopped (by its own
//! pid) when the value is dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct LocalCentral {
    pub bin: PathBuf,
    pub dir: PathBuf,
    /// The API listener (mutual TLS).
    pub api: SocketAddr,
    /// The back office.
    pub admin: SocketAddr,
    child: Child,
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The `township-central` binary: `$TOWNSHIP_CENTRAL`, else beside this executable (or
/// one folder up, for test binaries under `deps/`).
pub fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TOWNSHIP_CENTRAL") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    for _ in 0..2 {
        let candidate = dir.join("township-central");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = dir.parent()?;
    }
    None
}

fn run(bin: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !output.status.success() {
        return Err(format!(
            "township-central {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl LocalCentral {
    /// Initialises `dir` and serves it on two free loopback ports.
    pub fn start(bin: &Path, dir: &Path) -> Result<LocalCentral, String> {
        LocalCentral::init(bin, dir)?;
        LocalCentral::serve(bin, dir)
    }

    /// `township-central init` of `dir` with two free loopback ports (in its server.toml),
    /// without serving it: the caller may change server.toml or add a catalogue.toml first.
    pub fn init(bin: &Path, dir: &Path) -> Result<(), String> {
        let port = |what| free_port().map_err(|e| format!("no free port for the {what}: {e}"));
        let api: SocketAddr = ([127, 0, 0, 1], port("API")?).into();
        let admin: SocketAddr = ([127, 0, 0, 1], port("back office")?).into();
        let d = dir.to_str().ok_or("the directory is not UTF-8")?;
        run(
            bin,
            &[
                "init",
                "--dir",
                d,
                "--listen",
                &api.to_string(),
                "--admin-listen",
                &admin.to_string(),
                // A lab server: the simulated kiosk's "payment received" marks orders paid.
                "--sandbox-payments",
            ],
        )?;
        Ok(())
    }

    /// Serves an initialised `dir` on the addresses of its server.toml (again, after
    /// [`LocalCentral::stop`]: same ports, same database).
    pub fn serve(bin: &Path, dir: &Path) -> Result<LocalCentral, String> {
        let config = std::fs::read_to_string(dir.join("server.toml")).map_err(|e| format!("server.toml: {e}"))?;
        let config: toml::Table = toml::from_str(&config).map_err(|e| format!("server.toml: {e}"))?;
        let addr = |key: &str| -> Result<SocketAddr, String> {
            config
                .get(key)
                .and_then(|v| v.as_str())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("server.toml: no {key} address"))
        };
        let (api, admin) = (addr("listen")?, addr("admin-listen")?);
        let d = dir.to_str().ok_or("the directory is not UTF-8")?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("serve.log"))
            .map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .args(["serve", "--dir", d])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start township-central serve: {e}"))?;
        let mut central = LocalCentral {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            api,
            admin,
            child,
        };
        central.wait_listening(Duration::from_secs(20))?;
        Ok(central)
    }

    /// Runs another `township-central` command on this server's directory (`--dir` added),
    /// e.g. `review`, `payment`; returns its standard output.
    pub fn command(&self, args: &[&str]) -> Result<String, String> {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--dir", self.dir.to_str().ok_or("not UTF-8")?]);
        run(&self.bin, &all)
    }

    fn wait_listening(&mut self, within: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default();
                return Err(format!("township-central serve exited ({status}): {log}"));
            }
            if TcpStream::connect_timeout(&self.api, Duration::from_millis(200)).is_ok()
                && TcpStream::connect_timeout(&self.admin, Duration::from_millis(200)).is_ok()
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "township-central serve did not listen on {} within {within:?}",
            self.api
        ))
    }

    /// Enrols `kiosk_id` into `out` with the kiosk's default receipt prefix (what
    /// [`kiosk_config`] leaves the kiosk with); returns the `[central]` section it wrote
    /// (central.toml).
    pub fn enroll(&self, kiosk_id: &str, out: &Path) -> Result<String, String> {
        run(
            &self.bin,
            &[
                "enroll",
                kiosk_id,
                "--receipt-prefix",
                &crate::config::Config::default().kiosk.receipt_prefix,
                "--dir",
                self.dir.to_str().ok_or("not UTF-8")?,
                "--out",
                out.to_str().ok_or("not UTF-8")?,
            ],
        )?;
        std::fs::read_to_string(out.join("central.toml")).map_err(|e| format!("central.toml: {e}"))
    }

    /// `township-central review RECEIPT --supplement MSG`: the back office asks for a
    /// material (what an operator does on the pre-review page).
    pub fn request_supplement(&self, receipt_no: &str, message: &str) -> Result<(), String> {
        run(
            &self.bin,
            &[
                "review",
                receipt_no,
                "--dir",
                self.dir.to_str().ok_or("not UTF-8")?,
                "--supplement",
                message,
            ],
        )
        .map(|_| ())
    }

    /// `township-central payment ORDER --paid | --expire`: the payment provider's answer
    /// (what the back office's payment simulation does).
    pub fn settle_payment(&self, order_id: &str, paid: bool) -> Result<(), String> {
        let dir = self.dir.to_str().ok_or("not UTF-8")?;
        let outcome = if paid { "--paid" } else { "--expire" };
        run(&self.bin, &["payment", order_id, "--dir", dir, outcome]).map(|_| ())
    }

    /// `township-central list --json`: the applications the server holds.
    pub fn list(&self) -> Result<Vec<serde_json::Value>, String> {
        let text = run(
            &self.bin,
            &[
                "list",
                "--dir",
                self.dir.to_str().ok_or("not UTF-8")?,
                "--json",
                "--limit",
                "100000",
            ],
        )?;
        serde_json::from_str(&text).map_err(|e| format!("list --json: {e}"))
    }

    /// `township-central ratings --json`: the ratings the server received, newest first.
    pub fn ratings(&self) -> Result<Vec<serde_json::Value>, String> {
        let dir = self.dir.to_str().ok_or("not UTF-8")?;
        let text = run(&self.bin, &["ratings", "--dir", dir, "--json"])?;
        serde_json::from_str(&text).map_err(|e| format!("ratings --json: {e}"))
    }

    /// The consultations and complaints the server holds (`township-central complaints`).
    pub fn complaints(&self) -> Result<Vec<serde_json::Value>, String> {
        let dir = self.dir.to_str().ok_or("not UTF-8")?;
        let text = run(&self.bin, &["complaints", "--dir", dir, "--json"])?;
        serde_json::from_str(&text).map_err(|e| format!("complaints --json: {e}"))
    }

    /// Stops the server (SIGTERM, then SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: signalling our own child by its pid.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
            }
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for LocalCentral {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kiosk configuration for `state_dir` that talks to the enrolled central system, at
/// `url` when given (e.g. through a proxy) instead of the one enrolment wrote.
pub fn kiosk_config(kiosk_id: &str, state_dir: &Path, central_toml: &str, url: Option<&str>) -> String {
    let mut central = String::new();
    for line in central_toml.lines() {
        match url {
            Some(url) if line.trim_start().starts_with("url") => central.push_str(&format!("url = \"{url}\"\n")),
            _ => {
                central.push_str(line);
                central.push('\n');
            }
        }
    }
    format!(
        "[kiosk]\nid = \"{kiosk_id}\"\nstate-dir = \"{}\"\nsimulated = true\n\n[status]\nenabled = false\n\n{central}",
        state_dir.display()
    )
}
