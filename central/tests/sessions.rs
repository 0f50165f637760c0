//! Back-office sessions and the lock-out, at the store: a session ends after 15 idle
//! minutes, after 8 hours whatever happens, and when the operator's password changes; the
//! lock-out holds when twenty wrong passwords arrive at once (each try is counted before
//! its password is checked, so no more than five are ever checked); beyond loopback the
//! back office speaks only TLS.

mod common;

use common::setup;
use township_central::server;
use township_central::store::{now, Refusal, Role, Store};

fn store_on(db: Option<&str>) -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], db);
    let store = server::open_store(&srv, db).unwrap();
    store
        .add_operator("olga", "a long passphrase", Role::Supervisor)
        .unwrap();
    (tmp, store)
}

fn shift(store: &Store, column: &str, to: i64) {
    store
        .tx(|sql| sql.exec(&format!("UPDATE sessions SET {column} = $1"), &[to.into()]))
        .unwrap();
}

#[test]
fn a_session_ends_when_idle_when_old_and_when_the_password_changes() {
    let (_tmp, store) = store_on(None);
    let (token, _) = store.login("olga", "a long passphrase").unwrap();
    assert!(store.session(&token).unwrap().is_some());
    shift(
        &store,
        "last_seen",
        now() - township_central::store::SESSION_IDLE_SECS - 1,
    );
    assert!(store.session(&token).unwrap().is_none(), "15 idle minutes end it");

    let (token, _) = store.login("olga", "a long passphrase").unwrap();
    shift(&store, "expires_at", now() - 1);
    assert!(store.session(&token).unwrap().is_none(), "8 hours end it, used or not");

    let (token, _) = store.login("olga", "a long passphrase").unwrap();
    assert!(store.session(&token).unwrap().is_some());
    store
        .add_operator("olga", "another long passphrase", Role::Supervisor)
        .unwrap();
    assert!(store.session(&token).unwrap().is_none(), "a new password ends it");
}

#[test]
fn twenty_wrong_passwords_at_once_check_at_most_five_on_sqlite() {
    twenty_wrong_passwords_at_once(None)
}

#[test]
fn twenty_wrong_passwords_at_once_check_at_most_five_on_postgres() {
    let pg = common::Pg::start();
    twenty_wrong_passwords_at_once(Some(&pg.database("lockout")))
}

fn twenty_wrong_passwords_at_once(db: Option<&str>) {
    let (_tmp, store) = store_on(db);
    let store = std::sync::Arc::new(store);
    let codes: Vec<&'static str> = std::thread::scope(|scope| {
        let tries: Vec<_> = (0..20)
            .map(|_| {
                let store = store.clone();
                scope.spawn(move || {
                    let error = store.login("olga", "not the passphrase").unwrap_err();
                    error.downcast_ref::<Refusal>().map_or("other", |r| r.code)
                })
            })
            .collect();
        tries.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let checked = codes.iter().filter(|c| **c == "login_failed").count();
    let locked = codes.iter().filter(|c| **c == "locked").count();
    assert!(checked <= 5, "{checked} passwords checked: {codes:?}");
    assert_eq!(checked + locked, 20, "{codes:?}");
    let right = store.login("olga", "a long passphrase").unwrap_err();
    assert_eq!(right.downcast_ref::<Refusal>().map(|r| r.code), Some("locked"));
    // An unknown name is answered as a wrong password (and checked against a dummy hash).
    let unknown = store.login("nobody", "whatever it is").unwrap_err();
    assert_eq!(unknown.downcast_ref::<Refusal>().map(|r| r.code), Some("login_failed"));
}

/// A wrong password for a known name and any password for an unknown name get the same
/// answer; the time each takes is printed (medians of five), not asserted: the equal cost is
/// by construction (the dummy hash has the real hashes' argon2 parameters, a unit test).
#[test]
fn known_and_unknown_names_are_refused_alike_and_their_times_are_printed() {
    let (_tmp, store) = store_on(None);
    let median = |name: &str| {
        let mut times: Vec<std::time::Duration> = (0..5)
            .map(|_| {
                let started = std::time::Instant::now();
                let refused = store.login(name, "not the passphrase").unwrap_err();
                assert_eq!(refused.downcast_ref::<Refusal>().map(|r| r.code), Some("login_failed"));
                started.elapsed()
            })
            .collect();
        times.sort();
        store
            .tx(|sql| sql.exec("UPDATE operators SET failed = 0", &[]))
            .unwrap();
        times[2]
    };
    let (known, unknown) = (median("olga"), median("nobody"));
    eprintln!(
        "login refusal: known name {known:?}, unknown name {unknown:?} (ratio {:.2})",
        unknown.as_secs_f64() / known.as_secs_f64()
    );
}

/// A back office beyond loopback speaks TLS itself (the server certificate, no client
/// certificate): plain HTTP gets no page, and its cookies are `Secure`.
#[test]
fn the_back_office_beyond_loopback_is_tls_only_with_secure_cookies() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], None);
    let (runtime, running) = common::serve_at(&srv, None, "0.0.0.0:0");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], running.admin.port()));
    let mut plain = std::net::TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .unwrap();
    plain
        .write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"),
        "plain HTTP got a page"
    );
    let ca = std::fs::read_to_string(srv.join(township_central::pki::CA_CERT)).unwrap();
    let tls = std::sync::Arc::new(township_central::pki::client_config(&ca, None).unwrap());
    let page = runtime.block_on(async {
        let mut client = township_central::http::Client::connect(addr, tls, None).await.unwrap();
        client.get("/login").await.unwrap()
    });
    assert_eq!(page.status, 200);
    let cookie = page.header("set-cookie").unwrap_or_default().to_string();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}
