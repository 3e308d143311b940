//! `strata validate`: everything that can be checked without Azure.

use std::path::Path;

use anyhow::Result;
use strata_core::Diagnostics;

use crate::cli::ValidateArgs;
use crate::session::load_workspace;
use crate::{Exit, render, style};

pub fn run(dir: Option<&Path>, args: ValidateArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let names = match &args.env {
        Some(e) => vec![e.clone()],
        None => ws.stack.environment_names(),
    };
    if names.is_empty() {
        eprintln!(
            "{} the stack has no environments\n  {} add one as envs/dev.hcl",
            style::error_label(),
            style::hint_label()
        );
        return Err(Exit(1).into());
    }
    let registry = strata_modules::builtin_registry();
    let mut all = Diagnostics::default();
    let mut ok = Vec::new();
    for name in &names {
        let env = match ws.stack.environment(name) {
            Ok(env) => env,
            Err(d) => {
                all.extend(d);
                continue;
            }
        };
        let opts = strata_config::EvalOptions {
            registry: &registry,
            var_overrides: Default::default(),
        };
        match strata_config::evaluate(&ws.stack, &env, &opts) {
            Ok(ev) => {
                all.extend(ev.warnings);
                ok.push((name.clone(), ev.resources.len()));
            }
            Err(d) => all.extend(d),
        }
    }
    if args.json {
        let v = serde_json::json!({
            "valid": !all.has_errors(),
            "diagnostics": all.0,
        });
        println!("{v}");
    } else {
        render::diag::print(&all);
        for (name, count) in &ok {
            println!("{} environment {name}: {count} resources", style::green("✓"));
        }
        if !all.has_errors() {
            println!("{}", style::green("Success! The configuration is valid."));
        }
    }
    Ok(if all.has_errors() { 1 } else { 0 })
}
