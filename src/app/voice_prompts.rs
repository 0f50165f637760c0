//! What the kiosk says (语音播报): one Mandarin prompt per page, saying what to do there, and
//! prompts for the key moments (card read, card not read, take the receipt and the ID card,
//! the idle warning). Each prompt has its Chinese text (logs, tests, the screen's wording)
//! and the same words in pinyin with tone numbers, which is what the speaker is given.
//!
//! Pure data: no prompt is ever built from the citizen's data (no names, no numbers), so
//! nothing personal can be spoken in a public room.

use super::page::PageId;
use crate::devices::voice::Utterance;

/// What a prompt is for: a page, or a moment within one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cue {
    Page(PageId),
    /// 委托代办: the agent's card was read, now the applicant's card.
    ApplicantCard,
    CardRead,
    CardFailed,
    /// The receipt was printed.
    TakeReceiptAndCard,
    /// The receipt could not be printed: its QR code is on the screen.
    ReceiptOnScreen,
    IdleWarning,
    /// A card is still on the reader after the receipt or the session's end.
    TakeCard,
}

/// A prompt: Chinese text and pinyin with tone numbers (1–4, 5 for the neutral tone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub zh: &'static str,
    pub pinyin: &'static str,
}

/// Every page, in the order of a journey.
pub const PAGES: [PageId; 15] = [
    PageId::Welcome,
    PageId::Catalogue,
    PageId::Guide,
    PageId::Identify,
    PageId::Form,
    PageId::Materials,
    PageId::Review,
    PageId::Address,
    PageId::Payment,
    PageId::Receipt,
    PageId::Rating,
    PageId::Farewell,
    PageId::Progress,
    PageId::Appointment,
    PageId::Consult,
];

const MOMENTS: [Cue; 7] = [
    Cue::ApplicantCard,
    Cue::CardRead,
    Cue::CardFailed,
    Cue::TakeReceiptAndCard,
    Cue::ReceiptOnScreen,
    Cue::IdleWarning,
    Cue::TakeCard,
];

const fn p(zh: &'static str, pinyin: &'static str) -> Prompt {
    Prompt { zh, pinyin }
}

/// The prompt for `cue`.
pub fn prompt(cue: Cue) -> Prompt {
    match cue {
        Cue::Page(page) => match page {
            PageId::Welcome => p(
                "欢迎。办理业务请点开始办理。",
                "huan1 ying2. ban4 li3 ye4 wu4 qing3 dian3 kai1 shi3 ban4 li3.",
            ),
            PageId::Catalogue => p("请选择要办理的事项。", "qing3 xuan3 ze2 yao4 ban4 li3 de5 shi4 xiang4."),
            PageId::Guide => p(
                "请看办事指南,看完请点开始办理。",
                "qing3 kan4 ban4 shi4 zhi3 nan2, kan4 wan2 qing3 dian3 kai1 shi3 ban4 li3.",
            ),
            PageId::Identify => p(
                "请把身份证放在读卡区。",
                "qing3 ba3 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1.",
            ),
            PageId::Form => p(
                "请填写信息,填好后点下一步。",
                "qing3 tian2 xie3 xin4 xi1, tian2 hao3 hou4 dian3 xia4 yi2 bu4.",
            ),
            PageId::Materials => p(
                "请把材料放在高拍仪下面拍照。",
                "qing3 ba3 cai2 liao4 fang4 zai4 gao1 pai1 yi2 xia4 mian4 pai1 zhao4.",
            ),
            PageId::Review => p(
                "请核对申请信息,没有问题请提交。",
                "qing3 he2 dui4 shen1 qing3 xin4 xi1, mei2 you3 wen4 ti2 qing3 ti2 jiao1.",
            ),
            PageId::Address => p("请选择快递地址。", "qing3 xuan3 ze2 kuai4 di4 di4 zhi3."),
            PageId::Payment => p(
                "请用支付宝或微信扫码支付。",
                "qing3 yong4 zhi1 fu4 bao3 huo4 wei1 xin4 sao3 ma3 zhi1 fu4.",
            ),
            PageId::Receipt => p("正在提交,请稍候。", "zheng4 zai4 ti2 jiao1, qing3 shao1 hou4."),
            PageId::Rating => p(
                "请您对本次服务进行评价。",
                "qing3 nin2 dui4 ben3 ci4 fu2 wu4 jin4 xing2 ping2 jia4.",
            ),
            PageId::Farewell => p("谢谢,再见。", "xie4 xie5, zai4 jian4."),
            PageId::Progress => p(
                "请把身份证放在读卡区,或者输入回执上的编号。",
                "qing3 ba3 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1, huo4 zhe3 shu1 ru4 hui2 zhi2 shang4 de5 bian1 hao4.",
            ),
            PageId::Appointment => p(
                "请选择要预约的业务,再选日期和时段。",
                "qing3 xuan3 ze2 yao4 yu4 yue1 de5 ye4 wu4, zai4 xuan3 ri4 qi1 he2 shi2 duan4.",
            ),
            PageId::Consult => p(
                "请选择咨询还是投诉,写几句话,留下手机号码。",
                "qing3 xuan3 ze2 zi1 xun2 hai2 shi4 tou2 su4, xie3 ji3 ju4 hua4, liu2 xia4 shou3 ji1 hao4 ma3.",
            ),
            // Never spoken: the technician's screens are silent (the voice follows the citizen's pages).
            PageId::Technician => p("维护模式。", "wei2 hu4 mo2 shi4."),
        },
        Cue::ApplicantCard => p("请放申请人的身份证。", "qing3 fang4 shen1 qing3 ren2 de5 shen1 fen4 zheng4."),
        Cue::CardRead => p("读卡成功。", "du2 ka3 cheng2 gong1."),
        Cue::CardFailed => p(
            "没有读到身份证,请把卡平放在读卡区。",
            "mei2 you3 du2 dao4 shen1 fen4 zheng4, qing3 ba3 ka3 ping2 fang4 zai4 du2 ka3 qu1.",
        ),
        Cue::TakeReceiptAndCard => p("请取走回执和身份证。", "qing3 qu3 zou3 hui2 zhi2 he2 shen1 fen4 zheng4."),
        Cue::ReceiptOnScreen => p(
            "回执没有打印出来,请用手机扫描屏幕上的二维码,并取走身份证。",
            "hui2 zhi2 mei2 you3 da3 yin4 chu1 lai2, qing3 yong4 shou3 ji1 sao3 miao2 ping2 mu4 shang4 de5 er4 wei2 ma3, bing4 qu3 zou3 shen1 fen4 zheng4.",
        ),
        Cue::IdleWarning => p(
            "您还在吗?还需要时间,请点屏幕上的按钮。",
            "nin2 hai2 zai4 ma5? hai2 xu1 yao4 shi2 jian1, qing3 dian3 ping2 mu4 shang4 de5 an4 niu3.",
        ),
        Cue::TakeCard => p(
            "请取回您的身份证,身份证还在读卡区。",
            "qing3 qu3 hui2 nin2 de5 shen1 fen4 zheng4, shen1 fen4 zheng4 hai2 zai4 du2 ka3 qu1.",
        ),
    }
}

/// One utterance of several prompts in order (a moment, then the new page's prompt).
pub fn utterance(cues: &[Cue]) -> Utterance {
    let prompts: Vec<Prompt> = cues.iter().map(|c| prompt(*c)).collect();
    Utterance {
        text: prompts.iter().map(|p| p.zh).collect::<Vec<_>>().concat(),
        pinyin: prompts.iter().map(|p| p.pinyin).collect::<Vec<_>>().join(" "),
    }
}

/// Every cue: the pages, then the moments.
pub fn all() -> Vec<Cue> {
    PAGES.iter().map(|p| Cue::Page(*p)).chain(MOMENTS).collect()
}

impl Cue {
    /// The cue's name for technicians (`kiosk voice say identify`).
    pub fn name(self) -> &'static str {
        match self {
            Cue::Page(page) => match page {
                PageId::Welcome => "welcome",
                PageId::Catalogue => "catalogue",
                PageId::Guide => "guide",
                PageId::Identify => "identify",
                PageId::Form => "form",
                PageId::Materials => "materials",
                PageId::Review => "review",
                PageId::Payment => "payment",
                PageId::Receipt => "receipt",
                PageId::Rating => "rating",
                PageId::Farewell => "farewell",
                PageId::Address => "address",
                PageId::Progress => "progress",
                PageId::Appointment => "appointment",
                PageId::Consult => "consult",
                PageId::Technician => "technician",
            },
            Cue::ApplicantCard => "applicant-card",
            Cue::CardRead => "card-read",
            Cue::CardFailed => "card-failed",
            Cue::TakeReceiptAndCard => "take-receipt",
            Cue::ReceiptOnScreen => "receipt-on-screen",
            Cue::IdleWarning => "idle-warning",
            Cue::TakeCard => "take-card",
        }
    }

    pub fn parse(name: &str) -> Option<Cue> {
        all().into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests;
