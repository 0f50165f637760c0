//! Pseudo-terminal pairs for simulators, with a stable path (a symlink, as udev gives real
//! devices) that survives a simulated unplug/replug.

use serialport::{SerialPort, TTYPort};
use std::io;
use std::path::{Path, PathBuf};

/// The simulator's end of a pty: the master, plus the slave kept open so the master never
/// sees EIO between the driver's opens.
pub struct PtyDevice {
    pub master: TTYPort,
    /// Held open without any lock, so the driver can take its exclusive lock.
    pub(crate) slave_keepalive: std::fs::File,
    pub slave_path: PathBuf,
}

impl PtyDevice {
    pub fn open() -> io::Result<PtyDevice> {
        use std::os::unix::fs::OpenOptionsExt;
        let (master, slave) = TTYPort::pair().map_err(io::Error::other)?;
        let slave_path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::other("pty without a name"))?;
        // serialport's own slave handle holds a lock (flock + TIOCEXCL) that would keep the
        // driver out: replace it with a plain descriptor (raw mode stays on the tty).
        let keepalive = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&slave_path)?;
        drop(slave);
        Ok(PtyDevice {
            master,
            slave_keepalive: keepalive,
            slave_path,
        })
    }
}

/// Points `link` at `target`, replacing an existing link atomically.
pub fn relink(target: &Path, link: &Path) -> io::Result<()> {
    let tmp = link.with_extension("new-link");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, link)
}

/// A fresh directory for simulator links: `$XDG_RUNTIME_DIR` or the temp dir.
pub fn link_dir() -> io::Result<PathBuf> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("township-kiosk-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes `bytes` no faster than a UART at `baud` (8N1: 10 bits per byte), in small chunks
/// against a deadline so sleep overshoot does not accumulate.
pub fn write_paced(
    port: &mut dyn io::Write,
    bytes: &[u8],
    baud: Option<u32>,
    start: std::time::Instant,
) -> io::Result<()> {
    let Some(baud) = baud else {
        port.write_all(bytes)?;
        return port.flush();
    };
    let mut sent = 0;
    for chunk in bytes.chunks(16) {
        // A byte is delivered when its stop bit has crossed the line, never earlier.
        sent += chunk.len();
        wait_wire_time(start, sent, baud);
        port.write_all(chunk)?;
        port.flush()?;
    }
    Ok(())
}

/// Sleeps until `bytes` would have crossed a `baud` line that started at `start`.
pub fn wait_wire_time(start: std::time::Instant, bytes: usize, baud: u32) {
    let due = start + wire_time(bytes, baud);
    let now = std::time::Instant::now();
    if due > now {
        std::thread::sleep(due - now);
    }
}

pub fn wire_time(bytes: usize, baud: u32) -> std::time::Duration {
    std::time::Duration::from_secs_f64(bytes as f64 * 10.0 / f64::from(baud))
}
