//! `strata output`: the outputs recorded by the last apply, sensitive ones masked.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::cli::OutputArgs;
use crate::session::load_workspace;
use crate::{Exit, render, style};

const SENSITIVE: &str = "<sensitive>";

pub async fn run(dir: Option<&Path>, args: OutputArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(&args.env)?;
    // [rehearsal hook] --emulator reads the rehearsal's state.
    let store = crate::rehearsal::store(&ws, &env, args.emulator)?;
    let store = store.as_dyn();
    let state = store
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the state: {e}"))?;
    let outputs = state.map(|s| s.outputs).unwrap_or_default();
    let mask = |sensitive: bool, v: &serde_json::Value| {
        if sensitive && !args.show_sensitive {
            serde_json::Value::String(SENSITIVE.into())
        } else {
            v.clone()
        }
    };
    if let Some(name) = &args.name {
        let Some(o) = outputs.get(name) else {
            let known: Vec<&str> = outputs.keys().map(String::as_str).collect();
            eprintln!(
                "{} no output named {name:?} in the state of {}\n  {} outputs: {}",
                style::error_label(),
                env.name,
                style::hint_label(),
                if known.is_empty() {
                    "(none yet; run apply)".to_string()
                } else {
                    known.join(", ")
                }
            );
            return Err(Exit(1).into());
        };
        let v = mask(o.sensitive, &o.value);
        if args.json {
            println!("{v}");
        } else if let serde_json::Value::String(s) = &v {
            println!("{s}");
        } else {
            println!("{}", render::value::json(&v));
        }
        return Ok(0);
    }
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = outputs
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    serde_json::json!({"sensitive": o.sensitive, "value": mask(o.sensitive, &o.value)}),
                )
            })
            .collect();
        println!("{}", serde_json::Value::Object(map));
        return Ok(0);
    }
    if outputs.is_empty() {
        eprintln!(
            "No outputs in the state of {}. Run `strata apply -e {}` first.",
            env.name, env.name
        );
        return Ok(0);
    }
    // As apply prints them: a masked value is a marker, not a string.
    for (name, o) in &outputs {
        println!("{}", render::value::output_line(name, o, args.show_sensitive));
    }
    Ok(0)
}
