//! The command/response link to the SAM: writes a command frame, collects the response
//! within the command's whole-frame deadline (the port timeout shrinks to the time left),
//! resends once on a corrupt frame or a SAM checksum/length complaint (0x10/0x11), and
//! runs the find → select → read → appended-address sequence.

use super::card_data::{CardDataError, CardText};
use super::protocol::{parse_card_blocks, Command, Decoder, FrameError, PayloadError, Response, SamId, Status};
use super::Card;
use crate::devices::DeviceErrorKind;
use crate::domain::message::Message;
use std::io;
use std::time::{Duration, Instant};

/// Bytes in and out with a read timeout. `read_some` returns `Ok(0)` when nothing arrived.
pub trait Transport: Send {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// How long one byte takes on the line (10 bits at the baud rate), when known.
    fn byte_time(&self) -> Option<Duration> {
        None
    }
    /// Bytes received and not yet read.
    fn available(&self) -> usize {
        0
    }
}

/// A frame with more than this still to come is waited for in one sleep, not read as it
/// trickles in.
const PACED_ABOVE_BYTES: usize = 64;

impl Transport for serialport::TTYPort {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        io::Write::write_all(self, bytes)?;
        io::Write::flush(self)
    }

    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        serialport::SerialPort::set_timeout(self, timeout.max(Duration::from_millis(1))).map_err(io::Error::other)?;
        match io::Read::read(self, buf) {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "port closed")),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn byte_time(&self) -> Option<Duration> {
        let baud = serialport::SerialPort::baud_rate(self).ok().filter(|b| *b > 0)?;
        Some(Duration::from_nanos(10_000_000_000 / u64::from(baud)))
    }

    fn available(&self) -> usize {
        serialport::SerialPort::bytes_to_read(self).map_or(0, |n| n as usize)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    #[error("no answer to command {command} within {timeout_ms} ms")]
    Timeout { command: String, timeout_ms: u64 },
    #[error("reader disconnected: {0}")]
    Disconnected(String),
    #[error("command {command}: {status}")]
    Status { command: String, status: Status },
    #[error("corrupt frames from the reader, twice: {0}")]
    Frame(FrameError),
    #[error("malformed response to {command}: {error}")]
    Payload { command: String, error: PayloadError },
    #[error("card data: {0}")]
    Card(CardDataError),
}

impl ReaderError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            ReaderError::Timeout { .. } => DeviceErrorKind::Timeout,
            ReaderError::Disconnected(_) => DeviceErrorKind::NotConnected,
            ReaderError::Status { status, .. } => match status {
                Status::SamRejectsCard
                | Status::CardRejectsSam
                | Status::ReadFailed
                | Status::SelectFailed
                | Status::UnknownCardType
                | Status::VerifyFailed => DeviceErrorKind::Media,
                _ => DeviceErrorKind::Refused,
            },
            ReaderError::Frame(_) | ReaderError::Payload { .. } => DeviceErrorKind::Protocol,
            ReaderError::Card(_) => DeviceErrorKind::Media,
        }
    }

    /// True when the link itself is gone or unresponsive (reconnect), as opposed to a
    /// problem with one card (report it and keep polling).
    pub fn is_link_failure(&self) -> bool {
        matches!(self, ReaderError::Disconnected(_) | ReaderError::Timeout { .. })
            || matches!(
                self,
                ReaderError::Status {
                    status: Status::Unauthorised | Status::SelfTestFailed | Status::CommFailure,
                    ..
                }
            )
    }

    /// The plain-language message key for a citizen.
    pub fn citizen_message(&self) -> Message {
        match self {
            ReaderError::Status { status, .. } => status.citizen_message(),
            ReaderError::Card(_) => Message::ReaderCardNotAccepted,
            ReaderError::Frame(_) | ReaderError::Payload { .. } => Message::ReaderReadAgain,
            _ => Message::ReaderOutOfOrder,
        }
    }
}

/// Counters of what crossed the line (for diagnostics and the benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub resends: u64,
}

pub struct SamLink<T: Transport> {
    transport: T,
    decoder: Decoder,
    pub stats: LinkStats,
    /// Read with `30 10` (fingerprints) until the reader says it does not know it.
    fingerprint_supported: bool,
}

impl<T: Transport> SamLink<T> {
    pub fn new(transport: T) -> SamLink<T> {
        SamLink {
            transport,
            decoder: Decoder::new(),
            stats: LinkStats::default(),
            fingerprint_supported: true,
        }
    }

    pub fn skipped_bytes(&self) -> u64 {
        self.decoder.skipped()
    }

    /// Sends `command` and returns its response (any status), resending once on a corrupt
    /// frame or a 0x10/0x11 complaint.
    pub fn transact(&mut self, command: Command) -> Result<Response, ReaderError> {
        let mut resent = false;
        loop {
            match self.exchange(command) {
                Ok(r) if matches!(r.status, Status::HostChecksum | Status::HostLength) && !resent => {}
                Err(ExchangeError::Frame(_)) if !resent => {}
                Ok(r) => return Ok(r),
                Err(ExchangeError::Frame(e)) => return Err(ReaderError::Frame(e)),
                Err(ExchangeError::Reader(e)) => return Err(e),
            }
            resent = true;
            self.stats.resends += 1;
        }
    }

    fn exchange(&mut self, command: Command) -> Result<Response, ExchangeError> {
        // A late answer to an earlier command must not be taken for this one's.
        self.decoder.clear();
        let frame = command.encode();
        self.transport.write_all(&frame).map_err(disconnected)?;
        self.stats.bytes_out += frame.len() as u64;
        let timeout_ms = command.timeout_ms();
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut buf = [0u8; 2048];
        loop {
            if let Some(result) = self.decoder.next_frame() {
                let frame = result.map_err(ExchangeError::Frame)?;
                return frame
                    .into_response()
                    .ok_or(ExchangeError::Frame(FrameError::LengthOutOfRange(3)));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ExchangeError::Reader(ReaderError::Timeout {
                    command: command.to_string(),
                    timeout_ms,
                }));
            }
            let n = self.transport.read_some(&mut buf, left).map_err(disconnected)?;
            self.stats.bytes_in += n as u64;
            self.decoder.push(&buf[..n]);
            self.wait_for_the_rest(deadline);
        }
    }

    /// A long frame under way cannot arrive faster than the line carries it: sleep through
    /// most of its remaining wire time instead of waking for every few bytes (a card's
    /// 1.3 KB answer is ~110 ms at 115 200 baud; read as it trickles in, it costs the host
    /// a wake-up per chunk). Bytes already waiting end the wait at once, so an unpaced
    /// line (a simulator, a USB bridge's burst) loses nothing.
    fn wait_for_the_rest(&self, deadline: Instant) {
        let (Some(missing), Some(byte)) = (self.decoder.missing(), self.transport.byte_time()) else {
            return;
        };
        let still = missing.saturating_sub(self.transport.available());
        if still > PACED_ABOVE_BYTES {
            // 90 %: the last bytes are read as they come, so the answer is not late.
            let wait = byte.saturating_mul(u32::try_from(still).unwrap_or(u32::MAX)) * 9 / 10;
            std::thread::sleep(wait.min(deadline.saturating_duration_since(Instant::now())));
        }
    }

    /// Sends `command` and requires success.
    fn expect_ok(&mut self, command: Command) -> Result<Response, ReaderError> {
        let response = self.transact(command)?;
        if response.status.is_ok() {
            Ok(response)
        } else {
            Err(ReaderError::Status {
                command: command.to_string(),
                status: response.status,
            })
        }
    }

    pub fn sam_status(&mut self) -> Result<(), ReaderError> {
        self.expect_ok(Command::SamStatus).map(|_| ())
    }

    pub fn sam_id(&mut self) -> Result<SamId, ReaderError> {
        let response = self.expect_ok(Command::SamId)?;
        SamId::parse(&response.data).map_err(|error| ReaderError::Payload {
            command: Command::SamId.to_string(),
            error,
        })
    }

    /// `true` when a (fresh) card is on the reader.
    pub fn find(&mut self) -> Result<bool, ReaderError> {
        let response = self.transact(Command::FindCard)?;
        match response.status {
            Status::FindOk => Ok(true),
            Status::FindFailed => Ok(false),
            status => Err(ReaderError::Status {
                command: Command::FindCard.to_string(),
                status,
            }),
        }
    }

    /// Whether a card is on the reader, without reading it: a find (a card placed anew), or,
    /// since a SAM refuses a card it has read to find until it is lifted, a select of the card
    /// still in the field (0x90: there, 0x81: gone). The select probe follows the SDKs that
    /// select after a failed find; that every SAM selects a read card that stays is
    /// unverified (reference §2.2), so the app also ends its reminder after a while.
    pub fn card_present(&mut self) -> Result<bool, ReaderError> {
        if self.find()? {
            return Ok(true);
        }
        let response = self.transact(Command::SelectCard)?;
        match response.status {
            Status::Success => Ok(true),
            Status::SelectFailed | Status::FindFailed => Ok(false),
            status => Err(ReaderError::Status {
                command: Command::SelectCard.to_string(),
                status,
            }),
        }
    }

    /// After a successful find: select, read (with fingerprints when supported) and the
    /// latest appended address.
    pub fn read_found_card(&mut self) -> Result<Card, ReaderError> {
        self.expect_ok(Command::SelectCard)?;
        let (command, response) = if self.fingerprint_supported {
            let response = self.transact(Command::ReadWithFingerprint)?;
            if response.status == Status::BadCommand {
                self.fingerprint_supported = false;
                (Command::ReadText, self.transact(Command::ReadText)?)
            } else {
                (Command::ReadWithFingerprint, response)
            }
        } else {
            (Command::ReadText, self.transact(Command::ReadText)?)
        };
        if !response.status.is_ok() {
            return Err(ReaderError::Status {
                command: command.to_string(),
                status: response.status,
            });
        }
        let blocks = parse_card_blocks(&response.data, command == Command::ReadWithFingerprint).map_err(|error| {
            ReaderError::Payload {
                command: command.to_string(),
                error,
            }
        })?;
        let text = CardText::parse(&blocks.text).map_err(ReaderError::Card)?;
        let appended = self.transact(Command::ReadAppendedAddress)?;
        let appended_address = match appended.status {
            Status::Success => Some(super::protocol::decode_ucs2(&appended.data)).filter(|a| !a.is_empty()),
            Status::NoContent | Status::BadCommand => None,
            status => {
                return Err(ReaderError::Status {
                    command: Command::ReadAppendedAddress.to_string(),
                    status,
                })
            }
        };
        Ok(Card {
            text,
            photo: blocks.photo,
            fingerprint: blocks.fingerprint,
            appended_address,
        })
    }
}

enum ExchangeError {
    Frame(FrameError),
    Reader(ReaderError),
}

fn disconnected(e: io::Error) -> ExchangeError {
    ExchangeError::Reader(ReaderError::Disconnected(e.to_string()))
}

/// Opens a serial port for the SAM at `baud` 8N1, no flow control.
pub fn open_port(path: &std::path::Path, baud: u32) -> Result<serialport::TTYPort, ReaderError> {
    serialport::new(path.to_string_lossy(), baud)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .timeout(Duration::from_millis(100))
        .open_native()
        .map_err(|e| ReaderError::Disconnected(format!("cannot open {}: {e}", path.display())))
}

/// Reads one card within `wait`: polls find every `poll` until a card appears.
/// `Ok(None)` when no card came before the deadline.
pub fn wait_and_read<T: Transport>(
    link: &mut SamLink<T>,
    wait: Duration,
    poll: Duration,
) -> Result<Option<Card>, ReaderError> {
    // A wait too long for the clock (years) is the same as waiting for ever.
    let deadline = Instant::now().checked_add(wait);
    loop {
        if link.find()? {
            return link.read_found_card().map(Some);
        }
        if deadline.is_some_and(|deadline| Instant::now().checked_add(poll).is_none_or(|next| next > deadline)) {
            return Ok(None);
        }
        std::thread::sleep(poll);
    }
}
