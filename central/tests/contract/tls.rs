//! Mutual TLS: no certificate, another CA's certificate, a certificate used under another
//! kiosk's name, and revocation noticed on an open connection and on a new one.

use crate::common::*;
use crate::lab::*;

fn tls(db: Option<&str>) {
    let lab = Lab::start(db);
    let dir = lab.dir();
    let addr = lab.addr();
    let srv = lab.srv.clone();
    lab.run(async {
        let ca_pem = std::fs::read_to_string(srv.join("ca.pem")).unwrap();
        let no_cert = std::sync::Arc::new(pki::client_config(&ca_pem, None).unwrap());
        let refused = match Client::connect(addr, no_cert, None).await {
            Err(_) => true,
            Ok(mut c) => c.get("/api/v1/catalogue").await.is_err(),
        };
        assert!(refused, "a client without a certificate must be refused");
        let (other_ca, _) = pki::Ca::create().unwrap();
        let (cert, key, _) = other_ca.issue_kiosk("K-A").unwrap();
        let foreign = std::sync::Arc::new(pki::client_config(&ca_pem, Some((&cert, &key))).unwrap());
        let refused = match Client::connect(addr, foreign, Some("K-A")).await {
            Err(_) => true,
            Ok(mut c) => c.get("/api/v1/catalogue").await.is_err(),
        };
        assert!(refused, "a certificate from another CA must be refused");

        let mut a = lab.kiosk("K-A").await;
        let mut impostor = Client::connect(addr, kiosk_tls(dir, "K-A"), Some("K-B")).await.unwrap();
        let r = impostor.get("/api/v1/catalogue").await.unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.json::<api::ApiError>().unwrap().error, "kiosk_id_mismatch");
        let r = a
            .post("/api/v1/heartbeat", &beat("K-B", "ok", api::PaperState::Ok, 0))
            .await
            .unwrap();
        assert_eq!(r.status, 403, "body kiosk_id of another kiosk");

        let mut b = lab.kiosk("K-B").await;
        assert_eq!(b.get("/api/v1/catalogue").await.unwrap().status, 200);
        let srv2 = srv.clone();
        let db2 = db.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            server::open_store(&srv2, db2.as_deref())
                .unwrap()
                .revoke(&Operator::cli(), "K-B")
                .unwrap()
        })
        .await
        .unwrap();
        // The kept-alive connection is closed (or answered 403) within a second or so:
        // the server re-reads the certificates every half second, and each connection's
        // watchdog looks every quarter second.
        let revoked_at = Instant::now();
        let closed_after = loop {
            match b.get("/api/v1/catalogue").await {
                Err(_) => break revoked_at.elapsed(),
                Ok(r) if r.status == 403 => {
                    assert_eq!(r.json::<api::ApiError>().unwrap().error, "revoked");
                    break revoked_at.elapsed();
                }
                Ok(_) => {}
            }
            assert!(
                revoked_at.elapsed() < Duration::from_secs(10),
                "revocation not noticed within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        eprintln!("a revoked kiosk's open connection was refused after {closed_after:?}");
        let mut b_again = lab.kiosk("K-B").await;
        assert_eq!(
            b_again.get("/api/v1/catalogue").await.unwrap().status,
            403,
            "a new connection of a revoked kiosk"
        );
        // A certificate the kiosk CA signed but the central never recorded (as a stolen CA
        // key, or an enrolment that failed half-way, would make) is refused.
        let ca = pki::Ca::load_kiosk_ca(&srv).unwrap();
        let (cert, key, _) = ca.issue_kiosk("K-GHOST").unwrap();
        let server_ca = std::fs::read_to_string(srv.join(pki::CA_CERT)).unwrap();
        let tls = std::sync::Arc::new(pki::client_config(&server_ca, Some((&cert, &key))).unwrap());
        let mut ghost = Client::connect(addr, tls, None).await.unwrap();
        let r = ghost.get("/api/v1/catalogue").await.unwrap();
        assert_eq!(r.status, 403, "an unrecorded certificate");
    });
}

on_both_databases!(tls);
