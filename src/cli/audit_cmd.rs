//! `kiosk audit verify|list`: the technician's view of the audit log. `verify` checks the
//! keyed chain (exit 0 intact, 1 naming the first bad entry); `list` shows the entries,
//! masked once more on the way out in case a detail slipped through unmasked.

use super::outbox_cmd::when;
use super::{exit, Cli};
use crate::domain::masking::{mask_id, mask_phone};
use crate::storage::audit::AuditEntry;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the keyed chain; names the first bad entry.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Show the entries (masked), oldest first.
    List {
        /// Only the last N entries.
        #[arg(long)]
        last: Option<usize>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &AuditCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut store = match super::open_established_store(&loaded, "the audit log lives in the kiosk's own store") {
        Ok(store) => store,
        Err(code) => return code,
    };
    match command {
        AuditCommand::Verify { json } => match store.audit_verdict() {
            Ok(verdict) => {
                if *json {
                    super::print_json(&verdict);
                } else if let Some(id) = verdict.first_bad {
                    println!(
                        "audit log BROKEN: entry {id} is the first that does not verify ({} entries)",
                        verdict.entries
                    );
                } else {
                    let head = verdict
                        .head
                        .as_ref()
                        .map(|(id, hash)| format!("; head #{id} {hash}"))
                        .unwrap_or_default();
                    println!("audit log intact: {} entries{head}", verdict.entries);
                }
                if verdict.first_bad.is_some() {
                    exit::INVALID
                } else {
                    exit::OK
                }
            }
            Err(e) => {
                eprintln!("kiosk: {e}");
                exit::STORAGE
            }
        },
        AuditCommand::List { last, json } => match store.audit_entries() {
            Ok(entries) => {
                let skip = last.map_or(0, |n| entries.len().saturating_sub(n));
                let entries: Vec<AuditEntry> = entries
                    .into_iter()
                    .skip(skip)
                    .map(|e| AuditEntry {
                        detail: scrub(&e.detail),
                        ..e
                    })
                    .collect();
                if *json {
                    super::print_json(&entries);
                } else {
                    for e in &entries {
                        println!(
                            "{:>5}  {}  {:<16} {:<28} {}",
                            e.id,
                            when(e.at),
                            e.actor,
                            e.action,
                            e.detail
                        );
                    }
                    println!("{} entr{}", entries.len(), if entries.len() == 1 { "y" } else { "ies" });
                }
                exit::OK
            }
            Err(e) => {
                eprintln!("kiosk: {e}");
                exit::STORAGE
            }
        },
    }
}

/// Masks anything in a detail that looks like an ID number (15 or 18 characters of digits,
/// the last maybe X) or a mobile number (11 digits starting with 1).
pub(crate) fn scrub(detail: &str) -> String {
    let chars: Vec<char> = detail.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == 'X' || **c == 'x')
            .count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let token: String = chars[i..i + run].iter().collect();
        let digits = token.bytes().all(|b| b.is_ascii_digit());
        out.push_str(&match run {
            15 | 18 => mask_id(&token),
            11 if digits && token.starts_with('1') => mask_phone(&token),
            _ => token,
        });
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn scrub_masks_numbers_that_slipped_through() {
        assert_eq!(
            super::scrub("card 330225194203080614 phone 13700001111 row 42"),
            "card 330225********0614 phone 137****1111 row 42"
        );
        assert_eq!(super::scrub("card 330225********0614"), "card 330225********0614");
        assert_eq!(super::scrub("x 33022519420308061X"), "x 330225********061X");
    }
}
