//! Staged rollouts of a signed firmware bundle. A rollout is offered, in the heartbeat's
//! reply, to the image kiosks whose bucket (a hash of the rollout and the kiosk, 0–99) is
//! under its percentage; a kiosk may fetch the bundle only while it is offered to it. Each
//! kiosk's reports (downloading … done or failed, with the reason) are kept; when every
//! kiosk of the current wave that was seen in the last ten minutes has finished, the
//! percentage doubles (up to 100, then the rollout completes). At the failure threshold it
//! halts by itself: offers stop, and only an operator resumes it (with a higher threshold)
//! or aborts it. One rollout runs at a time.

use super::*;
use township_core::firmware_api::{FirmwareState, UpdateOffer, UpdateReport, UpdateStage};

/// A kiosk counts in a wave while it was seen this recently.
pub const WAVE_SEEN_SECS: i64 = 600;
/// A rollout is looked at again at least this often (besides at each kiosk's finish).
pub const EVALUATE_EVERY_SECS: i64 = 30;

/// One rollout as `rollout list` and the dashboard show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RolloutView {
    pub rollout_id: i64,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub percent: i64,
    pub halt_after: i64,
    /// `active`, `paused`, `halted`, `aborted` or `completed`.
    pub state: String,
    pub reason: Option<String>,
    pub created_at: i64,
    /// Kiosks per stage (`downloading`, …, `done`, `failed`).
    pub stages: std::collections::BTreeMap<String, i64>,
    pub failures: Vec<(String, String)>,
}

/// A rollout to create: the bundle (a file in the server's directory), its version, hash
/// and size, the first wave's percentage and the failure threshold.
#[derive(Clone, Debug)]
pub struct NewRollout {
    pub bundle: String,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub percent: i64,
    pub halt_after: i64,
}

/// What an operator does with a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutAction {
    Pause,
    /// Resume a paused or halted rollout; a halted one needs a threshold above its failures.
    Resume {
        halt_after: Option<i64>,
    },
    Abort,
}

/// A kiosk's place in a rollout: 0–99, stable for the pair.
pub fn bucket(rollout_id: i64, kiosk_id: &str) -> i64 {
    let digest = Sha256::digest(format!("{rollout_id}:{kiosk_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 100) as i64
}

/// The rollout still in play (active, paused or halted), if any.
fn current(sql: &mut dyn Sql) -> Result<Option<Row>> {
    sql.query_one(
        "SELECT rollout_id, version, sha256, size, percent, halt_after, state, bundle, updated_at FROM rollouts \
         WHERE state IN ('active', 'paused', 'halted') ORDER BY rollout_id DESC LIMIT 1",
        &[],
    )
}

impl Store {
    /// `rollout create`: a new rollout of the bundle at `bundle` (already in the server's
    /// directory), first offered to `percent` per cent of the image kiosks.
    pub fn create_rollout(&self, operator: &Operator, new: &NewRollout) -> Result<i64> {
        operator.require(operator.may_supervise())?;
        let NewRollout {
            bundle,
            version,
            sha256,
            size,
            percent,
            halt_after,
        } = new;
        let (bundle, version, sha256, size, percent, halt_after) = (
            bundle.as_str(),
            version.as_str(),
            sha256.as_str(),
            *size,
            *percent,
            *halt_after,
        );
        if !(1..=100).contains(&percent) {
            return refuse(422, "bad_percent", "--percent is 1 to 100");
        }
        if halt_after < 1 {
            return refuse(422, "bad_threshold", "--halt-after-failures is at least 1");
        }
        if version.is_empty() || version.len() > 80 {
            return refuse(422, "bad_version", "the version is 1 to 80 characters");
        }
        self.tx(|sql| {
            if let Some(row) = current(sql)? {
                return refuse(
                    409,
                    "rollout_running",
                    format!(
                        "rollout {} ({}) is {}: abort it first",
                        row.int("rollout_id"),
                        row.text("version"),
                        row.text("state")
                    ),
                );
            }
            let id = next_counter(sql, "rollout")?;
            let now = now();
            sql.exec(
                "INSERT INTO rollouts (rollout_id, version, bundle, sha256, size, percent, halt_after, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $8)",
                &[id.into(), version.into(), bundle.into(), sha256.into(), size.into(), percent.into(), halt_after.into(), now.into()],
            )?;
            audit(sql, &operator.name, "rollout_create", &format!("{id} {version} {percent}%"))?;
            Ok(id)
        })
    }

    /// `rollout pause|resume|abort`.
    pub fn act_on_rollout(&self, operator: &Operator, rollout_id: i64, action: RolloutAction) -> Result<String> {
        operator.require(operator.may_supervise())?;
        self.tx(|sql| {
            let Some(row) = sql.query_one(
                "SELECT state, halt_after FROM rollouts WHERE rollout_id = $1",
                &[rollout_id.into()],
            )?
            else {
                return refuse(404, "no_rollout", format!("there is no rollout {rollout_id}"));
            };
            let state = row.text("state");
            let failed = failures(sql, rollout_id)?;
            let (next, halt_after) = match (action, state.as_str()) {
                (RolloutAction::Pause, "active") => ("paused", row.int("halt_after")),
                (RolloutAction::Resume { halt_after }, "paused" | "halted") => {
                    let halt_after = halt_after.unwrap_or(row.int("halt_after"));
                    if failed >= halt_after {
                        return refuse(
                            409,
                            "still_over_threshold",
                            format!("{failed} kiosk(s) failed: resume with --halt-after-failures above {failed}"),
                        );
                    }
                    ("active", halt_after)
                }
                (RolloutAction::Abort, "active" | "paused" | "halted") => ("aborted", row.int("halt_after")),
                _ => return refuse(409, "rollout_state", format!("rollout {rollout_id} is {state}")),
            };
            sql.exec(
                "UPDATE rollouts SET state = $2, halt_after = $3, updated_at = $4 WHERE rollout_id = $1",
                &[rollout_id.into(), next.into(), halt_after.into(), now().into()],
            )?;
            audit(sql, &operator.name, &format!("rollout_{next}"), &rollout_id.to_string())?;
            Ok(next.to_string())
        })
    }

    pub fn rollouts(&self, operator: &Operator) -> Result<Vec<RolloutView>> {
        operator.require(operator.may_review() || operator.may_audit())?;
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT rollout_id, version, sha256, size, percent, halt_after, state, reason, created_at FROM rollouts ORDER BY rollout_id DESC LIMIT 20",
                &[],
            )?;
            let mut views = Vec::new();
            for r in rows {
                let id = r.int("rollout_id");
                let mut stages = std::collections::BTreeMap::new();
                for s in sql.query(
                    "SELECT stage, COUNT(*) AS n FROM rollout_kiosks WHERE rollout_id = $1 GROUP BY stage",
                    &[id.into()],
                )? {
                    stages.insert(s.text("stage"), s.int("n"));
                }
                let failures = sql
                    .query(
                        "SELECT kiosk_id, reason FROM rollout_kiosks WHERE rollout_id = $1 AND stage = 'failed' ORDER BY updated_at DESC LIMIT 10",
                        &[id.into()],
                    )?
                    .iter()
                    .map(|f| (f.text("kiosk_id"), f.opt_text("reason").unwrap_or_default()))
                    .collect();
                views.push(RolloutView {
                    rollout_id: id,
                    version: r.text("version"),
                    sha256: r.text("sha256"),
                    size: r.int("size"),
                    percent: r.int("percent"),
                    halt_after: r.int("halt_after"),
                    state: r.text("state"),
                    reason: r.opt_text("reason"),
                    created_at: r.int("created_at"),
                    stages,
                    failures,
                });
            }
            Ok(views)
        })
    }

    /// The version the fleet should run: the newest completed rollout's.
    pub fn firmware_target(&self) -> Result<Option<String>> {
        self.tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT version FROM rollouts WHERE state = 'completed' ORDER BY rollout_id DESC LIMIT 1",
                    &[],
                )?
                .map(|r| r.text("version")))
        })
    }

    /// The heartbeat's part, in its transaction: records the image version, slot and the
    /// kiosk's report, lets the rollout widen or halt, and answers with the offer this
    /// kiosk should act on.
    pub(super) fn rollout_heartbeat(
        sql: &mut dyn Sql,
        kiosk: &str,
        firmware: Option<&FirmwareState>,
        now: i64,
    ) -> Result<Option<UpdateOffer>> {
        let Some(firmware) = firmware else {
            return Ok(None);
        };
        let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        sql.exec(
            "UPDATE kiosks SET firmware_version = $2, firmware_slot = $3 WHERE kiosk_id = $1",
            &[
                kiosk.into(),
                clip(&firmware.version, 80).into(),
                clip(&firmware.slot, 4).into(),
            ],
        )?;
        let Some(rollout) = current(sql)? else {
            return Ok(None);
        };
        let id = rollout.int("rollout_id");
        let version = rollout.text("version");
        let report = match &firmware.update {
            // Running the rollout's version: done, whatever stage the spool last named
            // (the agent's "rebooting" is read before the health check's "done").
            _ if firmware.version == version => Some(UpdateReport {
                rollout_id: id,
                version: version.clone(),
                stage: UpdateStage::Done,
                percent: None,
                reason: None,
            }),
            Some(report) if report.rollout_id == id => Some(report.clone()),
            _ => None,
        };
        let mut stage = None;
        let mut finished_now = false;
        if let Some(report) = report {
            let before = sql
                .query_one(
                    "SELECT stage FROM rollout_kiosks WHERE rollout_id = $1 AND kiosk_id = $2",
                    &[id.into(), kiosk.into()],
                )?
                .map(|r| r.text("stage"));
            // A finished kiosk stays finished (a late report does not reopen it).
            let settled = before.as_deref().and_then(UpdateStage::parse).filter(|s| s.finished());
            let now_stage = settled.unwrap_or(report.stage);
            if settled.is_none() {
                sql.exec(
                    "INSERT INTO rollout_kiosks (rollout_id, kiosk_id, stage, percent, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (rollout_id, kiosk_id) DO UPDATE SET stage = $3, percent = $4, reason = $5, updated_at = $6",
                    &[
                        id.into(),
                        kiosk.into(),
                        report.stage.as_str().into(),
                        report.percent.map(i64::from).into(),
                        report.reason.as_deref().map(|r| clip(r, 200)).into(),
                        now.into(),
                    ],
                )?;
                finished_now = report.stage.finished();
            }
            stage = Some(now_stage);
        }
        // Also now and then without a finish, so an empty wave still widens.
        if finished_now || now - rollout.int("updated_at") >= EVALUATE_EVERY_SECS {
            evaluate(sql, id, now)?;
        }
        let offered = sql
            .query_one(
                "SELECT state, percent FROM rollouts WHERE rollout_id = $1",
                &[id.into()],
            )?
            .is_some_and(|r| r.text("state") == "active" && bucket(id, kiosk) < r.int("percent"));
        if !offered || stage.is_some_and(UpdateStage::finished) {
            return Ok(None);
        }
        Ok(Some(UpdateOffer {
            rollout_id: id,
            version,
            size: rollout.int("size") as u64,
            sha256: rollout.text("sha256"),
        }))
    }

    /// The bundle file of a rollout, for `kiosk` only while the rollout offers it to it.
    pub fn rollout_bundle(&self, kiosk: Kiosk, rollout_id: i64) -> Result<(String, u64)> {
        self.tx(|sql| {
            let row = sql.query_one(
                "SELECT bundle, size, state, percent FROM rollouts WHERE rollout_id = $1",
                &[rollout_id.into()],
            )?;
            match row {
                Some(r) if r.text("state") == "active" && bucket(rollout_id, kiosk.id()) < r.int("percent") => {
                    Ok((r.text("bundle"), r.int("size") as u64))
                }
                Some(_) => refuse(403, "not_offered", "this rollout is not offered to this kiosk"),
                None => refuse(404, "no_rollout", "no such rollout"),
            }
        })
    }
}

fn failures(sql: &mut dyn Sql, rollout_id: i64) -> Result<i64> {
    Ok(sql
        .query_one(
            "SELECT COUNT(*) AS n FROM rollout_kiosks WHERE rollout_id = $1 AND stage = 'failed'",
            &[rollout_id.into()],
        )?
        .map_or(0, |r| r.int("n")))
}

/// Halts the rollout at its failure threshold; widens it (or completes it) once every
/// kiosk of the current wave seen lately has finished.
fn evaluate(sql: &mut dyn Sql, rollout_id: i64, now: i64) -> Result<()> {
    let Some(r) = sql.query_one(
        "SELECT state, percent, halt_after, version FROM rollouts WHERE rollout_id = $1",
        &[rollout_id.into()],
    )?
    else {
        return Ok(());
    };
    if r.text("state") != "active" {
        return Ok(());
    }
    let failed = failures(sql, rollout_id)?;
    if failed >= r.int("halt_after") {
        sql.exec(
            "UPDATE rollouts SET state = 'halted', reason = $2, updated_at = $3 WHERE rollout_id = $1",
            &[
                rollout_id.into(),
                format!("{failed} kiosk(s) failed (threshold {})", r.int("halt_after")).into(),
                now.into(),
            ],
        )?;
        audit(sql, "central", "rollout_halted", &rollout_id.to_string())?;
        log::warn!("rollout {rollout_id} halted: {failed} kiosk(s) failed");
        return Ok(());
    }
    let percent = r.int("percent");
    let members = sql.query(
        "SELECT k.kiosk_id, k.firmware_version, rk.stage FROM kiosks k \
         LEFT JOIN rollout_kiosks rk ON rk.kiosk_id = k.kiosk_id AND rk.rollout_id = $1 \
         WHERE k.firmware_version IS NOT NULL AND k.last_seen >= $2",
        &[rollout_id.into(), (now - WAVE_SEEN_SECS).into()],
    )?;
    let version = r.text("version");
    let open = members.iter().any(|m| {
        bucket(rollout_id, &m.text("kiosk_id")) < percent
            && m.opt_text("firmware_version").as_deref() != Some(version.as_str())
            && !m
                .opt_text("stage")
                .as_deref()
                .and_then(UpdateStage::parse)
                .is_some_and(|s| s.finished())
    });
    if open {
        sql.exec(
            "UPDATE rollouts SET updated_at = $2 WHERE rollout_id = $1",
            &[rollout_id.into(), now.into()],
        )?;
        return Ok(());
    }
    let (state, next) = if percent >= 100 {
        ("completed", 100)
    } else {
        ("active", (percent * 2).min(100))
    };
    sql.exec(
        "UPDATE rollouts SET state = $2, percent = $3, updated_at = $4 WHERE rollout_id = $1",
        &[rollout_id.into(), state.into(), next.into(), now.into()],
    )?;
    log::info!("rollout {rollout_id}: {state} at {next}%");
    Ok(())
}
