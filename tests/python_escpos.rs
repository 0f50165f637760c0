//! Independent check: python-escpos (its Dummy printer) and Python's GB18030 codec produce
//! the same QR, raster and text bytes as our encoder. The test environment is set up by
//! scripts/test-all.sh (a venv with python-escpos and Pillow in target/py-escpos).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use township_kiosk::app::printing::receipt_job;
use township_kiosk::app::sample;
use township_kiosk::devices::printer::font::ReceiptFont;
use township_kiosk::devices::printer::layout::{receipt_layout, Laid};
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::printer::raster::qr_bitmap;
use township_kiosk::domain::Lang;

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("KIOSK_PYTHON") {
        return path.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/py-escpos/bin/python");
    assert!(
        venv.exists(),
        "python-escpos is not set up: run scripts/test-all.sh (it creates {})",
        venv.display()
    );
    venv
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn python_escpos_agrees_on_qr_raster_and_gb18030() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = sample::receipt();
    let profile = profile("generic-80mm").unwrap();
    let font = ReceiptFont::locate().unwrap();
    let (job, _) = receipt_job(&receipt, Lang::Zh, &profile, Some(&font)).unwrap();

    // Raster images of odd widths (row padding) and heights over one band.
    let mut images = Vec::new();
    for (module, band) in [(4u32, 255u32), (3, 64), (5, 128)] {
        let bitmap = qr_bitmap(&receipt.progress_url, module, qrcode::EcLevel::M).unwrap();
        let path = dir.path().join(format!("qr{module}.png"));
        bitmap.write_png(std::fs::File::create(&path).unwrap()).unwrap();
        images.push((bitmap, path, band));
    }
    let texts: Vec<String> = receipt_layout(&receipt, Lang::Zh, false)
        .lines(profile.columns())
        .into_iter()
        .filter_map(|l| match l {
            Laid::Text(t) => Some(t.text),
            _ => None,
        })
        .chain(["林堃喆 ￥40.00".to_string(), "𠮷".to_string()])
        .collect();
    let request = serde_json::json!({
        "qr": [{"data": receipt.progress_url, "size": 6}],
        "images": images.iter().map(|(_, p, band)| serde_json::json!({"png": p, "fragment": band})).collect::<Vec<_>>(),
        "texts": texts,
    });
    let mut child = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/escpos_reference.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python-escpos failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    let python_qr = unhex(answer["qr"][0].as_str().unwrap());
    assert!(
        find(&job, &python_qr),
        "our job lacks python-escpos's QR sequence {}",
        hex(&python_qr)
    );

    for (i, (bitmap, _, band)) in images.iter().enumerate() {
        let ours = bitmap.to_gs_v0(*band);
        let theirs = unhex(answer["images"][i].as_str().unwrap());
        assert_eq!(
            hex(&ours),
            hex(&theirs),
            "raster {}×{} in bands of {band}",
            bitmap.width,
            bitmap.height
        );
    }

    for (i, text) in texts.iter().enumerate() {
        let theirs = unhex(answer["texts"][i].as_str().unwrap());
        let (ours, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert_eq!(hex(&ours), hex(&theirs), "{text}");
        // Every printable text line of the receipt is in the job exactly so.
        if i < texts.len() - 2 && text.chars().all(|c| profile.can_print(c)) {
            assert!(find(&job, &theirs), "line {text:?} not in the job as GB18030");
        }
    }
}
