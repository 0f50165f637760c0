//! Schema migrations keyed on `PRAGMA user_version`. Each entry upgrades from the version
//! before it; a database is brought up to date in one transaction per step. Never edit a
//! shipped migration: add a new one (tests upgrade from every older version).

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // v1: applications, their outbox rows and the receipt sequence.
    "CREATE TABLE applications (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        receipt_no TEXT NOT NULL UNIQUE,
        item_code TEXT NOT NULL,
        submitted_on TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        applicant_masked TEXT NOT NULL,
        personal BLOB
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id),
        idempotency_key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (state, next_try_at);
    CREATE TABLE receipt_sequence (
        prefix TEXT NOT NULL,
        day TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (prefix, day)
    );",
    // v2: material photos and promises, print intents/outcomes, retention.
    "CREATE TABLE materials (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id),
        code TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('captured', 'promised')),
        deadline TEXT,
        photo BLOB,
        UNIQUE (application_id, code)
    );
    CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY,
        receipt_no TEXT NOT NULL,
        intent_at INTEGER NOT NULL,
        outcome TEXT CHECK (outcome IN ('printed', 'failed')),
        outcome_at INTEGER,
        detail TEXT
    );
    CREATE INDEX print_jobs_receipt ON print_jobs (receipt_no);
    ALTER TABLE applications ADD COLUMN purge_after INTEGER;",
    // v3: tamper-evident audit log (each row hashes the previous one).
    "CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );",
];

pub const LATEST: u32 = MIGRATIONS.len() as u32;

pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the migrations after the database's version, up to `target`.
pub fn migrate_to(conn: &mut Connection, target: u32) -> rusqlite::Result<()> {
    let current = version(conn)?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
