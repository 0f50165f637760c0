//! Card layouts: every fixture round-trips; field offsets and code tables are right.

use super::super::fixtures::{fixture, FIXTURE_NAMES};
use super::super::protocol::encode_ucs2;
use super::*;

#[test]
fn every_fixture_round_trips_through_the_256_byte_block() {
    for name in FIXTURE_NAMES {
        let card = fixture(name).unwrap();
        let block = card.text.encode();
        assert_eq!(block.len(), 256);
        assert_eq!(CardText::parse(&block).unwrap(), card.text, "{name}");
    }
}

#[test]
fn resident_layout_offsets() {
    let text = fixture("resident").unwrap().text;
    let block = text.encode();
    assert_eq!(&block[0..6], &encode_ucs2("陈晓燕", 6)[..]);
    assert_eq!(&block[30..32], &[b'2', 0]);
    assert_eq!(&block[32..36], &[b'0', 0, b'1', 0]);
    assert_eq!(&block[122..126], &[b'3', 0, b'3', 0]);
    assert_eq!(&block[248..250], &[0x20, 0x00]);
    let parsed = CardText::parse(&block).unwrap();
    assert_eq!(parsed.ethnicity.unwrap().zh, "汉");
    assert_eq!(parsed.sex, CardSex::Female);
}

#[test]
fn long_term_validity_and_rare_characters() {
    let parsed = CardText::parse(&fixture("resident-elderly").unwrap().text.encode()).unwrap();
    assert_eq!(parsed.valid_to, ValidTo::LongTerm);
    assert_eq!(parsed.valid_to.to_string(), "long-term");
    let parsed = CardText::parse(&fixture("resident-rare-name").unwrap().text.encode()).unwrap();
    assert_eq!(parsed.name, "林堃喆");
}

#[test]
fn permit_and_foreigner_layouts() {
    let hk = CardText::parse(&fixture("hkmotw").unwrap().text.encode()).unwrap();
    assert_eq!(
        (hk.card_type, hk.pass_number.as_deref(), hk.issue_count.as_deref()),
        (CardType::Hkmotw, Some("H60012345"), Some("01"))
    );
    assert_eq!(hk.ethnicity, None);
    let block = fixture("foreign2017").unwrap().text.encode();
    assert_eq!(&block[248..250], &[b'I', 0]);
    let old = CardText::parse(&block).unwrap();
    assert_eq!(
        (old.name_en.as_deref(), old.nationality.as_deref()),
        (Some("SMITH, JOHN ALEXANDER"), Some("USA"))
    );
    assert_eq!(old.id_number.masked(), "USA********1234");
    let new = CardText::parse(&fixture("foreign2023").unwrap().text.encode()).unwrap();
    assert_eq!(new.card_type, CardType::Foreign2023);
    // 43 characters: 35 at offset 52 and the rest at 220.
    assert_eq!(
        new.name_en.as_deref(),
        Some("GONZALEZ RODRIGUEZ, MARIA DEL CARMEN ISABEL")
    );
}

#[test]
fn sex_codes_zero_and_nine_are_not_guessed() {
    let mut text = fixture("resident").unwrap().text;
    for (sex, code) in [(CardSex::Unknown, b'0'), (CardSex::NotStated, b'9')] {
        text.sex = sex;
        let block = text.encode();
        assert_eq!(block[30], code);
        assert_eq!(CardText::parse(&block).unwrap().sex, sex);
    }
    let mut block = text.encode();
    block[30] = b'3';
    assert_eq!(CardText::parse(&block), Err(CardDataError::Sex("3".into())));
}

#[test]
fn bad_blocks_are_refused_with_a_reason() {
    assert_eq!(CardText::parse(&[0; 10]), Err(CardDataError::Size(10)));
    let mut block = fixture("resident").unwrap().text.encode();
    block[122 + 34] = b'9'; // change the check character
    assert!(matches!(CardText::parse(&block), Err(CardDataError::IdNumber(_))));
    let mut block = fixture("resident").unwrap().text.encode();
    block[32..36].copy_from_slice(&[b'7', 0, b'7', 0]);
    assert_eq!(CardText::parse(&block), Err(CardDataError::Ethnicity("77".into())));
    let mut block = fixture("resident").unwrap().text.encode();
    block[204..220].copy_from_slice(&encode_ucs2("2036XX01", 16));
    assert_eq!(CardText::parse(&block), Err(CardDataError::Date { field: "valid_to" }));
}

#[test]
fn ethnicity_table_is_complete() {
    for code in (1..=56)
        .map(|n| format!("{n:02}"))
        .chain(["97".to_string(), "98".to_string()])
    {
        assert!(Ethnicity::from_code(&code).is_some(), "{code}");
    }
    assert_eq!(Ethnicity::from_code("46").unwrap().zh, "德昂");
    assert_eq!(Ethnicity::from_code("43").unwrap().zh, "乌孜别克");
    assert!(Ethnicity::from_code("57").is_none());
}

#[test]
fn debug_is_masked() {
    let text = fixture("resident").unwrap().text;
    let shown = format!("{text:?}");
    assert!(
        !shown.contains("陈晓燕") && !shown.contains("330225198506120431") && !shown.contains("渔港路"),
        "{shown}"
    );
}
