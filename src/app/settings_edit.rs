//! The settings a technician may change on the touchscreen, each with the values a tap can
//! step through, and their draft: values read from the running configuration, changed one
//! step at a time, saved together to the overrides file only after the whole configuration
//! with them loads and checks ([`crate::config::set_overrides_checked`]). Changes take
//! effect at the next start (the technician screen offers a restart).

use crate::config::Config;
use crate::domain::Lang;

/// How a setting's value changes with a tap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SettingKind {
    Bool,
    /// One of these strings, in turn.
    Choice(&'static [&'static str]),
    /// One of these integers, in turn.
    IntChoice(&'static [i64]),
    Int {
        min: i64,
        max: i64,
        step: i64,
    },
    Float {
        min: f64,
        max: f64,
        step: f64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SettingSpec {
    /// The dotted key in the configuration (and the overrides file).
    pub key: &'static str,
    /// (zh, en).
    pub label: (&'static str, &'static str),
    pub kind: SettingKind,
}

impl SettingSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.label.0,
            Lang::En => self.label.1,
        }
    }
}

/// What the touchscreen can change (network, devices and identity stay with the CLI and
/// the packaged configuration).
pub const SETTINGS: [SettingSpec; 8] = [
    SettingSpec {
        key: "ui.default-language",
        label: ("默认语言", "Default language"),
        kind: SettingKind::Choice(&["zh-CN", "en"]),
    },
    SettingSpec {
        key: "ui.elderly-mode-default",
        label: ("默认长辈模式", "Elderly mode by default"),
        kind: SettingKind::Bool,
    },
    SettingSpec {
        key: "voice.enabled",
        label: ("语音播报", "Spoken prompts"),
        kind: SettingKind::Bool,
    },
    SettingSpec {
        key: "voice.rate",
        label: ("语速(字/分钟)", "Speech rate (words/min)"),
        kind: SettingKind::Int {
            min: 80,
            max: 300,
            step: 20,
        },
    },
    SettingSpec {
        key: "timeouts.idle-warning-secs",
        label: ("无操作提醒(秒)", "Idle warning after (s)"),
        kind: SettingKind::Int {
            min: 15,
            max: 600,
            step: 15,
        },
    },
    SettingSpec {
        key: "timeouts.elderly-factor",
        label: ("长辈模式时间倍数", "Elderly mode time factor"),
        kind: SettingKind::Float {
            min: 1.0,
            max: 5.0,
            step: 0.5,
        },
    },
    SettingSpec {
        key: "devices.gpio.dim-after-secs",
        label: ("无人时屏幕调暗(秒)", "Dim the screen after (s)"),
        kind: SettingKind::Int {
            min: 30,
            max: 3600,
            step: 30,
        },
    },
    SettingSpec {
        key: "ui.rotation",
        label: ("屏幕旋转(度)", "Screen rotation (°)"),
        kind: SettingKind::IntChoice(&[0, 90, 180, 270]),
    },
];

/// The value of a dotted key in `config` (as the overrides file would hold it).
pub fn current(config: &Config, key: &str) -> Option<toml::Value> {
    value_at(&toml::Value::try_from(config).ok()?, key)
}

/// The value of a dotted key in a configuration already made a TOML value.
fn value_at(config: &toml::Value, key: &str) -> Option<toml::Value> {
    key.split('.')
        .try_fold(config, |value, part| value.as_table()?.get(part))
        .cloned()
}

/// The next value a tap gives (`forward`: up / next; else down / previous), within range.
pub fn step(kind: SettingKind, value: &toml::Value, forward: bool) -> toml::Value {
    use toml::Value as V;
    let turn = |len: usize, at: Option<usize>| {
        let at = at.unwrap_or(0);
        if forward {
            (at + 1) % len
        } else {
            (at + len - 1) % len
        }
    };
    match kind {
        SettingKind::Bool => V::Boolean(!value.as_bool().unwrap_or(false)),
        SettingKind::Choice(options) => {
            let at = options.iter().position(|o| Some(*o) == value.as_str());
            V::String(options[turn(options.len(), at)].to_string())
        }
        SettingKind::IntChoice(options) => {
            let at = options.iter().position(|o| Some(*o) == value.as_integer());
            V::Integer(options[turn(options.len(), at)])
        }
        SettingKind::Int { min, max, step } => {
            let now = value.as_integer().unwrap_or(min);
            V::Integer(if forward { now + step } else { now - step }.clamp(min, max))
        }
        SettingKind::Float { min, max, step } => {
            let now = value.as_float().unwrap_or(min);
            V::Float(if forward { now + step } else { now - step }.clamp(min, max))
        }
    }
}

/// A value as the screen shows it.
pub fn display(value: &toml::Value, lang: Lang) -> String {
    match value {
        toml::Value::Boolean(on) => match (on, lang) {
            (true, Lang::Zh) => "开".into(),
            (false, Lang::Zh) => "关".into(),
            (true, Lang::En) => "on".into(),
            (false, Lang::En) => "off".into(),
        },
        toml::Value::String(text) => text.clone(),
        toml::Value::Float(f) => format!("{f:.1}"),
        other => other.to_string(),
    }
}

/// The settings page's draft: every setting's saved value and the value shown.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsDraft {
    pub rows: Vec<(SettingSpec, toml::Value, toml::Value)>,
}

impl SettingsDraft {
    pub fn of(config: &Config) -> SettingsDraft {
        let Ok(table) = toml::Value::try_from(config) else {
            return SettingsDraft { rows: Vec::new() };
        };
        let rows = SETTINGS
            .iter()
            .filter_map(|spec| value_at(&table, spec.key).map(|value| (*spec, value.clone(), value)))
            .collect();
        SettingsDraft { rows }
    }

    pub fn step(&mut self, index: usize, forward: bool) {
        if let Some((spec, _, shown)) = self.rows.get_mut(index) {
            *shown = step(spec.kind, shown, forward);
        }
    }

    /// The changed settings, as the overrides file will hold them.
    pub fn changes(&self) -> Vec<(String, toml::Value)> {
        self.rows
            .iter()
            .filter(|(_, saved, shown)| saved != shown)
            .map(|(spec, _, shown)| (spec.key.to_string(), shown.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_exists_in_the_configuration_and_steps_within_range() {
        let config = Config::default();
        let draft = SettingsDraft::of(&config);
        assert_eq!(
            draft.rows.len(),
            SETTINGS.len(),
            "every key is a real configuration key"
        );
        for spec in SETTINGS {
            let value = current(&config, spec.key).unwrap();
            let mut v = value.clone();
            for _ in 0..400 {
                v = step(spec.kind, &v, true);
            }
            let mut checked = config.clone();
            let mut table = toml::Value::try_from(&checked).unwrap();
            let mut cursor = table.as_table_mut().unwrap();
            let parts: Vec<&str> = spec.key.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                cursor = cursor.get_mut(*part).unwrap().as_table_mut().unwrap();
            }
            cursor.insert(parts[parts.len() - 1].to_string(), v);
            checked = table.try_into().unwrap();
            let problems = checked.check();
            assert!(
                problems.iter().all(|(key, _)| key != spec.key),
                "{}: the top of its range is valid: {problems:?}",
                spec.key
            );
        }
        let mut draft = draft;
        assert!(draft.changes().is_empty());
        draft.step(1, true);
        assert_eq!(
            draft.changes(),
            vec![("ui.elderly-mode-default".to_string(), toml::Value::Boolean(true))]
        );
        draft.step(1, false);
        assert!(draft.changes().is_empty(), "stepping back is no change");
        assert_eq!(display(&toml::Value::Float(2.0), Lang::En), "2.0");
    }
}
