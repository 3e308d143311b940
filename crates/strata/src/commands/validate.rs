//! `strata validate`: everything that can be checked without Azure, for every environment
//! (or one with `-e`). A problem found in several environments is shown once, saying which
//! environments it applies to.

use std::path::Path;

use anyhow::Result;
use strata_core::{Diagnostic, Diagnostics};

use crate::cli::ValidateArgs;
use crate::session::load_workspace;
use crate::{Exit, render, style};

/// One problem and the environments it was found in, in the order they were validated.
struct Found {
    diag: Diagnostic,
    envs: Vec<String>,
}

/// Problems without repeats: the same diagnostic from another environment adds that
/// environment to the first.
#[derive(Default)]
struct Problems(Vec<Found>);

impl Problems {
    fn add(&mut self, diags: Diagnostics, env: &str) {
        for d in diags.0 {
            match self.0.iter_mut().find(|f| f.diag == d) {
                Some(f) => {
                    if !f.envs.iter().any(|e| e == env) {
                        f.envs.push(env.to_string());
                    }
                }
                None => self.0.push(Found {
                    diag: d,
                    envs: vec![env.to_string()],
                }),
            }
        }
    }

    fn has_errors(&self) -> bool {
        self.0.iter().any(|f| f.diag.is_error())
    }
}

/// "in environment dev", "in environments dev, prod", "in every environment".
fn where_found(envs: &[String], all: &[String]) -> String {
    match envs {
        [one] => format!("in environment {one}"),
        _ if all.len() > 1 && envs.len() == all.len() => "in every environment".to_string(),
        many => format!("in environments {}", many.join(", ")),
    }
}

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
    let mut problems = Problems::default();
    let mut ok = Vec::new();
    for name in &names {
        let env = match ws.stack.environment(name) {
            Ok(env) => env,
            Err(d) => {
                problems.add(d, name);
                continue;
            }
        };
        let opts = strata_config::EvalOptions {
            registry: &registry,
            var_overrides: Default::default(),
        };
        match strata_config::evaluate(&ws.stack, &env, &opts) {
            Ok(ev) => {
                problems.add(ev.warnings, name);
                ok.push((name.clone(), ev.resources.len()));
            }
            Err(d) => problems.add(d, name),
        }
    }
    let has_errors = problems.has_errors();
    if args.json {
        let diagnostics: Vec<serde_json::Value> = problems
            .0
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(&f.diag).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("environments".into(), serde_json::json!(f.envs));
                }
                v
            })
            .collect();
        let v = serde_json::json!({
            "valid": !has_errors,
            "environments": names,
            "diagnostics": diagnostics,
        });
        println!("{v}");
    } else {
        let shown = Diagnostics(
            problems
                .0
                .into_iter()
                .map(|f| {
                    let mut d = f.diag;
                    let line = where_found(&f.envs, &names);
                    d.detail = Some(match d.detail.take() {
                        Some(detail) => format!("{detail}\n{line}"),
                        None => line,
                    });
                    d
                })
                .collect(),
        );
        render::diag::print(&shown);
        for (name, count) in &ok {
            println!("{} environment {name}: {count} resources", style::green("✓"));
        }
        if !has_errors {
            println!("{}", style::green("Success! The configuration is valid."));
        }
    }
    Ok(if has_errors { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_kept_once_with_its_environments() {
        let d = |s: &str| Diagnostics(vec![Diagnostic::error(s)]);
        let mut p = Problems::default();
        p.add(d("same"), "dev");
        p.add(d("same"), "prod");
        p.add(d("only prod"), "prod");
        p.add(d("same"), "prod");
        assert_eq!(p.0.len(), 2);
        assert_eq!(p.0[0].envs, ["dev", "prod"]);
        assert_eq!(p.0[1].envs, ["prod"]);
        let all: Vec<String> = ["dev", "prod", "staging"].map(String::from).to_vec();
        assert_eq!(where_found(&all, &all), "in every environment");
        assert_eq!(where_found(&all[..2], &all), "in environments dev, prod");
        assert_eq!(where_found(&all[2..], &all), "in environment staging");
    }
}
