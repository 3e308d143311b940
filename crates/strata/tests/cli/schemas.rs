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

/// The example estate applied in every profile through an emulator that refuses any body
/// holding what Azure would ignore or refuse (strict bodies and api-versions), then planned
/// again with nothing to do.
#[test]
fn the_example_estate_applies_through_a_strict_emulator_in_every_profile() {
    for (env, profile) in [("sdev", "dev"), ("sstg", "staging"), ("sprd", "prod")] {
        let mut ctx = Ctx::example();
        ctx.write(
            &format!("envs/{env}.hcl"),
            &format!(
                "environment \"{env}\" {{\n  target    = \"emulator\"\n  profile   = \"{profile}\"\n  location  = \"westeurope\"\n  variables = {{ vnet_cidr = \"10.40.0.0/16\", tenant_id = \"00000000-0000-0000-0000-00000000a000\" }}\n  backend   = {{ type = \"local\" }}\n}}\n"
            ),
        );
        ctx.start_emulator_with(strata_emulator::EmulatorConfig {
            latency: strata_emulator::Latency::none(),
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        });
        let r = ctx.run(&["apply", "-e", env, "--auto-approve"]);
        assert_eq!(r.code, 0, "{profile}: {}", r.all());
        let r = ctx.run(&["plan", "-e", env, "-detailed-exitcode"]);
        assert_eq!(r.code, 0, "{profile} converges: {}", r.all());
    }
}

/// The strict emulator really refuses: a block whose body differs from what Azure publishes
/// only in case (a warning at validate time, accepted by ARM) fails the apply, naming the
/// property.
#[test]
fn a_case_only_mismatch_is_refused_by_a_strict_emulator() {
    let stack = r#"stack "s" {}

module "rg" {
  source = "resource_group"
  name   = "rg-strict-${env.name}"
}

resource "vnet" {
  type     = "Microsoft.Network/virtualNetworks@2024-07-01"
  name     = "vnet-strict"
  parent   = module.rg.id
  location = env.location
  body     = { properties = { addressSpace = { addressPrefixes = ["10.0.0.0/16"] }, privateEndpointVNetPolicies = "disabled" } }
}
"#;
    let env = "environment \"dev\" {\n  target   = \"emulator\"\n  location = \"westeurope\"\n}\n";
    let mut ctx = Ctx::with_files(&[("strata.hcl", stack), ("envs/dev.hcl", env)]);
    ctx.start_emulator_with(strata_emulator::EmulatorConfig {
        latency: strata_emulator::Latency::none(),
        strict_bodies: true,
        ..Default::default()
    });
    let r = ctx.run(&["validate", "-e", "dev"]);
    assert_eq!(r.code, 0, "a warning only: {}", r.all());
    assert!(r.all().contains("warning"), "{}", r.all());
    assert!(
        r.all().contains("`disabled` differs in case from `Disabled`"),
        "{}",
        r.all()
    );
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.all().contains("privateEndpointVNetPolicies"), "{}", r.all());
}

/// An attribute the resource's type never returns (here `principalId` at the top of a managed
/// identity, where Azure returns `properties.principalId`) is an error at validate time, at the
/// output's file and line, with the path meant; nothing is sent.
#[test]
fn references_to_attributes_azure_never_returns_are_errors() {
    let stack = r#"stack "s" {}

module "rg" {
  source = "resource_group"
  name   = "rg-refs-${env.name}"
}

resource "identity" {
  type     = "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31"
  name     = "id-refs"
  parent   = module.rg.id
  location = env.location
}

output "principal" {
  value = resource.identity.principalId
}
"#;
    let env = "environment \"dev\" {\n  target   = \"emulator\"\n  location = \"westeurope\"\n}\n";
    let sentinel = Sentinel::new();
    let ctx = Ctx::with_files(&[("strata.hcl", stack), ("envs/dev.hcl", env)]);
    let r = ctx.run(&["validate", "-e", "dev"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let all = r.all();
    assert!(all.contains("never returns `principalId`"), "{all}");
    assert!(all.contains("strata.hcl:15"), "{all}");
    assert!(all.contains("resource.identity.properties.principalId"), "{all}");
    let mut cmd = ctx.cmd();
    cmd.env("STRATA_ARM_ENDPOINT", sentinel.endpoint());
    let out = cmd.args(["plan", "-e", "dev"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!sentinel.contacted(), "nothing is sent");

    // The path Azure returns validates, and applies, and the output is recorded.
    ctx.edit(
        "strata.hcl",
        "resource.identity.principalId",
        "resource.identity.properties.principalId",
    );
    ctx.ok(&["validate", "-e", "dev"]);
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let out: serde_json::Value =
        serde_json::from_str(&ctx.ok(&["output", "-e", "dev", "--json"]).stdout).unwrap();
    let principal = out["principal"]["value"].as_str().unwrap_or_default();
    assert!(
        principal.len() == 36 && principal.matches('-').count() == 4,
        "{out}"
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "converges: {}", r.all());
}
