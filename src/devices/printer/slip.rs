//! The booking slip (预约凭证): what the kiosk prints after an appointment was booked — the
//! site, the booking number, the service, the day and time (with the lunch-hour or Saturday
//! service named), the masked phone number, the booking's cancel code (its own secret:
//! cancelling needs it, never just the number) and the booking's QR code for the window. Built
//! on the receipt layout model, so the same encoder, paper model and previews serve it.

use super::layout::{Align, Block, ReceiptLayout};
use crate::central_api::{Booking, SlotKind};
use crate::domain::catalogue::Text;
use crate::domain::Lang;

/// The slip for `booking`. `masked_phone` is already masked.
pub fn booking_slip_layout(
    site_name: &Text,
    booking: &Booking,
    item_name: &Text,
    masked_phone: &str,
    lang: Lang,
) -> ReceiptLayout {
    let zh = lang == Lang::Zh;
    let l = |zh_text: &str, en_text: &str| if zh { zh_text.to_string() } else { en_text.to_string() };
    let slot = &booking.slot;
    let kind = match slot.kind {
        SlotKind::Regular => String::new(),
        SlotKind::Lunch => l(" (午间延时服务)", " (lunch-hour service)"),
        SlotKind::Weekend => l(" (周六服务)", " (Saturday service)"),
    };
    let field = |label: String, value: String| Block::Field { label, value };
    let text = |text: String, align: Align, bold: bool| Block::Text { text, align, bold };
    let mut blocks = vec![
        text(site_name.get(lang).to_string(), Align::Center, false),
        Block::Title(l("预约凭证", "Appointment")),
        Block::Rule,
        field(l("预约编号", "Booking no."), booking.booking_no.clone()),
        field(l("办理事项", "Service"), item_name.get(lang).to_string()),
        field(l("日期", "Date"), slot.date.to_string()),
        field(l("时间", "Time"), format!("{}–{}{kind}", slot.start, slot.end)),
        field(l("提醒短信", "Reminder to"), masked_phone.to_string()),
    ];
    if let Some(code) = &booking.cancel_code {
        blocks.push(field(l("取消码", "Cancel code"), code.clone()));
    }
    blocks.extend([
        Block::Rule,
        Block::Qr {
            payload: booking.qr_payload.clone(),
            module: 6,
        },
        text(
            l("到窗口请出示此码", "Show this code at the window"),
            Align::Center,
            false,
        ),
        text(
            l(
                "请带好身份证,提前10分钟到达。不能来请在自助机或电话取消。",
                "Bring your ID card and come 10 minutes early. If you cannot come, cancel at a kiosk or by phone.",
            ),
            Align::Left,
            false,
        ),
    ]);
    ReceiptLayout { blocks }
}
