//! `kiosk bench ime`: the pinyin engine's load time and memory, its lookup latency over
//! every prefix of 1,000 real address words, and its top-5 hit rate on the full pinyin of
//! those words, each printed against the goal of issue 11. `--words-out FILE` writes the
//! word set (`word<TAB>pinyin`) so another engine (librime) can be scored on the same set.

use super::exit;
use crate::ime::{divisions::name_forms, DivisionTable, Engine, Level, QueryOptions};
use std::time::{Duration, Instant};

const LOAD_GOAL_MS: f64 = 150.0;
const RSS_GOAL_MIB: f64 = 10.0;
const P99_GOAL_MS: f64 = 2.0;
const WORDS: usize = 1000;
/// The deployment's county, the region of the latency run.
const HOME: &str = "330225";

/// Words that addresses are made of besides place names.
const ADDRESS_WORDS: &[&str] = &[
    "路",
    "街",
    "街道",
    "大道",
    "小区",
    "社区",
    "村",
    "号",
    "弄",
    "巷",
    "栋",
    "幢",
    "单元",
    "室",
    "楼",
    "层",
    "公寓",
    "花园",
    "新村",
    "工业区",
    "开发区",
    "派出所",
    "医院",
    "学校",
    "中学",
    "小学",
    "市场",
    "广场",
    "码头",
    "车站",
    "公园",
    "大厦",
    "中心",
    "东路",
    "西路",
    "南路",
    "北路",
    "中路",
    "宾馆",
    "酒店",
    "银行",
    "邮局",
    "政府",
    "委员会",
    "居委会",
    "农贸市场",
    "菜场",
    "工业园",
    "新区",
    "老街",
    "大街",
    "胡同",
    "商场",
    "超市",
    "宿舍",
    "别墅",
    "厂",
    "公司",
    "门口",
    "对面",
    "旁边",
    "附近",
];

/// Resident set size of this process in KiB.
fn rss_kib() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as f64;
    Some(pages * page / 1024.0)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

/// (word, pinyin, county code for a place name): common address words, then the villages
/// and townships of the home county, then the townships of Zhejiang, up to [`WORDS`].
fn address_words(engine: &Engine, table: &DivisionTable) -> Vec<(String, String, Option<String>)> {
    let mut out: Vec<(String, String, Option<String>)> = Vec::new();
    let push = |text: &str, county: Option<&str>, out: &mut Vec<(String, String, Option<String>)>| {
        if out.len() >= WORDS || out.iter().any(|(t, _, _)| t == text) {
            return;
        }
        if let Some(reading) = engine.readings_of(text).into_iter().next() {
            out.push((text.to_string(), reading, county.map(str::to_string)));
        }
    };
    for word in ADDRESS_WORDS {
        push(word, None, &mut out);
    }
    let county_of = |code: &str| code[..6].to_string();
    let home = table
        .iter()
        .filter(|d| d.code.starts_with(HOME) && d.level >= Level::Township);
    let zhejiang = table
        .iter()
        .filter(|d| d.code.starts_with("33") && d.level == Level::Township);
    for division in home.chain(zhejiang) {
        let core = *name_forms(division.name).last().unwrap_or(&division.name);
        push(core, Some(&county_of(division.code)), &mut out);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Sorted latencies of every prefix of every address word's pinyin (region HOME, fuzzy).
fn prefix_latencies(engine: &Engine, words: &[(String, String, Option<String>)]) -> Vec<Duration> {
    let home = QueryOptions {
        region: Some(HOME),
        fuzzy: true,
        limit: 10,
    };
    let mut latencies = Vec::new();
    for (_, pinyin, _) in words {
        let letters: String = pinyin.split(' ').collect();
        for end in 1..=letters.len() {
            let start = Instant::now();
            let candidates = engine.query(&letters[..end], &home);
            latencies.push(start.elapsed());
            std::hint::black_box(candidates);
        }
    }
    latencies.sort();
    latencies
}

/// The share (%) of words found in the top five for their full pinyin, with the region
/// `region_of` gives a word's county.
fn hit_rate(
    engine: &Engine,
    words: &[(String, String, Option<String>)],
    region_of: &dyn Fn(&Option<String>) -> Option<String>,
) -> f64 {
    let found = words.iter().filter(|(word, pinyin, county)| {
        let letters: String = pinyin.split(' ').collect();
        let region = region_of(county);
        let options = QueryOptions {
            region: region.as_deref(),
            fuzzy: true,
            limit: 5,
        };
        engine.query(&letters, &options).iter().any(|c| &c.text == word)
    });
    found.count() as f64 * 100.0 / words.len() as f64
}

/// What loading took: the engine and the division table, in milliseconds, and the
/// process's RSS before, after the engine and after the table (KiB).
struct Loaded {
    engine: Engine,
    table: DivisionTable,
    load_ms: f64,
    table_ms: f64,
    rss: (Option<f64>, Option<f64>, Option<f64>),
}

fn load_timed() -> Result<Loaded, String> {
    let rss_before = rss_kib();
    let start = Instant::now();
    let engine = Engine::load_default().map_err(|e| e.to_string())?;
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let rss_after = rss_kib();
    let start = Instant::now();
    let table = DivisionTable::load_default().map_err(|e| e.to_string())?;
    let table_ms = start.elapsed().as_secs_f64() * 1000.0;
    Ok(Loaded {
        engine,
        table,
        load_ms,
        table_ms,
        rss: (rss_before, rss_after, rss_kib()),
    })
}

pub fn bench(words_out: Option<&std::path::Path>) -> i32 {
    if cfg!(debug_assertions) {
        eprintln!("kiosk bench ime: note: a debug build; the goals are for the release build (cargo run --release)");
    }
    let loaded = match load_timed() {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("kiosk bench ime: {e}");
            return exit::CONFIG;
        }
    };
    let engine = &loaded.engine;
    let words = address_words(engine, &loaded.table);
    if let Some(path) = words_out {
        let text: String = words.iter().map(|(w, p, _)| format!("{w}\t{p}\n")).collect();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("kiosk bench ime: {}: {e}", path.display());
            return exit::CONFIG;
        }
    }
    let latencies = prefix_latencies(engine, &words);
    print_load(&loaded);
    let (p50, p99, max) = (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    println!(
        "  lookups:             {} (every prefix of {} address words, region {HOME}, fuzzy, top 10)",
        latencies.len(),
        words.len()
    );
    println!("  latency p50:         {p50:8.3} ms");
    println!(
        "  latency p99:         {p99:8.3} ms   goal ≤ {P99_GOAL_MS} ms: {}",
        verdict(p99 <= P99_GOAL_MS)
    );
    println!("  latency max:         {max:8.3} ms");
    let with_region = hit_rate(engine, &words, &|county| county.clone());
    let without_region = hit_rate(engine, &words, &|_| None);
    println!("  top-5 hit rate, full pinyin, region = the word's county: {with_region:5.1} %");
    println!("  top-5 hit rate, full pinyin, no region:                  {without_region:5.1} %");
    exit::OK
}

/// The index's size and what loading it (and the division table) took.
fn print_load(loaded: &Loaded) {
    let engine = &loaded.engine;
    let stats = engine.stats();
    println!(
        "ime: {} index entries ({} words, {} place-name forms; {} names without a reading), ~{:.1} MiB heap",
        engine.len(),
        stats.words,
        stats.place_forms,
        stats.unread_names,
        engine.heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    let load_ms = loaded.load_ms;
    println!(
        "  index load:          {load_ms:8.1} ms   goal ≤ {LOAD_GOAL_MS} ms: {}",
        verdict(load_ms <= LOAD_GOAL_MS)
    );
    if let (Some(a), Some(b), Some(c)) = loaded.rss {
        let engine_mib = (b - a) / 1024.0;
        println!(
            "  index RSS delta:     {engine_mib:8.1} MiB  goal ≤ {RSS_GOAL_MIB} MiB: {}",
            verdict(engine_mib <= RSS_GOAL_MIB)
        );
        println!(
            "  division table:      {:8.1} ms, RSS +{:.1} MiB (the picker's, loaded separately)",
            loaded.table_ms,
            (c - b) / 1024.0
        );
    }
}
