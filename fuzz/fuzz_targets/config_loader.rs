//! Fuzz target: any text through the configuration loader's parse-and-check path (strict
//! TOML into the model, the semantic check with its range and URL rules, and pointing each
//! problem at its line), as `kiosk config validate` runs it on a file. Nothing may panic; a
//! text that loads passes its own check, and its timeouts and redacted form can be made.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use township_kiosk::config::parse_str;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_str(text, Path::new("fuzz.toml")) {
        Ok(config) => {
            assert!(config.check().is_empty(), "a loaded configuration fails its own check");
            let _ = config.session_timeouts(false);
            let _ = config.session_timeouts(true);
            let _ = config.to_redacted_toml();
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error without a problem");
            let _ = errors.to_string();
        }
    }
});
