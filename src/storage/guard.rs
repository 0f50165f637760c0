//! The technician PIN's failure counter and lock, kept in the database so that restarting
//! the kiosk (or the command) does not reset them. The policy lives in `app::technician`.

use super::{StorageError, Store};
use rusqlite::{params, OptionalExtension};

/// Consecutive wrong PINs and the time (unix seconds) until which PINs are refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinGuard {
    pub failures: u32,
    pub locked_until: i64,
}

impl Store {
    pub fn pin_guard(&mut self) -> Result<PinGuard, StorageError> {
        Ok(self
            .conn()
            .query_row("SELECT failures, locked_until FROM pin_guard WHERE id = 1", [], |row| {
                Ok(PinGuard {
                    failures: row.get(0)?,
                    locked_until: row.get(1)?,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    pub fn set_pin_guard(&mut self, guard: PinGuard) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "INSERT INTO pin_guard (id, failures, locked_until) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET failures = ?1, locked_until = ?2",
                params![guard.failures, guard.locked_until],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }
}
