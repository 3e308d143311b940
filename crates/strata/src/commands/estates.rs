//! The two estates of an environment with disaster recovery, as the commands see them: the
//! primary (`prod`) and the derived standby environment (`prod-dr`), each with its own state
//! and lock. A run of one reads the other's state, without locking it, to resolve the values
//! that refer to it; the standby's state records which estate serves.

use std::time::Duration;

use anyhow::{Result, anyhow};
use strata_config::Environment;
use strata_core::EstateRole;
use strata_state::{LockGuard, RecoveryRecord, State, StateStore};

use crate::session::{self, Workspace};

/// The other estate of `env`: the primary of a standby, the standby of a primary with
/// disaster recovery.
pub fn other(ws: &Workspace, env: &Environment) -> Result<Option<Environment>> {
    let name = match (&env.standby_of, env.standby_name()) {
        (Some(of), _) => of.primary.clone(),
        (None, Some(name)) => name,
        (None, None) => return Ok(None),
    };
    ws.environment(&name).map(Some)
}

/// `env`'s state, read without a lock (a rehearsal's own with `emulator`).
pub async fn read_state(ws: &Workspace, env: &Environment, emulator: bool) -> Result<Option<State>> {
    let store = crate::rehearsal::store(ws, env, emulator)?;
    let store = store.as_dyn();
    store
        .read()
        .await
        .map_err(|e| anyhow!("cannot read {}'s state ({}): {e}", env.name, store.describe()))
}

/// The other estate's state, for [`strata_engine::PlanOptions::peers`].
pub async fn peers(ws: &Workspace, env: &Environment, emulator: bool) -> Result<Vec<(String, State)>> {
    let Some(other) = other(ws, env)? else {
        return Ok(Vec::new());
    };
    Ok(read_state(ws, &other, emulator)
        .await?
        .map(|s| vec![(other.name.clone(), s)])
        .unwrap_or_default())
}

/// The standby environment of `env` (itself, for a standby).
pub fn standby_of(ws: &Workspace, env: &Environment) -> Result<Option<Environment>> {
    if env.standby_of.is_some() {
        return Ok(Some(env.clone()));
    }
    match env.standby_name() {
        Some(name) => ws.environment(&name).map(Some),
        None => Ok(None),
    }
}

/// The recovery record the standby's state keeps for `env` (`None` without a standby, a
/// standby state or a record, or when it cannot be read).
async fn record(ws: &Workspace, env: &Environment, emulator: bool) -> Option<RecoveryRecord> {
    let standby = standby_of(ws, env).ok()??;
    read_state(ws, &standby, emulator).await.ok()??.recovery
}

/// Which estate serves `env` now, as the standby's state records it: the primary unless a
/// failover said otherwise (or nothing can be read).
pub async fn serving(ws: &Workspace, env: &Environment, emulator: bool) -> EstateRole {
    record(ws, env, emulator)
        .await
        .map_or(EstateRole::Primary, |r| r.serving)
}

/// Sets what the standby's state records about `env`'s recovery, read once: which estate
/// serves, whether it has ever been failed over, and, for a cold strategy, the moment its
/// standby's database is restored to (when the failover that built it started, or the outage
/// it answered).
pub async fn apply_record(ws: &Workspace, env: &mut Environment, emulator: bool) {
    let rec = record(ws, env, emulator).await.unwrap_or_default();
    let cold = env
        .disaster_recovery
        .as_ref()
        .is_some_and(|d| d.strategy == strata_core::DrStrategy::Cold);
    env.serving = rec.serving;
    env.failed_over = rec.since.is_some();
    env.restore_point = if cold {
        match rec.runbook {
            Some(p) => Some(p.outage_at.unwrap_or(p.started_at)),
            None => rec.since,
        }
    } else {
        None
    };
}

/// The heading of an estate's section in a plan of an environment with a standby.
pub fn heading(env: &Environment) -> String {
    match &env.standby_of {
        Some(of) => format!(
            "── Standby estate {} in {} (standby of {}; its own state and lock) ──",
            env.name, env.location, of.primary
        ),
        None => format!("── Primary estate {} in {} ──", env.name, env.location),
    }
}

/// Runs `work` with `env`'s state (a rehearsal's own with `emulator`) locked; releases the
/// lock whatever happened.
pub async fn with_lock<T>(
    ws: &Workspace,
    env: &Environment,
    emulator: bool,
    operation: &str,
    timeout: Duration,
    work: impl AsyncFnOnce(&dyn StateStore, &LockGuard) -> Result<T>,
) -> Result<T> {
    let store = crate::rehearsal::store(ws, env, emulator)?;
    let store = store.as_dyn();
    let guard = session::lock(store, operation, timeout).await?;
    let result = work(store, &guard).await;
    if let Err(e) = store.unlock(guard).await {
        eprintln!(
            "{} could not release {}'s state lock: {e}",
            crate::style::error_label(),
            env.name
        );
    }
    result
}
