//! State history and moving state between backends.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use strata_state::{State, StateStore};
use strata_state_blob::StateVersionId;

use crate::session::{self, Workspace};
use crate::{Exit, style};

pub async fn history(ws: &Workspace, env: &str) -> Result<u8> {
    let env = ws.environment(env)?;
    let store = ws.store(&env)?;
    let Some(blob) = store.blob() else {
        eprintln!(
            "{} state history needs the azurerm backend (blob versions and snapshots); {} keeps only the previous state, as .strata/state/{}.json.backup",
            style::error_label(),
            env.name,
            env.name
        );
        return Err(Exit(1).into());
    };
    let versions = blob.history().await.map_err(|e| anyhow!("{e}"))?;
    if versions.is_empty() {
        println!("No state yet for {}.", env.name);
        return Ok(0);
    }
    println!("{:<44} {:>6}  {:<25} BY", "VERSION", "SERIAL", "WRITTEN");
    for v in versions {
        println!(
            "{:<44} {:>6}  {:<25} {}",
            v.id.to_string(),
            v.serial.map_or_else(|| "?".into(), |s| s.to_string()),
            v.written_at.map_or_else(|| "?".into(), |t| t.to_rfc3339()),
            v.written_by.unwrap_or_else(|| "?".into())
        );
    }
    Ok(0)
}

pub async fn restore(ws: &Workspace, env: &str, version: &str, auto_approve: bool) -> Result<u8> {
    let env = ws.environment(env)?;
    let store = ws.store(&env)?;
    let Some(blob) = store.blob() else {
        eprintln!("{} state restore needs the azurerm backend", style::error_label());
        return Err(Exit(1).into());
    };
    let id: StateVersionId = version.parse().map_err(|e| {
        anyhow!(
            "{version:?} is not a version id: {e}\n  {} `strata state history -e {}` lists them",
            style::hint_label(),
            env.name
        )
    })?;
    let old = blob.read_version(&id).await.map_err(|e| anyhow!("{e}"))?;
    let current = store.as_dyn().read().await.map_err(|e| anyhow!("{e}"))?;
    println!("Restoring {} of {} (serial {}):", id, env.name, old.serial);
    print_difference(current.as_ref(), &old);
    if !auto_approve && !confirm("Restore this version as the newest state?")? {
        println!("Restore cancelled.");
        return Ok(1);
    }
    let guard = session::lock(
        store.as_dyn(),
        strata_state::operation::STATE_PUSH,
        std::time::Duration::ZERO,
    )
    .await?;
    let result = blob.restore(&id, &guard).await;
    let _ = store.as_dyn().unlock(guard).await;
    let restored = result.map_err(|e| anyhow!("{e}"))?;
    println!(
        "{}",
        style::green(&format!(
            "Restored; the state is now serial {}. Run `strata plan -e {}` to see what differs from Azure.",
            restored.serial, env.name
        ))
    );
    Ok(0)
}

pub async fn pull(ws: &Workspace, env: &str, emulator: bool) -> Result<u8> {
    let env = ws.environment(env)?;
    // [rehearsal hook] --emulator reads the rehearsal's state.
    let store = crate::rehearsal::store(ws, &env, emulator)?;
    match store.as_dyn().read().await.map_err(|e| anyhow!("{e}"))? {
        Some(state) => {
            println!(
                "{}",
                String::from_utf8_lossy(&state.encode().map_err(|e| anyhow!("{e}"))?)
            );
            Ok(0)
        }
        None => {
            eprintln!("No state for {} in {}.", env.name, store.as_dyn().describe());
            Ok(1)
        }
    }
}

pub async fn push(ws: &Workspace, env: &str, file: &Path, force: bool) -> Result<u8> {
    let env = ws.environment(env)?;
    let store = ws.store(&env)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut incoming = State::decode(&bytes, &file.display().to_string())
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("{} holds no state", file.display()))?;
    let guard = session::lock(
        store.as_dyn(),
        strata_state::operation::STATE_PUSH,
        std::time::Duration::ZERO,
    )
    .await?;
    let result = push_locked(store.as_dyn(), &mut incoming, &guard, force).await;
    let _ = store.as_dyn().unlock(guard).await;
    result?;
    println!(
        "{}",
        style::green(&format!(
            "Pushed {} into {} (serial {}).",
            file.display(),
            store.as_dyn().describe(),
            incoming.serial
        ))
    );
    Ok(0)
}

/// OpenTofu's import checks: same lineage, not an older serial, not the same serial with other
/// content; `--force` overrides; an empty destination takes anything.
async fn push_locked(
    store: &dyn StateStore,
    incoming: &mut State,
    guard: &strata_state::LockGuard,
    force: bool,
) -> Result<()> {
    let current = store.read().await.map_err(|e| anyhow!("{e}"))?;
    let refuse = |why: String| -> Result<()> {
        eprintln!(
            "{} {why}\n  {} check you are pushing the right file to the right environment, or pass --force",
            style::error_label(),
            style::hint_label()
        );
        Err(Exit(1).into())
    };
    match &current {
        Some(cur) if !force => {
            if cur.lineage != incoming.lineage {
                return refuse(format!(
                    "the state there has lineage {}, the file {}: they are different states",
                    cur.lineage, incoming.lineage
                ));
            }
            if incoming.serial < cur.serial {
                return refuse(format!(
                    "the file is older (serial {}) than the state there (serial {})",
                    incoming.serial, cur.serial
                ));
            }
            if incoming.serial == cur.serial && incoming.resources != cur.resources {
                return refuse(format!(
                    "the file and the state there have the same serial {} but different contents",
                    cur.serial
                ));
            }
        }
        _ => {}
    }
    // The store numbers writes itself: continue from what is there.
    let mut next = incoming.clone();
    match &current {
        Some(cur) => {
            next.serial = cur.serial;
            next.lineage = cur.lineage.clone();
            if force {
                next.lineage = incoming.lineage.clone();
            }
        }
        None => next.serial = 0,
    }
    if force && current.as_ref().is_some_and(|c| c.lineage != incoming.lineage) {
        // A forced push of another lineage replaces the state: keep the serial increasing.
        next.lineage = current.as_ref().map(|c| c.lineage.clone()).unwrap_or_default();
        next.serial = current.as_ref().map_or(0, |c| c.serial);
        store.write(&mut next, guard).await.map_err(|e| anyhow!("{e}"))?;
        *incoming = next;
        return Ok(());
    }
    store.write(&mut next, guard).await.map_err(|e| anyhow!("{e}"))?;
    *incoming = next;
    Ok(())
}

fn print_difference(current: Option<&State>, old: &State) {
    let Some(current) = current else {
        println!("  (there is no current state)");
        return;
    };
    let mut any = false;
    for addr in old.resources.keys() {
        if !current.resources.contains_key(addr) {
            println!("  {} {addr} (back in state)", style::green("+"));
            any = true;
        } else if current.resources[addr].attributes != old.resources[addr].attributes {
            println!("  {} {addr} (recorded attributes differ)", style::yellow("~"));
            any = true;
        }
    }
    for addr in current.resources.keys() {
        if !old.resources.contains_key(addr) {
            println!("  {} {addr} (no longer in state)", style::red("-"));
            any = true;
        }
    }
    if !any {
        println!("  the same resources as now");
    }
}

fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "{} no terminal to confirm on\n  {} pass --auto-approve",
            style::error_label(),
            style::hint_label()
        );
        return Err(Exit(1).into());
    }
    print!("{} [y/N] ", style::bold(question));
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "yes"))
}
