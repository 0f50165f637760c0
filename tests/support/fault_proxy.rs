//! A fault-injecting TCP proxy for the reliability tests. It sits between the kiosk and
//! the central server (TLS passes through untouched) and, per connection, by a seeded
//! schedule: passes it on, drops it at once, resets it after part of the request, delays
//! it, answers with a plaintext 503 instead of TLS, or forwards the whole request and
//! drops the reply AFTER the server answered (the server has committed; the kiosk never
//! hears of it). Counts what it did.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    Pass,
    DropConnection,
    ResetMidRequest,
    Delay,
    Plain503,
    DropReplyAfterCommit,
}

pub const FAULTS: [Fault; 6] = [
    Fault::Pass,
    Fault::DropConnection,
    Fault::ResetMidRequest,
    Fault::Delay,
    Fault::Plain503,
    Fault::DropReplyAfterCommit,
];

pub struct FaultProxy {
    pub addr: SocketAddr,
    pub counts: Arc<Mutex<std::collections::HashMap<Fault, u64>>>,
    stop: Arc<AtomicBool>,
}

fn next(seed: &AtomicU64) -> u64 {
    let mut x = seed.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    seed.store(x, Ordering::Relaxed);
    x
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setting SO_LINGER on a socket we own, with a correctly sized value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    let _ = stream.shutdown(Shutdown::Both);
}

impl FaultProxy {
    pub fn start(upstream: SocketAddr, seed: u64, fault_percent: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let percent = Arc::new(AtomicU64::new(fault_percent));
        let counts: Arc<Mutex<std::collections::HashMap<Fault, u64>>> = Arc::default();
        let seed = Arc::new(AtomicU64::new(seed.max(1)));
        {
            let (stop, percent, counts) = (stop.clone(), percent.clone(), counts.clone());
            std::thread::spawn(move || {
                // Which connections fail is random (the seed); the kinds of fault take
                // turns, so every kind is exercised once five faults have happened (a
                // random kind left a run without a dropped reply now and then).
                let mut faults = 0usize;
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let roll = next(&seed);
                    let fault = if roll % 100 < percent.load(Ordering::Relaxed) {
                        faults += 1;
                        FAULTS[1 + (faults - 1) % 5]
                    } else {
                        Fault::Pass
                    };
                    *counts.lock().unwrap().entry(fault).or_default() += 1;
                    let delay_ms = 200 + roll / 1000 % 1300;
                    std::thread::spawn(move || handle(client, upstream, fault, delay_ms));
                }
            });
        }
        FaultProxy { addr, counts, stop }
    }

    pub fn summary(&self) -> String {
        let counts = self.counts.lock().unwrap();
        FAULTS
            .iter()
            .map(|f| format!("{f:?}={}", counts.get(f).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn injected(&self, fault: Fault) -> u64 {
        self.counts.lock().unwrap().get(&fault).copied().unwrap_or(0)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn handle(client: TcpStream, upstream: SocketAddr, fault: Fault, delay_ms: u64) {
    match fault {
        Fault::DropConnection => drop(client),
        Fault::Plain503 => {
            let mut client = client;
            let _ =
                client.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
        Fault::ResetMidRequest => {
            let mut client = client;
            let mut buf = [0u8; 64];
            let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = client.read(&mut buf);
            reset(&client);
        }
        Fault::Pass | Fault::Delay => {
            if fault == Fault::Delay {
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            let Ok(server) = TcpStream::connect(upstream) else {
                reset(&client);
                return;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let up = std::thread::spawn(move || pump(c2, s2));
            // Even a passed connection is cut after a while (a flaky link): the client
            // must reconnect, and the next connection meets the schedule again.
            let cut_after = 4 + (delay_ms % 40) as usize;
            pump_records(server, client.try_clone().unwrap(), None, Some(cut_after));
            reset(&client);
            let _ = up.join();
        }
        Fault::DropReplyAfterCommit => {
            let Ok(server) = TcpStream::connect(upstream) else {
                reset(&client);
                return;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || pump(c2, s2));
            // Server → kiosk record by record: the handshake and session tickets go
            // through; the first application record after them (the answer: the server
            // has committed) is withheld and the kiosk's connection reset.
            let reply_at = REPLY_RECORD.load(Ordering::Relaxed).max(1) as usize;
            pump_records(server, client.try_clone().unwrap(), None, Some(reply_at));
            reset(&client);
        }
    }
}

/// The index (counting from 1) of the server's first answer among its TLS application
/// data records on a fresh connection; measured by [`calibrate`].
pub static REPLY_RECORD: AtomicU64 = AtomicU64::new(0);

/// Forwards whole TLS records; counts application data records (type 23) into `count`;
/// stops before the `stop_at`-th one.
pub fn pump_records(mut from: TcpStream, mut to: TcpStream, count: Option<Arc<AtomicU64>>, stop_at: Option<usize>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut app_records = 0usize;
    'outer: loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
        while pending.len() >= 5 {
            let len = 5 + u16::from_be_bytes([pending[3], pending[4]]) as usize;
            if pending.len() < len {
                break;
            }
            if pending[0] == 23 {
                app_records += 1;
                if let Some(count) = &count {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                if stop_at.is_some_and(|stop| app_records >= stop) {
                    break 'outer;
                }
            }
            if to.write_all(&pending[..len]).is_err() {
                break 'outer;
            }
            pending.drain(..len);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// A plain proxy that counts the server's application data records per connection, to
/// find where a reply starts: one request on a fresh connection, then the count.
pub fn counting_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(upstream) else {
                continue;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || pump(c2, s2));
            let counter = counter.clone();
            std::thread::spawn(move || pump_records(server, client, Some(counter), None));
        }
    });
    (addr, count)
}
