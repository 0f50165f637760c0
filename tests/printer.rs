//! The receipt printer end to end: encoder golden bytes, the production EscPosPrinter over
//! a serial pty and TCP against the simulated printer, status faults changing behaviour,
//! print intents and the reprint queue, and QR codes that decode to the progress URL.

use std::sync::Arc;
use std::time::Duration;
use township_kiosk::app::printing::{print_receipt, receipt_job, PrintOutcome};
use township_kiosk::app::sample;
use township_kiosk::devices::printer::encode::{encode, EncodeOptions};
use township_kiosk::devices::printer::font::ReceiptFont;
use township_kiosk::devices::printer::layout::receipt_layout;
use township_kiosk::devices::printer::paper::Paper;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::printer::raster::Bitmap;
use township_kiosk::devices::printer::sim::{SimPrinter, SimPrinterOptions};
use township_kiosk::devices::printer::status::PrinterStatus;
use township_kiosk::devices::printer::transport::{SerialTransport, TcpTransport, UsbLpTransport};
use township_kiosk::devices::printer::{EscPosPrinter, PrinterError, ReceiptPrinter};
use township_kiosk::devices::DeviceErrorKind;
use township_kiosk::domain::Lang;
use township_kiosk::storage::Store;

fn font() -> ReceiptFont {
    ReceiptFont::locate()
        .expect("a CJK font (fonts-wqy-microhei or fonts-noto-cjk) is needed: scripts/setup-debian.sh installs it")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes every QR code in a bitmap.
fn qr_payloads(bitmap: &Bitmap) -> Vec<String> {
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(bitmap.width as usize, bitmap.height as usize, |x, y| {
            if bitmap.get(x as u32, y as u32) {
                0
            } else {
                255
            }
        });
    image
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

fn job(profile_name: &str) -> Vec<u8> {
    receipt_job(
        &sample::receipt(),
        Lang::Zh,
        &profile(profile_name).unwrap(),
        Some(&font()),
    )
    .unwrap()
    .0
}

#[test]
fn golden_bytes_of_the_standard_receipt() {
    let bytes = job("generic-80mm");
    // ESC @, FS & (Chinese mode), ESC 3 30.
    assert_eq!(&bytes[..7], &[0x1B, 0x40, 0x1C, 0x26, 0x1B, 0x33, 30]);
    // Native QR, model 2, module 6, level M, explicit store and print.
    let url = sample::receipt().progress_url;
    let mut store = vec![0x1D, 0x28, 0x6B];
    store.extend(((url.len() + 3) as u16).to_le_bytes());
    store.extend([0x31, 0x50, 0x30]);
    store.extend(url.as_bytes());
    let qr = [
        &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00][..],
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
        &store,
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
    ]
    .concat();
    assert!(find(&bytes, &qr).is_some(), "native QR sequence");
    // The title in double size, GB18030.
    let title = [
        &[0x1D, 0x21, 0x11][..],
        &encoding_rs::GB18030.encode("受理回执").0,
        &[0x0A],
    ]
    .concat();
    assert!(find(&bytes, &title).is_some());
    // CODE128 of the receipt number with the {B prefix.
    let number = sample::receipt().number.to_string();
    let code128 = [
        &[0x1D, 0x6B, 73, (number.len() + 2) as u8, b'{', b'B'][..],
        number.as_bytes(),
    ]
    .concat();
    assert!(find(&bytes, &code128).is_some());
    // Partial cut at the very end; no trailing-00 DLE EOT, no CAN, no ESC d 1 line ends.
    assert!(bytes.ends_with(&[0x1D, 0x56, 0x42, 0x00]));
    assert!(!bytes.contains(&0x18));
    assert!(find(&bytes, &[0x1B, 0x64, 0x01]).is_none());
    assert!(bytes.len() <= 4096, "native-QR receipt is {} bytes", bytes.len());
}

#[test]
fn every_profile_renders_a_clean_receipt_whose_qr_decodes() {
    let font = Arc::new(font());
    let receipt = sample::receipt();
    let url = receipt.progress_url.clone();
    // The QR leads to this receipt only: besides the sequential number it carries a
    // 128-bit token, so the next number's URL cannot be guessed from this one.
    let bare = format!("https://zwfw.example.gov.cn/progress/{}", receipt.number);
    let token = url
        .strip_prefix(&format!("{bare}?t="))
        .unwrap_or_else(|| panic!("{url} is not {bare} with a token"));
    assert!(
        token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{token}"
    );
    for name in [
        "generic-58mm",
        "generic-80mm",
        "xprinter-58mm",
        "xprinter-80mm",
        "gprinter-80mm",
        "epson-tm-t82",
        "kiosk-panel-58mm",
    ] {
        let p = profile(name).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            for receipt in [sample::receipt(), sample::receipt_with_rare_name()] {
                let (bytes, report) = receipt_job(&receipt, lang, &p, Some(&font)).unwrap();
                let mut paper = Paper::new(p.dots_per_line, Some(Arc::clone(&font)));
                assert!(paper.feed(&bytes).is_empty());
                let bitmap = paper.tear();
                assert_eq!(paper.report.garbage_chars, 0, "{name} {lang:?}");
                assert!(
                    paper.report.unknown_commands.is_empty(),
                    "{name}: {:?}",
                    paper.report.unknown_commands
                );
                assert_eq!(bitmap.width, p.dots_per_line);
                assert_eq!(qr_payloads(&bitmap), vec![url.clone()], "{name} {lang:?}");
                assert_eq!(report.replaced_chars, 0);
            }
        }
    }
}

#[test]
fn a_rare_name_character_goes_out_as_an_image_only_where_the_font_lacks_it() {
    let font = font();
    let receipt = sample::receipt_with_rare_name();
    assert_eq!(receipt.masked_applicant_name, "林*喆");
    let layout = receipt_layout(&receipt, Lang::Zh, false);
    let (gb2312, report) = encode(
        &layout,
        &profile("generic-58mm").unwrap(),
        Some(&font),
        EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(report.raster_lines, 1, "only the applicant line");
    assert!(
        find(&gb2312, &encoding_rs::GB18030.encode("喆").0).is_none(),
        "喆 is not sent as a code to a GB 2312 font"
    );
    let (gbk, report) = encode(
        &layout,
        &profile("generic-80mm").unwrap(),
        Some(&font),
        EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(report.raster_lines, 0);
    assert!(find(&gbk, &encoding_rs::GB18030.encode("林*喆").0).is_some());
    // Without any font the character is replaced, never sent as garbage.
    let (bytes, report) = encode(
        &layout,
        &profile("generic-58mm").unwrap(),
        None,
        EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(report.replaced_chars, 1);
    assert!(find(&bytes, &encoding_rs::GB18030.encode("林*□").0).is_some());
}

#[test]
fn prints_through_a_serial_pty_and_tcp_into_the_simulator() {
    let sim = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    let url = sample::receipt().progress_url;
    let serial = SerialTransport::open(sim.path(), 115_200, false).unwrap();
    let mut printer = EscPosPrinter::new(Box::new(serial), profile("generic-80mm").unwrap());
    assert_eq!(printer.status().unwrap(), Some(PrinterStatus::OK));
    let report = printer.print(&job("generic-80mm")).unwrap();
    assert_eq!(report.after, Some(PrinterStatus::OK));
    let tcp = TcpTransport::connect(&sim.tcp_address().unwrap().to_string(), Duration::from_secs(2)).unwrap();
    let mut printer = EscPosPrinter::new(Box::new(tcp), profile("generic-80mm").unwrap());
    printer.print(&job("generic-80mm")).unwrap();
    let pages = sim.wait_for_pages(2, Duration::from_secs(5));
    assert_eq!(pages.len(), 2);
    for page in pages {
        assert_eq!(qr_payloads(&page.bitmap), vec![url.clone()]);
        assert_eq!(
            (
                page.report.cuts,
                page.report.qr_codes,
                page.report.barcodes,
                page.report.garbage_chars
            ),
            (1, 1, 1, 0)
        );
        assert!(page.report.text_lines >= 14, "{:?}", page.report);
    }
}

#[test]
fn status_faults_stop_printing_and_say_why() {
    let sim = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    let connect = || {
        EscPosPrinter::new(
            Box::new(SerialTransport::open(sim.path(), 115_200, false).unwrap()),
            profile("generic-80mm").unwrap(),
        )
    };
    let cases = [
        (
            PrinterStatus {
                paper_end: true,
                paper_near_end: true,
                ..PrinterStatus::OK
            },
            DeviceErrorKind::PaperOut,
        ),
        (
            PrinterStatus {
                cover_open: true,
                ..PrinterStatus::OK
            },
            DeviceErrorKind::CoverOpen,
        ),
        (
            PrinterStatus {
                online: false,
                ..PrinterStatus::OK
            },
            DeviceErrorKind::NotConnected,
        ),
        (
            PrinterStatus {
                cutter_error: true,
                ..PrinterStatus::OK
            },
            DeviceErrorKind::Refused,
        ),
    ];
    for (status, kind) in cases {
        sim.set_status(status);
        let before = sim.bytes_received();
        let error = connect().print(&job("generic-80mm")).unwrap_err();
        assert!(matches!(error, PrinterError::NotReady(_)), "{error}");
        assert_eq!(error.kind(), kind);
        assert!(sim.bytes_received() - before <= 12, "only status requests were sent");
    }
    std::thread::sleep(Duration::from_millis(400));
    assert!(sim.pages().is_empty());
    // Near end: prints, with a warning for the operators.
    sim.set_status(PrinterStatus {
        paper_near_end: true,
        ..PrinterStatus::OK
    });
    let report = connect().print(&job("generic-80mm")).unwrap();
    assert_eq!(report.warning(), Some("paper near end"));
    // No reply at all: a timeout, not a hang.
    sim.set_no_reply(true);
    let mut printer = connect();
    printer.status_timeout = Duration::from_millis(200);
    let error = printer.print(&job("generic-80mm")).unwrap_err();
    assert!(matches!(error, PrinterError::NoReply(200)), "{error}");
    assert_eq!(error.kind(), DeviceErrorKind::Timeout);
}

#[test]
fn paper_running_out_mid_receipt_is_reported_after_printing() {
    let sim = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    sim.run_out_after(400);
    let mut printer = EscPosPrinter::new(
        Box::new(SerialTransport::open(sim.path(), 115_200, false).unwrap()),
        profile("generic-80mm").unwrap(),
    );
    let error = printer.print(&job("generic-80mm")).unwrap_err();
    assert!(matches!(error, PrinterError::StoppedWhilePrinting(_)), "{error}");
    assert_eq!(error.kind(), DeviceErrorKind::PaperOut);
    let pages = sim.wait_for_pages(1, Duration::from_secs(2));
    assert!(
        pages[0].report.discarded_ops > 0,
        "the rest of the receipt was not printed"
    );
    assert!(qr_payloads(&pages[0].bitmap).is_empty());
}

#[test]
fn print_intents_and_outcomes_fill_the_reprint_queue_and_nothing_prints_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let sim = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    let mut printer = EscPosPrinter::new(
        Box::new(SerialTransport::open(sim.path(), 115_200, false).unwrap()),
        profile("generic-80mm").unwrap(),
    );
    let bytes = job("generic-80mm");
    let outcome = print_receipt(&mut store, &mut printer, "XSSP-261126-0001-E", &bytes, 1).unwrap();
    assert_eq!(outcome, PrintOutcome::Printed { warning: None });
    sim.set_status(PrinterStatus {
        paper_end: true,
        paper_near_end: true,
        ..PrinterStatus::OK
    });
    let outcome = print_receipt(&mut store, &mut printer, "XSSP-261126-0002-C", &bytes, 2).unwrap();
    assert!(
        matches!(
            outcome,
            PrintOutcome::ShowQrInstead {
                kind: DeviceErrorKind::PaperOut,
                ..
            }
        ),
        "{outcome:?}"
    );
    let queue: Vec<String> = store
        .reprint_queue()
        .unwrap()
        .into_iter()
        .map(|j| j.receipt_no)
        .collect();
    assert_eq!(queue, vec!["XSSP-261126-0002-C"]);
    assert_eq!(sim.wait_for_pages(1, Duration::from_secs(2)).len(), 1);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(sim.pages().len(), 1, "the refused receipt was not printed");
}

#[test]
fn usb_printer_class_status_errors_are_clear() {
    let transport = UsbLpTransport::open(std::path::Path::new("/dev/null")).unwrap();
    let error = transport.lp_status().unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    let mut printer = EscPosPrinter::new(Box::new(transport), profile("generic-80mm").unwrap());
    assert!(matches!(printer.status(), Err(PrinterError::Io(_))));
    assert!(UsbLpTransport::open(std::path::Path::new("/dev/usb/lp9")).is_err());
}

#[test]
fn raster_only_text_is_the_same_receipt_in_pixels() {
    let font = font();
    let p = profile("generic-80mm").unwrap();
    let layout = receipt_layout(&sample::receipt(), Lang::Zh, false);
    let (bytes, report) = encode(&layout, &p, Some(&font), EncodeOptions { raster_all_text: true }).unwrap();
    assert_eq!(report.text_lines, 0);
    assert!(report.raster_lines > 10);
    let mut paper = Paper::new(p.dots_per_line, None);
    paper.feed(&bytes);
    let bitmap = paper.tear();
    assert_eq!(paper.report.text_lines, 0, "no text codes at all");
    assert_eq!(qr_payloads(&bitmap), vec![sample::receipt().progress_url]);
}
