//! `strata validate`: everything that can be checked without Azure, for every environment
//! (or one with `-e`). A problem found in several environments is shown once, saying which
//! environments it applies to.

use std::path::Path;

use anyhow::Result;
use strata_core::{Diagnostic, Diagnostics};

use crate::cli::ValidateArgs;
use crate::session::load_workspace;
use crate::{Exit, render, style};

/// One problem and the environments it was found in, in the order they were validated. The
/// same problem may carry a different detail per environment (an id computed from the
/// environment's names): each detail keeps its own environments.
struct Found {
    diag: Diagnostic,
    envs: Vec<String>,
    details: Vec<(Option<String>, Vec<String>)>,
}

/// Problems without repeats: the same diagnostic from another environment adds that
/// environment to the first.
#[derive(Default)]
struct Problems(Vec<Found>);

impl Problems {
    fn add(&mut self, diags: Diagnostics, env: &str) {
        for mut d in diags.0 {
            let detail = d.detail.take();
            let found = match self.0.iter_mut().find(|f| f.diag == d) {
                Some(f) => f,
                None => {
                    self.0.push(Found {
                        diag: d,
                        envs: Vec::new(),
                        details: Vec::new(),
                    });
                    let last = self.0.len() - 1;
                    &mut self.0[last]
                }
            };
            if !found.envs.iter().any(|e| e == env) {
                found.envs.push(env.to_string());
            }
            match found.details.iter_mut().find(|(d, _)| *d == detail) {
                Some((_, envs)) => {
                    if !envs.iter().any(|e| e == env) {
                        envs.push(env.to_string());
                    }
                }
                None => found.details.push((detail, vec![env.to_string()])),
            }
        }
    }

    fn has_errors(&self) -> bool {
        self.0.iter().any(|f| f.diag.is_error())
    }
}

impl Found {
    /// The detail: the one detail, or each with the environments it belongs to.
    fn detail(&self) -> Option<String> {
        match self.details.as_slice() {
            [] => None,
            [(one, _)] => one.clone(),
            many => Some(
                many.iter()
                    .filter_map(|(d, envs)| d.as_ref().map(|d| format!("{d} ({})", envs.join(", "))))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .filter(|s| !s.is_empty()),
        }
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
                let mut diag = f.diag.clone();
                diag.detail = f.detail();
                let mut v = serde_json::to_value(&diag).unwrap_or_default();
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
                    let line = where_found(&f.envs, &names);
                    let mut d = f.diag.clone();
                    d.detail = Some(match f.detail() {
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
        assert_eq!(p.0[0].detail(), None);

        let with = |detail: &str| Diagnostics(vec![Diagnostic::warning("w").detail(detail)]);
        let mut p = Problems::default();
        p.add(with("id a"), "dev");
        p.add(with("id b"), "prod");
        p.add(with("id b"), "staging");
        assert_eq!(p.0.len(), 1, "one problem whose detail differs");
        assert_eq!(p.0[0].envs, ["dev", "prod", "staging"]);
        assert_eq!(
            p.0[0].detail().as_deref(),
            Some("id a (dev)\nid b (prod, staging)")
        );
        let all: Vec<String> = ["dev", "prod", "staging"].map(String::from).to_vec();
        assert_eq!(where_found(&all, &all), "in every environment");
        assert_eq!(where_found(&all[..2], &all), "in environments dev, prod");
        assert_eq!(where_found(&all[2..], &all), "in environment staging");
    }
}
