//! The technician PIN: its argon2id hash and the one check that guards every technician
//! action (`read-card --reveal` today, the technician screens later). Five wrong PINs in a
//! row lock it, for a time that doubles with each further wrong PIN up to 15 minutes (a
//! passer-by can delay a technician, not lock the kiosk for a day; a 6-digit PIN still takes
//! years to guess at that pace); the counter lives in the store, so restarting does not
//! reset it. Every failure and refusal is audited.

use crate::storage::guard::PinGuard;
use crate::storage::{StorageError, Store};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Wrong PINs in a row before the PIN locks.
pub const MAX_FAILURES: u32 = 5;
/// The first lock; each further wrong PIN doubles it, up to [`MAX_LOCK_SECS`].
pub const FIRST_LOCK_SECS: i64 = 60;
pub const MAX_LOCK_SECS: i64 = 15 * 60;
/// A PIN is 6 to 12 digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("no technician PIN is set: a technician sets one with `kiosk technician set-pin`")]
    NotSet,
    #[error("the technician PIN is locked after too many wrong PINs: try again in {0} s")]
    Locked(i64),
    #[error("wrong technician PIN ({0} more before it locks)")]
    Wrong(u32),
    #[error("wrong technician PIN: locked for {0} s")]
    WrongNowLocked(i64),
    #[error("a technician PIN is 6 to 12 digits")]
    BadFormat,
    #[error(
        "the configured technician PIN hash cannot be used ({0}): set the PIN again with `kiosk technician set-pin`"
    )]
    BadHash(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Refuses PINs that are not 6 to 12 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), PinError> {
    if PIN_DIGITS.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PinError::BadFormat)
    }
}

/// The argon2id PHC string of a valid PIN, with a fresh random salt.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    validate_pin(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PinError::BadHash(e.to_string()))
}

/// How long the PIN locks after `failures` wrong PINs in a row (0 below the limit).
pub fn lock_secs(failures: u32) -> i64 {
    if failures < MAX_FAILURES {
        return 0;
    }
    let doublings = (failures - MAX_FAILURES).min(20);
    FIRST_LOCK_SECS.saturating_mul(1 << doublings).min(MAX_LOCK_SECS)
}

/// Checks `pin` against the configured hash, counting failures in the store. `actor` and
/// `purpose` go to the audit log (no PIN, of course).
pub fn check_pin(
    store: &mut Store,
    pin_hash: Option<&str>,
    pin: &str,
    actor: &str,
    purpose: &str,
    now: i64,
) -> Result<(), PinError> {
    let guard = store.pin_guard()?;
    if guard.locked_until > now {
        store.audit(actor, "technician.pin-refused", &format!("{purpose}: locked"))?;
        return Err(PinError::Locked(guard.locked_until - now));
    }
    let hash = pin_hash.ok_or(PinError::NotSet)?;
    if !crate::config::is_argon2id_phc(hash) {
        return Err(PinError::BadHash("not an argon2id PHC string".into()));
    }
    let parsed = PasswordHash::new(hash).map_err(|e| PinError::BadHash(e.to_string()))?;
    if Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok() {
        if guard != PinGuard::default() {
            store.set_pin_guard(PinGuard::default())?;
        }
        return Ok(());
    }
    let failures = guard.failures.saturating_add(1);
    let lock = lock_secs(failures);
    store.set_pin_guard(PinGuard {
        failures,
        locked_until: if lock > 0 { now + lock } else { 0 },
    })?;
    let detail = if lock > 0 {
        format!("{purpose}: wrong PIN {failures} in a row, locked for {lock} s")
    } else {
        format!("{purpose}: wrong PIN {failures} in a row")
    };
    store.audit(actor, "technician.pin-wrong", &detail)?;
    log::warn!("technician PIN: {detail}");
    if lock > 0 {
        Err(PinError::WrongNowLocked(lock))
    } else {
        Err(PinError::Wrong(MAX_FAILURES - failures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_hashed_with_argon2id_and_checked() {
        assert!(matches!(hash_pin("12345"), Err(PinError::BadFormat)));
        assert!(matches!(hash_pin("12345a"), Err(PinError::BadFormat)));
        assert!(matches!(hash_pin("1234567890123"), Err(PinError::BadFormat)));
        let hash = hash_pin("246810").unwrap();
        assert!(crate::config::is_argon2id_phc(&hash), "{hash}");
        assert_ne!(hash, hash_pin("246810").unwrap(), "salted");
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        assert!(check_pin(&mut store, Some(&hash), "246810", "t", "test", 0).is_ok());
        assert!(matches!(
            check_pin(&mut store, None, "246810", "t", "test", 0),
            Err(PinError::NotSet)
        ));
        assert!(matches!(
            check_pin(&mut store, Some("$argon2id$nonsense"), "246810", "t", "test", 0),
            Err(PinError::BadHash(_))
        ));
    }

    #[test]
    fn five_wrong_pins_lock_for_a_growing_time_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let hash = hash_pin("246810").unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        for remaining in (1..MAX_FAILURES).rev() {
            assert!(matches!(
                check_pin(&mut store, Some(&hash), "000000", "t", "test", 100),
                Err(PinError::Wrong(n)) if n == remaining
            ));
        }
        assert!(matches!(
            check_pin(&mut store, Some(&hash), "000000", "t", "test", 100),
            Err(PinError::WrongNowLocked(FIRST_LOCK_SECS))
        ));
        // Restarting does not reset the lock; the right PIN is refused while locked.
        drop(store);
        let mut store = Store::open_in(dir.path()).unwrap();
        assert!(matches!(
            check_pin(&mut store, Some(&hash), "246810", "t", "test", 130),
            Err(PinError::Locked(30))
        ));
        // After the lock, one more wrong PIN locks for twice as long.
        assert!(matches!(
            check_pin(&mut store, Some(&hash), "000000", "t", "test", 160),
            Err(PinError::WrongNowLocked(120))
        ));
        assert!(check_pin(&mut store, Some(&hash), "246810", "t", "test", 280).is_ok());
        assert_eq!(store.pin_guard().unwrap(), PinGuard::default());
        let actions: Vec<String> = store.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "technician.pin-wrong").count(), 6);
        assert_eq!(actions.iter().filter(|a| *a == "technician.pin-refused").count(), 1);
        assert_eq!(lock_secs(4), 0);
        assert_eq!(lock_secs(100), MAX_LOCK_SECS);
    }
}
