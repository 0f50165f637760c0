//! Finds where a dotted key sits in a TOML text, so problems found after parsing can name
//! a line. Handles the forms our config uses: `[section.sub]` headers and `key = value`
//! lines (not inline tables or arrays of tables).

/// The 1-based line of `dotted_key` (e.g. `devices.reader.baud`), if written in `text`.
pub fn line_of_key(text: &str, dotted_key: &str) -> Option<usize> {
    let mut section = String::new();
    let mut section_line = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            section = header.trim().to_string();
            if dotted_key == section || dotted_key.starts_with(&format!("{section}.")) {
                section_line = Some(index + 1);
            }
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().trim_matches('"');
            let full = if section.is_empty() {
                key.to_string()
            } else {
                format!("{section}.{key}")
            };
            if full == dotted_key {
                return Some(index + 1);
            }
        }
    }
    section_line
}

/// The dotted key written on a 1-based `line` (or the section header there).
pub fn key_at_line(text: &str, line: usize) -> Option<String> {
    let mut section = String::new();
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        let header = trimmed
            .strip_prefix('[')
            .and_then(|l| l.split(']').next())
            .map(|h| h.trim().to_string());
        if let Some(header) = &header {
            section = header.clone();
        }
        if index + 1 == line {
            if header.is_some() {
                return Some(section);
            }
            let key = trimmed.split_once('=')?.0.trim().trim_matches('"');
            return Some(if section.is_empty() {
                key.to_string()
            } else {
                format!("{section}.{key}")
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[kiosk]\nid = \"a\"\n\n[devices.reader]\nkind = \"serial\"\nbaud = 7\n";

    #[test]
    fn finds_keys_and_sections() {
        assert_eq!(line_of_key(TEXT, "kiosk.id"), Some(2));
        assert_eq!(line_of_key(TEXT, "devices.reader.baud"), Some(6));
        assert_eq!(line_of_key(TEXT, "devices.reader.port"), Some(4));
        assert_eq!(line_of_key(TEXT, "central.url"), None);
        assert_eq!(key_at_line(TEXT, 6).as_deref(), Some("devices.reader.baud"));
        assert_eq!(key_at_line(TEXT, 4).as_deref(), Some("devices.reader"));
    }
}
