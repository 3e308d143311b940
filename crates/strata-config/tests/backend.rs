//! State backends: the stack's default, per-environment choice, inheritance, secrets refused.

mod common;

use common::{load, write};
use strata_config::{BackendKind, Stack};

const STACK: &str = r#"stack "shop" {}
backend "azurerm" {
  storage_account_name = "ststrata01"
  container_name       = "tfstate"
  resource_group_name  = "rg-state"
}
"#;

fn env(name: &str, extra: &str) -> String {
    format!("environment \"{name}\" {{\n  target = \"emulator\"\n  location = \"westeurope\"\n{extra}\n}}\n")
}

#[test]
fn environments_choose_and_merge_backends() {
    let dir = write(&[
        ("strata.hcl", STACK),
        (
            "envs/prod.hcl",
            &env("prod", "  backend = { container_name = \"prod-state\" }"),
        ),
        ("envs/staging.hcl", &env("staging", "  inherits = \"prod\"")),
        ("envs/dev.hcl", &env("dev", "  backend = { type = \"local\" }")),
    ]);
    let stack = load(dir.path());
    assert_eq!(stack.backend().kind, BackendKind::AzureRm);
    let prod = stack.environment("prod").unwrap();
    assert_eq!(prod.backend.kind, BackendKind::AzureRm);
    assert_eq!(prod.backend.settings["container_name"], "prod-state");
    assert_eq!(prod.backend.settings["storage_account_name"], "ststrata01");
    let staging = stack.environment("staging").unwrap();
    assert_eq!(staging.backend.settings["container_name"], "prod-state");
    let dev = stack.environment("dev").unwrap();
    assert_eq!(dev.backend.kind, BackendKind::Local);
    assert!(dev.backend.settings.is_empty());
}

#[test]
fn no_backend_means_local() {
    let dir = write(&[
        ("strata.hcl", "stack \"s\" {}\n"),
        ("envs/dev.hcl", &env("dev", "")),
    ]);
    let stack = load(dir.path());
    assert_eq!(stack.environment("dev").unwrap().backend.kind, BackendKind::Local);
}

#[test]
fn secrets_and_unknown_kinds_are_refused_with_a_hint() {
    let dir = write(&[
        (
            "strata.hcl",
            "stack \"s\" {}\nbackend \"azurerm\" {\n  access_key = \"abc\"\n}\n",
        ),
        ("envs/dev.hcl", &env("dev", "")),
    ]);
    let err = Stack::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("access_key") && err.contains("ARM_ACCESS_KEY"),
        "{err}"
    );
    assert!(err.contains("strata.hcl:3"), "{err}");

    let dir = write(&[
        ("strata.hcl", "stack \"s\" {}\nbackend \"s3\" {}\n"),
        ("envs/dev.hcl", &env("dev", "")),
    ]);
    let err = Stack::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("`s3` is not a state backend"), "{err}");

    let dir = write(&[
        ("strata.hcl", "stack \"s\" {}\n"),
        ("envs/dev.hcl", &env("dev", "  backend = { type = \"gcs\" }")),
    ]);
    let err = load(dir.path()).environment("dev").unwrap_err().to_string();
    assert!(err.contains("local") && err.contains("azurerm"), "{err}");
}
