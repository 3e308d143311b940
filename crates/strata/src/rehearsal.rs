//! Rehearsals: running an environment somewhere other than its own target, which must never
//! touch its real state.
//!
//! A run is a rehearsal when `--emulator` is given for an environment whose target is not the
//! emulator (`strata apply -e prod --emulator`). An environment that targets the emulator,
//! run on the emulator, is its own target: not a rehearsal. `STRATA_ARM_ENDPOINT` on its own
//! does not make a rehearsal: it replaces the ARM endpoint of the environment itself (a proxy,
//! a private endpoint, an emulator standing in for the environment's target), so the
//! environment's state is the one to use. With `--emulator` as well, the rehearsal goes to
//! that endpoint and still keeps its own state.
//!
//! A rehearsal never reads-modifies-writes, locks or backs up the environment's real state or
//! backend. It has its own folder, `.strata/rehearsal/<env>/`:
//!
//! - `state/<env>.json` — the rehearsal's state (a local store, with its own lock and backup);
//! - `estate/` — the embedded emulator's estate (separate from `.strata/emulator/<env>`, which
//!   belongs to environments that target the emulator).
//!
//! `--from-state` starts the rehearsal from a copy of the real state, read without a lock
//! (reading takes no lock in either backend, and writes nothing): the rehearsal state and
//! estate are replaced by the real state's resources, so the rehearsal plan shows what the
//! environment's next apply would do. The copy gets a NEW lineage (serial restarting at 1):
//! `state push` refuses a state of another lineage, so a rehearsal state can never be pushed
//! over the real one by accident (only with `--force`, deliberately).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use strata_config::{Environment, Target};
use strata_state::{LocalStore, LockInfo, State, StateStore};

use crate::backend::Store;
use crate::session::{ENDPOINT_VAR, Workspace};
use crate::style;

/// A rehearsal of one environment.
#[derive(Debug, Clone)]
pub struct Rehearsal {
    env: String,
    root: PathBuf,
}

/// The rehearsal this run is, or `None` for a run on the environment's own target.
pub fn detect(ws: &Workspace, env: &Environment, force_emulator: bool) -> Option<Rehearsal> {
    // Both estates of an environment with disaster recovery share one rehearsal (one
    // emulator estate, where the standby's replica can reach its primary), each with its own
    // state in it.
    (force_emulator && env.target != Target::Emulator).then(|| Rehearsal {
        env: env.name.clone(),
        root: ws.dir.join(".strata").join("rehearsal").join(env.estate_owner()),
    })
}

impl Rehearsal {
    /// `.strata/rehearsal/<env>`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the rehearsal's state is kept.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Where the embedded emulator keeps the rehearsal's estate.
    pub fn estate_dir(&self) -> PathBuf {
        self.root.join("estate")
    }

    /// The rehearsal's own state store.
    pub fn store(&self) -> LocalStore {
        LocalStore::in_dir(&self.state_dir(), &self.env)
    }

    /// The first line of a rehearsal run.
    pub fn banner(&self, ws: &Workspace) -> String {
        let rel = self.root.strip_prefix(&ws.dir).unwrap_or(&self.root);
        let on = match std::env::var(ENDPOINT_VAR) {
            Ok(ep) => format!("the ARM endpoint {ep} (from {ENDPOINT_VAR})"),
            Err(_) => "the strata emulator".to_string(),
        };
        format!(
            "Rehearsal of {} on {on} — NOT Azure; real state untouched; rehearsal state in {}",
            self.env,
            rel.display()
        )
    }
}

/// The state store of this run: the rehearsal's own, or the environment's real one.
pub fn store(ws: &Workspace, env: &Environment, force_emulator: bool) -> Result<Store> {
    match detect(ws, env, force_emulator) {
        Some(r) => Ok(Store::Local(r.store())),
        None => ws.store(env),
    }
}

/// Where the embedded emulator keeps its estate for this run, if it is a rehearsal.
pub fn estate_dir(ws: &Workspace, env: &Environment, force_emulator: bool) -> Option<PathBuf> {
    detect(ws, env, force_emulator).map(|r| r.estate_dir())
}

/// The store of a plan/apply/destroy run, seeded from the real state first with
/// `--from-state`.
pub async fn open_store(
    ws: &Workspace,
    env: &Environment,
    force_emulator: bool,
    from_state: bool,
) -> Result<Store> {
    if from_state {
        let Some(r) = detect(ws, env, force_emulator) else {
            return Err(anyhow!(
                "--from-state starts a rehearsal from {}'s real state, but this run is not a rehearsal\n  {} add --emulator to rehearse an environment that targets Azure",
                env.name,
                style::hint_label()
            ));
        };
        seed_from_real(ws, env, &r).await?;
    }
    store(ws, env, force_emulator)
}

/// Replaces the rehearsal's state and estate with a copy of the real state.
pub async fn seed_from_real(ws: &Workspace, env: &Environment, r: &Rehearsal) -> Result<usize> {
    if std::env::var(ENDPOINT_VAR).is_ok() {
        return Err(anyhow!(
            "--from-state seeds the embedded emulator's estate, but {ENDPOINT_VAR} sends this rehearsal elsewhere\n  {} unset {ENDPOINT_VAR}",
            style::hint_label()
        ));
    }
    let source = copy_state(ws, env, r).await?;
    // Both estates of an environment with disaster recovery live in one rehearsal.
    let mut docs_from = vec![source.clone()];
    if env.standby_of.is_none()
        && let Some(name) = env.standby_name()
        && let Ok(standby) = ws.environment(&name)
        && ws.store(&standby).is_ok()
    {
        let standby_rehearsal = Rehearsal {
            env: standby.name.clone(),
            root: r.root.clone(),
        };
        docs_from.push(copy_state(ws, &standby, &standby_rehearsal).await?);
    }

    let estate = r.estate_dir();
    match std::fs::remove_file(estate.join("estate.json")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(anyhow!("cannot reset {}: {e}", estate.display()));
        }
        _ => {}
    }
    let docs: Vec<strata_emulator::SeedDocument> = docs_from
        .iter()
        .flat_map(|s| s.resources.values())
        .map(|res| strata_emulator::SeedDocument {
            id: res.id.to_string(),
            resource_type: res.resource_type.clone(),
            document: res.attributes.clone(),
        })
        .collect();
    strata_emulator::seed_estate(&estate, &docs)
        .with_context(|| format!("cannot seed the rehearsal estate in {}", estate.display()))?;
    eprintln!(
        "{}",
        style::dim(&format!(
            "Rehearsal starts from {}'s real state (serial {}, {} resources, read without locking); the copy has its own lineage and cannot be pushed back.",
            env.name,
            source.serial,
            source.resources.len()
        ))
    );
    Ok(source.resources.len())
}

/// Copies `env`'s real state (read without locking) into rehearsal `r`'s state, with a new
/// lineage; returns the real state.
async fn copy_state(ws: &Workspace, env: &Environment, r: &Rehearsal) -> Result<State> {
    // Read only: no lock, no write, nothing created in the real backend.
    let real = ws.store(env)?;
    let real = real.as_dyn();
    let source = real
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the real state ({}): {e}", real.describe()))?
        .unwrap_or_else(|| State::new(&env.name));

    let mut copy = source.clone();
    copy.lineage = State::new(&env.name).lineage;
    copy.serial = 0;

    let store = r.store();
    let guard = store
        .lock(LockInfo::new(strata_state::operation::STATE_PUSH).with_info("rehearsal --from-state"))
        .await
        .map_err(|e| anyhow!("cannot lock the rehearsal state ({}): {e}", store.describe()))?;
    let written = async {
        for f in [
            store.path().to_path_buf(),
            store.path().with_extension("json.backup"),
        ] {
            match std::fs::remove_file(&f) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(anyhow!("cannot remove {}: {e}", f.display()));
                }
                _ => {}
            }
        }
        store
            .write(&mut copy, &guard)
            .await
            .map_err(|e| anyhow!("cannot write the rehearsal state: {e}"))
    }
    .await;
    let _ = store.unlock(guard).await;
    written?;
    Ok(source)
}
