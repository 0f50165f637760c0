//! Citizen-facing texts produced in Rust (messages behind translation keys, labels built
//! from data). Texts written in .slint files use `@tr()` and the bundled .po files instead.

use crate::domain::Lang;

/// The message for a translation key, in `lang`. Unknown keys fall back to a generic
/// message: a citizen never sees a raw key or error.
pub fn message(key: &str, lang: Lang) -> String {
    let (zh, en) = match key {
        "id.error.length" => ("号码位数不对,应为18位", "The number must have 18 characters"),
        "id.error.character" => (
            "号码中有无效字符,只有最后一位可以是X",
            "Only digits are allowed (the last may be X)",
        ),
        "id.error.birth-date" => (
            "号码中的出生日期无效,请核对",
            "The birth date in the number is not valid",
        ),
        "id.error.check-digit" => (
            "号码校验位不对,请逐位核对",
            "The last character does not match: please check each digit",
        ),
        "id.error.region" => ("号码开头的地区代码无效", "The region code at the start is not valid"),
        "form.error.required" => ("请填写此项", "Please fill this in"),
        "form.error.phone" => ("请输入11位手机号码", "Enter an 11-digit mobile number"),
        "form.error.choice" => ("请选择一项", "Please choose one"),
        "form.error.date" => (
            "日期无效,请按年月日输入8位数字",
            "Not a date: enter 8 digits, year month day",
        ),
        "form.error.date-range" => ("日期超出范围", "The date is out of range"),
        "form.error.number" => ("请输入数字", "Enter a number"),
        "form.error.number-range" => ("数字超出允许范围", "The number is out of range"),
        "form.error.too-long" => ("内容太长", "Too long"),
        "guide.error.no-proxy" => ("此事项需本人办理", "This service must be done in person"),
        "guide.error.online-only" => ("此事项请在手机上网上办理", "This service is done online"),
        "identify.error.same-person" => (
            "请放置申请人的身份证,而不是代办人的",
            "Place the applicant's card, not the agent's",
        ),
        "identify.error.card-required" => (
            "此事项需要您把身份证放在读卡器上。请使用身份证,或到窗口办理。",
            "This service needs your ID card on the reader. Please use the card, or go to the service window.",
        ),
        "materials.error.incomplete" => (
            "还有材料未拍照或未选择后补",
            "Some materials are neither photographed nor promised",
        ),
        "materials.error.not-deferrable" => ("此材料必须现在提供", "This material is needed now"),
        "review.error.no-express" => ("此事项不支持快递送达", "This service cannot be delivered"),
        "review.error.no-urgent" => ("此事项没有加急通道", "This service has no urgent channel"),
        "payment.error.failed" => ("支付未成功,请重试", "Payment failed: please try again"),
        "submit.error.disk-full" => (
            "设备存储已满,请到窗口办理",
            "This kiosk's storage is full: please go to the window",
        ),
        "submit.error.incomplete" => (
            "申请信息不完整,请检查",
            "The application is incomplete: please check it",
        ),
        "reader.error.card-not-accepted" => (
            "证件无法识别,请到窗口办理或手工输入号码",
            "The card was not accepted: type the number or go to the window",
        ),
        "reader.error.card-type" => (
            "读卡器不支持此类证件,请手工输入号码",
            "The reader does not support this card: type the number",
        ),
        "reader.error.read-again" => (
            "读卡失败,请拿起证件重新放置",
            "Reading failed: lift the card and place it again",
        ),
        "reader.error.no-card" => ("未检测到证件", "No card found"),
        _ => (
            "设备暂时无法使用,请到窗口办理",
            "Something went wrong: please ask at the window",
        ),
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// A short label in both languages.
pub fn label(zh: &str, en: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

pub fn yuan(fen: u32, lang: Lang) -> String {
    if fen == 0 {
        label("免费", "Free", lang)
    } else {
        format!("￥{}.{:02}", fen / 100, fen % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_the_domain_uses_has_a_message() {
        let keys = [
            "id.error.length",
            "id.error.character",
            "id.error.birth-date",
            "id.error.check-digit",
            "id.error.region",
            "form.error.required",
            "form.error.phone",
            "form.error.choice",
            "form.error.date",
            "form.error.date-range",
            "form.error.number",
            "form.error.number-range",
            "form.error.too-long",
            "guide.error.no-proxy",
            "guide.error.online-only",
            "identify.error.same-person",
            "identify.error.card-required",
            "materials.error.incomplete",
            "materials.error.not-deferrable",
            "review.error.no-express",
            "review.error.no-urgent",
            "payment.error.failed",
            "submit.error.disk-full",
            "submit.error.incomplete",
            "reader.error.card-not-accepted",
            "reader.error.card-type",
            "reader.error.read-again",
            "reader.error.no-card",
        ];
        let fallback = message("no.such.key", Lang::Zh);
        for key in keys {
            assert_ne!(message(key, Lang::Zh), fallback, "{key}");
            assert_ne!(message(key, Lang::En), message("no.such.key", Lang::En), "{key}");
        }
    }
}
