//! The 256-byte text block of the cards that share the chip format, decoded into fields:
//! 居民身份证 (resident), 'J' 港澳台居民居住证, 'I' 外国人永久居留身份证 2017 and 'Y' 2023.
//! The layout is told by the UCS-2 character at offset 248; ID numbers go through the
//! domain's `IdNumber`. `Debug` is masked: card data must never reach a log in clear.

use super::protocol::{decode_ucs2, encode_ucs2};
use crate::domain::calendar::Date;
use crate::domain::id_number::{IdNumber, IdNumberError};
use crate::domain::masking::{mask_address, mask_name};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CardType {
    Resident,
    Hkmotw,
    Foreign2017,
    Foreign2023,
}

impl CardType {
    pub fn flag(self) -> char {
        match self {
            CardType::Resident => ' ',
            CardType::Hkmotw => 'J',
            CardType::Foreign2017 => 'I',
            CardType::Foreign2023 => 'Y',
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            CardType::Resident => "resident",
            CardType::Hkmotw => "hkmotw",
            CardType::Foreign2017 => "foreign2017",
            CardType::Foreign2023 => "foreign2023",
        }
    }
}

/// Sex code, GB/T 2261.1 — 0 and 9 are mapped explicitly, never guessed as female.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardSex {
    Unknown,
    Male,
    Female,
    NotStated,
}

impl CardSex {
    pub fn from_code(code: &str) -> Option<CardSex> {
        Some(match code {
            "0" => CardSex::Unknown,
            "1" => CardSex::Male,
            "2" => CardSex::Female,
            "9" => CardSex::NotStated,
            _ => return None,
        })
    }
    pub fn code(self) -> &'static str {
        match self {
            CardSex::Unknown => "0",
            CardSex::Male => "1",
            CardSex::Female => "2",
            CardSex::NotStated => "9",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            CardSex::Unknown => "未知",
            CardSex::Male => "男",
            CardSex::Female => "女",
            CardSex::NotStated => "未说明",
        }
    }
}

/// GB/T 3304 ethnicity codes 01–56, 97, 98 (Latin names per GB/T 3304 romanisation).
const ETHNICITIES: &[(&str, &str, &str)] = &[
    ("01", "汉", "Han"),
    ("02", "蒙古", "Mongol"),
    ("03", "回", "Hui"),
    ("04", "藏", "Zang"),
    ("05", "维吾尔", "Uygur"),
    ("06", "苗", "Miao"),
    ("07", "彝", "Yi"),
    ("08", "壮", "Zhuang"),
    ("09", "布依", "Buyei"),
    ("10", "朝鲜", "Chosen"),
    ("11", "满", "Man"),
    ("12", "侗", "Dong"),
    ("13", "瑶", "Yao"),
    ("14", "白", "Bai"),
    ("15", "土家", "Tujia"),
    ("16", "哈尼", "Hani"),
    ("17", "哈萨克", "Kazak"),
    ("18", "傣", "Dai"),
    ("19", "黎", "Li"),
    ("20", "傈僳", "Lisu"),
    ("21", "佤", "Va"),
    ("22", "畲", "She"),
    ("23", "高山", "Gaoshan"),
    ("24", "拉祜", "Lahu"),
    ("25", "水", "Sui"),
    ("26", "东乡", "Dongxiang"),
    ("27", "纳西", "Naxi"),
    ("28", "景颇", "Jingpo"),
    ("29", "柯尔克孜", "Kirgiz"),
    ("30", "土", "Tu"),
    ("31", "达斡尔", "Daur"),
    ("32", "仫佬", "Mulao"),
    ("33", "羌", "Qiang"),
    ("34", "布朗", "Blang"),
    ("35", "撒拉", "Salar"),
    ("36", "毛南", "Maonan"),
    ("37", "仡佬", "Gelao"),
    ("38", "锡伯", "Xibe"),
    ("39", "阿昌", "Achang"),
    ("40", "普米", "Pumi"),
    ("41", "塔吉克", "Tajik"),
    ("42", "怒", "Nu"),
    ("43", "乌孜别克", "Uzbek"),
    ("44", "俄罗斯", "Russ"),
    ("45", "鄂温克", "Ewenki"),
    ("46", "德昂", "Deang"),
    ("47", "保安", "Bonan"),
    ("48", "裕固", "Yugur"),
    ("49", "京", "Gin"),
    ("50", "塔塔尔", "Tatar"),
    ("51", "独龙", "Derung"),
    ("52", "鄂伦春", "Oroqen"),
    ("53", "赫哲", "Hezhen"),
    ("54", "门巴", "Monba"),
    ("55", "珞巴", "Lhoba"),
    ("56", "基诺", "Jino"),
    ("97", "其他", "Other"),
    ("98", "外国血统中国籍人士", "Chinese citizen of foreign origin"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Ethnicity {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Ethnicity {
    pub fn from_code(code: &str) -> Option<Ethnicity> {
        ETHNICITIES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(code, zh, en)| Ethnicity { code, zh, en })
    }
}

/// 有效期截止: a date or 长期 (long-term).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidTo {
    Date(Date),
    LongTerm,
}

impl fmt::Display for ValidTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidTo::Date(d) => write!(f, "{d}"),
            ValidTo::LongTerm => f.write_str("long-term"),
        }
    }
}

/// Everything the card's text block says. Fields that a layout lacks are `None`.
#[derive(Clone, PartialEq, Eq)]
pub struct CardText {
    pub card_type: CardType,
    /// Chinese name (may be blank on foreigner cards).
    pub name: String,
    pub name_en: Option<String>,
    pub sex: CardSex,
    pub ethnicity: Option<Ethnicity>,
    pub birth_date: Date,
    pub address: Option<String>,
    pub id_number: IdNumber,
    pub issuer: Option<String>,
    pub valid_from: Date,
    pub valid_to: ValidTo,
    pub pass_number: Option<String>,
    pub issue_count: Option<String>,
    pub nationality: Option<String>,
    pub card_version: Option<String>,
    pub authority_code: Option<String>,
    pub old_number_link: Option<String>,
}

impl fmt::Debug for CardText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardText")
            .field("card_type", &self.card_type)
            .field("name", &mask_name(&self.name))
            .field("id_number", &self.id_number)
            .field("address", &self.address.as_deref().map(mask_address))
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardDataError {
    #[error("text block is {0} bytes, not 256")]
    Size(usize),
    #[error("the ID number on the card is not valid ({0})")]
    IdNumber(IdNumberError),
    #[error("field {field} holds an invalid date")]
    Date { field: &'static str },
    #[error("sex code {0:?} is not in GB/T 2261.1")]
    Sex(String),
    #[error("ethnicity code {0:?} is not in GB/T 3304")]
    Ethnicity(String),
}

/// One field's place in the block: byte offset and size.
#[derive(Clone, Copy)]
struct Field(usize, usize);

impl Field {
    fn read(self, block: &[u8]) -> String {
        decode_ucs2(&block[self.0..self.0 + self.1])
    }
    fn write(self, block: &mut [u8], text: &str) {
        block[self.0..self.0 + self.1].copy_from_slice(&encode_ucs2(text, self.1));
    }
}

const TYPE_FLAG: Field = Field(248, 2);

mod resident {
    use super::Field;
    pub const NAME: Field = Field(0, 30);
    pub const SEX: Field = Field(30, 2);
    pub const ETHNICITY: Field = Field(32, 4);
    pub const BIRTH: Field = Field(36, 16);
    pub const ADDRESS: Field = Field(52, 70);
    pub const ID: Field = Field(122, 36);
    pub const ISSUER: Field = Field(158, 30);
    pub const FROM: Field = Field(188, 16);
    pub const TO: Field = Field(204, 16);
    /// 'J' permits only: pass number and issue count in the reserved area.
    pub const PASS: Field = Field(220, 18);
    pub const ISSUES: Field = Field(238, 4);
}

mod foreign2017 {
    use super::Field;
    pub const NAME_EN: Field = Field(0, 120);
    pub const SEX: Field = Field(120, 2);
    pub const ID: Field = Field(122, 30);
    pub const NATIONALITY: Field = Field(152, 6);
    pub const NAME: Field = Field(158, 30);
    pub const FROM: Field = Field(188, 16);
    pub const TO: Field = Field(204, 16);
    pub const BIRTH: Field = Field(220, 16);
    pub const VERSION: Field = Field(236, 4);
    pub const AUTHORITY: Field = Field(240, 8);
}

mod foreign2023 {
    use super::Field;
    pub const NAME: Field = Field(0, 30);
    pub const SEX: Field = Field(30, 2);
    pub const RENEWALS: Field = Field(32, 4);
    pub const BIRTH: Field = Field(36, 16);
    pub const NAME_EN: Field = Field(52, 70);
    pub const ID: Field = Field(122, 36);
    pub const FROM: Field = Field(188, 16);
    pub const TO: Field = Field(204, 16);
    pub const NAME_EN_MORE: Field = Field(220, 22);
    pub const COUNTRY: Field = Field(242, 6);
    pub const OLD_LINK: Field = Field(250, 6);
}

fn date(field: Field, block: &[u8], name: &'static str) -> Result<Date, CardDataError> {
    Date::parse(&field.read(block)).ok_or(CardDataError::Date { field: name })
}

fn valid_to(field: Field, block: &[u8]) -> Result<ValidTo, CardDataError> {
    let text = field.read(block);
    if text == "长期" {
        Ok(ValidTo::LongTerm)
    } else {
        Date::parse(&text)
            .map(ValidTo::Date)
            .ok_or(CardDataError::Date { field: "valid_to" })
    }
}

fn sex(field: Field, block: &[u8]) -> Result<CardSex, CardDataError> {
    let code = field.read(block);
    CardSex::from_code(&code).ok_or(CardDataError::Sex(code))
}

fn id_number(field: Field, block: &[u8]) -> Result<IdNumber, CardDataError> {
    IdNumber::parse(&field.read(block)).map_err(CardDataError::IdNumber)
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

impl CardText {
    pub fn parse(block: &[u8]) -> Result<CardText, CardDataError> {
        if block.len() != 256 {
            return Err(CardDataError::Size(block.len()));
        }
        match TYPE_FLAG.read(block).as_str() {
            "I" => Self::parse_foreign2017(block),
            "Y" => Self::parse_foreign2023(block),
            flag => Self::parse_resident(block, flag == "J"),
        }
    }

    /// The 2017 foreigner's permanent residence card (flag `I`).
    fn parse_foreign2017(block: &[u8]) -> Result<CardText, CardDataError> {
        use foreign2017::*;
        Ok(CardText {
            card_type: CardType::Foreign2017,
            name: NAME.read(block),
            name_en: non_empty(NAME_EN.read(block)),
            sex: sex(SEX, block)?,
            ethnicity: None,
            birth_date: date(BIRTH, block, "birth_date")?,
            address: None,
            id_number: id_number(ID, block)?,
            issuer: None,
            valid_from: date(FROM, block, "valid_from")?,
            valid_to: valid_to(TO, block)?,
            pass_number: None,
            issue_count: None,
            nationality: non_empty(NATIONALITY.read(block)),
            card_version: non_empty(VERSION.read(block)),
            authority_code: non_empty(AUTHORITY.read(block)),
            old_number_link: None,
        })
    }

    /// The 2023 foreigner's permanent residence card (flag `Y`).
    fn parse_foreign2023(block: &[u8]) -> Result<CardText, CardDataError> {
        use foreign2023::*;
        let name_en = format!("{}{}", NAME_EN.read(block).trim_end(), NAME_EN_MORE.read(block))
            .trim()
            .to_string();
        Ok(CardText {
            card_type: CardType::Foreign2023,
            name: NAME.read(block),
            name_en: non_empty(name_en),
            sex: sex(SEX, block)?,
            ethnicity: None,
            birth_date: date(BIRTH, block, "birth_date")?,
            address: None,
            id_number: id_number(ID, block)?,
            issuer: None,
            valid_from: date(FROM, block, "valid_from")?,
            valid_to: valid_to(TO, block)?,
            pass_number: None,
            issue_count: non_empty(RENEWALS.read(block)),
            nationality: non_empty(COUNTRY.read(block)),
            card_version: None,
            authority_code: None,
            old_number_link: non_empty(OLD_LINK.read(block)),
        })
    }

    /// The resident ID card, or (`permit`, flag `J`) the HK/Macao/Taiwan residence permit.
    fn parse_resident(block: &[u8], permit: bool) -> Result<CardText, CardDataError> {
        use resident::*;
        let ethnicity = if permit {
            None
        } else {
            let code = ETHNICITY.read(block);
            Some(Ethnicity::from_code(&code).ok_or(CardDataError::Ethnicity(code))?)
        };
        Ok(CardText {
            card_type: if permit { CardType::Hkmotw } else { CardType::Resident },
            name: NAME.read(block),
            name_en: None,
            sex: sex(SEX, block)?,
            ethnicity,
            birth_date: date(BIRTH, block, "birth_date")?,
            address: non_empty(ADDRESS.read(block)),
            id_number: id_number(ID, block)?,
            issuer: non_empty(ISSUER.read(block)),
            valid_from: date(FROM, block, "valid_from")?,
            valid_to: valid_to(TO, block)?,
            pass_number: if permit { non_empty(PASS.read(block)) } else { None },
            issue_count: if permit { non_empty(ISSUES.read(block)) } else { None },
            nationality: None,
            card_version: None,
            authority_code: None,
            old_number_link: None,
        })
    }

    /// The text block a card with these fields carries (used by the simulator).
    pub fn encode(&self) -> Vec<u8> {
        let mut block = vec![0u8; 256];
        // Everything starts as UCS-2 spaces, as on real cards.
        for pair in block.chunks_exact_mut(2) {
            pair.copy_from_slice(&[0x20, 0x00]);
        }
        let to = match self.valid_to {
            ValidTo::Date(d) => d.compact(),
            ValidTo::LongTerm => "长期".into(),
        };
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        match self.card_type {
            CardType::Foreign2017 => {
                use foreign2017::*;
                NAME_EN.write(&mut block, &opt(&self.name_en));
                SEX.write(&mut block, self.sex.code());
                ID.write(&mut block, self.id_number.expose());
                NATIONALITY.write(&mut block, &opt(&self.nationality));
                NAME.write(&mut block, &self.name);
                FROM.write(&mut block, &self.valid_from.compact());
                TO.write(&mut block, &to);
                BIRTH.write(&mut block, &self.birth_date.compact());
                VERSION.write(&mut block, &opt(&self.card_version));
                AUTHORITY.write(&mut block, &opt(&self.authority_code));
            }
            CardType::Foreign2023 => {
                use foreign2023::*;
                let name_en = opt(&self.name_en);
                let (first, rest) = split_chars(&name_en, 35);
                NAME.write(&mut block, &self.name);
                SEX.write(&mut block, self.sex.code());
                RENEWALS.write(&mut block, &opt(&self.issue_count));
                BIRTH.write(&mut block, &self.birth_date.compact());
                NAME_EN.write(&mut block, &first);
                ID.write(&mut block, self.id_number.expose());
                FROM.write(&mut block, &self.valid_from.compact());
                TO.write(&mut block, &to);
                NAME_EN_MORE.write(&mut block, &rest);
                COUNTRY.write(&mut block, &opt(&self.nationality));
                OLD_LINK.write(&mut block, &opt(&self.old_number_link));
            }
            CardType::Resident | CardType::Hkmotw => {
                use resident::*;
                NAME.write(&mut block, &self.name);
                SEX.write(&mut block, self.sex.code());
                ETHNICITY.write(&mut block, self.ethnicity.map(|e| e.code).unwrap_or(""));
                BIRTH.write(&mut block, &self.birth_date.compact());
                ADDRESS.write(&mut block, &opt(&self.address));
                ID.write(&mut block, self.id_number.expose());
                ISSUER.write(&mut block, &opt(&self.issuer));
                FROM.write(&mut block, &self.valid_from.compact());
                TO.write(&mut block, &to);
                if self.card_type == CardType::Hkmotw {
                    PASS.write(&mut block, &opt(&self.pass_number));
                    ISSUES.write(&mut block, &opt(&self.issue_count));
                }
            }
        }
        TYPE_FLAG.write(&mut block, &self.card_type.flag().to_string());
        block
    }
}

fn split_chars(text: &str, n: usize) -> (String, String) {
    let first: String = text.chars().take(n).collect();
    let rest: String = text.chars().skip(n).collect();
    (first, rest)
}

#[cfg(test)]
mod tests;
