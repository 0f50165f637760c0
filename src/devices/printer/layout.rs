//! The receipt layout model: what goes on the paper, independent of printer bytes. Built
//! from the domain's (already masked) `Receipt`; lines are laid out by display width (a
//! hanzi takes two columns), with label/value columns and wrapping that never splits a
//! character. The same model feeds the ESC/POS encoder, the PNG preview and the UI preview.

use crate::domain::catalogue::Text;
use crate::domain::receipt::{Receipt, ReceiptDelivery};
use crate::domain::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Double width and height, centred, bold.
    Title(String),
    Text {
        text: String,
        align: Align,
        bold: bool,
    },
    /// `label  value`, the value wrapped in its own column.
    Field {
        label: String,
        value: String,
    },
    Rule,
    Qr {
        payload: String,
        module: u8,
    },
    /// CODE128 (set B) with the human-readable text below.
    Barcode(String),
    Feed(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptLayout {
    pub blocks: Vec<Block>,
}

/// One printed text line after layout: what the encoder sends and the sim draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextLine {
    pub text: String,
    pub align: Align,
    pub bold: bool,
    /// 1 = normal, 2 = double width and height.
    pub scale: u8,
}

/// Columns a character takes on the printer: ASCII is half width (12 dots); everything
/// else is printed from the 2-byte Chinese font, full width (24 dots) — including `·` and
/// other characters that Unicode calls ambiguous.
pub fn char_width(c: char) -> usize {
    if c.is_ascii_control() {
        0
    } else if c.is_ascii() {
        1
    } else {
        2
    }
}

pub fn text_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Pieces that wrapping keeps together: a run of non-space ASCII (a word, a number, a
/// masked ID), a single space, or a single wide character.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let word_char = c.is_ascii() && c != ' ';
        if in_word && !word_char {
            out.push(&text[start..i]);
        }
        if !word_char {
            out.push(&text[i..i + c.len_utf8()]);
        } else if !in_word {
            start = i;
        }
        in_word = word_char;
    }
    if in_word {
        out.push(&text[start..]);
    }
    out
}

/// Splits `text` into lines of at most `columns` display columns. Words and numbers move
/// whole to the next line (split only when longer than a line); wide characters break
/// anywhere; a character never straddles the edge.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = 0;
    for token in tokens(text) {
        let w = text_width(token);
        if width + w <= columns {
            line.push_str(token);
            width += w;
            continue;
        }
        if token == " " {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            width = 0;
            continue;
        }
        if w <= columns {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            line.push_str(token);
            width = w;
            continue;
        }
        // A word longer than a whole line: fill this line, then continue char by char.
        for c in token.chars() {
            if width + 1 > columns {
                lines.push(std::mem::take(&mut line));
                width = 0;
            }
            line.push(c);
            width += 1;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines.retain(|l| !l.is_empty() || text.is_empty());
    lines
}

fn pad_to(text: &str, columns: usize) -> String {
    let mut out = text.to_string();
    for _ in text_width(text)..columns {
        out.push(' ');
    }
    out
}

impl ReceiptLayout {
    /// Text lines for a paper `columns` wide (Font A columns), and the graphic blocks in
    /// between, in order.
    pub fn lines(&self, columns: usize) -> Vec<Laid> {
        let label_columns = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Field { label, .. } => Some(text_width(label)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .min(columns / 2);
        let mut out = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Title(text) => {
                    for line in wrap(text, columns / 2) {
                        out.push(Laid::Text(TextLine {
                            text: line,
                            align: Align::Center,
                            bold: true,
                            scale: 2,
                        }));
                    }
                }
                Block::Text { text, align, bold } => {
                    for line in wrap(text, columns) {
                        out.push(Laid::Text(TextLine {
                            text: line,
                            align: *align,
                            bold: *bold,
                            scale: 1,
                        }));
                    }
                }
                Block::Field { label, value } => {
                    let value_columns = columns.saturating_sub(label_columns + 1).max(4);
                    for (i, line) in wrap(value, value_columns).into_iter().enumerate() {
                        let head = if i == 0 {
                            pad_to(label, label_columns)
                        } else {
                            " ".repeat(label_columns)
                        };
                        out.push(Laid::Text(TextLine {
                            text: format!("{head} {line}").trim_end().to_string(),
                            align: Align::Left,
                            bold: false,
                            scale: 1,
                        }));
                    }
                }
                Block::Rule => out.push(Laid::Text(TextLine {
                    text: "-".repeat(columns),
                    align: Align::Left,
                    bold: false,
                    scale: 1,
                })),
                Block::Qr { payload, module } => out.push(Laid::Qr {
                    payload: payload.clone(),
                    module: *module,
                }),
                Block::Barcode(data) => out.push(Laid::Barcode(data.clone())),
                Block::Feed(n) => out.push(Laid::Feed(*n)),
            }
        }
        out
    }
}

/// A laid-out element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Laid {
    Text(TextLine),
    Qr { payload: String, module: u8 },
    Barcode(String),
    Feed(u8),
}

fn yuan(fen: u32, lang: Lang) -> String {
    match (fen, lang) {
        (0, Lang::Zh) => "免费".into(),
        (0, Lang::En) => "free".into(),
        // ￥ (full-width, A3A4) prints on every Chinese font; ¥ is a 4-byte GB18030 code.
        (fen, _) => format!("￥{}.{:02}", fen / 100, fen % 100),
    }
}

/// The standard 受理回执 layout, in the citizen's language.
pub fn receipt_layout(receipt: &Receipt, lang: Lang, with_barcode: bool) -> ReceiptLayout {
    let t = |text: &Text| text.get(lang).to_string();
    let l = |zh_label: &str, en_label: &str| label(lang, zh_label, en_label);
    let mut blocks = vec![
        Block::Text {
            text: t(&receipt.site_name),
            align: Align::Center,
            bold: false,
        },
        Block::Title(l("受理回执", "Acceptance receipt")),
        Block::Rule,
    ];
    blocks.extend(case_fields(receipt, lang));
    blocks.extend(owed_materials(receipt, lang));
    blocks.push(Block::Rule);
    blocks.push(Block::Qr {
        payload: receipt.progress_url.clone(),
        module: 6,
    });
    blocks.push(Block::Text {
        text: l("扫码查询办理进度", "Scan to follow your application"),
        align: Align::Center,
        bold: false,
    });
    if with_barcode {
        blocks.push(Block::Barcode(receipt.number.to_string()));
    }
    blocks.push(Block::Text {
        text: l(
            "请妥善保管本回执。最多跑一次,就近跑一次。",
            "Please keep this receipt. At most one trip, to the nearest point.",
        ),
        align: Align::Center,
        bold: false,
    });
    ReceiptLayout { blocks }
}

/// A label in the receipt's language.
fn label(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::Zh { zh } else { en }.to_string()
}

/// The case's fields: number, service, applicant (masked), agent, dates, fee, delivery.
fn case_fields(receipt: &Receipt, lang: Lang) -> Vec<Block> {
    let t = |text: &Text| text.get(lang).to_string();
    let l = |zh_label: &str, en_label: &str| label(lang, zh_label, en_label);
    let field = |label: String, value: String| Block::Field { label, value };
    let mut fields = vec![
        field(l("受理编号", "Receipt no."), receipt.number.to_string()),
        field(
            l("办理事项", "Service"),
            format!("{} ({})", t(&receipt.item_name), receipt.item_code),
        ),
        field(
            l("申请人", "Applicant"),
            format!("{} {}", receipt.masked_applicant_name, receipt.masked_applicant_id)
                .trim()
                .to_string(),
        ),
    ];
    if let Some(agent) = &receipt.masked_agent_id {
        fields.push(field(l("代办人", "Agent"), agent.clone()));
    }
    fields.push(field(l("受理日期", "Accepted on"), receipt.submitted_on.to_string()));
    let mut due = receipt.expected_completion.to_string();
    if receipt.urgent {
        due.push_str(&l(" (加急)", " (urgent)"));
    }
    fields.push(field(l("预计办结", "Ready by"), due));
    let fee = if receipt.fee_fen == 0 {
        yuan(0, lang)
    } else {
        format!("{} {}", yuan(receipt.fee_fen, lang), l("已缴", "paid"))
    };
    fields.push(field(l("费用", "Fee"), fee));
    let delivery = match &receipt.delivery {
        ReceiptDelivery::WindowPickup { place } => format!("{} {}", l("窗口领取:", "Collect at:"), t(place)),
        ReceiptDelivery::Express {
            masked_recipient,
            masked_address,
        } => format!(
            "{} {masked_recipient} {masked_address}",
            l("免费快递至", "Free delivery to")
        ),
    };
    fields.push(field(l("取件方式", "Delivery"), delivery));
    fields
}

/// The materials still owed (容缺受理), each with its deadline; nothing when none are.
fn owed_materials(receipt: &Receipt, lang: Lang) -> Vec<Block> {
    if receipt.materials_owed.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![
        Block::Rule,
        Block::Text {
            text: label(
                lang,
                "待补材料(容缺受理):",
                "Materials still owed (accepted on promise):",
            ),
            align: Align::Left,
            bold: true,
        },
    ];
    for owed in &receipt.materials_owed {
        let by = if lang == Lang::Zh {
            format!("请于{}前补交", owed.deadline)
        } else {
            format!("supply by {}", owed.deadline)
        };
        blocks.push(Block::Text {
            text: format!("· {} {by}", owed.name.get(lang)),
            align: Align::Left,
            bold: false,
        });
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_by_display_width() {
        assert_eq!(
            wrap("浙江省宁波市象山县石浦镇", 10),
            vec!["浙江省宁波", "市象山县石", "浦镇"]
        );
        assert_eq!(
            wrap("Free delivery to the address", 12),
            vec!["Free", "delivery to", "the address"]
        );
        assert_eq!(
            wrap("居民身份证遗失补领 (ID-003)", 24),
            vec!["居民身份证遗失补领", "(ID-003)"]
        );
        assert_eq!(
            wrap("林*喆 330225********0027", 22),
            vec!["林*喆", "330225********0027"]
        );
        assert_eq!(wrap("ABCDEFGHIJ", 4), vec!["ABCD", "EFGH", "IJ"]);
        assert_eq!(wrap("· 材料", 4), vec!["·", "材料"]);
        assert_eq!(wrap("", 10), vec![""]);
        // A hanzi never straddles the edge: 9 columns hold 4 hanzi.
        assert_eq!(wrap("一二三四五", 9), vec!["一二三四", "五"]);
        for line in wrap("办理事项:居民身份证有效期满换领 (ID-001) and more text", 16) {
            assert!(text_width(&line) <= 16, "{line}");
        }
    }

    #[test]
    fn fields_line_up_in_columns() {
        let layout = ReceiptLayout {
            blocks: vec![
                Block::Field {
                    label: "受理编号".into(),
                    value: "XSSP-261126-0001-K".into(),
                },
                Block::Field {
                    label: "取件方式".into(),
                    value: "免费快递至 陈*燕 浙江省象山县****".into(),
                },
            ],
        };
        let lines: Vec<String> = layout
            .lines(32)
            .into_iter()
            .map(|l| match l {
                Laid::Text(t) => t.text,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                "受理编号 XSSP-261126-0001-K",
                "取件方式 免费快递至 陈*燕 浙江省",
                "         象山县****"
            ]
        );
        assert!(lines.iter().all(|l| text_width(l) <= 32));
    }
}
