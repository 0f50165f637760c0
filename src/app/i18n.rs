//! The message catalogue: the text of every [`Message`] in every language. The match is
//! exhaustive (no fallback arm), so a new message without its texts does not compile.

use crate::domain::message::Message;
use crate::domain::Lang;

pub fn text(message: Message, lang: Lang) -> &'static str {
    let (zh, en) = texts(message);
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A required choice left open, naming the field: 请选择补换领原因.
/// An application's state at the central system, as the progress page says it.
pub fn case_status(status: crate::central_api::CaseStatus, lang: Lang) -> &'static str {
    use crate::central_api::CaseStatus::*;
    match (status, lang) {
        (Received, Lang::Zh) => "已受理",
        (Received, Lang::En) => "Received",
        (Approved, Lang::Zh) => "预审通过",
        (Approved, Lang::En) => "Pre-review passed",
        (Supplement, Lang::Zh) => "需补交材料",
        (Supplement, Lang::En) => "Material needed",
        (Rejected, Lang::Zh) => "未通过",
        (Rejected, Lang::En) => "Not accepted",
        (Done, Lang::Zh) => "已办结",
        (Done, Lang::En) => "Done",
    }
}

/// Under the camera preview: how to lay the page.
pub fn camera_hint(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "把材料正面朝上放平在拍摄区内,画面清楚后点该材料的“拍照上传”",
        Lang::En => "Lay the page face up inside the frame; when the picture is clear, tap Photograph it below",
    }
}

/// The 容缺 promise the citizen signs (kept with the signature, in their language).
pub fn promise_text(lang: Lang, material: &str, deadline: crate::domain::calendar::Date) -> String {
    match lang {
        Lang::Zh => format!(
            "本人承诺:在{deadline}前补交“{material}”。本人知道,逾期未补交的,本次申请将不予办理,已交费用按规定退还。"
        ),
        Lang::En => format!(
            "I promise to supply \"{material}\" by {deadline}. I understand that if I do not, this application will not be processed and the fee is refunded as the rules say."
        ),
    }
}

/// Under the camera panel while the camera starts.
pub fn camera_starting(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "正在打开拍照设备…",
        Lang::En => "Starting the camera…",
    }
}

/// Under the camera preview while a still is taken.
pub fn camera_busy(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "正在拍照,请保持材料不动…",
        Lang::En => "Taking the photo: keep the page still…",
    }
}

pub fn please_choose(label: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("请选择{label}"),
        Lang::En => format!("Please choose: {label}"),
    }
}

/// A required field left empty, naming it: 请填写手机号码.
pub fn please_enter(label: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("请填写{label}"),
        Lang::En => format!("Please enter: {label}"),
    }
}

fn texts(message: Message) -> (&'static str, &'static str) {
    use Message::*;
    match message {
        IdLength => ("号码位数不对,应为18位", "The number must have 18 characters"),
        IdCharacter => (
            "号码中有无效字符,只有最后一位可以是X",
            "Only digits are allowed (the last may be X)",
        ),
        IdBirthDate => (
            "号码中的出生日期无效,请核对",
            "The birth date in the number is not valid",
        ),
        IdCheckDigit => (
            "号码校验位不对,请逐位核对",
            "The last character does not match: please check each digit",
        ),
        IdRegion => ("号码开头的地区代码无效", "The region code at the start is not valid"),
        FormRequired => ("请填写此项", "Please fill this in"),
        FormPhone => ("请输入11位手机号码", "Enter an 11-digit mobile number"),
        FormChoice => ("请选择一项", "Please choose one"),
        FormDate => (
            "日期无效,请按年月日输入8位数字",
            "Not a date: enter 8 digits, year month day",
        ),
        FormDateRange => ("日期超出范围", "The date is out of range"),
        FormNumber => ("请输入数字", "Enter a number"),
        FormNumberRange => ("数字超出允许范围", "The number is out of range"),
        FormTooLong => ("内容太长", "Too long"),
        FormCreditCode => (
            "统一社会信用代码不对,请对照营业执照再输一次(18位)",
            "That credit code is not right: check the 18 characters against the business licence",
        ),
        FormUnknownField => (
            "表格内容有误,请返回重新填写",
            "Something in the form is not right: please go back and fill it in again",
        ),
        FormNoItem => ("请先选择要办理的事项", "Please choose a service first"),
        GuideNoProxy => ("此事项需本人办理", "This service must be done in person"),
        GuideOnlineOnly => ("此事项请在手机上网上办理", "This service is done online"),
        IdentifySamePerson => (
            "请放置申请人的身份证,而不是代办人的",
            "Place the applicant's card, not the agent's",
        ),
        IdentifyCardRequired => (
            "此事项需要您把身份证放在读卡器上。请使用身份证,或到窗口办理。",
            "This service needs your ID card on the reader. Please use the card, or go to the service window.",
        ),
        MaterialsIncomplete => (
            "还有材料未拍照或未选择后补",
            "Some materials are neither photographed nor promised",
        ),
        MaterialsNotDeferrable => ("此材料必须现在提供", "This material is needed now"),
        MaterialsUnknown => ("此事项不需要这份材料", "This material is not needed for this service"),
        ReviewNoExpress => ("此事项不支持快递送达", "This service cannot be delivered"),
        ReviewNoUrgent => ("此事项没有加急通道", "This service has no urgent channel"),
        PaymentFailed => ("支付未成功,请重试", "Payment failed: please try again"),
        PaymentExpired => (
            "付款码已过期,没有扣款。请点“重新生成付款码”",
            "The payment code has expired and nothing was charged. Tap “New payment code”",
        ),
        PaymentUnavailable => (
            "暂时无法生成付款码,请稍后重试,或到窗口缴费",
            "No payment code can be made just now: please try again shortly, or pay at the window",
        ),
        SubmitDiskFull => (
            "设备存储已满,请到窗口办理",
            "This kiosk's storage is full: please go to the window",
        ),
        SubmitIncomplete => (
            "申请信息不完整,请检查",
            "The application is incomplete: please check it",
        ),
        SubmitStorage => (
            "申请暂时无法保存,请稍后重试或到窗口办理",
            "Your application could not be saved just now: please try again or go to the window",
        ),
        CentralOffline => (
            "暂时连不上后台系统,请稍后再试;已提交的申请会自动发送",
            "The back office cannot be reached just now: please try again later. Submitted applications are sent automatically",
        ),
        CentralRefused => (
            "后台系统未受理此请求,请到窗口咨询",
            "The back office did not accept this request: please ask at the window",
        ),
        CentralNotFound => ("没有找到相关记录,请核对后重试", "Nothing was found: please check and try again"),
        CentralDailyQuota => (
            "本机今天上传的材料已达上限,已保存的材料明天会自动发送;急办请到窗口",
            "This kiosk has sent today's limit of photos: what is saved goes automatically tomorrow. If urgent, please go to the window",
        ),
        CentralTooLarge => (
            "材料照片超出后台系统的上限,请少拍几张或到窗口办理",
            "The photos are more than the back office takes: take fewer, or please go to the window",
        ),
        AddressDivision => (
            "请选到乡镇(街道)一级",
            "Choose down to the township (or street office)",
        ),
        AddressStreet => ("请填写街道、门牌号", "Enter the street and house number"),
        AddressRecipient => ("请填写收件人姓名", "Enter the recipient's name"),
        AddressPhone => ("请输入收件人的11位手机号码", "Enter the recipient's 11-digit mobile number"),
        ReaderCardNotAccepted => (
            "证件无法识别,请到窗口办理或手工输入号码",
            "The card was not accepted: type the number or go to the window",
        ),
        ReaderCardType => (
            "读卡器不支持此类证件,请手工输入号码",
            "The reader does not support this card: type the number",
        ),
        ReaderReadAgain => (
            "读卡失败,请拿起证件重新放置",
            "Reading failed: lift the card and place it again",
        ),
        ReaderNoCard => ("未检测到证件", "No card found"),
        ReaderOutOfOrder => (
            "读卡器暂时无法使用,请手工输入号码或到窗口办理",
            "The card reader is not working: type the number or go to the window",
        ),
        CameraUnavailable => (
            "拍照设备暂时无法使用,可选择容缺后补,或请工作人员协助",
            "The camera is not working: supply later where allowed, or ask staff for help",
        ),
        ProgressBadReceipt => (
            "回执编号不对,请对照回执再输一次(编号在二维码上方)",
            "That receipt number is not right: check it against the receipt (above the QR code)",
        ),
        ProgressIdTailNeeded => (
            "请输入申请人身份证号码的后6位(最后一位可能是X)",
            "Enter the last 6 characters of the applicant's ID number (the last may be X)",
        ),
        ProgressTooManyTries => (
            "输错次数过多,请稍后再试,或放身份证、扫描回执二维码查询",
            "Too many wrong tries: wait a little, or use your ID card or the receipt's QR code",
        ),
        SupplyNeedsProof => (
            "补交材料需要本人身份证或回执二维码:请放身份证,或把回执二维码对准摄像头",
            "To supply material, place your ID card or hold the receipt's QR code under the camera",
        ),
        AppointmentPhone => (
            "请输入11位手机号码,用来发送预约提醒",
            "Enter an 11-digit mobile number for the reminder",
        ),
        AppointmentSlotTaken => (
            "这个时段刚刚约满了,请选另一个时段",
            "That time was just taken: please choose another",
        ),
        ConsultText => (
            "请写几句话,或点选下面的常用语",
            "Write a few words, or tap one of the phrases below",
        ),
        ConsultPhone => (
            "请输入11位手机号码,工作人员会打电话答复您",
            "Enter an 11-digit mobile number: staff will call you back",
        ),
        PromiseUnsigned => (
            "请在方框里用手指签上您的名字",
            "Sign your name in the box with your finger",
        ),
        CameraRetake => (
            "没有拍好,请把材料放平、保持不动,再拍一次",
            "The photo did not work: lay the page flat, hold still and try again",
        ),
    }
}

/// What the technician's last action came to (technical details stay as the device or
/// the configuration check said them).
pub fn tech_notice(notice: &crate::app::technician_desk::TechNotice, lang: Lang) -> String {
    use crate::app::technician_desk::TechNotice::*;
    let zh = lang == Lang::Zh;
    let pick = |zh_text: String, en_text: String| if zh { zh_text } else { en_text };
    match notice {
        PinWrong(left) => pick(
            format!("PIN 不对,还可以再试 {left} 次"),
            format!("Wrong PIN: {left} more tries before it locks"),
        ),
        PinLocked(secs) => pick(
            format!("PIN 输错太多次,已锁定,请 {} 分钟后再试", (secs + 59) / 60),
            format!("Too many wrong PINs: locked, try again in {} min", (secs + 59) / 60),
        ),
        PinNotSet => pick(
            "还没有设置维护 PIN:请用 kiosk technician set-pin 设置".into(),
            "No technician PIN is set: set one with kiosk technician set-pin".into(),
        ),
        PinBadFormat => pick("PIN 是 6 到 12 位数字".into(), "A PIN is 6 to 12 digits".into()),
        PinFailed(why) => pick(
            format!("无法核对 PIN:{why}"),
            format!("The PIN cannot be checked: {why}"),
        ),
        CardWaiting => pick("请把身份证放在读卡区".into(), "Place an ID card on the reader".into()),
        CardRead {
            kind,
            id_masked,
            name_masked,
            photo_bytes,
        } => pick(
            format!(
                "读卡成功:{} · {id_masked} · {name_masked} · 照片 {photo_bytes} 字节",
                kind.name_zh()
            ),
            format!(
                "Card read: {} · {id_masked} · {name_masked} · photo {photo_bytes} B",
                kind.name_en()
            ),
        ),
        CardFailed(why) => pick(format!("读卡失败:{why}"), format!("Card not read: {why}")),
        Printing => pick("正在打印…".into(), "Printing…".into()),
        Printed => pick(
            "测试页已打印,请检查纸上内容".into(),
            "Test page printed: check the paper".into(),
        ),
        Reprinted(receipt) => pick(
            format!("回执 {receipt} 已补打"),
            format!("Receipt {receipt} printed again"),
        ),
        PrintFailed(why) => pick(format!("没有打印:{why}"), format!("Not printed: {why}")),
        Capturing => pick("正在拍照…".into(), "Taking a still…".into()),
        Captured {
            width,
            height,
            kb,
            page_found,
        } => {
            let page = match (page_found, zh) {
                (true, true) => "已找到纸张边缘",
                (false, true) => "未找到纸张边缘",
                (true, false) => "page edges found",
                (false, false) => "no page edges found",
            };
            pick(
                format!("拍照成功:{width}×{height},{kb} KB,{page}"),
                format!("Still taken: {width}×{height}, {kb} KB, {page}"),
            )
        }
        CaptureFailed(why) => pick(format!("拍照失败:{why}"), format!("No still: {why}")),
        Leds(Some(true)) => pick("指示灯:全亮".into(), "LEDs: all on".into()),
        Leds(Some(false)) => pick("指示灯:全灭".into(), "LEDs: all off".into()),
        Leds(None) => pick("指示灯:恢复正常".into(), "LEDs: back to normal".into()),
        NoGpio => pick("这台设备没有连接 GPIO".into(), "This kiosk runs without GPIO".into()),
        Retried(receipt) => pick(
            format!("{receipt} 已重新排队发送"),
            format!("{receipt} queued to be sent again"),
        ),
        RetryFailed(why) => pick(format!("无法重试:{why}"), format!("Cannot retry: {why}")),
        Saved(keys) => pick(
            format!("已保存 {},重启后生效", keys.join("、")),
            format!("Saved {}: takes effect after a restart", keys.join(", ")),
        ),
        SaveRefused(problems) => pick(
            format!("未保存,设置有误:{}", problems.join(";")),
            format!("Not saved: {}", problems.join("; ")),
        ),
        NothingToSave => pick("没有修改".into(), "Nothing changed".into()),
        StoreFailed(why) => pick(format!("无法读取数据:{why}"), format!("Storage: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_its_own_text_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for message in Message::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let shown = text(message, lang);
                assert!(!shown.is_empty(), "{message:?}");
                assert!(seen.insert(shown), "{message:?} shares its text {shown:?}");
            }
        }
        assert!(text(Message::FormRequired, Lang::Zh).chars().any(|c| c > '\u{2E80}'));
        assert!(text(Message::FormRequired, Lang::En).is_ascii());
    }
}
