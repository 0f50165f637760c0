//! What the technician desk's own thread does: check the PIN, read the store's snapshot
//! (outbox, supplements, reprint queue), retry a dead letter, save settings, audit.

use super::*;

pub(super) enum TechJob {
    CheckPin {
        pin: String,
        hash: Option<String>,
    },
    Snapshot,
    Retry {
        id: i64,
    },
    Save {
        paths: ConfigPaths,
        changes: Vec<(String, toml::Value)>,
    },
    Audit {
        action: String,
        detail: String,
    },
}

pub(super) fn pin_notice(error: PinError) -> TechNotice {
    match error {
        PinError::Wrong(left) => TechNotice::PinWrong(left),
        PinError::Locked(secs) | PinError::WrongNowLocked(secs) => TechNotice::PinLocked(secs),
        PinError::NotSet => TechNotice::PinNotSet,
        PinError::BadFormat => TechNotice::PinBadFormat,
        other => TechNotice::PinFailed(other.to_string()),
    }
}

/// One job on the desk's thread, with its own connection to the established store.
pub(super) fn run(store: &mut Option<Store>, state_dir: &std::path::Path, job: TechJob) -> Option<TechOutcome> {
    if store.is_none() {
        match Store::open_established(state_dir) {
            Ok(opened) => *store = Some(opened),
            Err(e) => {
                log::warn!("technician screen: the store cannot be opened: {e}");
                let e = e.to_string();
                return match job {
                    TechJob::CheckPin { .. } => Some(TechOutcome::Pin(Err(PinError::BadHash(format!("storage: {e}"))))),
                    TechJob::Snapshot => Some(TechOutcome::Snapshot(Err(e))),
                    TechJob::Retry { .. } => Some(TechOutcome::Retried(Err(e))),
                    TechJob::Save { .. } => Some(TechOutcome::Saved(Err(vec![e]))),
                    TechJob::Audit { .. } => None,
                };
            }
        }
    }
    let store = store.as_mut()?;
    let now = crate::storage::now_unix();
    let audit = |store: &mut Store, action: &str, detail: &str| {
        if let Err(e) = store.audit(ACTOR, action, detail) {
            log::error!("audit {action}: {e}");
        }
    };
    match job {
        TechJob::CheckPin { pin, hash } => {
            let checked = technician::check_pin(store, hash.as_deref(), &pin, ACTOR, "technician screen", now);
            drop(pin);
            if checked.is_ok() {
                audit(store, "technician.login", "PIN accepted on the touchscreen");
            }
            Some(TechOutcome::Pin(checked))
        }
        TechJob::Snapshot => Some(TechOutcome::Snapshot(snapshot(store).map_err(|e| e.to_string()))),
        TechJob::Retry { id } => {
            let result = store
                .outbox_get(&id.to_string())
                .and_then(|entry| store.outbox_retry(id, now).map(|()| entry.receipt_no))
                .map_err(|e| e.to_string());
            match &result {
                Ok(receipt) => audit(store, "technician.outbox-retry", &format!("{receipt} sent again")),
                Err(e) => audit(store, "technician.outbox-retry", &format!("row {id}: refused: {e}")),
            }
            Some(TechOutcome::Retried(result))
        }
        TechJob::Save { paths, changes } => {
            let detail: Vec<String> = changes.iter().map(|(key, value)| format!("{key} = {value}")).collect();
            let result = match crate::config::set_overrides_checked(&paths, &changes) {
                Ok(next_start) => {
                    audit(store, "technician.settings-saved", &detail.join(", "));
                    Ok((changes, Box::new(next_start)))
                }
                Err(OverrideError::Invalid(errors)) => {
                    audit(store, "technician.settings-refused", &detail.join(", "));
                    Err(errors.0.iter().map(|p| format!("{}: {}", p.key, p.message)).collect())
                }
                Err(e) => {
                    audit(
                        store,
                        "technician.settings-refused",
                        &format!("{}: {e}", detail.join(", ")),
                    );
                    Err(vec![e.to_string()])
                }
            };
            Some(TechOutcome::Saved(result))
        }
        TechJob::Audit { action, detail } => {
            audit(store, &action, &detail);
            None
        }
    }
}

fn snapshot(store: &mut Store) -> Result<TechSnapshot, crate::storage::StorageError> {
    let mut outbox: Vec<OutboxEntry> = store
        .outbox_list(None)?
        .into_iter()
        .filter(|entry| entry.state != OutboxState::Sent)
        .collect();
    outbox.sort_by_key(|entry| (entry.state != OutboxState::Dead, entry.created_at));
    outbox.truncate(OUTBOX_ROWS);
    let dead = store
        .supplement_counts()?
        .into_iter()
        .find_map(|(state, n)| (state == "dead").then_some(n))
        .unwrap_or(0);
    let waiting = store.supplements_unsent()?;
    Ok(TechSnapshot {
        counts: store.outbox_counts()?,
        outbox,
        supplements_waiting: waiting,
        supplements_dead: dead,
        reprints: store.reprint_queue()?,
    })
}
