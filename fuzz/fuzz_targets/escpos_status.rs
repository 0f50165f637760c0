//! Fuzz target: the ESC/POS status path. The first byte picks a chunk size; the rest is fed
//! (1) as reply bytes to the production status reader, `EscPosPrinter::status`, which
//! must skip everything that is not a DLE EOT reply and build the status from the four it
//! accepts, and (2) in chunks through the streaming command parser that answers status
//! requests in the simulated printer. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io;
use std::time::Duration;
use township_kiosk::devices::printer::escpos_parse::Parser;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::printer::status::{from_lp_status, is_reply, PrinterStatus};
use township_kiosk::devices::printer::transport::PrinterTransport;
use township_kiosk::devices::printer::{EscPosPrinter, ReceiptPrinter};

/// A printer line that answers with the fuzz bytes, then times out.
struct Replies {
    bytes: Vec<u8>,
    at: usize,
}

impl PrinterTransport for Replies {
    fn describe(&self) -> String {
        "fuzz replies".into()
    }
    fn write_all(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn read_some(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        let left = &self.bytes[self.at.min(self.bytes.len())..];
        if left.is_empty() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let n = buf.len().min(left.len());
        buf[..n].copy_from_slice(&left[..n]);
        self.at += n;
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else { return };

    let transport = Replies {
        bytes: rest.to_vec(),
        at: 0,
    };
    let mut printer = EscPosPrinter::new(Box::new(transport), profile("generic-80mm").expect("embedded profile"));
    if let Ok(Some(status)) = printer.status() {
        let replies: Vec<u8> = rest.iter().copied().filter(|b| is_reply(*b)).take(4).collect();
        assert_eq!(
            status,
            PrinterStatus::from_replies(replies[0], replies[1], replies[2], replies[3]),
            "the status is not the one its first four replies give"
        );
        let [a, b, c, d] = status.replies();
        assert_eq!(PrinterStatus::from_replies(a, b, c, d), status);
        let _ = (status.summary(), status.blocking_problem());
    }
    if let Some(word) = rest.get(..4) {
        let _ = from_lp_status(i32::from_le_bytes([word[0], word[1], word[2], word[3]])).summary();
    }

    let mut parser = Parser::default();
    for piece in rest.chunks(usize::from(chunk % 32) + 1) {
        parser.push(piece);
        while parser.next_op().is_some() {}
    }
});
