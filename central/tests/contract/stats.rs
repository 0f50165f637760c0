//! Statistics against a scripted set: 200 applications from two kiosks over eight days,
//! with known pre-review times and decisions, and 200 ratings with known stars and reasons.
//! The page's figures (per day, per kiosk, median and p90 pre-review time, supplement and
//! refusal rates, stars, each reason's share) equal the ones computed here from the script;
//! the CSV export has every case and is audited.

use crate::lab::*;
use township_central::store::{Kiosk, Operator};
use township_core::domain::calendar::Date;

/// The scripted pre-review time of case `i`, in seconds.
fn review_secs(i: u32) -> i64 {
    600 + i64::from(i * 37 % 200) * 60
}

/// The scripted decision on case `i`: none for every fourth.
fn decision(i: u32) -> Option<CaseStatus> {
    match i {
        i if i % 4 == 3 => None,
        i if i % 10 == 0 => Some(CaseStatus::Rejected),
        i if i % 6 == 0 => Some(CaseStatus::Supplement),
        _ => Some(CaseStatus::Approved),
    }
}

/// Nearest-rank quantile.
fn quantile(sorted: &[i64], q: f64) -> i64 {
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn statistics(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let cli = Operator::cli();
    let first_day = Date::parse("2026-11-02").unwrap();
    let base = first_day.days_since_epoch() * 86_400 - 8 * 3600 + 9 * 3600; // 09:00 China time
    for i in 0..200u32 {
        let (kiosk, prefix) = if i % 2 == 0 { ("K-A", "KA") } else { ("K-B", "KB") };
        let submission = fleet::submission(kiosk, prefix, i + 1);
        let key = submission.application.uuid.clone();
        store.submit(Kiosk(kiosk), &key, &submission).unwrap();
        let receipt = submission.receipt_no.clone();
        if let Some(status) = decision(i) {
            let message = (status != CaseStatus::Approved).then_some("请补充材料");
            store.review(&cli, &receipt, status, message).unwrap();
        }
        // Day i / 25 (eight days), an hour apart within it.
        let received = base + i64::from(i / 25) * 86_400 + i64::from(i % 25) * 600;
        let reviewed_at = decision(i).map(|_| received + review_secs(i));
        store
            .tx(|sql| {
                sql.exec(
                    "UPDATE applications SET received_at = $1, reviewed_at = $2 WHERE app_key = $3",
                    &[received.into(), reviewed_at.into(), key.as_str().into()],
                )?;
                sql.exec(
                    "UPDATE case_events SET at = $1 WHERE app_key = $2 AND kind LIKE 'review:%'",
                    &[(received + review_secs(i)).into(), key.as_str().into()],
                )
            })
            .unwrap();
        let rating = api::SubmitRating {
            idempotency_key: format!("rating-{i}"),
            receipt_no: Some(receipt),
            stars: (i % 5 + 1) as u8,
            reasons: match i % 4 {
                0 => vec!["quick".into()],
                1 => vec!["quick".into(), "clear".into()],
                _ => vec![],
            },
        };
        store.rate(Kiosk(kiosk), &rating).unwrap();
    }
    store
        .tx(|sql| sql.exec("UPDATE ratings SET created_at = $1", &[(base + 3600).into()]))
        .unwrap();

    let stats = store.stats(&cli, Some(first_day), Some(first_day.add_days(7))).unwrap();
    let reviewed: Vec<u32> = (0..200).filter(|i| decision(*i).is_some()).collect();
    let mut times: Vec<i64> = reviewed.iter().map(|i| review_secs(*i)).collect();
    times.sort_unstable();
    assert_eq!(
        (stats.all.applications, stats.all.reviewed),
        (200, reviewed.len() as u64)
    );
    assert_eq!(stats.all.median_review_secs, Some(quantile(&times, 0.5)));
    assert_eq!(stats.all.p90_review_secs, Some(quantile(&times, 0.9)));
    let share = |f: &dyn Fn(&u32) -> bool| reviewed.iter().filter(|i| f(i)).count() as f64 / reviewed.len() as f64;
    assert_eq!(
        stats.all.supplement_rate,
        Some(share(&|i| decision(*i) == Some(CaseStatus::Supplement)))
    );
    assert_eq!(
        stats.all.refusal_rate,
        Some(share(&|i| decision(*i) == Some(CaseStatus::Rejected)))
    );
    assert_eq!(stats.per_day.len(), 8);
    assert!(
        stats.per_day.values().all(|f| f.applications == 25),
        "{:?}",
        stats.per_day
    );
    assert_eq!(stats.per_kiosk["K-A"].applications, 100);
    assert_eq!(stats.per_kiosk["K-B"].applications, 100);
    let a_times: Vec<i64> = {
        let mut t: Vec<i64> = reviewed
            .iter()
            .filter(|i| *i % 2 == 0)
            .map(|i| review_secs(*i))
            .collect();
        t.sort_unstable();
        t
    };
    assert_eq!(stats.per_kiosk["K-A"].median_review_secs, Some(quantile(&a_times, 0.5)));
    assert_eq!(stats.ratings, 200);
    assert!((1..=5).all(|n| stats.stars[&n] == 40), "{:?}", stats.stars);
    assert_eq!(stats.reasons["quick"], 100.0 / 200.0);
    assert_eq!(stats.reasons["clear"], 50.0 / 200.0);
    // A day outside the span counts nothing.
    let before = store
        .stats(&cli, Some(first_day.add_days(-3)), Some(first_day.add_days(-1)))
        .unwrap();
    assert_eq!((before.all.applications, before.ratings), (0, 0));

    // The CSV export: a header and every case, nothing personal, and an audit entry.
    let csv = store
        .export_csv(&cli, Some(first_day), Some(first_day.add_days(7)))
        .unwrap();
    assert_eq!(csv.lines().count(), 201);
    assert!(!csv.contains(township_core::sample::SAMPLE_ID));
    let audit = store.audit_log(&cli, 1000).unwrap();
    assert!(audit.iter().any(|e| e.action == "export:csv"), "{audit:?}");
}

on_both_databases!(statistics);
