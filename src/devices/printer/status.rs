//! Real-time printer status: DLE EOT n (`10 04 n`, no trailing byte — the `escpos` crate's
//! extra 00 would be taken as data) and the reply bytes (pattern 0xx1xx10), mapped to what
//! the kiosk does: print, print with a warning, or hold the receipt and show its QR.

use crate::devices::DeviceErrorKind;
use serde::Serialize;

pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// A valid DLE EOT reply has bit 4 set, bits 0 and 7 clear, bit 1 set.
pub fn is_reply(byte: u8) -> bool {
    byte & 0x93 == 0x12
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrinterStatus {
    pub online: bool,
    pub cover_open: bool,
    pub paper_near_end: bool,
    pub paper_end: bool,
    pub cutter_error: bool,
    pub unrecoverable_error: bool,
}

impl PrinterStatus {
    pub const OK: PrinterStatus = PrinterStatus {
        online: true,
        cover_open: false,
        paper_near_end: false,
        paper_end: false,
        cutter_error: false,
        unrecoverable_error: false,
    };

    /// Builds the status from the replies to DLE EOT 1, 2, 3 and 4.
    pub fn from_replies(printer: u8, offline: u8, error: u8, paper: u8) -> PrinterStatus {
        PrinterStatus {
            online: printer & 0x08 == 0,
            cover_open: offline & 0x04 != 0,
            paper_end: offline & 0x20 != 0 || paper & 0x60 != 0,
            paper_near_end: paper & 0x0C != 0,
            cutter_error: error & 0x08 != 0,
            unrecoverable_error: error & 0x20 != 0,
        }
    }

    /// The replies a printer in this state gives to DLE EOT 1..4 (the simulator's side).
    pub fn replies(&self) -> [u8; 4] {
        let mut printer = 0x12;
        if !self.online {
            printer |= 0x08;
        }
        let mut offline = 0x12;
        if self.cover_open {
            offline |= 0x04;
        }
        if self.paper_end {
            offline |= 0x20;
        }
        if self.cover_open || self.paper_end || self.cutter_error || self.unrecoverable_error {
            offline |= 0x40;
        }
        let mut error = 0x12;
        if self.cutter_error {
            error |= 0x08;
        }
        if self.unrecoverable_error {
            error |= 0x20;
        }
        let mut paper = 0x12;
        if self.paper_near_end {
            paper |= 0x0C;
        }
        if self.paper_end {
            paper |= 0x60;
        }
        [printer, offline, error, paper]
    }

    /// Why this printer must not be sent a receipt now, if it must not.
    pub fn blocking_problem(&self) -> Option<DeviceErrorKind> {
        if self.paper_end {
            Some(DeviceErrorKind::PaperOut)
        } else if self.cover_open {
            Some(DeviceErrorKind::CoverOpen)
        } else if self.cutter_error || self.unrecoverable_error {
            Some(DeviceErrorKind::Refused)
        } else if !self.online {
            Some(DeviceErrorKind::NotConnected)
        } else {
            None
        }
    }

    /// Short words for status output (no personal data exists here anyway).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        parts.push(if self.online { "online" } else { "offline" });
        if self.cover_open {
            parts.push("cover open");
        }
        if self.paper_end {
            parts.push("paper out");
        } else if self.paper_near_end {
            parts.push("paper near end");
        }
        if self.cutter_error {
            parts.push("cutter error");
        }
        if self.unrecoverable_error {
            parts.push("unrecoverable error");
        }
        parts.join(", ")
    }
}

/// Status from the Linux usblp `LPGETSTATUS` ioctl bits.
pub fn from_lp_status(bits: i32) -> PrinterStatus {
    const LP_PERRORP: i32 = 0x08;
    const LP_PSELECD: i32 = 0x10;
    const LP_POUTPA: i32 = 0x20;
    PrinterStatus {
        online: bits & LP_PSELECD != 0,
        paper_end: bits & LP_POUTPA != 0,
        unrecoverable_error: bits & LP_PERRORP == 0 && bits & LP_POUTPA == 0,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_replies() {
        assert_eq!(request(4), [0x10, 0x04, 0x04]);
        // All OK is 0x12 everywhere.
        assert_eq!(PrinterStatus::from_replies(0x12, 0x12, 0x12, 0x12), PrinterStatus::OK);
        // Paper out reads 0x7E on DLE EOT 4.
        let out = PrinterStatus::from_replies(0x12, 0x12, 0x12, 0x7E);
        assert!(out.paper_end && out.paper_near_end);
        assert_eq!(out.blocking_problem(), Some(DeviceErrorKind::PaperOut));
        let near = PrinterStatus::from_replies(0x12, 0x12, 0x12, 0x1E);
        assert!(near.paper_near_end && !near.paper_end);
        assert_eq!(near.blocking_problem(), None);
        let cover = PrinterStatus::from_replies(0x1A, 0x56, 0x12, 0x12);
        assert_eq!((cover.online, cover.cover_open), (false, true));
        assert_eq!(cover.blocking_problem(), Some(DeviceErrorKind::CoverOpen));
        assert!(is_reply(0x12) && is_reply(0x7E) && !is_reply(0x00) && !is_reply(0xFF));
    }

    #[test]
    fn replies_round_trip() {
        for status in [
            PrinterStatus::OK,
            PrinterStatus {
                paper_near_end: true,
                ..PrinterStatus::OK
            },
            PrinterStatus {
                paper_end: true,
                paper_near_end: true,
                ..PrinterStatus::OK
            },
            PrinterStatus {
                cover_open: true,
                ..PrinterStatus::OK
            },
            PrinterStatus {
                online: false,
                ..PrinterStatus::OK
            },
            PrinterStatus {
                cutter_error: true,
                ..PrinterStatus::OK
            },
        ] {
            let [a, b, c, d] = status.replies();
            assert!([a, b, c, d].iter().all(|r| is_reply(*r)));
            assert_eq!(PrinterStatus::from_replies(a, b, c, d), status);
        }
    }

    #[test]
    fn usblp_bits() {
        assert_eq!(from_lp_status(0x18).blocking_problem(), None);
        assert_eq!(from_lp_status(0x38).blocking_problem(), Some(DeviceErrorKind::PaperOut));
        assert_eq!(
            from_lp_status(0x08).blocking_problem(),
            Some(DeviceErrorKind::NotConnected)
        );
    }
}
