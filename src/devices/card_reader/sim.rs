//! `SimCardReader`: a simulated reader that owns a pseudo-terminal and answers on the
//! device side with the real SAM protocol, so the production `SerialCardReader` (or any
//! tool) is what talks to it. Cards are placed and lifted from fixtures; faults are
//! scripted: corrupt checksums, garbage between frames, split chunks, silence, status codes
//! (0x41, 0x32, 0x66 …), unplug and replug (the stable path disappears and comes back), and
//! a paced line at the configured baud rate for realistic timing.

use super::fixtures::SimCard;
use super::protocol::{
    encode_card_blocks, encode_response, encode_ucs2, CardBlocks, Command, Decoder, FrameError, Status,
};
use crate::devices::pty::{self, PtyDevice};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One-shot faults, each applied to the next response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimFault {
    /// The next response carries a wrong checksum.
    BadChecksum,
    /// Junk bytes (including a false preamble start) before the next response.
    Garbage,
    /// The next response arrives in 7-byte pieces a few milliseconds apart.
    SplitChunks,
    /// The next command gets no answer at all.
    Silence,
    /// The next card read (30 01 / 30 10) answers with this SW3 (e.g. 0x41, 0x32).
    ReadStatus(u8),
    /// The next select (20 02) answers with this SW3.
    SelectStatus(u8),
}

#[derive(Clone, Debug, Default)]
pub struct SimReaderOptions {
    /// Pace the line as a UART at this rate (None: as fast as the pty goes).
    pub baud: Option<u32>,
    /// Where to create the stable link (default: a fresh runtime directory).
    pub link_path: Option<PathBuf>,
    /// Answer `30 10` with 0x21 like an older reader without fingerprint support.
    pub no_fingerprint_command: bool,
}

#[derive(Default)]
struct SimState {
    card: Option<SimCard>,
    /// Placed since it was last read: find succeeds only then (as real SAMs do).
    fresh: bool,
    found: bool,
    selected: bool,
    faults: VecDeque<SimFault>,
    /// A persistent SAM status answered to every command (e.g. 0x66 unauthorised).
    sam_status: Option<u8>,
    plugged: bool,
    generation: u64,
    commands: Vec<Command>,
}

pub struct SimCardReader {
    state: Arc<Mutex<SimState>>,
    stop: Arc<AtomicBool>,
    link: PathBuf,
    thread: Option<JoinHandle<()>>,
}

/// Formats as `05.01-20200101-0000000123-0000456789`.
pub const SAM_ID: [u8; 16] = [
    0x05, 0x00, 0x01, 0x00, 0xA5, 0x3A, 0x34, 0x01, 0x7B, 0x00, 0x00, 0x00, 0x55, 0xF8, 0x06, 0x00,
];

impl SimCardReader {
    pub fn start(options: SimReaderOptions) -> io::Result<SimCardReader> {
        let link = match &options.link_path {
            Some(path) => path.clone(),
            None => pty::link_dir()?.join(format!("sim-cardreader-{}", next_id())),
        };
        let device = PtyDevice::open()?;
        pty::relink(&device.slave_path, &link)?;
        let state = Arc::new(Mutex::new(SimState {
            plugged: true,
            ..Default::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st, l) = (Arc::clone(&state), Arc::clone(&stop), link.clone());
        let thread = std::thread::Builder::new()
            .name("sim-cardreader".into())
            .spawn(move || serve(device, &s, &st, &l, &options))?;
        Ok(SimCardReader {
            state,
            stop,
            link,
            thread: Some(thread),
        })
    }

    /// The stable device path (a symlink to the current pty), like `/dev/kiosk-cardreader`.
    pub fn path(&self) -> &Path {
        &self.link
    }

    fn with<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn place(&self, card: SimCard) {
        self.with(|s| {
            s.card = Some(card);
            s.fresh = true;
            s.found = false;
            s.selected = false;
        });
    }

    pub fn lift(&self) {
        self.with(|s| {
            s.card = None;
            s.fresh = false;
            s.found = false;
            s.selected = false;
        });
    }

    pub fn inject(&self, fault: SimFault) {
        self.with(|s| s.faults.push_back(fault));
    }

    pub fn set_sam_status(&self, status: Option<u8>) {
        self.with(|s| s.sam_status = status);
    }

    /// Pulls the plug: the pty closes and the stable path disappears.
    pub fn unplug(&self) {
        self.with(|s| s.plugged = false);
    }

    /// Plugs it back in: a new pty behind the same stable path.
    pub fn replug(&self) {
        self.with(|s| {
            s.plugged = true;
            s.generation += 1;
        });
    }

    /// Commands received so far (for tests and the technician console).
    pub fn commands(&self) -> Vec<Command> {
        self.with(|s| s.commands.clone())
    }
}

impl Drop for SimCardReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.link);
    }
}

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

fn serve(device: PtyDevice, state: &Mutex<SimState>, stop: &AtomicBool, link: &Path, options: &SimReaderOptions) {
    let mut device = Some(device);
    let mut generation = 0;
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::SeqCst) {
        let (plugged, wanted_generation) = {
            let s = state.lock().unwrap_or_else(|p| p.into_inner());
            (s.plugged, s.generation)
        };
        if !plugged {
            if device.take().is_some() {
                let _ = std::fs::remove_file(link);
            }
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        if device.is_none() || wanted_generation != generation {
            match PtyDevice::open().and_then(|d| pty::relink(&d.slave_path, link).map(|_| d)) {
                Ok(d) => device = Some(d),
                Err(e) => {
                    log::error!("sim reader: cannot create pty: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            }
            generation = wanted_generation;
            decoder = Decoder::new();
        }
        let Some(dev) = device.as_mut() else { continue };
        // Bytes end the wait at once; the timeout only paces the looks at unplug and stop.
        let _ = serialport::SerialPort::set_timeout(&mut dev.master, Duration::from_millis(100));
        let n = match dev.master.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(5));
                0
            }
        };
        if n == 0 {
            continue;
        }
        let arrived = Instant::now();
        decoder.push(&buf[..n]);
        while let Some(result) = decoder.next_frame() {
            let command_bytes = result.as_ref().map(|f| f.body.len() + 8).unwrap_or(0);
            let (response, fault) = answer(state, result, options.no_fingerprint_command);
            let Some(response) = response else { continue };
            if let Some(baud) = options.baud {
                // The command took its own wire time to arrive before the SAM could answer.
                pty::wait_wire_time(arrived, command_bytes, baud);
            }
            if let Err(e) = send_answer(dev, response, fault, options.baud) {
                log::debug!("sim reader: write failed: {e}");
            }
        }
    }
}

/// Writes one answer, spoiled as `fault` says: a flipped checksum, junk before it, or
/// split into small chunks; paced at `baud` otherwise.
fn send_answer(
    dev: &mut PtyDevice,
    mut response: Vec<u8>,
    fault: Option<SimFault>,
    baud: Option<u32>,
) -> io::Result<()> {
    match fault {
        Some(SimFault::BadChecksum) => {
            let last = response.len() - 1;
            response[last] ^= 0x5A;
        }
        Some(SimFault::Garbage) => {
            let mut junk = vec![0x00, 0x13, 0xAA, 0xAA, 0x37, 0x96, 0xAA];
            junk.extend(response);
            response = junk;
        }
        Some(SimFault::SplitChunks) => {
            return response.chunks(7).try_for_each(|chunk| {
                io::Write::write_all(&mut dev.master, chunk)?;
                io::Write::flush(&mut dev.master)?;
                std::thread::sleep(Duration::from_millis(3));
                Ok(())
            })
        }
        _ => {}
    }
    pty::write_paced(&mut dev.master, &response, baud, Instant::now())
}

/// The SAM's answer to one incoming frame, and the fault applied to it.
fn answer(
    state: &Mutex<SimState>,
    frame: Result<super::protocol::Frame, FrameError>,
    no_fingerprint_command: bool,
) -> (Option<Vec<u8>>, Option<SimFault>) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let frame = match frame {
        Ok(frame) => frame,
        Err(FrameError::BadChecksum { .. }) => return (Some(encode_response(Status::HostChecksum.byte(), &[])), None),
        Err(FrameError::LengthOutOfRange(_)) => return (Some(encode_response(Status::HostLength.byte(), &[])), None),
    };
    let Some(command) = Command::from_body(&frame.body) else {
        return (Some(encode_response(Status::BadCommand.byte(), &[])), None);
    };
    s.commands.push(command);
    let is_read = matches!(command, Command::ReadText | Command::ReadWithFingerprint);
    // One-shot faults: read and select statuses wait for their command; the others hit the
    // next response.
    let fault = match s.faults.front() {
        Some(SimFault::ReadStatus(_)) if !is_read => None,
        Some(SimFault::SelectStatus(_)) if command != Command::SelectCard => None,
        Some(_) => s.faults.pop_front(),
        None => None,
    };
    if fault == Some(SimFault::Silence) {
        return (None, None);
    }
    if let Some(code) = s.sam_status {
        return (Some(encode_response(code, &[])), fault);
    }
    let ok = Status::Success.byte();
    if command == Command::ReadWithFingerprint && no_fingerprint_command {
        return (Some(encode_response(Status::BadCommand.byte(), &[])), fault);
    }
    let response = match command {
        Command::ResetSam | Command::SamStatus | Command::SetMaxRfBytes(_) => encode_response(ok, &[]),
        Command::SamId => encode_response(ok, &SAM_ID),
        Command::FindCard => {
            if s.card.is_some() && s.fresh {
                s.found = true;
                encode_response(Status::FindOk.byte(), &[0; 4])
            } else {
                encode_response(Status::FindFailed.byte(), &[])
            }
        }
        Command::SelectCard => {
            if let Some(SimFault::SelectStatus(code)) = fault {
                return (Some(encode_response(code, &[])), None);
            }
            // A card found, or one read and still lying on the reader (the SAM will not find
            // it again, but it is in the field): lifted, it is gone.
            if s.card.is_some() && (s.found || !s.fresh) {
                s.selected = true;
                encode_response(ok, &[0; 8])
            } else {
                encode_response(Status::SelectFailed.byte(), &[])
            }
        }
        Command::ReadText | Command::ReadWithFingerprint => match (&s.card, s.selected) {
            (Some(card), true) => {
                if let Some(SimFault::ReadStatus(code)) = fault {
                    return (Some(encode_response(code, &[])), None);
                }
                let blocks = CardBlocks {
                    text: card.text.encode(),
                    photo: card.photo.clone(),
                    fingerprint: (command == Command::ReadWithFingerprint)
                        .then(|| fingerprint_bytes(card.fingerprint_len)),
                };
                let response = encode_response(ok, &encode_card_blocks(&blocks));
                // Read once: the SAM refuses this card until it is lifted and placed again.
                s.fresh = false;
                s.found = false;
                s.selected = false;
                response
            }
            _ => encode_response(Status::NoCardFoundYet.byte(), &[]),
        },
        Command::ReadAppendedAddress => match s.card.as_ref().and_then(|c| c.appended_address.as_ref()) {
            Some(address) => encode_response(ok, &encode_ucs2(address, 70)),
            None => encode_response(Status::NoContent.byte(), &[]),
        },
    };
    (Some(response), fault)
}

fn fingerprint_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}
