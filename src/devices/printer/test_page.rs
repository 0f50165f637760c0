//! The technician's test page (打印测试页): which kiosk and printer profile printed it and
//! when, a ruler of the line's full width in both character widths, the characters the
//! receipts use (including rare ones in names), a rule, a QR code and a barcode, so one
//! look at the paper shows whether text, width, graphics and the cutter work. Holds no
//! personal data.

use super::layout::{Align, Block, ReceiptLayout};
use super::profile::PrinterProfile;

/// The test page for this kiosk and printer; `printed_at` is `YYYY-MM-DD HH:MM`.
pub fn test_page_layout(kiosk_id: &str, profile: &PrinterProfile, printed_at: &str) -> ReceiptLayout {
    let text = |text: String, align: Align| Block::Text {
        text,
        align,
        bold: false,
    };
    let field = |label: &str, value: String| Block::Field {
        label: label.to_string(),
        value,
    };
    let columns = profile.columns();
    let ruler: String = (0..columns).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
    let wide: String = "汉".repeat(columns / 2);
    ReceiptLayout {
        blocks: vec![
            Block::Title("打印测试页 TEST".into()),
            Block::Rule,
            field("自助机 Kiosk", kiosk_id.to_string()),
            field(
                "打印机 Printer",
                format!("{} ({} dots)", profile.name, profile.dots_per_line),
            ),
            field("时间 Time", printed_at.to_string()),
            Block::Rule,
            text(ruler, Align::Left),
            text(wide, Align::Left),
            text("受理回执 办理进度 公安 身份证 户籍".into(), Align::Left),
            text("生僻字: 䶮 堃 喆 昇 淼 犇 (names on ID cards)".into(), Align::Left),
            Block::Text {
                text: "Bold 粗体 0123456789".into(),
                align: Align::Center,
                bold: true,
            },
            Block::Rule,
            Block::Qr {
                payload: format!("TEST {kiosk_id}"),
                module: 6,
            },
            Block::Barcode("TEST-0123456789".into()),
            text("如以上内容清晰完整,打印机正常。".into(), Align::Center),
            text(
                "If all of the above is clear and whole, the printer works.".into(),
                Align::Center,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_page_fills_the_line_and_encodes() {
        let profile = crate::devices::printer::profile::profile("generic-80mm").unwrap();
        let layout = test_page_layout("DEV-KIOSK-01", &profile, "2026-11-30 09:30");
        let (bytes, _) = crate::devices::printer::encode::encode(
            &layout,
            &profile,
            None,
            crate::devices::printer::encode::EncodeOptions::default(),
        )
        .unwrap();
        assert!(bytes.len() > 200);
        let lines = layout.lines(profile.columns());
        assert!(lines.len() > 10);
    }
}
