//! `strata state list | show | mv | rm | history | restore | pull | push`.

mod edit;
mod history;

use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::Value as Json;
use strata_core::{PathStep, ResourceAddr};

use crate::cli::StateCommand;
use crate::session::{Workspace, load_workspace};
use crate::{Exit, style};

pub async fn run(dir: Option<&Path>, cmd: StateCommand) -> Result<u8> {
    let ws = load_workspace(dir)?;
    match cmd {
        StateCommand::List { env, emulator } => list(&ws, &env, emulator).await,
        StateCommand::Show {
            env,
            emulator,
            address,
        } => show(&ws, &env, emulator, &address).await,
        StateCommand::History { env } => history::history(&ws, &env).await,
        StateCommand::Restore {
            env,
            version_id,
            auto_approve,
        } => history::restore(&ws, &env, &version_id, auto_approve).await,
        StateCommand::Pull { env, emulator } => history::pull(&ws, &env, emulator).await,
        StateCommand::Push { env, file, force } => history::push(&ws, &env, &file, force).await,
        StateCommand::Mv { env, from, to } => edit::mv(&ws, &env, &from, &to).await,
        StateCommand::Rm { env, addresses } => edit::rm(&ws, &env, &addresses).await,
    }
}

async fn read_state(
    ws: &Workspace,
    env: &str,
    emulator: bool,
) -> Result<(strata_config::Environment, strata_state::State)> {
    let env = ws.environment(env)?;
    // [rehearsal hook] --emulator reads the rehearsal's state.
    let store = crate::rehearsal::store(ws, &env, emulator)?;
    let state = store
        .as_dyn()
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the state: {e}"))?
        .unwrap_or_else(|| strata_state::State::new(&env.name));
    Ok((env, state))
}

async fn list(ws: &Workspace, env: &str, emulator: bool) -> Result<u8> {
    let (env, state) = read_state(ws, env, emulator).await?;
    for r in state.resources.values() {
        println!("{}", r.addr);
    }
    // The standby estate keeps its own state: say where (on stderr, so the list stays a list).
    if let Some(name) = env.standby_name()
        && let Ok(standby) = ws.environment(&name)
    {
        let count = match crate::commands::estates::read_state(ws, &standby, emulator).await {
            Ok(Some(s)) => format!("{} resources", s.resources.len()),
            Ok(None) => "no state yet".to_string(),
            Err(e) => format!("unreadable: {e}"),
        };
        eprintln!(
            "{}",
            style::dim(&format!(
                "The standby estate {name} in {} has its own state ({count}): strata state list -e {name}{}",
                standby.location,
                if emulator { " --emulator" } else { "" }
            ))
        );
    }
    Ok(0)
}

async fn show(ws: &Workspace, env: &str, emulator: bool, address: &str) -> Result<u8> {
    let (env, state) = read_state(ws, env, emulator).await?;
    let found = ResourceAddr::parse(address).and_then(|a| state.resources.get(&a));
    let Some(r) = found else {
        eprintln!(
            "{} no resource {address} in the state of {}\n  {} `strata state list -e {}` shows the addresses",
            style::error_label(),
            env.name,
            style::hint_label(),
            env.name
        );
        return Err(Exit(1).into());
    };
    let mut attrs = r.attributes.clone();
    for path in &r.sensitive_paths {
        mask(&mut attrs, path);
    }
    println!("# {}", r.addr);
    println!("id            = {}", r.id);
    println!("type          = {}", r.resource_type);
    println!("api_version   = {}", r.api_version);
    println!("layer         = {}", r.layer);
    if !r.dependencies.is_empty() {
        println!(
            "depends_on    = [{}]",
            r.dependencies
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("attributes    = {}", serde_json::to_string_pretty(&attrs)?);
    Ok(0)
}

pub(crate) fn mask(doc: &mut Json, path: &[PathStep]) {
    let Some((last, parents)) = path.split_last() else {
        *doc = Json::String("<sensitive>".into());
        return;
    };
    let mut cur = doc;
    for step in parents {
        cur = match (cur, step) {
            (Json::Object(m), PathStep::Key(k)) => match m.get_mut(k) {
                Some(v) => v,
                None => return,
            },
            (Json::Array(a), PathStep::Index(i)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match (cur, last) {
        (Json::Object(m), PathStep::Key(k)) => {
            if let Some(v) = m.get_mut(k) {
                *v = Json::String("<sensitive>".into());
            }
        }
        (Json::Array(a), PathStep::Index(i)) => {
            if let Some(v) = a.get_mut(*i) {
                *v = Json::String("<sensitive>".into());
            }
        }
        _ => {}
    }
}
