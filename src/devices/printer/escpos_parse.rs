//! A streaming parser for the ESC/POS subset a receipt uses (and the real-time status
//! requests), for the simulated printer and the PNG preview. Bytes go in in any chunks;
//! complete operations come out. Unknown sequences are reported, never guessed at.

/// One parsed operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Printable bytes (ASCII or, in Chinese mode, GB18030 codes).
    Text(Vec<u8>),
    LineFeed,
    CarriageReturn,
    /// ESC @
    Init,
    /// ESC a n
    Align(u8),
    /// ESC E n
    Bold(bool),
    /// GS ! n
    Size(u8),
    /// FS & / FS .
    Chinese(bool),
    /// ESC 2 (None) / ESC 3 n
    LineSpacing(Option<u8>),
    /// ESC d n
    FeedLines(u8),
    /// ESC t n (code table; irrelevant in Chinese mode)
    CodeTable(u8),
    /// GS ( k with cn = 49 (QR): function byte and parameters.
    Qr {
        function: u8,
        params: Vec<u8>,
    },
    /// GS v 0 m xL xH yL yH data
    Raster {
        width_bytes: u16,
        rows: u16,
        data: Vec<u8>,
    },
    /// GS k m n data (function B)
    Barcode {
        system: u8,
        data: Vec<u8>,
    },
    /// GS H n
    BarcodeHri(u8),
    /// GS h n
    BarcodeHeight(u8),
    /// GS w n
    BarcodeWidth(u8),
    /// GS V m [n]
    Cut {
        partial: bool,
    },
    /// DLE EOT n: real-time status request.
    StatusRequest(u8),
    /// GS r n: transmit status (answered in queue order).
    TransmitStatus(u8),
    /// GS a n: automatic status back.
    AutoStatus(u8),
    /// A sequence outside the subset (the bytes, for diagnostics).
    Unknown(Vec<u8>),
}

#[derive(Debug, Default)]
pub struct Parser {
    buffer: Vec<u8>,
}

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;
const DLE: u8 = 0x10;

impl Parser {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    pub fn pending(&self) -> usize {
        self.buffer.len()
    }

    /// The next complete operation, or `None` until more bytes arrive.
    pub fn next_op(&mut self) -> Option<Op> {
        let (op, used) = parse_one(&self.buffer)?;
        self.buffer.drain(..used);
        Some(op)
    }
}

fn need(buf: &[u8], n: usize) -> Option<()> {
    (buf.len() >= n).then_some(())
}

/// Parses one operation from the start of `buf`: the op and the bytes it used.
fn parse_one(buf: &[u8]) -> Option<(Op, usize)> {
    let first = *buf.first()?;
    match first {
        0x0A => Some((Op::LineFeed, 1)),
        0x0D => Some((Op::CarriageReturn, 1)),
        ESC => parse_esc(buf),
        FS => parse_fs(buf),
        DLE => {
            need(buf, 2)?;
            if buf[1] == 0x04 {
                need(buf, 3)?;
                Some((Op::StatusRequest(buf[2]), 3))
            } else {
                Some((Op::Unknown(buf[..2].to_vec()), 2))
            }
        }
        GS => parse_gs(buf),
        b if b < 0x20 => Some((Op::Unknown(vec![b]), 1)),
        _ => {
            let end = buf.iter().position(|b| *b < 0x20).unwrap_or(buf.len());
            // A text run is complete only when a control byte follows (or it is long).
            if end == buf.len() && end < 4096 {
                return None;
            }
            Some((Op::Text(buf[..end].to_vec()), end))
        }
    }
}

/// `ESC …`: initialise, spacing, alignment, emphasis, feeds, code table.
fn parse_esc(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 2)?;
    match buf[1] {
        b'@' => Some((Op::Init, 2)),
        b'2' => Some((Op::LineSpacing(None), 2)),
        b'a' => need(buf, 3).map(|_| (Op::Align(buf[2] & 0x03), 3)),
        b'E' => need(buf, 3).map(|_| (Op::Bold(buf[2] & 1 == 1), 3)),
        b'3' => need(buf, 3).map(|_| (Op::LineSpacing(Some(buf[2])), 3)),
        b'd' => need(buf, 3).map(|_| (Op::FeedLines(buf[2]), 3)),
        b't' => need(buf, 3).map(|_| (Op::CodeTable(buf[2]), 3)),
        b'!' | b'-' | b'G' | b'M' | b'J' => need(buf, 3).map(|_| (Op::Unknown(buf[..3].to_vec()), 3)),
        _ => Some((Op::Unknown(buf[..2].to_vec()), 2)),
    }
}

/// `FS …`: the Chinese (double-byte) mode on and off.
fn parse_fs(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 2)?;
    match buf[1] {
        b'&' => Some((Op::Chinese(true), 2)),
        b'.' => Some((Op::Chinese(false), 2)),
        b'!' | b'W' => need(buf, 3).map(|_| (Op::Unknown(buf[..3].to_vec()), 3)),
        _ => Some((Op::Unknown(buf[..2].to_vec()), 2)),
    }
}

/// `GS …`: size, barcodes, status, cut, QR, raster.
fn parse_gs(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 2)?;
    match buf[1] {
        b'!' => need(buf, 3).map(|_| (Op::Size(buf[2]), 3)),
        b'H' => need(buf, 3).map(|_| (Op::BarcodeHri(buf[2]), 3)),
        b'h' => need(buf, 3).map(|_| (Op::BarcodeHeight(buf[2]), 3)),
        b'w' => need(buf, 3).map(|_| (Op::BarcodeWidth(buf[2]), 3)),
        b'r' => need(buf, 3).map(|_| (Op::TransmitStatus(buf[2]), 3)),
        b'a' => need(buf, 3).map(|_| (Op::AutoStatus(buf[2]), 3)),
        b'V' => parse_cut(buf),
        b'(' => parse_gs_paren(buf),
        b'v' => parse_raster(buf),
        b'k' => parse_barcode(buf),
        _ => Some((Op::Unknown(buf[..2].to_vec()), 2)),
    }
}

/// `GS V m [n]`: full or partial cut (function A or B).
fn parse_cut(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 3)?;
    match buf[2] {
        0 | 1 | 48 | 49 => Some((
            Op::Cut {
                partial: buf[2] & 1 == 1,
            },
            3,
        )),
        65 | 66 => need(buf, 4).map(|_| (Op::Cut { partial: buf[2] == 66 }, 4)),
        _ => Some((Op::Unknown(buf[..3].to_vec()), 3)),
    }
}

/// `GS ( k pL pH cn fn …`: a QR code function; other `GS (` commands are skipped whole.
fn parse_gs_paren(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 5)?;
    let len = usize::from(u16::from_le_bytes([buf[3], buf[4]]));
    need(buf, 5 + len)?;
    if buf[2] == b'k' && len >= 2 && buf[5] == 49 {
        Some((
            Op::Qr {
                function: buf[6],
                params: buf[7..5 + len].to_vec(),
            },
            5 + len,
        ))
    } else {
        Some((Op::Unknown(buf[..5 + len].to_vec()), 5 + len))
    }
}

/// `GS v 0 m xL xH yL yH d…`: a raster bit image.
fn parse_raster(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 8)?;
    if buf[2] != b'0' {
        return Some((Op::Unknown(buf[..3].to_vec()), 3));
    }
    let width_bytes = u16::from_le_bytes([buf[4], buf[5]]);
    let rows = u16::from_le_bytes([buf[6], buf[7]]);
    let len = usize::from(width_bytes) * usize::from(rows);
    need(buf, 8 + len)?;
    Some((
        Op::Raster {
            width_bytes,
            rows,
            data: buf[8..8 + len].to_vec(),
        },
        8 + len,
    ))
}

/// `GS k m …`: a barcode, function B (length-prefixed) or A (NUL-terminated).
fn parse_barcode(buf: &[u8]) -> Option<(Op, usize)> {
    need(buf, 3)?;
    let system = buf[2];
    if system >= 65 {
        need(buf, 4)?;
        let len = usize::from(buf[3]);
        need(buf, 4 + len)?;
        Some((
            Op::Barcode {
                system,
                data: buf[4..4 + len].to_vec(),
            },
            4 + len,
        ))
    } else {
        let end = buf[3..].iter().position(|b| *b == 0)?;
        Some((
            Op::Barcode {
                system,
                data: buf[3..3 + end].to_vec(),
            },
            4 + end,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_receipt_prefix_in_any_chunks() {
        let mut bytes = vec![0x1B, 0x40, 0x1C, 0x26, 0x1B, 0x61, 0x01];
        bytes.extend(encoding_rs::GB18030.encode("受理回执").0.iter());
        bytes.push(0x0A);
        bytes.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]);
        bytes.extend([0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0xFF, 0x00]);
        bytes.extend([0x10, 0x04, 0x04, 0x1D, 0x56, 0x42, 0x00]);
        let expected = vec![
            Op::Init,
            Op::Chinese(true),
            Op::Align(1),
            Op::Text(encoding_rs::GB18030.encode("受理回执").0.to_vec()),
            Op::LineFeed,
            Op::Qr {
                function: 0x43,
                params: vec![6],
            },
            Op::Raster {
                width_bytes: 1,
                rows: 2,
                data: vec![0xFF, 0x00],
            },
            Op::StatusRequest(4),
            Op::Cut { partial: true },
        ];
        for chunk in [1, 3, 7, 100] {
            let mut parser = Parser::default();
            let mut ops = Vec::new();
            for piece in bytes.chunks(chunk) {
                parser.push(piece);
                while let Some(op) = parser.next_op() {
                    ops.push(op);
                }
            }
            assert_eq!(ops, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn unknown_sequences_are_reported() {
        let mut parser = Parser::default();
        parser.push(&[0x1B, 0x7A, 0x07, 0x0A]);
        assert_eq!(parser.next_op(), Some(Op::Unknown(vec![0x1B, 0x7A])));
        assert_eq!(parser.next_op(), Some(Op::Unknown(vec![0x07])));
        assert_eq!(parser.next_op(), Some(Op::LineFeed));
    }
}
