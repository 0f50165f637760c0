//! The durable retry queue that both the outbox (applications) and the supplements queue
//! are: a table whose rows go `pending` → `sending` → `sent` or `dead`, with `attempts`,
//! `next_try_at`, `last_error` and `updated_at`. The transitions every such queue shares are
//! written once here, over the table's name; what a row carries (a sealed application, the
//! photos of a supplement) stays with its own module.

use rusqlite::{params, Connection, OptionalExtension};

/// One queue table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryQueue {
    table: &'static str,
}

/// Applications waiting for the central system.
pub(crate) const OUTBOX: RetryQueue = RetryQueue { table: "outbox" };
/// 补交材料 waiting for the central system.
pub(crate) const SUPPLEMENTS: RetryQueue = RetryQueue { table: "supplements" };

impl RetryQueue {
    /// In the caller's transaction: the next row due at `now` (oldest due first), marked
    /// `sending` with one more attempt. `None` when nothing is due.
    pub(crate) fn claim_due(self, tx: &Connection, now: i64) -> rusqlite::Result<Option<i64>> {
        let table = self.table;
        let id: Option<i64> = tx
            .query_row(
                &format!(
                    "SELECT id FROM {table} WHERE state = 'pending' AND next_try_at <= ?1 ORDER BY next_try_at, id LIMIT 1"
                ),
                [now],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(id) = id {
            tx.execute(
                &format!(
                    "UPDATE {table} SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1"
                ),
                params![id, now],
            )?;
        }
        Ok(id)
    }

    /// Rows left `sending` by a crash or a failed step are due again at `now` (the central
    /// system deduplicates by key, so sending twice is harmless).
    pub(crate) fn recover_in_flight(self, conn: &Connection, now: i64) -> rusqlite::Result<usize> {
        conn.execute(
            &format!(
                "UPDATE {} SET state = 'pending', next_try_at = ?1, updated_at = ?1 WHERE state = 'sending'",
                self.table
            ),
            [now],
        )
    }

    /// Every waiting row becomes due at `now` (a technician's drain does not wait).
    pub(crate) fn make_due(self, conn: &Connection, now: i64) -> rusqlite::Result<usize> {
        conn.execute(
            &format!(
                "UPDATE {} SET next_try_at = ?1 WHERE state = 'pending' AND next_try_at > ?1",
                self.table
            ),
            [now],
        )
    }

    /// Rows per state, in the states' order.
    pub(crate) fn counts(self, conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT state, count(*) FROM {} GROUP BY state ORDER BY state",
            self.table
        ))?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64)))?;
        rows.collect()
    }
}
