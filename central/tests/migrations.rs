//! The schema migrations run by one runner on both databases: from an empty database, and
//! from a database made by the code before migrations were versioned (today's schema, with
//! a row in it that must survive). Opening again applies nothing.

mod common;

use common::Pg;
use township_central::db::migrations::{self, MIGRATIONS};
use township_central::db::{self, Backend};

/// The schema as the code before versioned migrations created it.
const OLD_SCHEMA: &str = include_str!("../migrations/0001_initial.sql");

fn every_version() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

fn applied(backend: &dyn Backend) -> Vec<i64> {
    db::transaction(backend, |sql| migrations::applied(sql)).unwrap()
}

fn receipts(backend: &dyn Backend) -> Vec<String> {
    db::transaction(backend, |sql| sql.query("SELECT receipt_no FROM applications", &[]))
        .unwrap()
        .iter()
        .map(|row| row.text("receipt_no"))
        .collect()
}

const OLD_ROW: &str = "INSERT INTO applications (app_key, receipt_no, case_number, kiosk_id, item_code, \
    submitted_on, received_at, status, id_hash, body) VALUES ('k-1', 'XSSP-261126-0001-E', 'C-1', 'K-A', \
    'ID-003', '2026-11-26', 1, 'received', 'h', '{}')";

#[test]
fn sqlite_from_empty_and_from_todays_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = db::open(None, &dir.path().join("fresh.db")).unwrap();
    assert_eq!(applied(&*fresh), every_version());
    assert!(receipts(&*fresh).is_empty());

    let old = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute_batch(&OLD_SCHEMA.replace("{BLOB}", "BLOB")).unwrap();
    conn.execute_batch(OLD_ROW).unwrap();
    drop(conn);
    let upgraded = db::open(Some(old.to_str().unwrap()), &old).unwrap();
    assert_eq!(applied(&*upgraded), every_version());
    assert_eq!(receipts(&*upgraded), ["XSSP-261126-0001-E"]);
    drop(upgraded);
    let again = db::open(Some(old.to_str().unwrap()), &old).unwrap();
    let newly = db::transaction(&*again, |sql| migrations::apply(sql, "BLOB", None)).unwrap();
    assert!(newly.is_empty(), "nothing is applied twice: {newly:?}");
}

/// The test cluster speaks TLS: with its CA the central connects (verify-full: the
/// certificate and the host name checked); with another CA it is refused.
#[test]
fn postgres_over_tls_with_the_right_ca_only() {
    let pg = Pg::start();
    let url = pg.database("tls");
    assert!(url.contains("sslmode=verify-full"), "{url}");
    let mut client = db::pg_tls::PgTarget::parse(&url).unwrap().connect().unwrap();
    let on_tls = client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .unwrap();
    assert!(on_tls.get::<_, bool>(0), "the connection is encrypted");
    let dir = tempfile::tempdir().unwrap();
    let (other, _) = township_central::pki::Ca::create().unwrap();
    let wrong = dir.path().join("other-ca.pem");
    std::fs::write(&wrong, &other.cert_pem).unwrap();
    let wrong_url = url.replace(&pg.ca.display().to_string(), &wrong.display().to_string());
    let refused = db::open(Some(&wrong_url), std::path::Path::new("unused"))
        .err()
        .expect("a wrong CA is refused");
    assert!(format!("{refused:#}").contains("PostgreSQL"), "{refused:#}");
}

#[test]
fn postgres_from_empty_and_from_todays_schema() {
    let pg = Pg::start();
    let fresh = db::open(Some(&pg.database("fresh")), std::path::Path::new("unused")).unwrap();
    assert_eq!(applied(&*fresh), every_version());

    let url = pg.database("old");
    let mut client = db::pg_tls::PgTarget::parse(&url).unwrap().connect().unwrap();
    client.batch_execute(&OLD_SCHEMA.replace("{BLOB}", "BYTEA")).unwrap();
    client.batch_execute(OLD_ROW).unwrap();
    drop(client);
    let upgraded = db::open(Some(&url), std::path::Path::new("unused")).unwrap();
    assert_eq!(applied(&*upgraded), every_version());
    assert_eq!(receipts(&*upgraded), ["XSSP-261126-0001-E"]);
    let newly = db::transaction(&*upgraded, |sql| {
        migrations::apply(sql, "BYTEA", Some("SELECT pg_advisory_xact_lock(1414)"))
    })
    .unwrap();
    assert!(newly.is_empty(), "nothing is applied twice: {newly:?}");
}
