//! `SimPrinter`: a simulated receipt printer listening on a pseudo-terminal (like a serial
//! printer) and on a TCP port (like port 9100). It decodes the ESC/POS it receives with the
//! paper model, renders each receipt to a bitmap (PNG on request), and answers DLE EOT with
//! a scriptable state: paper near end, paper out, cover open, offline, or no reply at all.
//! A stopped printer prints nothing, exactly like the real one.

use super::escpos_parse::Op;
use super::font::ReceiptFont;
use super::paper::{Paper, PaperReport};
use super::raster::Bitmap;
use super::status::PrinterStatus;
use crate::devices::pty::{self, PtyDevice};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct SimPrinterOptions {
    pub dots_per_line: u32,
    pub link_path: Option<PathBuf>,
    /// Listen on 127.0.0.1 at this port (0 = any free port); `None` = no TCP.
    pub tcp_port: Option<u16>,
}

impl Default for SimPrinterOptions {
    fn default() -> Self {
        SimPrinterOptions {
            dots_per_line: 576,
            link_path: None,
            tcp_port: Some(0),
        }
    }
}

/// A finished receipt as the simulated printer printed it.
#[derive(Clone, Debug)]
pub struct PrintedPage {
    pub bitmap: Bitmap,
    pub report: PaperReport,
}

struct Shared {
    status: PrinterStatus,
    /// Bytes of print data left before the roll runs out (None: endless roll).
    paper_budget: Option<u64>,
    no_reply: bool,
    /// The most recent pages (at most [`KEPT_PAGES`] and [`KEPT_BYTES`]: a simulated kiosk
    /// runs for days).
    pages: std::collections::VecDeque<PrintedPage>,
    /// Every page printed since start.
    printed: usize,
    bytes_received: u64,
}

pub struct SimPrinter {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    stop: Arc<AtomicBool>,
    link: PathBuf,
    tcp: Option<SocketAddr>,
    threads: Vec<JoinHandle<()>>,
}

impl SimPrinter {
    pub fn start(options: SimPrinterOptions) -> io::Result<SimPrinter> {
        let font = ReceiptFont::shared();
        if font.is_none() {
            log::warn!("sim printer: no CJK font found; text is drawn as boxes");
        }
        let shared = Arc::new((
            Mutex::new(Shared {
                status: PrinterStatus::OK,
                paper_budget: None,
                no_reply: false,
                pages: std::collections::VecDeque::new(),
                printed: 0,
                bytes_received: 0,
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let link = match &options.link_path {
            Some(path) => path.clone(),
            None => pty::link_dir()?.join(format!("sim-printer-{}", std::process::id() as u64 * 1000 + next_id())),
        };
        let device = PtyDevice::open()?;
        pty::relink(&device.slave_path, &link)?;
        let mut threads = Vec::new();
        {
            let (shared, stop, font) = (Arc::clone(&shared), Arc::clone(&stop), font.clone());
            let width = options.dots_per_line;
            threads.push(
                std::thread::Builder::new()
                    .name("sim-printer-pty".into())
                    .spawn(move || {
                        let PtyDevice {
                            mut master,
                            slave_keepalive,
                            ..
                        } = device;
                        let _ = serialport::SerialPort::set_timeout(&mut master, SIM_READ_TIMEOUT);
                        serve(&mut PortIo::Pty(master), &shared, &stop, width, font);
                        drop(slave_keepalive);
                    })?,
            );
        }
        let mut tcp = None;
        if let Some(port) = options.tcp_port {
            // Blocking accept: the idle simulator sleeps; dropping it connects once to wake it.
            let listener = TcpListener::bind(("127.0.0.1", port))?;
            tcp = Some(listener.local_addr()?);
            let (shared, stop, font) = (Arc::clone(&shared), Arc::clone(&stop), font);
            let width = options.dots_per_line;
            threads.push(
                std::thread::Builder::new()
                    .name("sim-printer-tcp".into())
                    .spawn(move || {
                        while !stop.load(Ordering::SeqCst) {
                            match listener.accept() {
                                Ok(_) if stop.load(Ordering::SeqCst) => break,
                                Ok((stream, _)) => {
                                    let _ = stream.set_read_timeout(Some(SIM_READ_TIMEOUT));
                                    serve(&mut PortIo::Tcp(stream), &shared, &stop, width, font.clone());
                                }
                                Err(_) => std::thread::sleep(Duration::from_millis(10)),
                            }
                        }
                    })?,
            );
        }
        Ok(SimPrinter {
            shared,
            stop,
            link,
            tcp,
            threads,
        })
    }

    /// Stable path of the serial side.
    pub fn path(&self) -> &Path {
        &self.link
    }

    pub fn tcp_address(&self) -> Option<SocketAddr> {
        self.tcp
    }

    fn with<R>(&self, f: impl FnOnce(&mut Shared) -> R) -> R {
        f(&mut self.shared.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_status(&self, status: PrinterStatus) {
        self.with(|s| s.status = status);
    }

    /// The roll runs out after `bytes` more bytes arrive (mid-receipt, if you like).
    pub fn run_out_after(&self, bytes: u64) {
        self.with(|s| s.paper_budget = Some(bytes));
    }

    /// The printer stops answering status requests (hung or powered off).
    pub fn set_no_reply(&self, no_reply: bool) {
        self.with(|s| s.no_reply = no_reply);
    }

    /// The most recent pages printed (at most [`KEPT_PAGES`] and [`KEPT_BYTES`]), oldest first.
    pub fn printed(&self) -> usize {
        self.with(|s| s.printed)
    }

    pub fn pages(&self) -> Vec<PrintedPage> {
        self.with(|s| s.pages.iter().cloned().collect())
    }

    pub fn bytes_received(&self) -> u64 {
        self.with(|s| s.bytes_received)
    }

    /// Waits until at least `n` receipts have been printed.
    pub fn wait_for_pages(&self, n: usize, timeout: Duration) -> Vec<PrintedPage> {
        let (lock, cvar) = &*self.shared;
        let deadline = Instant::now() + timeout;
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        while guard.printed < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = cvar.wait_timeout(guard, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        guard.pages.iter().cloned().collect()
    }
}

impl Drop for SimPrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(addr) = self.tcp {
            // Wakes the blocking accept.
            let _ = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.link);
    }
}

/// How long a read of the simulated port waits for bytes before the loop looks at its stop
/// flag and the page's quiet time (bytes end the wait at once).
const SIM_READ_TIMEOUT: Duration = Duration::from_millis(100);

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

enum PortIo {
    Pty(serialport::TTYPort),
    Tcp(TcpStream),
}

impl PortIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            PortIo::Pty(p) => p.read(buf),
            PortIo::Tcp(s) => s.read(buf),
        }
    }
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            PortIo::Pty(p) => p.write_all(bytes).and_then(|_| p.flush()),
            PortIo::Tcp(s) => s.write_all(bytes),
        }
    }
}

/// Serves one connection until it closes or the simulator stops. A receipt is finished at
/// its cut, or when the line has been quiet for 300 ms (printers without a cutter).
fn serve(
    io: &mut PortIo,
    shared: &(Mutex<Shared>, Condvar),
    stop: &AtomicBool,
    width: u32,
    font: Option<Arc<ReceiptFont>>,
) {
    let mut paper = Paper::new(width, font);
    let mut buf = [0u8; 4096];
    let mut last_data = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let n = match io.read(&mut buf) {
            Ok(0) if matches!(io, PortIo::Tcp(_)) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => 0,
            Err(_) if matches!(io, PortIo::Tcp(_)) => break,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(5));
                0
            }
        };
        if n > 0 {
            last_data = Instant::now();
            let (status, no_reply, printable) = {
                let mut s = shared.0.lock().unwrap_or_else(|p| p.into_inner());
                s.bytes_received += n as u64;
                let printable = match s.paper_budget {
                    _ if s.status.blocking_problem().is_some() => 0,
                    Some(left) if left < n as u64 => {
                        s.paper_budget = Some(0);
                        s.status.paper_end = true;
                        s.status.paper_near_end = true;
                        left as usize
                    }
                    Some(left) => {
                        s.paper_budget = Some(left - n as u64);
                        n
                    }
                    None => n,
                };
                (s.status, s.no_reply, printable)
            };
            // What arrived before the roll ran out is printed; the rest is not.
            let mut requests = Vec::new();
            if printable > 0 {
                paper.stopped = false;
                requests.extend(paper.feed(&buf[..printable]));
            }
            paper.stopped = status.blocking_problem().is_some();
            requests.extend(paper.feed(&buf[printable..n]));
            for request in requests {
                let reply = match request {
                    Op::StatusRequest(k @ 1..=4) => Some(status.replies()[usize::from(k - 1)]),
                    Op::TransmitStatus(_) => Some(if status.paper_near_end { 0x0C } else { 0x00 }),
                    _ => None,
                };
                if let (Some(reply), false) = (reply, no_reply) {
                    let _ = io.write_all(&[reply]);
                }
            }
        }
        let quiet = last_data.elapsed() > Duration::from_millis(300);
        if paper.cut_pending() || (quiet && !paper.is_blank()) {
            finish_page(&mut paper, shared);
        }
    }
    // The connection closed: what was printed is on the paper all the same.
    if !paper.is_blank() {
        finish_page(&mut paper, shared);
    }
}

/// How many printed pages the simulator keeps for tests and `kiosk sim printer`.
pub const KEPT_PAGES: usize = 16;
/// And how many bytes of dots they may hold together (a receipt is about 1 MB of them): a
/// simulated kiosk keeps a few receipts, not 16 MB of them. The newest page always stays.
pub const KEPT_BYTES: usize = 4 << 20;

fn finish_page(paper: &mut Paper, shared: &(Mutex<Shared>, Condvar)) {
    let (bitmap, report) = paper.tear_with_report();
    let (lock, cvar) = shared;
    let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
    state.pages.push_back(PrintedPage { bitmap, report });
    let bytes =
        |pages: &std::collections::VecDeque<PrintedPage>| pages.iter().map(|p| p.bitmap.dots.len()).sum::<usize>();
    while state.pages.len() > 1 && (state.pages.len() > KEPT_PAGES || bytes(&state.pages) > KEPT_BYTES) {
        state.pages.pop_front();
    }
    state.printed += 1;
    drop(state);
    cvar.notify_all();
}
