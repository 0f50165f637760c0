//! The pinyin syllable inventory and how a typed string is cut into tokens: whole
//! syllables, initials (abbreviations such as "pcs"), and an incomplete last syllable, each
//! with the set of syllables it may stand for, exactly and through the fuzzy rules.

/// Every syllable the word list uses that a citizen can type (sorted; `v` stands for ü).
/// The interjections m, n, ng and hm are left out, as Rime's pinyin_simp schema does.
pub(crate) const SYLLABLES: &[&str] = &[
    "a", "ai", "an", "ang", "ao", "ba", "bai", "ban", "bang", "bao", "bei", "ben", "beng", "bi", "bian", "biao", "bie",
    "bin", "bing", "bo", "bu", "ca", "cai", "can", "cang", "cao", "ce", "cen", "ceng", "cha", "chai", "chan", "chang",
    "chao", "che", "chen", "cheng", "chi", "chong", "chou", "chu", "chua", "chuai", "chuan", "chuang", "chui", "chun",
    "chuo", "ci", "cong", "cou", "cu", "cuan", "cui", "cun", "cuo", "da", "dai", "dan", "dang", "dao", "de", "dei",
    "den", "deng", "di", "dia", "dian", "diao", "die", "ding", "diu", "dong", "dou", "du", "duan", "dui", "dun", "duo",
    "e", "ei", "en", "eng", "er", "fa", "fan", "fang", "fei", "fen", "feng", "fiao", "fo", "fou", "fu", "ga", "gai",
    "gan", "gang", "gao", "ge", "gei", "gen", "geng", "gong", "gou", "gu", "gua", "guai", "guan", "guang", "gui",
    "gun", "guo", "ha", "hai", "han", "hang", "hao", "he", "hei", "hen", "heng", "hong", "hou", "hu", "hua", "huai",
    "huan", "huang", "hui", "hun", "huo", "ji", "jia", "jian", "jiang", "jiao", "jie", "jin", "jing", "jiong", "jiu",
    "ju", "juan", "jue", "jun", "ka", "kai", "kan", "kang", "kao", "ke", "kei", "ken", "keng", "kong", "kou", "ku",
    "kua", "kuai", "kuan", "kuang", "kui", "kun", "kuo", "la", "lai", "lan", "lang", "lao", "le", "lei", "leng", "li",
    "lia", "lian", "liang", "liao", "lie", "lin", "ling", "liu", "lo", "long", "lou", "lu", "luan", "lue", "lun",
    "luo", "lv", "ma", "mai", "man", "mang", "mao", "me", "mei", "men", "meng", "mi", "mian", "miao", "mie", "min",
    "ming", "miu", "mo", "mou", "mu", "na", "nai", "nan", "nang", "nao", "ne", "nei", "nen", "neng", "ni", "nian",
    "niang", "niao", "nie", "nin", "ning", "niu", "nong", "nou", "nu", "nuan", "nue", "nuo", "nv", "o", "ou", "pa",
    "pai", "pan", "pang", "pao", "pei", "pen", "peng", "pi", "pian", "piao", "pie", "pin", "ping", "po", "pou", "pu",
    "qi", "qia", "qian", "qiang", "qiao", "qie", "qin", "qing", "qiong", "qiu", "qu", "quan", "que", "qun", "ran",
    "rang", "rao", "re", "ren", "reng", "ri", "rong", "rou", "ru", "ruan", "rui", "run", "ruo", "sa", "sai", "san",
    "sang", "sao", "se", "sen", "seng", "sha", "shai", "shan", "shang", "shao", "she", "shei", "shen", "sheng", "shi",
    "shou", "shu", "shua", "shuai", "shuan", "shuang", "shui", "shun", "shuo", "si", "song", "sou", "su", "suan",
    "sui", "sun", "suo", "ta", "tai", "tan", "tang", "tao", "te", "tei", "teng", "ti", "tian", "tiao", "tie", "ting",
    "tong", "tou", "tu", "tuan", "tui", "tun", "tuo", "wa", "wai", "wan", "wang", "wei", "wen", "weng", "wo", "wu",
    "xi", "xia", "xian", "xiang", "xiao", "xie", "xin", "xing", "xiong", "xiu", "xu", "xuan", "xue", "xun", "ya",
    "yan", "yang", "yao", "ye", "yi", "yin", "ying", "yo", "yong", "you", "yu", "yuan", "yue", "yun", "za", "zai",
    "zan", "zang", "zao", "ze", "zei", "zen", "zeng", "zha", "zhai", "zhan", "zhang", "zhao", "zhe", "zhei", "zhen",
    "zheng", "zhi", "zhong", "zhou", "zhu", "zhua", "zhuai", "zhuan", "zhuang", "zhui", "zhun", "zhuo", "zi", "zong",
    "zou", "zu", "zuan", "zui", "zun", "zuo",
];

/// The longest syllable has six letters (chuang, shuang, zhuang).
const LONGEST: usize = 6;
const WORDS: usize = SYLLABLES.len().div_ceil(64);

/// The id of a syllable: its index in [`SYLLABLES`].
pub(crate) fn id(syllable: &str) -> Option<u16> {
    SYLLABLES.binary_search(&syllable).ok().map(|i| i as u16)
}

/// The ids of every syllable that starts with `prefix` (a contiguous run of the sorted table).
fn starting_with(prefix: &str) -> std::ops::Range<u16> {
    let lo = SYLLABLES.partition_point(|s| *s < prefix);
    let hi = lo + SYLLABLES[lo..].iter().take_while(|s| s.starts_with(prefix)).count();
    lo as u16..hi as u16
}

/// A set of syllable ids (a bit set over the inventory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SylSet {
    bits: [u64; WORDS],
    len: usize,
}

impl SylSet {
    pub(crate) fn insert(&mut self, id: u16) {
        let (word, bit) = (id as usize / 64, id % 64);
        if self.bits[word] & (1 << bit) == 0 {
            self.bits[word] |= 1 << bit;
            self.len += 1;
        }
    }
    pub(crate) fn contains(&self, id: u16) -> bool {
        self.bits[id as usize / 64] & (1 << (id % 64)) != 0
    }
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub(crate) fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        (0..SYLLABLES.len() as u16).filter(|id| self.contains(*id))
    }
    fn remove_all(&mut self, other: &SylSet) {
        for (mine, theirs) in self.bits.iter_mut().zip(other.bits) {
            *mine &= !theirs;
        }
        self.len = self.bits.iter().map(|w| w.count_ones() as usize).sum();
    }
}

/// The initial swaps of the fuzzy rules (both directions are listed).
const FUZZY_INITIALS: &[(&str, &str)] = &[
    ("zh", "z"),
    ("ch", "c"),
    ("sh", "s"),
    ("z", "zh"),
    ("c", "ch"),
    ("s", "sh"),
    ("n", "l"),
    ("l", "n"),
];
/// The final swaps of the fuzzy rules.
const FUZZY_FINALS: &[(&str, &str)] = &[
    ("ang", "an"),
    ("eng", "en"),
    ("ing", "in"),
    ("an", "ang"),
    ("en", "eng"),
    ("in", "ing"),
];

/// `text` with its initial swapped by the fuzzy rules (at most one swap applies).
fn swap_initial(text: &str) -> Option<String> {
    FUZZY_INITIALS.iter().find_map(|(from, to)| {
        let rest = text.strip_prefix(from)?;
        // "zh" must not be read as "z" + "h…".
        if from.len() == 1 && rest.starts_with('h') && matches!(*from, "z" | "c" | "s") {
            return None;
        }
        Some(format!("{to}{rest}"))
    })
}

fn swap_final(text: &str) -> Option<String> {
    FUZZY_FINALS
        .iter()
        .find_map(|(from, to)| Some(format!("{}{to}", text.strip_suffix(from)?)))
}

/// The syllables `text` may stand for through the fuzzy rules, `text` itself excluded.
fn fuzzy_variants(text: &str) -> SylSet {
    let mut spellings = vec![];
    if let Some(a) = swap_initial(text) {
        if let Some(b) = swap_final(&a) {
            spellings.push(b);
        }
        spellings.push(a);
    }
    if let Some(b) = swap_final(text) {
        spellings.push(b);
    }
    let mut set = SylSet::default();
    for spelling in spellings {
        if let Some(id) = id(&spelling) {
            set.insert(id);
        }
    }
    set
}

/// How a token was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A whole syllable ("shi"), or a spelling that the fuzzy rules turn into one.
    Full,
    /// An initial standing for any syllable that starts with it ("p" in "pcs", "zh").
    Initial,
    /// The end of the input, an incomplete syllable ("zho" for zhong, "z" for zhen).
    Prefix,
    /// The end of the input, a whole syllable read as the start of a longer one ("shan"
    /// for shang): less likely than either of the above.
    Completion,
}

/// One way to read the letters `start..end` of the input.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub end: usize,
    pub kind: Kind,
    /// Syllables read without any fuzzy rule.
    pub exact: SylSet,
    /// Syllables reached only through a fuzzy rule.
    pub fuzzy: SylSet,
    /// `exact` and `fuzzy` as a sorted list, for small sets.
    pub ids: Vec<u16>,
}

impl Token {
    fn new(end: usize, kind: Kind, exact: SylSet, mut fuzzy: SylSet) -> Option<Token> {
        fuzzy.remove_all(&exact);
        if exact.is_empty() && fuzzy.is_empty() {
            return None;
        }
        let mut ids: Vec<u16> = exact.ids().chain(fuzzy.ids()).collect();
        ids.sort_unstable();
        Some(Token {
            end,
            kind,
            exact,
            fuzzy,
            ids,
        })
    }
    pub(crate) fn set_len(&self) -> usize {
        self.exact.len() + self.fuzzy.len()
    }
}

/// The typed input cut into letters, with the `'` separators remembered.
#[derive(Debug)]
pub(crate) struct Input {
    pub letters: Vec<u8>,
    /// `chunk_end[i]`: the end (exclusive) of the separator-free chunk that holds letter `i`.
    chunk_end: Vec<usize>,
    /// `offset[i]`: byte offset in the original input where letter `i` starts (len: n + 1).
    pub offset: Vec<usize>,
    /// `tokens[i]`: every token that starts at letter `i`.
    pub tokens: Vec<Vec<Token>>,
    /// True when the input cannot be read as whole syllables (plus an incomplete last one):
    /// then it is an abbreviation like "pcs" and initials cost nothing.
    pub abbreviated: bool,
}

impl Input {
    /// Reads `text`: ASCII letters (case-insensitive; `v` is ü); `'`, spaces and anything
    /// else separate syllables.
    pub(crate) fn parse(text: &str, fuzzy: bool) -> Input {
        let mut letters = Vec::new();
        let mut offset = Vec::new();
        let mut breaks = Vec::new();
        let mut pending_break = false;
        for (i, byte) in text.bytes().enumerate() {
            if byte.is_ascii_alphabetic() {
                if pending_break && !letters.is_empty() {
                    breaks.push(letters.len());
                }
                pending_break = false;
                letters.push(byte.to_ascii_lowercase());
                offset.push(i);
            } else if byte.is_ascii() {
                pending_break = true;
            }
        }
        let n = letters.len();
        offset.push(text.len());
        let mut chunk_end = vec![n; n];
        for i in (0..n).rev() {
            if i + 1 < n && !breaks.contains(&(i + 1)) {
                chunk_end[i] = chunk_end[i + 1];
            } else {
                chunk_end[i] = i + 1;
            }
        }
        let mut input = Input {
            letters,
            chunk_end,
            offset,
            tokens: Vec::new(),
            abbreviated: false,
        };
        input.tokens = (0..n).map(|start| input.tokens_at(start, fuzzy)).collect();
        input.abbreviated = n > 0 && !input.reads_as_syllables();
        input
    }

    fn text(&self, start: usize, end: usize) -> &str {
        std::str::from_utf8(&self.letters[start..end]).unwrap_or("")
    }

    fn tokens_at(&self, start: usize, fuzzy: bool) -> Vec<Token> {
        let n = self.letters.len();
        let chunk_end = self.chunk_end[start];
        let mut tokens = Vec::new();
        // Whole syllables (and fuzzy spellings of one).
        for end in start + 1..=chunk_end.min(start + LONGEST) {
            let text = self.text(start, end);
            let mut exact = SylSet::default();
            if let Some(id) = id(text) {
                exact.insert(id);
            }
            let variants = if fuzzy { fuzzy_variants(text) } else { SylSet::default() };
            if let Some(token) = Token::new(end, Kind::Full, exact, variants) {
                tokens.push(token);
            }
        }
        // The incomplete last syllable.
        if chunk_end == n {
            let text = self.text(start, n);
            if text.len() < LONGEST {
                let mut exact = SylSet::default();
                for id in starting_with(text).filter(|id| SYLLABLES[*id as usize].len() > text.len()) {
                    exact.insert(id);
                }
                let mut variants = SylSet::default();
                if fuzzy {
                    if let Some(swapped) = swap_initial(text) {
                        for id in starting_with(&swapped).filter(|id| SYLLABLES[*id as usize].len() > swapped.len()) {
                            variants.insert(id);
                        }
                    }
                }
                let kind = if id(text).is_some() {
                    Kind::Completion
                } else {
                    Kind::Prefix
                };
                if let Some(token) = Token::new(n, kind, exact, variants) {
                    tokens.push(token);
                }
            }
        }
        // Initials inside the input: one letter, or zh/ch/sh.
        for len in [1, 2] {
            let end = start + len;
            if end > chunk_end || (end == n) {
                continue;
            }
            let text = self.text(start, end);
            if len == 2 && !matches!(text, "zh" | "ch" | "sh") {
                continue;
            }
            let mut exact = SylSet::default();
            for id in starting_with(text) {
                exact.insert(id);
            }
            let mut variants = SylSet::default();
            if fuzzy {
                if let Some(swapped) = swap_initial(text) {
                    for id in starting_with(&swapped) {
                        variants.insert(id);
                    }
                }
            }
            if let Some(token) = Token::new(end, Kind::Initial, exact, variants) {
                tokens.push(token);
            }
        }
        tokens
    }

    /// Whether the input splits into exact whole syllables, the last one possibly incomplete.
    fn reads_as_syllables(&self) -> bool {
        let n = self.letters.len();
        let mut reachable = vec![false; n + 1];
        reachable[0] = true;
        for start in 0..n {
            if !reachable[start] {
                continue;
            }
            for token in &self.tokens[start] {
                if token.kind != Kind::Initial && !token.exact.is_empty() {
                    reachable[token.end] = true;
                }
            }
        }
        reachable[n]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inventory_is_sorted_and_complete() {
        assert!(SYLLABLES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(SYLLABLES.len(), 411);
        assert!(id("zhuang").is_some() && id("ng").is_none());
    }

    #[test]
    fn fuzzy_rules_cover_zhejiang_confusions() {
        let names = |set: SylSet| set.ids().map(|id| SYLLABLES[id as usize]).collect::<Vec<_>>();
        assert_eq!(names(fuzzy_variants("si")), ["shi"]);
        assert_eq!(names(fuzzy_variants("ling")), ["lin", "nin", "ning"]);
        assert_eq!(names(fuzzy_variants("zhan")), ["zan", "zang", "zhang"]);
        assert_eq!(names(fuzzy_variants("shen")), ["sen", "seng", "sheng"]);
    }

    #[test]
    fn abbreviations_and_syllables_are_told_apart() {
        assert!(Input::parse("pcs", true).abbreviated);
        assert!(!Input::parse("shipuz", true).abbreviated);
        assert!(!Input::parse("xi'an", true).abbreviated);
        let input = Input::parse("xi'an", true);
        assert!(
            input.tokens[0].iter().all(|t| t.end <= 2),
            "no token crosses the separator"
        );
        assert_eq!(input.offset, [0, 1, 3, 4, 5]);
    }
}
