//! Layout → ESC/POS bytes for one printer profile.
//!
//! The `escpos` crate does what it does correctly: ESC @, alignment, bold, GS ! size,
//! GB18030 text through its encoder, ESC d feeds and the native QR sequence when model and
//! level are given explicitly. Everything it gets wrong is written here, with the reason:
//! * Chinese mode (FS &) — the crate has none; without it 2-byte codes print as Latin garbage.
//! * LF instead of the crate's `writeln` (ESC d 1), which some printers and emulators mishandle.
//! * The cut: the crate's `partial_cut` sends a FULL cut (GS V A); we send GS V B 0 / GS V A 0.
//! * Raster images: the crate prefixes CAN, thresholds without bands; we send GS v 0 in bands.
//! * CODE128: the crate has none; we send GS k 73 with the {B code-set prefix.
//! * Status (DLE EOT): the crate appends a stray 00; see `status.rs`.
//!
//! Lines with a character the printer's font cannot print go out as a raster image.

use super::font::{ReceiptFont, CELL_HEIGHT};
use super::layout::{Align, Laid, ReceiptLayout, TextLine};
use super::profile::{Cut, PrinterProfile, QrSupport};
use super::raster::{qr_bitmap, Bitmap};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use std::sync::{Arc, Mutex};

pub const FS_CHINESE_ON: [u8; 2] = [0x1C, 0x26];
pub const CUT_PARTIAL: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];
pub const CUT_FULL: [u8; 4] = [0x1D, 0x56, 0x41, 0x00];
/// Line spacing used for text lines (dots): 24-dot characters plus 6 dots of leading.
pub const LINE_SPACING: u8 = 30;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("escpos: {0}")]
    Escpos(String),
    #[error("QR code: {0}")]
    Qr(String),
}

impl From<escpos::errors::PrinterError> for EncodeError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        EncodeError::Escpos(e.to_string())
    }
}

/// Collects what the `escpos` printer writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Options beyond the profile.
#[derive(Clone, Copy, Debug, Default)]
pub struct EncodeOptions {
    /// Send every text line as an image (for printers without a Chinese font).
    pub raster_all_text: bool,
}

/// What the encoder did, for diagnostics and the benchmark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodeReport {
    pub text_lines: usize,
    pub raster_lines: usize,
    /// Characters replaced because neither the printer nor a font could draw them.
    pub replaced_chars: usize,
}

fn justify(align: Align) -> JustifyMode {
    match align {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// Places a line bitmap on a full-width canvas according to its alignment.
fn aligned(bitmap: &Bitmap, width: u32, align: Align) -> Bitmap {
    let mut canvas = Bitmap::new(width, bitmap.height);
    let x = match align {
        Align::Left => 0,
        Align::Center => width.saturating_sub(bitmap.width) / 2,
        Align::Right => width.saturating_sub(bitmap.width),
    };
    canvas.blit(bitmap, x, 0);
    canvas
}

pub fn encode(
    layout: &ReceiptLayout,
    profile: &PrinterProfile,
    font: Option<&ReceiptFont>,
    options: EncodeOptions,
) -> Result<(Vec<u8>, EncodeReport), EncodeError> {
    let capture = Capture::default();
    let protocol = Protocol::new(escpos::utils::Encoder::new(encoding_rs::GB18030));
    let mut p = Printer::new(capture.clone(), protocol, None);
    let mut report = EncodeReport::default();
    p.init()?;
    if profile.chinese_mode {
        p.custom(&FS_CHINESE_ON)?;
    }
    p.line_spacing(LINE_SPACING)?;
    let mut ctx = Ctx {
        profile,
        font,
        options,
        align: None,
    };
    for laid in layout.lines(profile.columns()) {
        match laid {
            Laid::Text(line) => text_line(&mut p, &line, &mut ctx, &mut report)?,
            Laid::Qr { payload, module } => {
                set_align(&mut p, &mut ctx.align, Align::Center)?;
                match profile.qr {
                    QrSupport::Native => {
                        p.qrcode_option(
                            &payload,
                            QRCodeOption::new(QRCodeModel::Model2, module, QRCodeCorrectionLevel::M),
                        )?;
                    }
                    QrSupport::Image => {
                        let qr = qr_bitmap(&payload, u32::from(module), qrcode::EcLevel::M)
                            .map_err(|e| EncodeError::Qr(e.to_string()))?;
                        p.custom(&aligned(&qr, profile.dots_per_line, Align::Center).to_gs_v0(profile.band_rows))?;
                    }
                }
                p.custom(&[0x0A])?;
            }
            Laid::Barcode(data) => {
                // A barcode wider than the paper is silently dropped by printers: use the
                // widest module (2 or 1 dots) that fits, or leave the barcode out.
                let modules = barcoders::sym::code128::Code128::new(format!("Ɓ{data}"))
                    .map(|c| c.encode().len() as u32)
                    .unwrap_or(u32::MAX);
                let module = [2u32, 1]
                    .into_iter()
                    .find(|m| modules.saturating_mul(*m) <= profile.dots_per_line);
                if let (true, true, Some(module)) = (profile.code128, data.is_ascii() && data.len() < 250, module) {
                    set_align(&mut p, &mut ctx.align, Align::Center)?;
                    // HRI below (GS H 2), height 60 dots (GS h), module width (GS w).
                    p.custom(&[0x1D, 0x48, 0x02, 0x1D, 0x68, 60, 0x1D, 0x77, module as u8])?;
                    let mut cmd = vec![0x1D, 0x6B, 73, (data.len() + 2) as u8, b'{', b'B'];
                    cmd.extend_from_slice(data.as_bytes());
                    p.custom(&cmd)?;
                    p.custom(&[0x0A])?;
                }
            }
            Laid::Feed(n) => {
                p.feeds(n)?;
            }
        }
    }
    set_align(&mut p, &mut ctx.align, Align::Left)?;
    match profile.cut {
        Cut::Partial => p.custom(&CUT_PARTIAL)?,
        Cut::Full => p.custom(&CUT_FULL)?,
        // No cutter: feed the receipt past the tear bar.
        Cut::None => p.feeds(4)?,
    };
    p.print()?;
    let bytes = capture.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok((bytes, report))
}

/// Sends ESC a only when the alignment changes (3 bytes a line add up on a 4 KiB budget).
fn set_align(p: &mut Printer<Capture>, current: &mut Option<Align>, align: Align) -> Result<(), EncodeError> {
    if *current != Some(align) {
        p.justify(justify(align))?;
        *current = Some(align);
    }
    Ok(())
}

struct Ctx<'a> {
    profile: &'a PrinterProfile,
    font: Option<&'a ReceiptFont>,
    options: EncodeOptions,
    align: Option<Align>,
}

fn text_line(
    p: &mut Printer<Capture>,
    line: &TextLine,
    ctx: &mut Ctx<'_>,
    report: &mut EncodeReport,
) -> Result<(), EncodeError> {
    let (profile, font, options) = (ctx.profile, ctx.font, ctx.options);
    set_align(p, &mut ctx.align, line.align)?;
    let printable = line.text.chars().all(|c| profile.can_print(c));
    let drawable = |font: &ReceiptFont| line.text.chars().all(|c| c.is_ascii() || font.has_glyph(c));
    match font {
        Some(font) if (!printable || options.raster_all_text) && drawable(font) => {
            let bitmap = font.draw_line(&line.text, u32::from(line.scale), line.bold);
            let mut canvas = aligned(&bitmap, profile.dots_per_line, line.align);
            // Keep the same vertical rhythm as a text line.
            canvas.grow_to(CELL_HEIGHT * u32::from(line.scale) + u32::from(LINE_SPACING - CELL_HEIGHT as u8));
            p.custom(&canvas.to_gs_v0(profile.band_rows))?;
            report.raster_lines += 1;
        }
        _ => {
            // No font able to draw it: replace what cannot print rather than print garbage.
            let text: String = line
                .text
                .chars()
                .map(|c| {
                    if profile.can_print(c) {
                        c
                    } else {
                        report.replaced_chars += 1;
                        '□'
                    }
                })
                .collect();
            let size = line.scale;
            if line.bold {
                p.bold(true)?;
            }
            if size != 1 {
                p.size(size, size)?;
            }
            p.write(&text)?;
            p.custom(&[0x0A])?;
            if size != 1 {
                p.reset_size()?;
            }
            if line.bold {
                p.bold(false)?;
            }
            report.text_lines += 1;
        }
    }
    Ok(())
}
