//! A short simulated fleet against an in-process server: every request succeeds, every
//! submission lands exactly once, and every kiosk shows on the dashboard.

mod common;

use common::*;
use township_central::fleet;

#[test]
fn a_small_simulated_fleet_runs_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], None);
    let (runtime, running) = serve(&srv, None);
    let report = fleet::run(&fleet::Plan {
        dir: srv.clone(),
        addr: running.api,
        kiosks: 30,
        duration_secs: 3,
        submit_rate: 10.0,
        heartbeat_secs: 1,
    })
    .unwrap();
    print!("{}", report.render());
    let kind = |k: &str| report.kinds.get(k).unwrap_or_else(|| panic!("no {k} in the report"));
    assert_eq!(kind("connect").count, 30);
    assert!(kind("heartbeat").count >= 60, "{}", kind("heartbeat").count);
    assert!(kind("submit").count > 5);
    assert!(report.kinds.values().all(|k| k.errors == 0), "{}", report.render());
    assert_eq!(
        running.central.store.count_applications().unwrap() as usize,
        kind("submit").count
    );
    let kiosks = running
        .central
        .store
        .kiosks(&township_central::store::Operator::cli())
        .unwrap();
    assert_eq!(kiosks.len(), 30);
    assert!(kiosks.iter().all(|k| k.state == "online"));
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}
