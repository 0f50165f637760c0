//! The one masking rule for personal data shown anywhere outside the encrypted store:
//! screens, receipts, logs, errors, status output and exports all call these functions.
//!
//! Rule (GB/T 35273 §7.2 style): ID numbers keep the first 6 and last 4 characters (the
//! birth date and sequence are hidden), names keep the first and last character, phones
//! keep 3 + 4 digits, addresses keep their first 6 characters. The masked form keeps the
//! length of the original so a citizen recognises their own data.
//!
//! **No output adds up to more than the masked number.** Everything one non-revealed
//! output says about a person (CLI text and JSON, screens, receipts, logs, status,
//! exports) taken together must never pin down more than the masked number alone does.
//! The middle of an 18-character number *is* the birth date, so next to a masked number a
//! birth date is shown only as its year ([`mask_birth_date`]: `1985-**-**`) or as an age,
//! never in full; the same holds for anything that carries the full date (a form value, a
//! card's raw text block). With the year, the region and the last four characters known,
//! about 365 / 11 ≈ 33 valid numbers remain, and the tests count them for every fixture.
//! Only an audited `--reveal` may show the full date.
//!
//! `Debug` of every type that can hold a typed number, form values or raw card bytes is
//! masked the same way, and the binary's panic hook prints no payload.
//! Pure: must not import any I/O crate.

use super::calendar::Date;

/// `330212199001011234` → `330212********1234`; 15-character numbers keep 3 + 4.
pub fn mask_id(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let (head, tail) = if chars.len() >= 18 {
        (6, 4)
    } else if chars.len() >= 10 {
        (3, 4)
    } else {
        (0, 0)
    };
    mask_middle(&chars, head, tail)
}

/// `张三` → `张*`, `欧阳小明` → `欧**明`, `John Smith` → `J**n S***h`.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    if name.is_ascii() {
        return name
            .split_whitespace()
            .map(|word| {
                let chars: Vec<char> = word.chars().collect();
                match chars.len() {
                    0 => String::new(),
                    1..=3 => mask_middle(&chars, 1, 0),
                    _ => mask_middle(&chars, 1, 1),
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => mask_middle(&chars, 1, 0),
        _ => mask_middle(&chars, 1, 1),
    }
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 7 {
        mask_middle(&chars, 3, 4)
    } else {
        "*".repeat(chars.len())
    }
}

/// `浙江省宁波市象山县石浦镇中山路1号` → `浙江省宁波市****`.
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    let keep = 6.min(chars.len() / 2);
    let mut out: String = chars[..keep].iter().collect();
    out.push_str("****");
    out
}

/// Travel-document and pass numbers (`H60012345` → `H6*****45`): first 2 and last 2.
pub fn mask_document(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    mask_middle(&chars, 2, 2)
}

/// A birth date as a non-revealed output may show it: the year only (`1985-**-**`).
pub fn mask_birth_date(date: Date) -> String {
    format!("{:04}-**-**", date.year())
}

fn mask_middle(chars: &[char], head: usize, tail: usize) -> String {
    let len = chars.len();
    if head + tail >= len {
        return "*".repeat(len);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= len - tail { *c } else { '*' })
        .collect()
}

/// A free text line (a log line) with every number that looks like an ID number (15 or 18
/// characters, also written 6-8-4 with spaces or dashes) or a mobile number (11 digits from 1,
/// also 3-4-4) masked as [`mask_id`] and [`mask_phone`] do, an 8-digit birth date kept to its
/// year, and other digit runs longer than 11 kept only at their ends; full-width digits count
/// as digits. A second guard for what a technician reads on screen: log lines are written
/// masked in the first place.
pub fn scrub_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().map(half_width_digit).collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A chain of digit groups joined by single spaces or dashes (at most four groups).
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut digits = 0;
        let mut at = i;
        loop {
            let from = at;
            while at < chars.len() && chars[at].is_ascii_digit() {
                at += 1;
            }
            digits += at - from;
            if digits == 17 && at < chars.len() && matches!(chars[at], 'X' | 'x') {
                at += 1;
            }
            groups.push((from, at));
            let joined = at + 1 < chars.len() && matches!(chars[at], ' ' | '-') && chars[at + 1].is_ascii_digit();
            if !joined || groups.len() == 4 {
                break;
            }
            at += 1;
        }
        let lengths: Vec<usize> = groups.iter().map(|(a, b)| b - a).collect();
        let joined: String = groups.iter().flat_map(|(a, b)| chars[*a..*b].iter()).collect();
        match lengths.as_slice() {
            [3, 4, 4] if joined.starts_with('1') => out.push_str(&mask_phone(&joined)),
            [6, 8, 4] => out.push_str(&mask_id(&joined)),
            _ => {
                let alone = groups.len() == 1;
                for (n, (a, b)) in groups.iter().enumerate() {
                    if n > 0 {
                        out.push(chars[groups[n - 1].1]);
                    }
                    out.push_str(&scrub_run(&chars[*a..*b], alone));
                }
            }
        }
        i = groups.last().map_or(at, |(_, end)| *end);
    }
    out
}

fn half_width_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        other => other,
    }
}

/// One unbroken run of digits (an ID may end in X); `alone`: not part of a dashed number
/// (a ticket's `T-20261126-00001` holds a date that is not a birth date).
fn scrub_run(run: &[char], alone: bool) -> String {
    let text: String = run.iter().collect();
    match run.len() {
        15 | 18 => mask_id(&text),
        11 if text.starts_with('1') => mask_phone(&text),
        8 if alone && looks_like_birth_date(&text) => format!("{}****", &text[..4]),
        n if n > 11 => mask_middle(run, 3, 2),
        _ => text,
    }
}

/// `YYYYMMDD` with a year of the last two centuries and a real month and day.
fn looks_like_birth_date(text: &str) -> bool {
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|t| t.parse::<u32>().ok());
    matches!(
        (number(0..4), number(4..6), number(6..8)),
        (Some(1900..=2099), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbed_lines_keep_no_id_or_mobile_number() {
        let line =
            "read 330225198506120431 and 33022519850612043X, call 13812345678; receipt XS-261130-0007-K took 1234 ms";
        let scrubbed = scrub_line(line);
        assert_eq!(
            scrubbed,
            "read 330225********0431 and 330225********043X, call 138****5678; receipt XS-261130-0007-K took 1234 ms"
        );
        assert_eq!(
            scrub_line("id 330225850612043 at 1700000000123"),
            "id 330********2043 at 170********23"
        );
        assert_eq!(
            scrub_line("陈晓燕"),
            "陈晓燕",
            "names are never logged: the scrubber cannot know them"
        );
        // Written with spaces or dashes, in full-width digits, or a birth date on its own.
        assert_eq!(scrub_line("tel 138 1234 5678."), "tel 138****5678.");
        assert_eq!(scrub_line("tel 138-1234-5678"), "tel 138****5678");
        assert_eq!(scrub_line("id 330225 19850612 043X"), "id 330225********043X");
        assert_eq!(
            scrub_line("id ３３０２２５１９８５０６１２０４３１"),
            "id 330225********0431"
        );
        assert_eq!(scrub_line("born 19850612"), "born 1985****");
        // What logs do hold stays readable: receipt numbers, dates, times, counts, tickets.
        for kept in [
            "receipt DEV1-261126-0001-7 printed",
            "2026-12-01 08:13 next try in 60 s",
            "uploaded 1048576 of 2097152 bytes",
            "ticket T-20261126-00001",
        ] {
            assert_eq!(scrub_line(kept), kept);
        }
    }

    #[test]
    fn id_numbers() {
        assert_eq!(mask_id("12345619800101005X"), "123456********005X");
        assert_eq!(mask_id("USA330512001231"), "USA********1231");
        assert_eq!(mask_id("12345"), "*****");
    }

    #[test]
    fn names_phone_address() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("李小龙"), "李*龙");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name("John Smith"), "J**n S***h");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_document("H60012345"), "H6*****45");
        assert_eq!(mask_document("H6"), "**");
        assert_eq!(mask_address("浙江省宁波市象山县石浦镇中山路1号"), "浙江省宁波市****");
        assert_eq!(mask_address("石浦"), "石****");
    }

    #[test]
    fn birth_dates_keep_only_the_year() {
        let date = Date::parse("1985-06-12").unwrap();
        assert_eq!(mask_birth_date(date), "1985-**-**");
        assert!(!mask_birth_date(date).contains("06"));
    }
}
