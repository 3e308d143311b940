//! `strata state mv` and `strata state rm`: re-key or forget resources in state, under the
//! lock, without touching Azure.

use anyhow::{Result, anyhow};
use strata_core::AddrSelector;

use crate::cli::EnvArgs;
use crate::session::{self, Workspace};
use crate::{Exit, style};

fn selector(what: &str, s: &str) -> Result<AddrSelector> {
    AddrSelector::parse(s).ok_or_else(|| {
        anyhow!(
            "{what} {s:?} is not an address\n  {} use module.NAME, module.NAME.RESOURCE, module.NAME.RESOURCE[\"KEY\"] or resource.NAME",
            style::hint_label()
        )
    })
}

pub async fn mv(ws: &Workspace, env: &EnvArgs, from: &str, to: &str) -> Result<u8> {
    let from = selector("FROM", from)?;
    let to = selector("TO", to)?;
    edit(ws, env, |state| {
        let moved = strata_engine::moves::state_mv(state, &from, &to).map_err(|e| {
            let hint = e.hint().unwrap_or_default().to_string();
            anyhow!("{e}\n  {} {hint}", style::hint_label())
        })?;
        for (old, new) in &moved {
            println!("Moved {old} to {new}");
        }
        Ok(moved.len())
    })
    .await
}

pub async fn rm(ws: &Workspace, env: &EnvArgs, addresses: &[String]) -> Result<u8> {
    let selectors = addresses
        .iter()
        .map(|a| selector("ADDR", a))
        .collect::<Result<Vec<_>>>()?;
    edit(ws, env, |state| {
        let gone: Vec<_> = state
            .resources
            .keys()
            .filter(|a| selectors.iter().any(|s| s.matches(a)))
            .cloned()
            .collect();
        if gone.is_empty() {
            return Err(anyhow!(
                "nothing in state matches {}\n  {} `strata state list -e ENV` shows the addresses",
                addresses.join(", "),
                style::hint_label()
            ));
        }
        for a in &gone {
            state.resources.remove(a);
            println!("Removed {a} (it still exists in Azure; this state no longer manages it)");
        }
        Ok(gone.len())
    })
    .await
}

/// Reads the state under the lock, lets `change` edit it, writes it if anything changed.
async fn edit(
    ws: &Workspace,
    env: &EnvArgs,
    change: impl FnOnce(&mut strata_state::State) -> Result<usize>,
) -> Result<u8> {
    let environment = ws.environment(&env.env)?;
    let store = ws.store(&environment)?;
    let store = store.as_dyn();
    let guard = session::lock(store, strata_state::operation::APPLY, env.lock_timeout).await?;
    let result = async {
        let Some(mut state) = store
            .read()
            .await
            .map_err(|e| anyhow!("cannot read the state: {e}"))?
        else {
            eprintln!(
                "{} the state of {} is empty",
                style::error_label(),
                environment.name
            );
            return Err(Exit(1).into());
        };
        let n = change(&mut state)?;
        if n > 0 {
            store
                .write(&mut state, &guard)
                .await
                .map_err(|e| anyhow!("cannot write the state: {e}"))?;
            println!(
                "{n} resource{} changed in state (serial {}).",
                if n == 1 { "" } else { "s" },
                state.serial
            );
        }
        Ok(0)
    }
    .await;
    if let Err(e) = store.unlock(guard).await {
        eprintln!("{} could not release the state lock: {e}", style::error_label());
    }
    result
}
