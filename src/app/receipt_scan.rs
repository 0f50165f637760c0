//! 查询进度 by holding the receipt's QR code under the document camera: the newest preview
//! frame is decoded off the UI thread, one frame at a time (the next once the last is done),
//! and a receipt's progress URL found in it gives the receipt number to look up with its
//! token: the central checks the token (it keeps its hash), so the QR code is the proof
//! that the person holding the receipt may see the case.

use super::report::Reporter;
use crate::devices::camera::PreviewFrame;
use crate::domain::receipt::{ProgressToken, ReceiptNumber};
use std::sync::Arc;

/// A decoded frame, reported to the app.
#[derive(Debug)]
pub struct ScanDone {
    pub generation: u64,
    /// The receipt found, if a frame held one.
    pub found: Option<Scanned>,
}

/// What a receipt's QR code holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scanned {
    pub number: ReceiptNumber,
    /// The progress token (`?t=`), when the code has one.
    pub token: Option<ProgressToken>,
}

#[derive(Default)]
pub struct ReceiptScanner {
    inbox: Option<Reporter<ScanDone>>,
    busy: bool,
    last_sequence: u64,
    generation: u64,
}

impl ReceiptScanner {
    pub fn new(inbox: Option<Reporter<ScanDone>>) -> ReceiptScanner {
        ReceiptScanner {
            inbox,
            ..Default::default()
        }
    }

    /// Decodes `frame` on a thread of its own, unless one is being decoded or it was seen.
    pub fn offer(&mut self, frame: Option<Arc<PreviewFrame>>) {
        let (Some(frame), Some(inbox)) = (frame, self.inbox.clone()) else {
            return;
        };
        if self.busy || frame.sequence == self.last_sequence {
            return;
        }
        self.busy = true;
        self.last_sequence = frame.sequence;
        let generation = self.generation;
        let spawned = std::thread::Builder::new().name("qr-scan".into()).spawn(move || {
            let found = decode(&frame).iter().find_map(|text| scanned_in(text));
            inbox.report(ScanDone { generation, found });
        });
        if spawned.is_err() {
            self.busy = false;
        }
    }

    /// A decoded frame came back; the receipt, if it is this page's.
    pub fn finished(&mut self, done: ScanDone) -> Option<Scanned> {
        if done.generation != self.generation {
            return None;
        }
        self.busy = false;
        done.found
    }

    /// Stop listening to decodes under way (the page closed or the number was used).
    pub fn reset(&mut self) {
        self.generation += 1;
        self.busy = false;
    }
}

/// Every QR code's text in the frame.
pub fn decode(frame: &PreviewFrame) -> Vec<String> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if frame.rgba.len() < w * h * 4 {
        return Vec::new();
    }
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * 4;
        let (r, g, b) = (
            u32::from(frame.rgba[i]),
            u32::from(frame.rgba[i + 1]),
            u32::from(frame.rgba[i + 2]),
        );
        ((r * 30 + g * 59 + b * 11) / 100) as u8
    });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

/// The receipt number and token in a receipt's progress URL (`…/progress/<NUMBER>?t=…`), or
/// the number of a code that holds just the number.
pub fn scanned_in(text: &str) -> Option<Scanned> {
    let number = receipt_in(text)?;
    let token = text
        .split_once("?t=")
        .and_then(|(_, rest)| ProgressToken::new(rest.split(['&', '#']).next().unwrap_or_default()));
    Some(Scanned { number, token })
}

/// The receipt number in a receipt's progress URL (`…/progress/<NUMBER>?t=…`), or in a code
/// that holds just the number.
pub fn receipt_in(text: &str) -> Option<ReceiptNumber> {
    let candidate = match text.split_once("/progress/") {
        Some((_, rest)) => rest.split(['?', '#', '/']).next().unwrap_or_default(),
        None => text.trim(),
    };
    ReceiptNumber::parse(candidate).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Date;

    fn number() -> ReceiptNumber {
        ReceiptNumber::issue("DEV1", Date::parse("2026-11-26").unwrap(), 1).unwrap()
    }

    /// A preview-sized frame with `text` as a QR code in the middle, as the camera sees a
    /// receipt held under it.
    fn frame_with(text: &str) -> PreviewFrame {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let modules = code.width();
        let colors = code.to_colors();
        let (w, h, scale) = (640usize, 480usize, 8usize);
        let (x0, y0) = ((w - modules * scale) / 2, (h - modules * scale) / 2);
        let mut rgba = vec![235u8; w * h * 4];
        for y in 0..modules * scale {
            for x in 0..modules * scale {
                if colors[(y / scale) * modules + x / scale] == qrcode::Color::Dark {
                    let i = ((y0 + y) * w + x0 + x) * 4;
                    rgba[i..i + 3].copy_from_slice(&[20, 20, 20]);
                }
            }
        }
        PreviewFrame {
            sequence: 1,
            width: w as u32,
            height: h as u32,
            rgba,
        }
    }

    #[test]
    fn the_number_is_read_from_a_receipts_progress_url() {
        let url = format!(
            "https://zwfw.example.gov.cn/progress/{}?t=0123456789abcdef0123456789abcdef",
            number()
        );
        assert_eq!(receipt_in(&url), Some(number()));
        let scanned = scanned_in(&url).unwrap();
        assert_eq!(
            (scanned.number, scanned.token.unwrap().as_str()),
            (number(), "0123456789abcdef0123456789abcdef"),
            "the token comes with the number: it is the proof"
        );
        assert_eq!(
            scanned_in(number().as_str()).unwrap().token,
            None,
            "a bare number has no proof"
        );
        assert_eq!(receipt_in(number().as_str()), Some(number()));
        assert_eq!(receipt_in("https://example.com/progress/NOT-A-NUMBER?t=1"), None);
        assert_eq!(
            receipt_in("township-booking://B7K2Q9"),
            None,
            "a booking slip is not a receipt"
        );
    }

    #[test]
    fn a_frame_with_the_receipts_code_gives_its_number() {
        let url = format!(
            "https://zwfw.example.gov.cn/progress/{}?t=0123456789abcdef0123456789abcdef",
            number()
        );
        let frame = frame_with(&url);
        assert_eq!(decode(&frame), vec![url]);
        let blank = PreviewFrame {
            rgba: vec![235; 640 * 480 * 4],
            ..frame_with("x")
        };
        assert!(decode(&blank).is_empty());
    }

    #[test]
    fn the_scanner_decodes_one_frame_at_a_time_and_drops_stale_answers() {
        use crate::app::inbox::Inbound;
        let (inbox, receiver) = crate::app::inbox::channel();
        let mut scanner = ReceiptScanner::new(Some(inbox.reporter(Inbound::Scan)));
        let url = format!(
            "https://zwfw.example.gov.cn/progress/{}?t=0123456789abcdef0123456789abcdef",
            number()
        );
        let frame = Arc::new(frame_with(&url));
        scanner.offer(Some(frame.clone()));
        scanner.offer(Some(frame.clone())); // busy: not decoded twice
        let Some(Inbound::Scan(done)) = receiver.wait(std::time::Duration::from_secs(30)) else {
            panic!("no scan");
        };
        assert_eq!(scanner.finished(done).map(|s| s.number), Some(number()));
        scanner.offer(Some(frame.clone()));
        assert!(
            receiver.wait(std::time::Duration::from_millis(300)).is_none(),
            "a frame is decoded once"
        );
        scanner.reset();
        scanner.offer(Some(Arc::new(PreviewFrame {
            sequence: 2,
            ..frame_with(&url)
        })));
        let Some(Inbound::Scan(done)) = receiver.wait(std::time::Duration::from_secs(30)) else {
            panic!("no scan");
        };
        scanner.reset();
        assert_eq!(scanner.finished(done), None, "the page was left meanwhile");
    }
}
