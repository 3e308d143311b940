//! Environment profiles and automatic diagnostic settings, with the real built-in modules.

mod common;

use common::{at, find, load, write};
use strata_config::{EvalOptions, Evaluated, evaluate};
use strata_core::Diagnostics;

const STACK: &str = r#"
stack "estate" {}

module "rg" {
  source = "resource_group"
  name   = "rg-${env.name}"
}

module "network" {
  source         = "networking"
  resource_group = module.rg.name
  name           = "vnet-${env.name}"
  address_space  = ["10.0.0.0/16"]
  subnets = {
    data = { address_prefix = "10.0.2.0/24", delegation = "Microsoft.DBforPostgreSQL/flexibleServers" }
  }
}

module "storage" {
  source         = "storage"
  resource_group = module.rg.name
  name           = "st${env.name}01"
  containers     = { assets = {} }
}

module "monitoring" {
  source         = "monitoring"
  resource_group = module.rg.name
  name           = "log-${env.name}"
}

resource "watcher" {
  type     = "Microsoft.Network/networkWatchers@2024-07-01"
  name     = "nw-${env.name}"
  parent   = module.rg.id
  location = env.location
}
"#;

fn env_file(name: &str, extra: &str) -> String {
    format!("environment \"{name}\" {{\n  target   = \"emulator\"\n  location = \"westeurope\"\n{extra}}}\n")
}

fn eval(files: &[(&str, &str)], env: &str) -> Result<Evaluated, Diagnostics> {
    let dir = write(files);
    let stack = load(dir.path());
    let env = stack.environment(env)?;
    let registry = strata_modules::builtin_registry();
    evaluate(
        &stack,
        &env,
        &EvalOptions {
            registry: &registry,
            var_overrides: Default::default(),
        },
    )
}

fn body(e: &Evaluated, addr: &str, path: &str) -> serde_json::Value {
    let r = e
        .resources
        .iter()
        .find(|r| r.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no {addr}"));
    r.body
        .at(&strata_core::parse_path(path))
        .and_then(strata_core::Value::to_json)
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn profiles_default_from_the_environment_name_and_can_be_set() {
    let dev = env_file("dev", "");
    let prod = env_file("prod", "");
    let qa = env_file("qa", "");
    let canary = env_file("canary", "  profile = \"prod\"\n");
    let files = [
        ("strata.hcl", STACK),
        ("envs/dev.hcl", dev.as_str()),
        ("envs/prod.hcl", prod.as_str()),
        ("envs/qa.hcl", qa.as_str()),
        ("envs/canary.hcl", canary.as_str()),
    ];
    let dir = write(&files);
    let stack = load(dir.path());
    assert_eq!(stack.environment("dev").unwrap().profile, "dev");
    assert_eq!(stack.environment("prod").unwrap().profile, "prod");
    assert_eq!(
        stack.environment("qa").unwrap().profile,
        "dev",
        "not a profile name: the cheapest"
    );
    assert_eq!(stack.environment("canary").unwrap().profile, "prod");

    // The profile picks the modules' defaults.
    let sku = |env| body(&eval(&files, env).unwrap(), "module.storage.account", "sku.name");
    assert_eq!(sku("dev"), "Standard_LRS");
    assert_eq!(sku("prod"), "Standard_RAGZRS");
    assert_eq!(sku("canary"), "Standard_RAGZRS");
    assert_eq!(sku("qa"), "Standard_LRS");
}

#[test]
fn staging_inherits_prod_s_profile_unless_it_sets_its_own() {
    let prod = env_file("prod", "  profile = \"prod\"\n");
    let staging = "environment \"staging\" {\n  inherits = \"prod\"\n  profile  = \"staging\"\n}\n";
    let preview = "environment \"preview\" {\n  inherits = \"prod\"\n}\n";
    let dir = write(&[
        ("strata.hcl", STACK),
        ("envs/prod.hcl", prod.as_str()),
        ("envs/staging.hcl", staging),
        ("envs/preview.hcl", preview),
    ]);
    let stack = load(dir.path());
    assert_eq!(stack.environment("staging").unwrap().profile, "staging");
    assert_eq!(stack.environment("preview").unwrap().profile, "prod");
}

#[test]
fn an_unknown_profile_is_refused_with_file_line_and_hint() {
    let dev = env_file("dev", "  profile = \"production\"\n");
    let dir = write(&[("strata.hcl", STACK), ("envs/dev.hcl", dev.as_str())]);
    let stack = load(dir.path());
    let d = stack.environment("dev").unwrap_err();
    let e = find(&d, "`production` is not a profile");
    assert_eq!(at(e), "dev.hcl:4");
    assert!(e.hint.as_deref().unwrap_or_default().contains("prod"), "{e}");
}

#[test]
fn env_profile_is_visible_to_expressions() {
    let stack = format!("{STACK}\noutput \"profile\" {{\n  value = env.profile\n}}\n");
    let dev = env_file("staging", "");
    let e = eval(
        &[("strata.hcl", stack.as_str()), ("envs/staging.hcl", dev.as_str())],
        "staging",
    )
    .unwrap();
    let out = e.outputs.iter().find(|o| o.name == "profile").unwrap();
    assert_eq!(out.value, strata_core::Value::from("staging"));
}

#[test]
fn every_supported_resource_gets_a_diagnostic_setting_to_the_workspace() {
    let dev = env_file("dev", "");
    let e = eval(&[("strata.hcl", STACK), ("envs/dev.hcl", dev.as_str())], "dev").unwrap();
    let settings: Vec<String> = e
        .resources
        .iter()
        .filter(|r| r.resource_type() == "Microsoft.Insights/diagnosticSettings")
        .map(|r| r.addr.to_string())
        .collect();
    assert_eq!(
        settings,
        [
            "module.network.diagnostics[\"vnet\"]",
            "module.network.diagnostics[\"nsg.data\"]",
            "module.storage.diagnostics[\"account\"]",
            "module.storage.diagnostics[\"blob_service\"]",
            "module.monitoring.diagnostics[\"workspace\"]",
            "module.monitoring.diagnostics[\"insights\"]",
        ],
        "subnets, containers and resource groups have none; generic resources of unknown types neither"
    );
    let vnet = e
        .resources
        .iter()
        .find(|r| r.addr.to_string() == "module.network.diagnostics[\"vnet\"]")
        .unwrap();
    assert!(vnet.id.as_str().ends_with(
        "/virtualNetworks/vnet-dev/providers/Microsoft.Insights/diagnosticSettings/strata-to-log-analytics"
    ));
    assert!(vnet.depends_on.contains(&strata_core::Dependency::Resource(
        strata_core::ResourceAddr::module("monitoring", "workspace", None)
    )));
    assert!(
        vnet.loc.as_ref().unwrap().line > 1,
        "errors point at the watched block"
    );
    assert_eq!(
        body(
            &e,
            "module.network.diagnostics[\"vnet\"]",
            "properties.workspaceId"
        ),
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.OperationalInsights/workspaces/log-dev"
    );
}

#[test]
fn blocks_opt_out_and_monitoring_can_stop_collecting() {
    let dev = env_file("dev", "");
    let opted = STACK.replace(
        "  containers     = { assets = {} }\n",
        "  containers     = { assets = {} }\n  diagnostics    = false\n",
    );
    let e = eval(
        &[("strata.hcl", opted.as_str()), ("envs/dev.hcl", dev.as_str())],
        "dev",
    )
    .unwrap();
    assert!(
        !e.resources
            .iter()
            .any(|r| r.addr.module.as_deref() == Some("storage") && r.addr.name == "diagnostics")
    );
    assert!(
        e.resources
            .iter()
            .any(|r| r.addr.to_string() == "module.network.diagnostics[\"vnet\"]")
    );

    let off = STACK.replace(
        "  name           = \"log-${env.name}\"\n",
        "  name           = \"log-${env.name}\"\n  collect_diagnostics = false\n",
    );
    let e = eval(
        &[("strata.hcl", off.as_str()), ("envs/dev.hcl", dev.as_str())],
        "dev",
    )
    .unwrap();
    assert!(!e.resources.iter().any(|r| r.addr.name == "diagnostics"));

    let bad = STACK.replace(
        "  containers     = { assets = {} }\n",
        "  containers     = { assets = {} }\n  diagnostics    = \"no\"\n",
    );
    let d = eval(
        &[("strata.hcl", bad.as_str()), ("envs/dev.hcl", dev.as_str())],
        "dev",
    )
    .unwrap_err();
    let err = find(&d, "`diagnostics` must be true or false");
    assert!(err.hint.is_some());
}

#[test]
fn modules_the_monitoring_module_depends_on_are_left_out_with_a_warning() {
    let dev = env_file("dev", "");
    let looped = STACK.replace(
        "  name           = \"log-${env.name}\"\n",
        "  name           = \"log-${env.name}\"\n  depends_on     = [module.storage]\n",
    );
    let e = eval(
        &[("strata.hcl", looped.as_str()), ("envs/dev.hcl", dev.as_str())],
        "dev",
    )
    .unwrap();
    assert!(
        !e.resources
            .iter()
            .any(|r| r.addr.module.as_deref() == Some("storage") && r.addr.name == "diagnostics")
    );
    let w = find(&e.warnings, "module.storage gets no diagnostic settings");
    assert!(!w.is_error());
}

#[test]
fn two_collecting_monitoring_modules_are_an_error() {
    let dev = env_file("dev", "");
    let two = format!(
        "{STACK}\nmodule \"monitoring2\" {{\n  source         = \"monitoring\"\n  resource_group = module.rg.name\n  name           = \"log2-${{env.name}}\"\n}}\n"
    );
    let d = eval(
        &[("strata.hcl", two.as_str()), ("envs/dev.hcl", dev.as_str())],
        "dev",
    )
    .unwrap_err();
    let e = find(&d, "both collect the stack's diagnostics");
    assert!(
        e.hint
            .as_deref()
            .unwrap_or_default()
            .contains("collect_diagnostics = false")
    );
}

/// The example stack evaluates in every environment, with the profile differences.
#[test]
fn the_shop_example_evaluates_in_every_environment() {
    // A copy of the stack files, so that whatever else is in the working copy (a state, an
    // extra file being written) cannot change the test.
    let tmp = tempfile::tempdir().unwrap();
    common::copy_hcl(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop"),
        tmp.path(),
    );
    let stack = load(tmp.path());
    let registry = strata_modules::builtin_registry();
    let mut counts = Vec::new();
    for env in ["dev", "staging", "prod"] {
        let environment = stack.environment(env).unwrap();
        let e = evaluate(
            &stack,
            &environment,
            &EvalOptions {
                registry: &registry,
                var_overrides: Default::default(),
            },
        )
        .unwrap_or_else(|d| panic!("{env}:\n{d}"));
        assert!(e.warnings.0.is_empty(), "{env}: {}", e.warnings);
        counts.push(e.resources.len());
        let sku = body(&e, "module.storage.account", "sku.name");
        let plan = body(&e, "module.app.plan", "sku");
        match env {
            "dev" => {
                assert_eq!(sku, "Standard_LRS");
                assert_eq!(plan, serde_json::json!({"name": "B1", "capacity": 1}));
            }
            "staging" => assert_eq!(sku, "Standard_GZRS"),
            _ => {
                assert_eq!(sku, "Standard_RAGZRS");
                assert_eq!(plan, serde_json::json!({"name": "P1v3", "capacity": 3}));
                assert_eq!(
                    body(&e, "module.database.server", "properties.highAvailability.mode"),
                    "ZoneRedundant"
                );
                assert!(
                    e.resources
                        .iter()
                        .any(|r| r.addr.to_string() == "module.edge.waf_policy")
                );
            }
        }
    }
    // Staging and prod keep a warm standby: their Front Door also sends to the standby's app.
    assert_eq!(counts, [41, 44, 44]);
}
