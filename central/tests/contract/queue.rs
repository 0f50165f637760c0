//! The pre-review queue: cases waiting, ordered by their time limit (then by receipt); the
//! filters by service, kiosk, state, date and number; assignment to a reviewer only.

use crate::lab::*;
use township_central::store::{Kiosk, Operator, QueueFilter, Role};
use township_core::domain::calendar::Date;

fn queue(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let cli = Operator::cli();
    // Five cases whose limits are, in the order they were received: +3, +1, +5, +2, +4 days.
    let offsets = [3, 1, 5, 2, 4];
    let today = Date::from_unix_china(township_central::store::now());
    let mut receipts = Vec::new();
    for (i, days) in offsets.iter().enumerate() {
        let (kiosk, prefix) = if i % 2 == 0 { ("K-A", "KA") } else { ("K-B", "KB") };
        let submission = fleet::submission(kiosk, prefix, i as u32 + 1);
        store
            .submit(Kiosk(kiosk), &submission.application.uuid, &submission)
            .unwrap();
        let limit = today.add_days(*days).to_string();
        store
            .tx(|sql| {
                sql.exec(
                    "UPDATE applications SET expected_on = $1 WHERE receipt_no = $2",
                    &[limit.as_str().into(), submission.receipt_no.as_str().into()],
                )
            })
            .unwrap();
        receipts.push(submission.receipt_no);
    }
    let order = |filter: &QueueFilter| -> Vec<String> {
        store
            .queue(&cli, filter, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.receipt_no)
            .collect()
    };
    let by_limit: Vec<String> = [1, 3, 0, 4, 2].iter().map(|i| receipts[*i].clone()).collect();
    assert_eq!(order(&QueueFilter::default()), by_limit, "the nearest time limit first");
    let kiosk_b = QueueFilter {
        kiosk_id: Some("K-B".into()),
        ..Default::default()
    };
    assert_eq!(order(&kiosk_b), vec![receipts[1].clone(), receipts[3].clone()]);
    let number = QueueFilter {
        number: Some(receipts[2].to_lowercase()),
        ..Default::default()
    };
    assert_eq!(order(&number), vec![receipts[2].clone()]);
    // An approved case leaves the waiting queue; it is under "approved".
    store.review(&cli, &receipts[1], CaseStatus::Approved, None).unwrap();
    assert_eq!(order(&QueueFilter::default()).len(), 4);
    let approved = QueueFilter {
        status: Some("approved".into()),
        ..Default::default()
    };
    assert_eq!(order(&approved), vec![receipts[1].clone()]);
    let tomorrow = QueueFilter {
        from: Some(today.add_days(1)),
        ..Default::default()
    };
    assert!(order(&tomorrow).is_empty(), "received today, not from tomorrow");

    // Assignment: to a reviewer, not to an auditor or a stranger.
    store
        .add_operator("rita", "a long reviewer passphrase", Role::Reviewer)
        .unwrap();
    store
        .add_operator("otto", "a long auditor passphrase", Role::Auditor)
        .unwrap();
    store.assign(&cli, &receipts[0], "rita").unwrap();
    assert!(store.assign(&cli, &receipts[0], "otto").is_err());
    assert!(store.assign(&cli, &receipts[0], "nobody").is_err());
    let row = store.queue(&cli, &QueueFilter::default(), 100).unwrap();
    let assigned = row.iter().find(|r| r.receipt_no == receipts[0]).unwrap();
    assert_eq!(assigned.assigned_to.as_deref(), Some("rita"));
}

on_both_databases!(queue);
