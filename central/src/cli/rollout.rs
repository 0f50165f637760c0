//! `township-central rollout create|list|pause|resume|abort`: staged firmware rollouts. The
//! bundle is copied into the server's directory (`rollouts/ID.raucb`) with its SHA-256 and
//! size; kiosks learn of it from their heartbeat's reply.

use crate::server;
use crate::store::{NewRollout, Operator, RolloutAction, RolloutView};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum RolloutCommand {
    /// Offer a signed bundle (scripts/build-bundle.sh) to P per cent of the image kiosks
    /// first; the share doubles each time a wave finishes with failures under N.
    Create {
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        version: String,
        #[arg(long, default_value_t = 10)]
        percent: i64,
        #[arg(long, default_value_t = 3)]
        halt_after_failures: i64,
    },
    /// The last 20 rollouts with each one's kiosks per stage and latest failures.
    List {
        #[arg(long)]
        json: bool,
    },
    Pause {
        id: i64,
    },
    /// Resume a paused or halted rollout (a halted one needs a threshold above its failures).
    Resume {
        id: i64,
        #[arg(long)]
        halt_after_failures: Option<i64>,
    },
    Abort {
        id: i64,
    },
}

pub fn run(dir: &Path, db: Option<&str>, command: RolloutCommand) -> Result<()> {
    let store = server::open_store(dir, db)?;
    let operator = Operator::cli();
    match command {
        RolloutCommand::Create {
            bundle,
            version,
            percent,
            halt_after_failures,
        } => {
            let (sha256, size) = hash_file(&bundle)?;
            let folder = dir.join("rollouts");
            std::fs::create_dir_all(&folder)?;
            let staged = folder.join(format!("{sha256}.raucb"));
            std::fs::copy(&bundle, &staged).with_context(|| format!("copying {}", bundle.display()))?;
            let staged = std::fs::canonicalize(&staged)?;
            let id = store.create_rollout(
                &operator,
                &NewRollout {
                    bundle: staged.to_string_lossy().into_owned(),
                    version: version.clone(),
                    sha256: sha256.clone(),
                    size: size as i64,
                    percent,
                    halt_after: halt_after_failures,
                },
            )?;
            println!("rollout {id}: {version} ({size} bytes, sha256 {sha256}) offered to {percent}% of the image kiosks; halts after {halt_after_failures} failure(s)");
        }
        RolloutCommand::List { json } => {
            let rollouts = store.rollouts(&operator)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rollouts)?);
            } else {
                print_list(&rollouts);
            }
        }
        RolloutCommand::Pause { id } => act(&store, &operator, id, RolloutAction::Pause)?,
        RolloutCommand::Resume {
            id,
            halt_after_failures,
        } => act(
            &store,
            &operator,
            id,
            RolloutAction::Resume {
                halt_after: halt_after_failures,
            },
        )?,
        RolloutCommand::Abort { id } => act(&store, &operator, id, RolloutAction::Abort)?,
    }
    Ok(())
}

fn act(store: &crate::store::Store, operator: &Operator, id: i64, action: RolloutAction) -> Result<()> {
    let state = store.act_on_rollout(operator, id, action)?;
    println!("rollout {id}: {state}");
    Ok(())
}

fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    if size == 0 {
        bail!("{} is empty", path.display());
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn print_list(rollouts: &[RolloutView]) {
    if rollouts.is_empty() {
        println!("no rollouts");
    }
    for r in rollouts {
        let stages: Vec<String> = r.stages.iter().map(|(stage, n)| format!("{stage} {n}")).collect();
        println!(
            "{:>4}  {:<24} {:<9} {:>3}%  halt after {}  [{}]{}",
            r.rollout_id,
            r.version,
            r.state,
            r.percent,
            r.halt_after,
            stages.join(", "),
            r.reason.as_deref().map(|why| format!("  ({why})")).unwrap_or_default()
        );
        for (kiosk, reason) in &r.failures {
            println!("        failed: {kiosk}: {reason}");
        }
    }
}
