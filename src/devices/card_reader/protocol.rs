//! The SAM serial protocol of 2nd-generation ID card readers (居民身份证验证安全控制模块,
//! 业务终端接口), over bytes only: command encoding, a streaming frame decoder, the SW3
//! status codes, and parsing of response payloads driven by their length fields.
//!
//! Frames (both directions): `AA AA AA 96 69 | len_hi len_lo | body | chk`, where `len`
//! counts body + checksum and `chk` is the XOR of the length bytes and the body. Command
//! bodies are `CMD PARA data…`; response bodies are `SW1 SW2 SW3 data…`. Frames are built
//! from this rule, never from byte arrays copied from elsewhere (several public ones are
//! wrong). No I/O here: see `link.rs` for the transport.
//!
//! Frames, responses and card blocks carry a card's raw bytes (name, number, birth date,
//! address, photo), so their `Debug` shows lengths and status only.

pub use status::Status;
use std::fmt;

pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Largest length field accepted: the largest real response is 2321 bytes in total.
pub const MAX_LENGTH: usize = 4096;
/// Smallest body + checksum: a command has CMD PARA CHK (3), a response SW1 SW2 SW3 CHK (4).
const MIN_LENGTH: usize = 3;

/// Commands the kiosk sends to the SAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// 10 FF 复位SAM
    ResetSam,
    /// 11 FF 状态检测
    SamStatus,
    /// 12 FF 读SAM管理信息 (SAM ID)
    SamId,
    /// 20 01 寻找证/卡
    FindCard,
    /// 20 02 选取证/卡
    SelectCard,
    /// 30 01 读固定信息 (text + photo)
    ReadText,
    /// 30 03 读最新追加住址
    ReadAppendedAddress,
    /// 30 10 读固定信息和指纹 (text + photo + fingerprint)
    ReadWithFingerprint,
    /// 61 FF nn 设置射频适配器最大通信字节数 (24..=255)
    SetMaxRfBytes(u8),
}

impl Command {
    pub fn code(self) -> (u8, u8) {
        match self {
            Command::ResetSam => (0x10, 0xFF),
            Command::SamStatus => (0x11, 0xFF),
            Command::SamId => (0x12, 0xFF),
            Command::FindCard => (0x20, 0x01),
            Command::SelectCard => (0x20, 0x02),
            Command::ReadText => (0x30, 0x01),
            Command::ReadAppendedAddress => (0x30, 0x03),
            Command::ReadWithFingerprint => (0x30, 0x10),
            Command::SetMaxRfBytes(_) => (0x61, 0xFF),
        }
    }

    pub fn data(self) -> Vec<u8> {
        match self {
            Command::SetMaxRfBytes(n) => vec![n],
            _ => vec![],
        }
    }

    /// The command a request body stands for, if it is one we know.
    pub fn from_body(body: &[u8]) -> Option<Command> {
        Some(match body {
            [0x10, 0xFF] => Command::ResetSam,
            [0x11, 0xFF] => Command::SamStatus,
            [0x12, 0xFF] => Command::SamId,
            [0x20, 0x01] => Command::FindCard,
            [0x20, 0x02] => Command::SelectCard,
            [0x30, 0x01] => Command::ReadText,
            [0x30, 0x03] => Command::ReadAppendedAddress,
            [0x30, 0x10] => Command::ReadWithFingerprint,
            [0x61, 0xFF, n] => Command::SetMaxRfBytes(*n),
            _ => return None,
        })
    }

    pub fn encode(self) -> Vec<u8> {
        let (cmd, para) = self.code();
        let mut body = vec![cmd, para];
        body.extend(self.data());
        encode_frame(&body)
    }

    /// Per-command whole-frame deadline in milliseconds (from what shipping SDKs use).
    pub fn timeout_ms(self) -> u64 {
        match self {
            Command::FindCard | Command::SelectCard => 500,
            Command::ReadText | Command::ReadWithFingerprint => 3500,
            Command::ReadAppendedAddress => 1000,
            _ => 300,
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cmd, para) = self.code();
        write!(f, "{cmd:02X} {para:02X}")
    }
}

/// XOR of the length bytes and the body: the frame checksum.
pub fn checksum(length_and_body: &[u8]) -> u8 {
    length_and_body.iter().fold(0, |acc, b| acc ^ b)
}

/// Wraps a body (command or response) into a complete frame.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let length = body.len() + 1;
    let mut frame = Vec::with_capacity(PREAMBLE.len() + 2 + length);
    frame.extend_from_slice(&PREAMBLE);
    frame.extend_from_slice(&(length as u16).to_be_bytes());
    frame.extend_from_slice(body);
    frame.push(checksum(&frame[PREAMBLE.len()..]));
    frame
}

/// A response frame as the SAM sends it.
pub fn encode_response(sw3: u8, data: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x00, sw3];
    body.extend_from_slice(data);
    encode_frame(&body)
}

/// A frame body whose checksum was verified.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame").field("body_bytes", &self.body.len()).finish()
    }
}

/// A decoded response: status and payload.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub sw1: u8,
    pub sw2: u8,
    pub status: Status,
    pub data: Vec<u8>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("sw1", &self.sw1)
            .field("sw2", &self.sw2)
            .field("status", &self.status)
            .field("data_bytes", &self.data.len())
            .finish()
    }
}

impl Frame {
    pub fn into_response(self) -> Option<Response> {
        match self.body.as_slice() {
            [sw1, sw2, sw3, data @ ..] => Some(Response {
                sw1: *sw1,
                sw2: *sw2,
                status: Status::from_byte(*sw3),
                data: data.to_vec(),
            }),
            _ => None,
        }
    }
}

/// Why bytes on the line were not a frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame checksum 0x{found:02X} does not match 0x{expected:02X}")]
    BadChecksum { expected: u8, found: u8 },
    #[error("frame length {0} is out of range (3..={MAX_LENGTH})")]
    LengthOutOfRange(usize),
}

/// A streaming decoder: feed it bytes as they arrive (in any chunks), take frames out.
/// It skips garbage until the preamble, reassembles split frames, and resynchronises one
/// byte after a corrupt frame, so one bad frame never hides the next good one.
#[derive(Default)]
pub struct Decoder {
    buffer: Vec<u8>,
    skipped: u64,
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("buffered_bytes", &self.buffer.len())
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Bytes discarded so far while hunting for a preamble or after a corrupt frame.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    pub fn clear(&mut self) {
        self.buffer.clear();
    }

    /// Bytes still to come for the frame under way, once its header is in (`None` before).
    pub fn missing(&self) -> Option<usize> {
        if self.buffer.len() < PREAMBLE.len() + 2 || !self.buffer.starts_with(&PREAMBLE) {
            return None;
        }
        let length = usize::from(u16::from_be_bytes([self.buffer[5], self.buffer[6]]));
        Some((PREAMBLE.len() + 2 + length).saturating_sub(self.buffer.len()))
    }

    fn discard(&mut self, n: usize) {
        let n = n.min(self.buffer.len());
        self.buffer.drain(..n);
        self.skipped += n as u64;
    }

    /// The next complete frame, an error for a corrupt one, or `None` until more bytes come.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        match find_preamble(&self.buffer) {
            Some(0) => {}
            Some(start) => self.discard(start),
            None => {
                // Keep a tail that could be the start of a preamble.
                let keep = partial_preamble_suffix(&self.buffer);
                let drop = self.buffer.len() - keep;
                self.discard(drop);
                return None;
            }
        }
        if self.buffer.len() < PREAMBLE.len() + 2 {
            return None;
        }
        let length = usize::from(u16::from_be_bytes([self.buffer[5], self.buffer[6]]));
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
            self.discard(1);
            return Some(Err(FrameError::LengthOutOfRange(length)));
        }
        let total = PREAMBLE.len() + 2 + length;
        if self.buffer.len() < total {
            return None;
        }
        let expected = checksum(&self.buffer[5..total - 1]);
        let found = self.buffer[total - 1];
        if expected != found {
            self.discard(1);
            return Some(Err(FrameError::BadChecksum { expected, found }));
        }
        let body = self.buffer[7..total - 1].to_vec();
        self.buffer.drain(..total);
        Some(Ok(Frame { body }))
    }
}

fn find_preamble(buffer: &[u8]) -> Option<usize> {
    buffer.windows(PREAMBLE.len()).position(|w| w == PREAMBLE)
}

/// Length of the longest suffix of `buffer` that is a proper prefix of the preamble.
fn partial_preamble_suffix(buffer: &[u8]) -> usize {
    (1..PREAMBLE.len())
        .rev()
        .find(|&n| buffer.len() >= n && buffer[buffer.len() - n..] == PREAMBLE[..n])
        .unwrap_or(0)
}

/// Why a response payload could not be taken apart.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload of {actual} bytes is shorter than its header ({needed})")]
    Short { needed: usize, actual: usize },
    #[error("length fields announce {announced} bytes but the payload has {actual}")]
    LengthMismatch { announced: usize, actual: usize },
    #[error("text block is {0} bytes, not 256")]
    TextSize(usize),
}

/// The blocks of a `30 01` / `30 10` response.
#[derive(Clone, PartialEq, Eq)]
pub struct CardBlocks {
    pub text: Vec<u8>,
    pub photo: Vec<u8>,
    /// `None` for `30 01`; `Some(empty)` for a card without fingerprints.
    pub fingerprint: Option<Vec<u8>>,
}

impl fmt::Debug for CardBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardBlocks")
            .field("text_bytes", &self.text.len())
            .field("photo_bytes", &self.photo.len())
            .field("fingerprint_bytes", &self.fingerprint.as_ref().map(Vec::len))
            .finish()
    }
}

/// Splits a read response using its big-endian length fields (never fixed offsets).
pub fn parse_card_blocks(data: &[u8], with_fingerprint: bool) -> Result<CardBlocks, PayloadError> {
    let fields = if with_fingerprint { 3 } else { 2 };
    let header = fields * 2;
    if data.len() < header {
        return Err(PayloadError::Short {
            needed: header,
            actual: data.len(),
        });
    }
    let lengths: Vec<usize> = (0..fields)
        .map(|i| usize::from(u16::from_be_bytes([data[2 * i], data[2 * i + 1]])))
        .collect();
    let announced = header + lengths.iter().sum::<usize>();
    if announced != data.len() {
        return Err(PayloadError::LengthMismatch {
            announced,
            actual: data.len(),
        });
    }
    if lengths[0] != 256 {
        return Err(PayloadError::TextSize(lengths[0]));
    }
    let mut at = header;
    let mut take = |n: usize| {
        let block = data[at..at + n].to_vec();
        at += n;
        block
    };
    let text = take(lengths[0]);
    let photo = take(lengths[1]);
    let fingerprint = with_fingerprint.then(|| take(lengths[2]));
    Ok(CardBlocks {
        text,
        photo,
        fingerprint,
    })
}

/// Builds the payload of a read response (the simulator's side of [`parse_card_blocks`]).
pub fn encode_card_blocks(blocks: &CardBlocks) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&(blocks.text.len() as u16).to_be_bytes());
    data.extend_from_slice(&(blocks.photo.len() as u16).to_be_bytes());
    if let Some(fp) = &blocks.fingerprint {
        data.extend_from_slice(&(fp.len() as u16).to_be_bytes());
    }
    data.extend_from_slice(&blocks.text);
    data.extend_from_slice(&blocks.photo);
    if let Some(fp) = &blocks.fingerprint {
        data.extend_from_slice(fp);
    }
    data
}

/// The 16-byte SAM ID, formatted `HH.HH-DDDDDDDD-NNNNNNNNNN-NNNNNNNNNN` (two little-endian
/// 16-bit heads, three little-endian 32-bit numbers; D10 padding chosen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamId {
    pub raw: [u8; 16],
}

impl SamId {
    pub fn parse(data: &[u8]) -> Result<SamId, PayloadError> {
        let raw: [u8; 16] = data.try_into().map_err(|_| PayloadError::LengthMismatch {
            announced: 16,
            actual: data.len(),
        })?;
        Ok(SamId { raw })
    }
}

impl fmt::Display for SamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.raw;
        let u16le = |i: usize| u16::from_le_bytes([r[i], r[i + 1]]);
        let u32le = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
        write!(
            f,
            "{:02}.{:02}-{:08}-{:010}-{:010}",
            u16le(0),
            u16le(2),
            u32le(4),
            u32le(8),
            u32le(12)
        )
    }
}

/// Decodes a UCS-2 little-endian field, trimming the space (and NUL) padding.
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches([' ', '\0'])
        .to_string()
}

/// Encodes `text` as UCS-2LE padded with spaces to exactly `bytes` (truncating if longer).
pub fn encode_ucs2(text: &str, bytes: usize) -> Vec<u8> {
    let mut out: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).take(bytes).collect();
    while out.len() + 2 <= bytes {
        out.extend_from_slice(&[0x20, 0x00]);
    }
    out.resize(bytes, 0);
    out
}

mod status;
#[cfg(test)]
mod tests;
