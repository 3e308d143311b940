//! Every body the built-in modules send is valid against Azure's published type definitions
//! (the type catalogue), for every profile and module variant: what Azure would refuse or
//! silently drop never reaches it.

use std::path::Path;

use strata_azure::{Catalogue, Severity};
use strata_core::Value;

use crate::common::*;

/// The body as JSON, values known only after apply left out (null means "not set" in a PUT).
fn known(v: &Value) -> serde_json::Value {
    match v {
        Value::Null | Value::Unknown(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(known).collect()),
        Value::Object(o) => serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), known(v))).collect()),
        Value::Sensitive(inner) => known(inner),
    }
}

/// Evaluates `dir` for `env` and returns every schema error, with the resource it is in.
fn violations(dir: &Path, env: &str) -> Vec<String> {
    let stack = strata_config::Stack::load(dir).unwrap();
    let environment = stack.environment(env).unwrap();
    let registry = strata_modules::builtin_registry();
    let evaluated = strata_config::evaluate(
        &stack,
        &environment,
        &strata_config::EvalOptions {
            registry: &registry,
            var_overrides: Default::default(),
        },
    )
    .unwrap_or_else(|d| panic!("{env}:\n{d}"));
    let catalogue = Catalogue::global().unwrap();
    let mut out = Vec::new();
    for r in &evaluated.resources {
        let t = r.resource_type();
        let Some(schema) = catalogue.schema(&t, &r.api_version).unwrap() else {
            out.push(format!(
                "{env} {}: {t}@{} is not published",
                r.addr, r.api_version
            ));
            continue;
        };
        for v in schema.validate(&known(&r.body)) {
            if v.severity == Severity::Error {
                out.push(format!("{env} {} ({t}@{}): {v}", r.addr, r.api_version));
            }
        }
    }
    out
}

#[test]
fn the_example_estate_sends_only_what_azure_publishes_in_every_profile() {
    let ctx = Ctx::example();
    let mut all = Vec::new();
    for env in ["dev", "staging", "prod"] {
        all.extend(violations(ctx.path(), env));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_vm_scale_set_and_application_gateway_variants_send_only_what_azure_publishes() {
    let mut all = Vec::new();
    for env in ["dev", "prod"] {
        let env_file =
            format!("environment \"{env}\" {{\n  target   = \"emulator\"\n  location = \"westeurope\"\n}}\n");
        let ctx = Ctx::with_files(&[
            ("strata.hcl", crate::estate::VARIANTS),
            (&format!("envs/{env}.hcl"), env_file.as_str()),
        ]);
        all.extend(violations(ctx.path(), env));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}
