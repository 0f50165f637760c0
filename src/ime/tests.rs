//! The engine and the division table on the real embedded data: a table of inputs and the
//! candidates expected on top, the region boost, and the picker's paths down to a village.

use super::*;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load_default().unwrap())
}

fn table() -> &'static DivisionTable {
    static TABLE: OnceLock<DivisionTable> = OnceLock::new();
    TABLE.get_or_init(|| DivisionTable::load_default().unwrap())
}

fn top(input: &str, region: Option<&str>, fuzzy: bool, n: usize) -> Vec<String> {
    let options = QueryOptions {
        region,
        fuzzy,
        limit: n,
    };
    engine().query(input, &options).into_iter().map(|c| c.text).collect()
}

const XIANGSHAN: Option<&str> = Some("330225");

#[test]
fn inputs_give_the_expected_first_candidate() {
    // (input, region, fuzzy, expected first candidate)
    let table: &[(&str, Option<&str>, bool, &str)] = &[
        // Place names.
        ("shipu", XIANGSHAN, true, "石浦"),
        ("shipuzhen", XIANGSHAN, true, "石浦镇"),
        ("xiangshan", XIANGSHAN, true, "象山"),
        ("xiangshanxian", XIANGSHAN, true, "象山县"),
        ("ningbo", None, true, "宁波"),
        ("zhejiang", None, true, "浙江"),
        ("huangbiao", XIANGSHAN, true, "黄避岙"),
        ("tuci", XIANGSHAN, true, "涂茨"),
        ("maoyang", XIANGSHAN, true, "茅洋"),
        // Common words.
        ("zhongguoren", None, true, "中国人"),
        ("shequ", None, true, "社区"),
        ("xiaoqu", None, true, "小区"),
        ("weiyuanhui", None, true, "委员会"),
        ("de", None, true, "的"),
        // Abbreviations and mixed forms.
        ("pcs", None, true, "派出所"),
        ("zgr", None, true, "中国人"),
        ("sp", XIANGSHAN, true, "石浦"),
        ("shipuz", XIANGSHAN, true, "石浦镇"),
        ("zhongguor", None, true, "中国人"),
        // Fuzzy forms.
        ("sipu", XIANGSHAN, true, "石浦"),
        ("lingbo", None, true, "宁波"),
        ("zejiang", None, true, "浙江"),
        ("xiansan", XIANGSHAN, true, "象山"),
        // Syllable splitting.
        ("xi'an", None, true, "西安"),
    ];
    let mut failures = Vec::new();
    for (input, region, fuzzy, expected) in table {
        let got = top(input, *region, *fuzzy, 5);
        if got.first().map(String::as_str) != Some(*expected) {
            failures.push(format!("{input} (region {region:?}): expected {expected}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn xian_is_one_syllable_unless_split() {
    let joined = top("xian", None, true, 10);
    assert_eq!(joined[0].chars().count(), 1, "{joined:?}");
    assert!(joined.iter().any(|c| c == "西安"), "xi an is offered lower: {joined:?}");
    let split = top("xi'an", None, true, 10);
    assert_eq!(split[0], "西安");
    let options = QueryOptions {
        limit: 50,
        ..Default::default()
    };
    let whole = engine()
        .query("xi'an", &options)
        .into_iter()
        .filter(|c| c.consumed == 5);
    assert!(whole.into_iter().all(|c| c.text.chars().count() >= 2), "{split:?}");
}

#[test]
fn fuzzy_matching_can_be_switched_off() {
    assert!(!top("sipu", XIANGSHAN, false, 10).contains(&"石浦".to_string()));
    assert!(!top("lingbo", None, false, 10).contains(&"宁波".to_string()));
    assert_eq!(top("shipu", XIANGSHAN, false, 1), ["石浦"]);
}

#[test]
fn place_names_are_boosted_only_inside_the_region() {
    // 石浦 is a township of 象山县: boosted there and in 宁波市, not in 杭州市 or nowhere.
    assert_eq!(top("shipu", Some("330200"), true, 1), ["石浦"]);
    assert_ne!(top("shipu", Some("330100"), true, 1), ["石浦"]);
    assert_ne!(top("shipu", None, true, 1), ["石浦"]);
    assert!(
        top("shipu", None, true, 10).contains(&"石浦".to_string()),
        "still offered outside"
    );
    // A flat boost would put 向山 (a village elsewhere) above 象山: with 杭州市 chosen
    // neither is boosted and the commoner word 香山 leads, 象山 follows.
    let hangzhou = top("xiangshan", Some("330100"), true, 5);
    assert_eq!(hangzhou[0], "香山");
    assert!(
        hangzhou.contains(&"象山".to_string()) && !hangzhou.contains(&"向山".to_string()),
        "{hangzhou:?}"
    );
    // The region's own ancestors count as inside: 宁波 with region 象山县.
    assert_eq!(top("ningbo", XIANGSHAN, true, 1), ["宁波"]);
    // Townships of another county are not boosted by 象山县.
    let elsewhere = top("dongwu", XIANGSHAN, true, 5); // 东吴镇 is in 鄞州区.
    assert!(elsewhere.first().is_none_or(|c| c != "东吴"), "{elsewhere:?}");
}

#[test]
fn partial_candidates_say_what_they_consume() {
    let options = QueryOptions {
        region: XIANGSHAN,
        ..Default::default()
    };
    let candidates = engine().query("shipuzhen", &options);
    assert_eq!(candidates[0].text, "石浦镇");
    assert_eq!(candidates[0].consumed, "shipuzhen".len());
    assert!(candidates[0].place);
    let input = "shipu'zhen";
    let shipu = engine()
        .query(input, &options)
        .into_iter()
        .find(|c| c.text == "石浦")
        .unwrap();
    assert_eq!(&input[shipu.consumed..], "zhen");
    assert_eq!(
        engine().query("zhongshanlu", &QueryOptions::default())[0].text,
        "中山路"
    );
}

#[test]
fn queries_keep_no_state_and_odd_input_is_harmless() {
    let first = top("shipu", XIANGSHAN, true, 10);
    for _ in 0..3 {
        let _ = top("shi", None, true, 10);
    }
    assert_eq!(top("shipu", XIANGSHAN, true, 10), first);
    assert!(top("", None, true, 10).is_empty());
    assert!(top("'''", None, true, 10).is_empty());
    assert!(top("iii", None, true, 10).is_empty());
    let _ = top(&"s".repeat(40), None, true, 10);
    let _ = top("石浦", None, true, 10);
    assert_eq!(top("SHIPU", XIANGSHAN, true, 1), ["石浦"]);
    assert!(top("shipu", Some("not-a-code"), true, 1) != ["石浦"]);
}

#[test]
fn division_names_get_their_readings() {
    assert_eq!(engine().readings_of("石浦镇"), ["shi pu zhen"]);
    assert_eq!(engine().readings_of("黄避岙乡"), ["huang bi ao xiang"]);
    assert_eq!(engine().readings_of("重庆市"), ["chong qing shi"]);
    let stats = engine().stats();
    assert!(stats.words > 60_000 && stats.place_forms > 80_000, "{stats:?}");
    assert!(stats.unread_names < 200, "{stats:?}");
}

#[test]
fn the_division_table_goes_down_to_the_village() {
    let t = table();
    assert_eq!(t.children(None).len(), 31);
    let zhejiang: Vec<_> = t.children(Some("330000")).iter().map(|d| d.name).collect();
    assert_eq!(zhejiang.len(), 11);
    assert!(zhejiang.contains(&"宁波市"));
    let townships = t.children(Some("330225"));
    assert_eq!(townships.len(), 18);
    let shipu = townships.iter().find(|d| d.name == "石浦镇").unwrap();
    assert_eq!((shipu.code, shipu.level), ("330225101", Level::Township));
    assert!(
        !t.children(Some("330225101")).is_empty(),
        "villages of the deployment's county"
    );
    assert!(t.children(Some("330226001")).is_empty(), "no villages elsewhere");
    let path: Vec<_> = t.path("330225101").iter().map(|d| d.name).collect();
    assert_eq!(path, ["浙江省", "宁波市", "象山县", "石浦镇"]);
    assert_eq!(
        t.find_by_name("石浦", Some("330200"))
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        ["330225101"]
    );
    assert!(t.get("999999").is_none() && t.path("999999").is_empty());
}

#[test]
fn card_addresses_give_their_divisions() {
    let t = table();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "浙江省象山县石浦镇中山路1号",
            &["330000", "330200", "330225", "330225101"],
            "中山路1号",
        ),
        (
            "浙江省宁波市象山县石浦镇中山路1号",
            &["330000", "330200", "330225", "330225101"],
            "中山路1号",
        ),
        (
            "北京市东城区东华门街道某胡同3号",
            &["110000", "110100", "110101", "110101001"],
            "某胡同3号",
        ),
        ("浙江省宁波市海曙区某路2号", &["330000", "330200", "330203"], "某路2号"),
        ("火星某处", &[], "火星某处"),
    ];
    for (address, codes, rest) in cases {
        let start = t.parse_address_start(address);
        assert_eq!(start.codes, *codes, "{address}");
        assert_eq!(&address[start.rest..], *rest, "{address}");
    }
}

#[test]
fn the_address_model_renders_with_the_table() {
    use crate::domain::address::{DivisionCodes, PostalAddress};
    let start = table().parse_address_start("浙江省象山县石浦镇中山路1号");
    let codes = DivisionCodes::from_path(&start.codes).unwrap();
    let address = PostalAddress::new(codes, "中山路1号", "张三", "13812345678").unwrap();
    assert_eq!(address.full_text(table()), "浙江省宁波市象山县石浦镇中山路1号");
}
