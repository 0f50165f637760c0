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
    // v4: hardening. The key check value (a sealed known plaintext: the data key is never
    // silently replaced), the keyed audit chain (scheme 2; older rows keep scheme 1, the
    // plain SHA-256 chain), the outcome of maintenance tasks (purge) for `kiosk status`,
    // the technician PIN's failure counter, and a purge date for delivered or refused
    // applications that were left without one (marking sent was not atomic before).
    "CREATE TABLE key_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        check_id TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE maintenance (
        task TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        count INTEGER,
        error TEXT
    );
    CREATE TABLE pin_guard (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        failures INTEGER NOT NULL,
        locked_until INTEGER NOT NULL
    );
    UPDATE applications SET purge_after = (
        SELECT o.updated_at + 2592000 FROM outbox o WHERE o.application_id = applications.id
    ) WHERE purge_after IS NULL AND id IN (SELECT application_id FROM outbox WHERE state IN ('sent', 'dead'));",
    // v5: delivery to the central system in steps. The case number once the application
    // itself was accepted (its materials may still be going up); per material photo the
    // server's upload id, the bytes it confirmed and when it stored the whole photo (the
    // local photo is then erased); the last contact with the central system.
    "ALTER TABLE outbox ADD COLUMN case_number TEXT;
    ALTER TABLE materials ADD COLUMN upload_id TEXT;
    ALTER TABLE materials ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE materials ADD COLUMN stored_at INTEGER;
    CREATE TABLE central_contact (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        error TEXT,
        last_ok_at INTEGER,
        last_sent_at INTEGER
    );",
    // v6: 补交材料. Materials a citizen supplies later for an application (theirs from any
    // kiosk), queued like applications: the receipt number they answer, the photos sealed
    // until the server stored them, the application key the server named, retries.
    "CREATE TABLE supplements (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        receipt_no TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at INTEGER NOT NULL,
        last_error TEXT,
        app_key TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE supplement_photos (
        supplement_id INTEGER NOT NULL REFERENCES supplements(id),
        code TEXT NOT NULL,
        photo BLOB,
        bytes INTEGER NOT NULL,
        upload_id TEXT,
        uploaded INTEGER NOT NULL DEFAULT 0,
        stored_at INTEGER,
        PRIMARY KEY (supplement_id, code)
    );",
    // v7: a supplement carries the citizen's proof (the receipt's QR token or the ID
    // number read from the card), sealed, and wiped once the central accepted it.
    "ALTER TABLE supplements ADD COLUMN proof BLOB;",
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
