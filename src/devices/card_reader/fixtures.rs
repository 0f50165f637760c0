//! Made-up cards for the simulator and tests. These are invented identities — never real
//! people: names chosen to be plausible, numbers built with valid check characters. They
//! cover all four layouts, 长期 validity, rare name characters (堃 喆), appended addresses
//! and the three fingerprint sizes.

use super::card_data::{CardSex, CardText, CardType, Ethnicity, ValidTo};
use crate::domain::calendar::Date;
use crate::domain::id_number::IdNumber;

/// A card as the simulated reader holds it. `Debug` is masked like [`super::Card`]'s.
#[derive(Clone, PartialEq, Eq)]
pub struct SimCard {
    pub text: CardText,
    /// The WLT photo block (1024 bytes; made-up bytes with a WLT-like header).
    pub photo: Vec<u8>,
    /// 0, 512 or 1024 bytes of fingerprint templates.
    pub fingerprint_len: usize,
    pub appended_address: Option<String>,
}

impl std::fmt::Debug for SimCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCard")
            .field("text", &self.text)
            .field("photo_bytes", &self.photo.len())
            .field("fingerprint_len", &self.fingerprint_len)
            .field(
                "appended_address",
                &self
                    .appended_address
                    .as_deref()
                    .map(crate::domain::masking::mask_address),
            )
            .finish()
    }
}

pub const FIXTURE_NAMES: &[&str] = &[
    "resident",
    "resident-elderly",
    "resident-rare-name",
    "hkmotw",
    "foreign2017",
    "foreign2023",
];

fn date(text: &str) -> Date {
    Date::parse(text).expect("fixture date")
}

fn id(text: &str) -> IdNumber {
    IdNumber::parse(text).expect("fixture number")
}

/// A deterministic made-up WLT block: "WL", width 102, height 126 (LE), then filler.
pub fn fake_wlt(seed: u8) -> Vec<u8> {
    let mut photo = vec![b'W', b'L', 0x66, 0x00, 0x7E, 0x00, 0x32];
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    while photo.len() < 1024 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        photo.push((x >> 24) as u8);
    }
    photo
}

fn resident(name: &str, sex: CardSex, birth: &str, number: &str, address: &str, from: &str, to: ValidTo) -> CardText {
    CardText {
        card_type: CardType::Resident,
        name: name.into(),
        name_en: None,
        sex,
        ethnicity: Ethnicity::from_code("01"),
        birth_date: date(birth),
        address: Some(address.into()),
        id_number: id(number),
        issuer: Some("象山县公安局".into()),
        valid_from: date(from),
        valid_to: to,
        pass_number: None,
        issue_count: None,
        nationality: None,
        card_version: None,
        authority_code: None,
        old_number_link: None,
    }
}

pub fn fixture(name: &str) -> Option<SimCard> {
    let card = |text, seed, fingerprint_len, appended_address: Option<&str>| SimCard {
        text,
        photo: fake_wlt(seed),
        fingerprint_len,
        appended_address: appended_address.map(str::to_string),
    };
    Some(match name {
        "resident" => card(
            resident(
                "陈晓燕",
                CardSex::Female,
                "19850612",
                "330225198506120431",
                "浙江省象山县石浦镇东门岛渔港路18号",
                "20160301",
                ValidTo::Date(date("20360301")),
            ),
            1,
            1024,
            None,
        ),
        "resident-elderly" => card(
            resident(
                "王阿根",
                CardSex::Male,
                "19420308",
                "330225194203080614",
                "浙江省象山县黄避岙乡大林村",
                "20120515",
                ValidTo::LongTerm,
            ),
            2,
            0,
            Some("浙江省象山县石浦镇金山路21弄3号"),
        ),
        "resident-rare-name" => card(
            resident(
                "林堃喆",
                CardSex::Male,
                "19671123",
                "330225196711230884",
                "浙江省象山县丹东街道天安路7号",
                "20180920",
                ValidTo::Date(date("20380920")),
            ),
            3,
            512,
            None,
        ),
        "hkmotw" => {
            let mut text = resident(
                "何嘉欣",
                CardSex::Female,
                "19880220",
                "810000198802200029",
                "浙江省宁波市鄞州区天童南路588号",
                "20230110",
                ValidTo::Date(date("20280110")),
            );
            text.card_type = CardType::Hkmotw;
            text.ethnicity = None;
            text.issuer = Some("宁波市公安局鄞州分局".into());
            text.pass_number = Some("H60012345".into());
            text.issue_count = Some("01".into());
            card(text, 4, 0, None)
        }
        "foreign2017" => card(
            CardText {
                card_type: CardType::Foreign2017,
                name: "史密斯".into(),
                name_en: Some("SMITH, JOHN ALEXANDER".into()),
                sex: CardSex::Male,
                ethnicity: None,
                birth_date: date("19790405"),
                address: None,
                id_number: id("USA337904051234"),
                issuer: None,
                valid_from: date("20190801"),
                valid_to: ValidTo::Date(date("20290801")),
                pass_number: None,
                issue_count: None,
                nationality: Some("USA".into()),
                card_version: Some("01".into()),
                authority_code: Some("3300".into()),
                old_number_link: None,
            },
            5,
            0,
            None,
        ),
        "foreign2023" => card(
            CardText {
                card_type: CardType::Foreign2023,
                name: "玛丽亚".into(),
                name_en: Some("GONZALEZ RODRIGUEZ, MARIA DEL CARMEN ISABEL".into()),
                sex: CardSex::Female,
                ethnicity: None,
                birth_date: date("19790405"),
                address: None,
                id_number: id("933840197904050017"),
                issuer: None,
                valid_from: date("20240115"),
                valid_to: ValidTo::Date(date("20340115")),
                pass_number: None,
                issue_count: Some("00".into()),
                nationality: Some("USA".into()),
                card_version: None,
                authority_code: None,
                old_number_link: Some("USA".into()),
            },
            6,
            1024,
            None,
        ),
        _ => return None,
    })
}
