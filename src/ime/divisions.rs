//! The administrative-division table behind the address picker: province → city → county
//! → township (→ village for the deployment's county), from `packaging/divisions.tsv`
//! (`code<TAB>parent<TAB>level<TAB>name[<TAB>pin yin]`). Children of a code, the path from a
//! code up to its province, lookup by name, and reading the start of an ID card's address
//! ("浙江省象山县石浦镇…") into division codes.

use super::DataError;
use crate::domain::address::{written_name, DivisionNames};
use std::ops::Range;

/// The level of a division.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province = 1,
    City = 2,
    County = 3,
    Township = 4,
    Village = 5,
}

impl Level {
    fn from_digit(text: &str) -> Option<Level> {
        Some(match text {
            "1" => Level::Province,
            "2" => Level::City,
            "3" => Level::County,
            "4" => Level::Township,
            "5" => Level::Village,
            _ => return None,
        })
    }

    /// How many leading digits of a code identify a division of this level.
    pub fn significant_digits(self) -> usize {
        [2, 4, 6, 9, 12][self as usize - 1]
    }
}

/// One division, borrowed from its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Division<'a> {
    pub code: &'a str,
    /// `None` for a province.
    pub parent: Option<&'a str>,
    pub level: Level,
    pub name: &'a str,
    /// A reading given in the data file's optional fifth column ("pin yin").
    pub reading: Option<&'a str>,
}

impl Division<'_> {
    /// Placeholders that are no part of a written address: 市辖区 (the city level of a
    /// municipality), 县, 省直辖县级行政区划.
    pub fn is_placeholder(&self) -> bool {
        is_placeholder(self.name)
    }

    /// The leading digits that identify this division (33, 3302, 330225, 330225101, …).
    pub fn significant_code(&self) -> &str {
        &self.code[..self.level.significant_digits().min(self.code.len())]
    }
}

fn is_placeholder(name: &str) -> bool {
    name == "市辖区" || name == "县" || name.contains("直辖")
}

#[derive(Clone, Debug)]
struct Row {
    /// [`sort_key`] of the code and of its parent's (0 for none).
    key: u64,
    parent_key: u64,
    code: Range<u32>,
    parent: Range<u32>,
    level: Level,
    name: Range<u32>,
    reading: Range<u32>,
}

/// The division table (≈45,000 rows with the default data: 1.4 MB of text, ~4 MB loaded).
pub struct DivisionTable {
    text: String,
    /// Sorted by code.
    rows: Vec<Row>,
    /// Row indices sorted by (parent, code): the children of a code are one run.
    by_parent: Vec<u32>,
}

impl std::fmt::Debug for DivisionTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DivisionTable({} divisions)", self.rows.len())
    }
}

/// The divisions read from the start of an address, and where the rest begins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressStart {
    /// Codes from the province down to the deepest division recognised (0 to 5 of them).
    pub codes: Vec<String>,
    /// Byte offset in the address where the unrecognised rest (street, house number) begins.
    pub rest: usize,
}

/// Level suffixes dropped to get a name's core (石浦镇 → 石浦), longest first.
const SUFFIXES: &[&str] = &[
    "特别行政区",
    "街道办事处",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "地区",
    "社区",
    "省",
    "市",
    "县",
    "区",
    "镇",
    "乡",
    "盟",
    "旗",
    "村",
];

/// The forms a division name is written in, each a prefix of the full name, longest first:
/// 石浦镇 → [石浦镇, 石浦]; 下半河村委会 → [下半河村委会, 下半河村, 下半河]. Cores shorter
/// than two characters are not offered (乡 alone is no name).
pub fn name_forms(name: &str) -> Vec<&str> {
    let mut forms = vec![name];
    let short = written_name(name);
    if short != name && short.chars().count() >= 2 {
        forms.push(short);
    }
    for suffix in SUFFIXES {
        if let Some(core) = short.strip_suffix(suffix) {
            if core.chars().count() >= 2 && core != short {
                forms.push(core);
            }
            break;
        }
    }
    forms.dedup();
    forms
}

impl DivisionTable {
    /// The installed table, else the embedded one (`packaging/divisions.tsv`).
    pub fn load_default() -> Result<DivisionTable, DataError> {
        DivisionTable::parse(&super::default_divisions(), "divisions.tsv")
    }

    /// A replacement table file.
    pub fn load_file(path: &std::path::Path) -> Result<DivisionTable, DataError> {
        DivisionTable::parse(&super::read(path)?, &path.display().to_string())
    }

    /// Parses the table's text (`file` names it in errors).
    pub fn parse(text: &str, file: &str) -> Result<DivisionTable, DataError> {
        let text = text.to_string();
        let mut rows = Vec::new();
        let base = text.as_ptr() as usize;
        let range = |s: &str| (s.as_ptr() as usize - base) as u32..(s.as_ptr() as usize - base + s.len()) as u32;
        for (number, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let error = |problem: &str| DataError::Syntax {
                file: file.into(),
                line: number + 1,
                problem: problem.into(),
            };
            let fields: Vec<&str> = line.split('\t').collect();
            if !(4..=5).contains(&fields.len()) {
                return Err(error("expected code, parent, level, name[, reading]"));
            }
            let level = Level::from_digit(fields[2]).ok_or_else(|| error("level must be 1 to 5"))?;
            let code = fields[0];
            if code.len() != level_code_len(level) || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error("the code does not fit its level"));
            }
            if (level == Level::Province) != fields[1].is_empty() {
                return Err(error("provinces and only provinces have no parent"));
            }
            let reading = fields.get(4).copied().unwrap_or(&line[line.len()..]);
            rows.push(Row {
                key: sort_key(code),
                parent_key: sort_key(fields[1]),
                code: range(code),
                parent: range(fields[1]),
                level,
                name: range(fields[3]),
                reading: range(reading),
            });
        }
        rows.sort_unstable_by_key(|row| row.key);
        if let Some(pair) = rows.windows(2).find(|w| w[0].key == w[1].key) {
            let code = &text[pair[0].code.start as usize..pair[0].code.end as usize];
            return Err(DataError::Syntax {
                file: file.into(),
                line: 0,
                problem: format!("code {code} twice"),
            });
        }
        let mut by_parent: Vec<u32> = (0..rows.len() as u32).collect();
        by_parent.sort_unstable_by_key(|i| (rows[*i as usize].parent_key, rows[*i as usize].key));
        Ok(DivisionTable { text, rows, by_parent })
    }

    fn view(&self, row: &Row) -> Division<'_> {
        let at = |r: &Range<u32>| &self.text[r.start as usize..r.end as usize];
        let parent = at(&row.parent);
        let reading = at(&row.reading);
        Division {
            code: at(&row.code),
            parent: (!parent.is_empty()).then_some(parent),
            level: row.level,
            name: at(&row.name),
            reading: (!reading.is_empty()).then_some(reading),
        }
    }

    /// How many divisions the table holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every division, sorted by code.
    pub fn iter(&self) -> impl Iterator<Item = Division<'_>> + '_ {
        self.rows.iter().map(|row| self.view(row))
    }

    /// The division with this code (330225, 330225101, …).
    pub fn get(&self, code: &str) -> Option<Division<'_>> {
        if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i = self.rows.binary_search_by_key(&sort_key(code), |row| row.key).ok()?;
        let division = self.view(&self.rows[i]);
        (division.code == code).then_some(division)
    }

    /// The children of `code` sorted by code; `None` gives the provinces.
    pub fn children(&self, code: Option<&str>) -> Vec<Division<'_>> {
        let parent = match code {
            Some(code) => match self.get(code) {
                Some(_) => sort_key(code),
                None => return Vec::new(),
            },
            None => 0,
        };
        let key = |i: &u32| self.rows[*i as usize].parent_key;
        let lo = self.by_parent.partition_point(|i| key(i) < parent);
        let hi = self.by_parent.partition_point(|i| key(i) <= parent);
        self.by_parent[lo..hi]
            .iter()
            .map(|i| self.view(&self.rows[*i as usize]))
            .collect()
    }

    /// The path from the province down to `code` (empty if the code is unknown).
    pub fn path(&self, code: &str) -> Vec<Division<'_>> {
        let mut path = Vec::new();
        let mut next = self.get(code);
        while let Some(division) = next {
            path.push(division);
            next = division.parent.and_then(|parent| self.get(parent));
        }
        path.reverse();
        path
    }

    /// Divisions called `name`, in full or in a shorter written form (石浦 finds 石浦镇),
    /// optionally only under the division `within`.
    pub fn find_by_name(&self, name: &str, within: Option<&str>) -> Vec<Division<'_>> {
        let prefix = within
            .and_then(|code| self.get(code))
            .map(|d| d.significant_code().to_string());
        self.iter()
            .filter(|d| {
                prefix
                    .as_deref()
                    .is_none_or(|p| d.code.starts_with(p) && d.code.len() > p.len())
            })
            .filter(|d| name_forms(d.name).contains(&name))
            .collect()
    }

    /// Reads the divisions at the start of an address as written on an ID card:
    /// 浙江省象山县石浦镇… → 330000, 330200, 330225, 330225101 (the city is often left out).
    pub fn parse_address_start(&self, address: &str) -> AddressStart {
        let mut codes = Vec::new();
        let mut at = address.len() - address.trim_start().len();
        let Some((province, len)) = self.match_child(None, &address[at..]) else {
            return AddressStart { codes, rest: at };
        };
        at += len;
        codes.push(province.code.to_string());
        // The city, or (left out, or a municipality's 市辖区) a county of any city.
        let mut parent = match self.match_child(Some(province.code), &address[at..]) {
            Some((city, len)) => {
                at += len;
                codes.push(city.code.to_string());
                city.code
            }
            None => {
                let counties = self.children(Some(province.code)).into_iter().find_map(|city| {
                    let (county, len) = self.match_child(Some(city.code), &address[at..])?;
                    Some((city, county, len))
                });
                let Some((city, county, len)) = counties else {
                    return AddressStart { codes, rest: at };
                };
                at += len;
                codes.push(city.code.to_string());
                codes.push(county.code.to_string());
                county.code
            }
        };
        while let Some((child, len)) = self.match_child(Some(parent), &address[at..]) {
            at += len;
            codes.push(child.code.to_string());
            parent = child.code;
        }
        AddressStart { codes, rest: at }
    }

    /// The child of `parent` whose name (in any written form) starts `text`, longest first.
    fn match_child(&self, parent: Option<&str>, text: &str) -> Option<(Division<'_>, usize)> {
        self.children(parent)
            .into_iter()
            .filter(|d| !d.is_placeholder())
            .filter_map(|d| {
                name_forms(d.name)
                    .into_iter()
                    .find(|form| text.starts_with(form))
                    .map(|form| (d, form.len()))
            })
            .max_by_key(|(_, len)| *len)
    }
}

/// A code zero-padded to 12 digits, then its length: sorting these orders codes as their
/// text does (330225 < 330225000 < 330225101 < 330226). 0 for an empty or malformed code.
fn sort_key(code: &str) -> u64 {
    padded(code).map_or(0, |n| n << 4 | code.len() as u64)
}

fn padded(code: &str) -> Option<u64> {
    let digits = code
        .bytes()
        .take(12)
        .try_fold(0u64, |n, b| b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0')));
    digits
        .filter(|_| !code.is_empty() && code.len() <= 12)
        .map(|n| n * 10u64.pow(12 - code.len() as u32))
}

fn level_code_len(level: Level) -> usize {
    match level {
        Level::Province | Level::City | Level::County => 6,
        Level::Township => 9,
        Level::Village => 12,
    }
}

impl DivisionNames for DivisionTable {
    fn division_name(&self, code: &str) -> Option<&str> {
        self.get(code).filter(|d| !d.is_placeholder()).map(|d| d.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_forms_keep_what_addresses_write() {
        assert_eq!(name_forms("石浦镇"), ["石浦镇", "石浦"]);
        assert_eq!(name_forms("下半河村委会"), ["下半河村委会", "下半河村", "下半河"]);
        assert_eq!(name_forms("金秋社区"), ["金秋社区", "金秋"]);
        assert_eq!(name_forms("丹东街道"), ["丹东街道", "丹东"]);
        assert_eq!(name_forms("东区"), ["东区"]);
        assert_eq!(name_forms("广西壮族自治区"), ["广西壮族自治区", "广西壮族"]);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        let bad = "# comment\n330000\t\t1\t浙江省\n3302\t330000\t2\t宁波市\n";
        let error = DivisionTable::parse(bad, "t.tsv").unwrap_err().to_string();
        assert!(error.contains("t.tsv line 3"), "{error}");
        assert!(DivisionTable::parse("330000\t110000\t1\t浙江省\n", "t").is_err());
    }
}
