//! The service catalogue (事项清单) and each item's service guide (办事指南).
//!
//! Loaded from a TOML data file shipped under packaging/ (later synchronised from the
//! central system). Materials and form fields are defined once and referenced by code from
//! each item. Statistics shown to citizens ("N of M items: at most one trip") are computed
//! here from the data, never typed in. Pure: parsing takes a string; no file is opened here.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A zh/en pair for anything a citizen reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: super::Lang) -> &str {
        match lang {
            super::Lang::Zh => &self.zh,
            super::Lang::En => &self.en,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Category {
    pub code: String,
    pub name: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MaterialSpec {
    pub name: Text,
    /// What the photo must show, for the guide page.
    #[serde(default)]
    pub note: Option<Text>,
}

/// Kinds of form field; each drives a widget (keypad, big choice buttons, …) and a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum FieldKind {
    /// Short free text (rare on a kiosk without Chinese input).
    Text { max_chars: usize },
    /// Mainland mobile number, 11 digits starting with 1.
    Phone,
    /// One of a fixed list, shown as big buttons.
    Choice { options: Vec<ChoiceOption> },
    /// A date (YYYY-MM-DD).
    Date,
    /// A whole number within bounds.
    Number { min: i64, max: i64 },
    /// Another person's identity number (e.g. the child's parent).
    IdNumber,
    /// An enterprise's 统一社会信用代码 (GB 32100-2015), its check character verified.
    CreditCode,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChoiceOption {
    pub value: String,
    pub label: Text,
}

/// Where a field's value can be pre-filled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prefill {
    CardName,
    CardAddress,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFieldSpec")]
pub struct FieldSpec {
    pub label: Text,
    pub kind: FieldKind,
    pub required: bool,
    pub prefill: Option<Prefill>,
    /// Personal data: encrypted at rest and masked in every output.
    pub personal: bool,
}

/// The flat form of a field in the data file (serde cannot refuse unknown keys next to a
/// flattened enum, so the file is read flat and strict, then converted).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFieldSpec {
    label: Text,
    kind: String,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    prefill: Option<Prefill>,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    max_chars: Option<usize>,
    #[serde(default)]
    options: Option<Vec<ChoiceOption>>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
}

impl TryFrom<RawFieldSpec> for FieldSpec {
    type Error = String;
    fn try_from(raw: RawFieldSpec) -> Result<FieldSpec, String> {
        let extra = |name: &str, present: bool| {
            if present {
                Err(format!("`{name}` does not apply to kind {:?}", raw.kind))
            } else {
                Ok(())
            }
        };
        let kind = match raw.kind.as_str() {
            "text" => FieldKind::Text {
                max_chars: raw.max_chars.ok_or("text fields need max-chars")?,
            },
            "choice" => FieldKind::Choice {
                options: raw.options.clone().ok_or("choice fields need options")?,
            },
            "number" => FieldKind::Number {
                min: raw.min.ok_or("number fields need min")?,
                max: raw.max.ok_or("number fields need max")?,
            },
            "phone" => FieldKind::Phone,
            "date" => FieldKind::Date,
            "id-number" => FieldKind::IdNumber,
            "credit-code" => FieldKind::CreditCode,
            other => return Err(format!("unknown field kind {other:?}")),
        };
        extra(
            "max-chars",
            raw.max_chars.is_some() && !matches!(kind, FieldKind::Text { .. }),
        )?;
        extra(
            "options",
            raw.options.is_some() && !matches!(kind, FieldKind::Choice { .. }),
        )?;
        extra(
            "min/max",
            (raw.min.is_some() || raw.max.is_some()) && !matches!(kind, FieldKind::Number { .. }),
        )?;
        Ok(FieldSpec {
            label: raw.label,
            kind,
            required: raw.required,
            prefill: raw.prefill,
            personal: raw.personal,
        })
    }
}

fn yes() -> bool {
    true
}

/// Yes/no properties of an item, written as a list of kebab-case names in the data file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// 最多跑一次
    AtMostOnce,
    /// 零跑腿: only online, the kiosk shows the guide and a QR
    ZeroTrip,
    /// 即来即办
    Immediate,
    NeedsPhoto,
    NeedsPayment,
    ExpressDelivery,
    AppointmentRequired,
    ProxyAllowed,
    UrgentChannel,
    /// Only with the ID card on the reader: a typed number is refused, because acting on
    /// someone else's number would harm them (挂失, and every service that changes a record).
    CardRequired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServiceItem {
    pub code: String,
    pub category: String,
    pub name: Text,
    #[serde(default)]
    pub summary: Option<Text>,
    #[serde(default)]
    pub mandatory: Vec<String>,
    /// Secondary materials: 容缺-eligible (may be supplied later under a written promise).
    #[serde(default)]
    pub secondary: Vec<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub fee_fen: u32,
    pub statutory_days: u32,
    pub promised_days: u32,
    #[serde(default)]
    pub urgent_days: Option<u32>,
    #[serde(default)]
    pub flags: BTreeSet<Flag>,
    /// Form values the citizen already chose by picking this item (遗失 in 遗失补领): they
    /// are filled in and locked, never asked again.
    #[serde(default)]
    pub preset: std::collections::BTreeMap<String, String>,
}

impl ServiceItem {
    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    /// Every material code with whether it is mandatory (secondary ones are 容缺-eligible).
    pub fn materials(&self) -> impl Iterator<Item = (&String, bool)> {
        self.mandatory
            .iter()
            .map(|c| (c, true))
            .chain(self.secondary.iter().map(|c| (c, false)))
    }
}

/// The whole catalogue as shipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalogue {
    pub version: String,
    /// Working days allowed to supply a 容缺 material.
    pub supplement_days: u32,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "material")]
    pub materials: BTreeMap<String, MaterialSpec>,
    #[serde(rename = "field")]
    pub fields: BTreeMap<String, FieldSpec>,
    #[serde(rename = "item")]
    pub items: Vec<ServiceItem>,
}

/// Figures for the welcome page, computed from the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CatalogueStats {
    pub categories: usize,
    pub items: usize,
    pub at_most_once: usize,
    pub immediate: usize,
    pub zero_trip: usize,
    pub express_delivery: usize,
    /// Average cut of the promised time against the statutory limit, in percent.
    pub average_time_cut_percent: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue is not valid TOML: {0}")]
    Syntax(String),
    #[error("catalogue is inconsistent:\n  {}", .0.join("\n  "))]
    Inconsistent(Vec<String>),
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|e| CatalogueError::Syntax(e.to_string()))?;
        let problems = catalogue.problems();
        if problems.is_empty() {
            Ok(catalogue)
        } else {
            Err(CatalogueError::Inconsistent(problems))
        }
    }

    /// Every inconsistency at once: dangling references, duplicates, impossible promises.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.categories.is_empty() {
            problems.push("the catalogue has no categories".to_string());
        }
        if self.items.is_empty() {
            problems.push("the catalogue has no items".to_string());
        }
        for category in &self.categories {
            if self.items_in(&category.code).next().is_none() {
                problems.push(format!("category {}: has no items", category.code));
            }
        }
        let category_codes: BTreeSet<&str> = self.categories.iter().map(|c| c.code.as_str()).collect();
        if category_codes.len() != self.categories.len() {
            problems.push("duplicate category code".to_string());
        }
        let mut seen = BTreeSet::new();
        for item in &self.items {
            let at = &item.code;
            if !seen.insert(item.code.as_str()) {
                problems.push(format!("item {at}: duplicate code"));
            }
            if !category_codes.contains(item.category.as_str()) {
                problems.push(format!("item {at}: unknown category {:?}", item.category));
            }
            for code in item.mandatory.iter().chain(&item.secondary) {
                if !self.materials.contains_key(code) {
                    problems.push(format!("item {at}: unknown material {code:?}"));
                }
            }
            for code in &item.fields {
                if !self.fields.contains_key(code) {
                    problems.push(format!("item {at}: unknown field {code:?}"));
                }
            }
            for (code, value) in &item.preset {
                let valid = item.fields.contains(code)
                    && match self.fields.get(code).map(|f| &f.kind) {
                        Some(FieldKind::Choice { options }) => options.iter().any(|o| &o.value == value),
                        Some(_) => !value.is_empty(),
                        None => false,
                    };
                if !valid {
                    problems.push(format!(
                        "item {at}: preset {code:?} = {value:?} is not a value of its fields"
                    ));
                }
            }
            if item.promised_days > item.statutory_days {
                problems.push(format!("item {at}: promised days exceed the statutory limit"));
            }
            if item.has(Flag::NeedsPayment) != (item.fee_fen > 0) {
                problems.push(format!("item {at}: needs-payment flag and fee disagree"));
            }
            if item.has(Flag::Immediate) && item.promised_days != 0 {
                problems.push(format!("item {at}: immediate items promise 0 days"));
            }
            if let Some(urgent) = item.urgent_days {
                if !item.has(Flag::UrgentChannel) || urgent > item.promised_days {
                    problems.push(format!(
                        "item {at}: urgent-days needs the urgent-channel flag and must be shorter"
                    ));
                }
            }
        }
        for (code, field) in &self.fields {
            if let FieldKind::Choice { options } = &field.kind {
                if options.is_empty() {
                    problems.push(format!("field {code}: a choice needs options"));
                }
            }
        }
        problems
    }

    pub fn item(&self, code: &str) -> Option<&ServiceItem> {
        self.items.iter().find(|item| item.code == code)
    }

    pub fn items_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a ServiceItem> + 'a {
        self.items.iter().filter(move |item| item.category == category)
    }

    pub fn material(&self, code: &str) -> Option<&MaterialSpec> {
        self.materials.get(code)
    }

    pub fn field(&self, code: &str) -> Option<&FieldSpec> {
        self.fields.get(code)
    }

    pub fn stats(&self) -> CatalogueStats {
        let count = |flag| self.items.iter().filter(|item| item.has(flag)).count();
        let with_limit: Vec<_> = self.items.iter().filter(|i| i.statutory_days > 0).collect();
        let cut_sum: u32 = with_limit
            .iter()
            .map(|i| 100 - i.promised_days * 100 / i.statutory_days)
            .sum();
        CatalogueStats {
            categories: self.categories.len(),
            items: self.items.len(),
            at_most_once: count(Flag::AtMostOnce),
            immediate: count(Flag::Immediate),
            zero_trip: count(Flag::ZeroTrip),
            express_delivery: count(Flag::ExpressDelivery),
            average_time_cut_percent: if with_limit.is_empty() {
                0
            } else {
                cut_sum / with_limit.len() as u32
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SHIPPED: &str = crate::EMBEDDED_CATALOGUE;

    pub(crate) fn shipped() -> Catalogue {
        Catalogue::parse(SHIPPED).unwrap()
    }

    #[test]
    fn the_shipped_catalogue_is_consistent_and_large_enough() {
        let catalogue = shipped();
        let stats = catalogue.stats();
        assert!(stats.items >= 30, "{stats:?}");
        assert!(stats.categories >= 6, "{stats:?}");
        for category in &catalogue.categories {
            assert!(
                catalogue.items_in(&category.code).count() > 0,
                "empty category {}",
                category.code
            );
        }
        for flag in [
            Flag::AtMostOnce,
            Flag::ZeroTrip,
            Flag::Immediate,
            Flag::NeedsPhoto,
            Flag::NeedsPayment,
            Flag::ExpressDelivery,
            Flag::AppointmentRequired,
            Flag::ProxyAllowed,
            Flag::UrgentChannel,
            Flag::CardRequired,
        ] {
            assert!(catalogue.items.iter().any(|i| i.has(flag)), "no item with {flag:?}");
        }
    }

    #[test]
    fn services_that_act_on_a_record_require_the_card() {
        let catalogue = shipped();
        let required: Vec<&str> = catalogue
            .items
            .iter()
            .filter(|i| i.has(Flag::CardRequired))
            .map(|i| i.code.as_str())
            .collect();
        // 挂失, replacing or renewing a card or licence, and every change to the register.
        for code in [
            "ID-001", "ID-002", "ID-003", "ID-004", "ID-005", "HH-001", "HH-002", "HH-003", "HH-004", "HH-005",
            "HH-007", "EE-002", "EE-004", "EE-006", "RP-001", "RP-002", "RP-003", "TR-001", "TR-002", "TR-003",
            "TR-005",
        ] {
            assert!(required.contains(&code), "{code} must be card-required: {required:?}");
        }
        // Online-only items never reach the identify step.
        assert!(catalogue
            .items
            .iter()
            .all(|i| !(i.has(Flag::CardRequired) && i.has(Flag::ZeroTrip))));
    }

    #[test]
    fn an_empty_catalogue_or_category_list_is_refused() {
        let mut empty = shipped();
        empty.categories.clear();
        empty.items.clear();
        let problems = empty.problems();
        assert!(
            problems.contains(&"the catalogue has no categories".to_string()),
            "{problems:?}"
        );
        assert!(
            problems.contains(&"the catalogue has no items".to_string()),
            "{problems:?}"
        );
        let mut lonely = shipped();
        lonely.items.retain(|i| i.category != "cyber");
        assert_eq!(lonely.problems(), vec!["category cyber: has no items".to_string()]);
        let text = "version = \"0\"\nsupplement-days = 10\ncategory = []\nitem = []\n[material]\n[field]\n";
        match Catalogue::parse(text) {
            Err(CatalogueError::Inconsistent(problems)) => assert_eq!(problems.len(), 2, "{problems:?}"),
            other => panic!("expected inconsistency, got {other:?}"),
        }
    }

    #[test]
    fn stats_are_computed_from_the_items() {
        let mut catalogue = shipped();
        let before = catalogue.stats();
        catalogue.items.retain(|i| !i.has(Flag::AtMostOnce));
        let after = catalogue.stats();
        assert_eq!(after.at_most_once, 0);
        assert_eq!(after.items, before.items - before.at_most_once);
    }

    #[test]
    fn dangling_references_are_all_reported() {
        let broken = SHIPPED
            .replacen("category = \"id-card\"", "category = \"nowhere\"", 1)
            .replacen("mandatory = [\"", "mandatory = [\"no-such-material\", \"", 1);
        let problems = match Catalogue::parse(&broken) {
            Err(CatalogueError::Inconsistent(problems)) => problems,
            other => panic!("expected inconsistency, got {other:?}"),
        };
        assert!(
            problems.iter().any(|p| p.contains("unknown category \"nowhere\"")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("unknown material \"no-such-material\"")),
            "{problems:?}"
        );
    }

    #[test]
    fn syntax_errors_and_unknown_keys_are_refused() {
        assert!(matches!(Catalogue::parse("version = "), Err(CatalogueError::Syntax(_))));
        let unknown = SHIPPED.replacen("supplement-days", "supplement-dayz", 1);
        assert!(matches!(Catalogue::parse(&unknown), Err(CatalogueError::Syntax(_))));
    }
}
