//! Versioned schema migrations: `central/migrations/NNNN_name.sql`, built into the binary
//! and applied in order by one runner on SQLite and on PostgreSQL, each in the transaction
//! that records it in `schema_migrations`. A database made before migrations were versioned
//! takes `0001_initial` unchanged (its statements are all `IF NOT EXISTS`).

use super::Sql;
use anyhow::{Context, Result};

/// One migration: its version (the file's number), name and SQL.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. A new one is a new file and a new line here; a released
/// one is never edited.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "ownership",
        sql: include_str!("../../migrations/0002_ownership.sql"),
    },
    Migration {
        version: 3,
        name: "renewal",
        sql: include_str!("../../migrations/0003_renewal.sql"),
    },
    Migration {
        version: 4,
        name: "pin_recovery",
        sql: include_str!("../../migrations/0004_pin_recovery.sql"),
    },
    Migration {
        version: 5,
        name: "casework",
        sql: include_str!("../../migrations/0005_casework.sql"),
    },
    Migration {
        version: 6,
        name: "rollouts",
        sql: include_str!("../../migrations/0006_rollouts.sql"),
    },
];

/// Applies the migrations `sql`'s database has not recorded yet; returns their versions.
/// `blob` is the backend's byte type; `lock`, a statement that serialises two servers
/// starting together (PostgreSQL's advisory lock).
pub fn apply(sql: &mut dyn Sql, blob: &str, lock: Option<&str>) -> Result<Vec<i64>> {
    if let Some(lock) = lock {
        sql.exec_batch(lock)?;
    }
    sql.exec_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
         applied_at BIGINT NOT NULL)",
    )?;
    let done = applied(sql)?;
    let mut newly = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
        sql.exec_batch(&migration.sql.replace("{BLOB}", blob))
            .with_context(|| format!("migration {:04}_{}", migration.version, migration.name))?;
        sql.exec(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[migration.version.into(), migration.name.into(), unix_now().into()],
        )?;
        log::info!("schema migration {:04}_{} applied", migration.version, migration.name);
        newly.push(migration.version);
    }
    Ok(newly)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The versions recorded in `schema_migrations`, in order.
pub fn applied(sql: &mut dyn Sql) -> Result<Vec<i64>> {
    let rows = sql.query("SELECT version FROM schema_migrations ORDER BY version", &[])?;
    Ok(rows.iter().map(|row| row.int("version")).collect())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn versions_run_one_two_three_without_gaps() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
            assert!(!migration.sql.trim().is_empty());
        }
    }
}
