//! Thermal paper: applies parsed ESC/POS operations to a growing bitmap, as a printer
//! would, and reports what it could not print. The simulated printer uses it to render
//! what it received; `kiosk receipt render` uses it on the encoder's own bytes, so the
//! preview is what the printer shows.

use super::escpos_parse::{Op, Parser};
use super::font::{ReceiptFont, CELL_HEIGHT, CELL_WIDTH};
use super::layout::Align;
use super::raster::{qr_bitmap, Bitmap};
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaperReport {
    pub text_lines: usize,
    pub raster_bands: usize,
    pub qr_codes: usize,
    pub barcodes: usize,
    pub cuts: usize,
    /// Characters that came out as garbage (undecodable bytes, or Chinese without FS &).
    pub garbage_chars: usize,
    pub unknown_commands: Vec<Vec<u8>>,
    /// Operations received while the printer was stopped (paper out, cover open, offline).
    pub discarded_ops: usize,
}

pub struct Paper {
    width: u32,
    bitmap: Bitmap,
    y: u32,
    font: Option<Arc<ReceiptFont>>,
    parser: Parser,
    line: Vec<u8>,
    align: Align,
    bold: bool,
    scale: (u32, u32),
    chinese: bool,
    line_spacing: u32,
    qr_module: u32,
    qr_level: qrcode::EcLevel,
    qr_data: Vec<u8>,
    barcode_height: u32,
    barcode_module: u32,
    barcode_hri: u8,
    /// A stopped printer (paper out, cover open, offline) answers status but prints nothing.
    pub stopped: bool,
    pub report: PaperReport,
}

const DEFAULT_LINE_SPACING: u32 = 30;

impl Paper {
    pub fn new(width: u32, font: Option<Arc<ReceiptFont>>) -> Paper {
        Paper {
            width,
            bitmap: Bitmap::new(width, 0),
            y: 0,
            font,
            parser: Parser::default(),
            line: Vec::new(),
            align: Align::Left,
            bold: false,
            scale: (1, 1),
            chinese: false,
            line_spacing: DEFAULT_LINE_SPACING,
            qr_module: 3,
            qr_level: qrcode::EcLevel::L,
            qr_data: Vec::new(),
            barcode_height: 162,
            barcode_module: 3,
            barcode_hri: 0,
            stopped: false,
            report: PaperReport::default(),
        }
    }

    /// Feeds received bytes; returns the status requests found, in order (the caller
    /// answers them).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Op> {
        self.parser.push(bytes);
        let mut requests = Vec::new();
        while let Some(op) = self.parser.next_op() {
            match op {
                Op::StatusRequest(_) | Op::TransmitStatus(_) | Op::AutoStatus(_) => requests.push(op),
                _ if self.stopped => self.report.discarded_ops += 1,
                op => self.apply(op),
            }
        }
        requests
    }

    /// True when the paper holds anything.
    pub fn is_blank(&self) -> bool {
        self.y == 0 && self.line.is_empty()
    }

    /// Tears the paper off: the printed bitmap, trimmed to what was used, and the report.
    pub fn tear_with_report(&mut self) -> (Bitmap, PaperReport) {
        let bitmap = self.tear();
        (bitmap, std::mem::take(&mut self.report))
    }

    /// Cuts seen since the last tear (a finished receipt is waiting).
    pub fn cut_pending(&self) -> bool {
        self.report.cuts > 0
    }

    /// Tears the paper off: the printed bitmap, trimmed to what was used.
    pub fn tear(&mut self) -> Bitmap {
        self.flush_line(false);
        let mut out = std::mem::replace(&mut self.bitmap, Bitmap::new(self.width, 0));
        out.grow_to(self.y);
        out.dots.truncate((out.width * self.y) as usize);
        out.height = self.y;
        self.y = 0;
        out
    }

    fn place(&mut self, image: &Bitmap) {
        let x = match self.align {
            Align::Left => 0,
            Align::Center => self.width.saturating_sub(image.width) / 2,
            Align::Right => self.width.saturating_sub(image.width),
        };
        self.bitmap.grow_to(self.y + image.height);
        self.bitmap.blit(image, x, self.y);
        self.y += image.height;
    }

    fn advance(&mut self, dots: u32) {
        self.y += dots;
        self.bitmap.grow_to(self.y);
    }

    fn flush_line(&mut self, feed: bool) {
        if self.line.is_empty() {
            if feed {
                self.advance(self.line_spacing.max(CELL_HEIGHT * self.scale.1));
            }
            return;
        }
        let bytes = std::mem::take(&mut self.line);
        let text = self.decode(&bytes);
        let scale = self.scale.0.max(self.scale.1);
        let image = match &self.font {
            Some(font) => font.draw_line(&text, scale, self.bold),
            None => boxes(&text, scale),
        };
        let top = self.y;
        self.place(&image);
        self.y = top + (CELL_HEIGHT * self.scale.1).max(self.line_spacing).max(image.height);
        self.bitmap.grow_to(self.y);
        self.report.text_lines += 1;
    }

    fn decode(&mut self, bytes: &[u8]) -> String {
        if self.chinese {
            let (text, _, errors) = encoding_rs::GB18030.decode(bytes);
            if errors {
                self.report.garbage_chars += text.chars().filter(|c| *c == '\u{FFFD}').count();
            }
            text.into_owned()
        } else {
            bytes
                .iter()
                .map(|b| {
                    if b.is_ascii() {
                        *b as char
                    } else {
                        // Without FS & a printer shows code-page glyphs: garbage for Chinese.
                        self.report.garbage_chars += 1;
                        '▒'
                    }
                })
                .collect()
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Text(bytes) => self.line.extend(bytes),
            Op::LineFeed => self.flush_line(true),
            Op::CarriageReturn | Op::CodeTable(_) => {}
            Op::Init => {
                self.flush_line(false);
                self.align = Align::Left;
                self.bold = false;
                self.scale = (1, 1);
                self.chinese = false;
                self.line_spacing = DEFAULT_LINE_SPACING;
            }
            Op::Align(n) => {
                self.align = match n {
                    1 => Align::Center,
                    2 => Align::Right,
                    _ => Align::Left,
                }
            }
            Op::Bold(on) => self.bold = on,
            Op::Size(n) => self.scale = (u32::from(n >> 4) + 1, u32::from(n & 0x0F) + 1),
            Op::Chinese(on) => self.chinese = on,
            Op::LineSpacing(n) => self.line_spacing = n.map_or(DEFAULT_LINE_SPACING, u32::from),
            Op::FeedLines(n) => {
                self.flush_line(false);
                self.advance(self.line_spacing * u32::from(n));
            }
            Op::Qr { function, params } => self.qr(function, &params),
            Op::Raster {
                width_bytes,
                rows,
                data,
            } => {
                self.flush_line(false);
                let mut image = Bitmap::new(u32::from(width_bytes) * 8, u32::from(rows));
                for (i, byte) in data.iter().enumerate() {
                    for bit in 0..8 {
                        if byte & (0x80 >> bit) != 0 {
                            let x = (i % usize::from(width_bytes)) as u32 * 8 + bit;
                            image.set(x, (i / usize::from(width_bytes)) as u32, true);
                        }
                    }
                }
                self.place(&image);
                self.report.raster_bands += 1;
            }
            Op::Barcode { system, data } => self.barcode(system, &data),
            Op::BarcodeHri(n) => self.barcode_hri = n,
            Op::BarcodeHeight(n) => self.barcode_height = u32::from(n),
            Op::BarcodeWidth(n) => self.barcode_module = u32::from(n),
            Op::Cut { .. } => {
                self.flush_line(false);
                self.report.cuts += 1;
            }
            Op::Unknown(bytes) => self.report.unknown_commands.push(bytes),
            Op::StatusRequest(_) | Op::TransmitStatus(_) | Op::AutoStatus(_) => {}
        }
    }

    fn qr(&mut self, function: u8, params: &[u8]) {
        match (function, params) {
            (0x41, _) => {}
            (0x43, [n]) => self.qr_module = u32::from(*n).clamp(1, 16),
            (0x45, [n]) => {
                self.qr_level = match n {
                    48 => qrcode::EcLevel::L,
                    49 => qrcode::EcLevel::M,
                    50 => qrcode::EcLevel::Q,
                    _ => qrcode::EcLevel::H,
                }
            }
            (0x50, [0x30, data @ ..]) => self.qr_data = data.to_vec(),
            (0x51, _) => {
                self.flush_line(false);
                let payload = String::from_utf8_lossy(&self.qr_data).into_owned();
                if let Ok(image) = qr_bitmap(&payload, self.qr_module, self.qr_level) {
                    self.place(&image);
                    self.report.qr_codes += 1;
                }
            }
            _ => self
                .report
                .unknown_commands
                .push([&[0x1D, 0x28, 0x6B, function], params].concat()),
        }
    }

    fn barcode(&mut self, system: u8, data: &[u8]) {
        self.flush_line(false);
        // CODE128 data starts with the code set selector `{B`.
        let text = match (system, data) {
            (73, [b'{', b'B', rest @ ..]) => String::from_utf8_lossy(rest).into_owned(),
            _ => {
                self.report
                    .unknown_commands
                    .push([&[0x1D, 0x6B, system], data].concat());
                return;
            }
        };
        let Ok(code) = barcoders::sym::code128::Code128::new(format!("Ɓ{text}")) else {
            self.report.unknown_commands.push(data.to_vec());
            return;
        };
        let modules = code.encode();
        let module = self.barcode_module.max(1);
        let mut image = Bitmap::new(modules.len() as u32 * module, self.barcode_height.max(1));
        for (i, m) in modules.iter().enumerate() {
            if *m == 1 {
                image.fill_rect(i as u32 * module, 0, module, self.barcode_height);
            }
        }
        self.place(&image);
        if self.barcode_hri == 2 {
            let hri = match &self.font {
                Some(font) => font.draw_line(&text, 1, false),
                None => boxes(&text, 1),
            };
            self.place(&hri);
        }
        self.report.barcodes += 1;
    }
}

/// Placeholder cells when no font is available (the simulator still shows the layout).
fn boxes(text: &str, scale: u32) -> Bitmap {
    let cells: u32 = text.chars().map(|c| super::layout::char_width(c).max(1) as u32).sum();
    let mut image = Bitmap::new((cells * CELL_WIDTH * scale).max(1), CELL_HEIGHT * scale);
    let mut x = 0;
    for c in text.chars() {
        let w = super::layout::char_width(c).max(1) as u32 * CELL_WIDTH * scale;
        if c != ' ' {
            image.fill_rect(x + 2, 4 * scale, w - 4, 2);
            image.fill_rect(x + 2, CELL_HEIGHT * scale - 6, w - 4, 2);
        }
        x += w;
    }
    image
}
