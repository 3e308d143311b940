//! Environments: inheritance, defaults and errors.

mod common;

use common::{at, find, load, write};
use strata_config::{EMULATOR_SUBSCRIPTION_ID, Target};
use strata_core::Value;

const PROD: &str = r#"environment "prod" {
  target          = "azure"
  subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
  location        = "westeurope"
  variables       = { vnet_cidr = "10.30.0.0/16", instance_count = 3 }
  tags            = { owner = "platform", cost_center = 42 }
}
"#;

const STAGING: &str = r#"environment "staging" {
  inherits  = "prod"
  location  = "northeurope"
  variables = { vnet_cidr = "10.20.0.0/16" }
  tags      = { owner = "qa" }
}
"#;

#[test]
fn staging_inherits_prod_and_overrides() {
    let dir = write(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("envs/prod.hcl", PROD),
        ("envs/staging.hcl", STAGING),
        (
            "envs/canary.hcl",
            "environment \"canary\" {\n  inherits = \"staging\"\n  variables = { canary = true }\n}\n",
        ),
    ]);
    let stack = load(dir.path());
    let prod = stack.environment("prod").unwrap();
    assert_eq!(prod.target, Target::Azure);
    assert!(prod.inherits_chain.is_empty());
    assert_eq!(prod.tags.get("cost_center").map(String::as_str), Some("42"));

    let staging = stack.environment("staging").unwrap();
    assert_eq!(staging.name, "staging");
    assert_eq!(staging.target, Target::Azure);
    assert_eq!(staging.subscription_id, "0b1f6471-1bf0-4dda-aec3-cb9272f09590");
    assert_eq!(staging.location, "northeurope");
    assert_eq!(staging.inherits_chain, vec!["prod"]);
    assert!(staging.file.ends_with("envs/staging.hcl"));
    // Variables and tags merge key by key; the child wins.
    assert_eq!(
        staging.variables.get("vnet_cidr"),
        Some(&Value::from("10.20.0.0/16"))
    );
    assert_eq!(staging.variables.get("instance_count"), Some(&Value::from(3)));
    assert_eq!(staging.tags.get("owner").map(String::as_str), Some("qa"));
    assert_eq!(staging.tags.get("cost_center").map(String::as_str), Some("42"));

    let canary = stack.environment("canary").unwrap();
    assert_eq!(canary.inherits_chain, vec!["staging", "prod"]);
    assert_eq!(canary.location, "northeurope");
    assert_eq!(canary.variables.get("canary"), Some(&Value::Bool(true)));
    assert_eq!(canary.variables.get("instance_count"), Some(&Value::from(3)));
}

#[test]
fn emulator_defaults_its_subscription() {
    let dir = write(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("envs/dev.hcl", common::DEV_ENV),
    ]);
    let dev = load(dir.path()).environment("dev").unwrap();
    assert_eq!(dev.target, Target::Emulator);
    assert_eq!(dev.subscription_id, EMULATOR_SUBSCRIPTION_ID);
    assert_eq!(dev.target.to_string(), "emulator");
}

#[test]
fn unknown_environments_list_the_ones_that_exist() {
    let dir = write(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("envs/prod.hcl", PROD),
        ("envs/staging.hcl", STAGING),
    ]);
    let d = load(dir.path()).environment("prd").unwrap_err();
    let e = find(&d, "there is no environment `prd`");
    let hint = e.hint.as_ref().unwrap();
    assert!(hint.contains("did you mean `prod`?"), "{hint}");
    assert!(hint.contains("environments: prod, staging"), "{hint}");
}

#[test]
fn inheritance_errors() {
    let dir = write(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("envs/a.hcl", "environment \"a\" {\n  inherits = \"b\"\n}\n"),
        ("envs/b.hcl", "environment \"b\" {\n  inherits = \"a\"\n}\n"),
        (
            "envs/c.hcl",
            "environment \"c\" {\n  location = \"x\"\n  inherits = \"prdo\"\n}\n",
        ),
    ]);
    let stack = load(dir.path());
    let d = stack.environment("a").unwrap_err();
    let e = find(&d, "cycle");
    assert!(e.summary.contains("a → b → a"), "{e}");
    let d = stack.environment("c").unwrap_err();
    let e = find(&d, "inherits `prdo`, which does not exist");
    assert_eq!(at(e), "c.hcl:3");
}

#[test]
fn field_errors() {
    let dir = write(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        (
            "envs/a.hcl",
            "environment \"a\" {\n  location = \"westeurope\"\n}\n",
        ),
        (
            "envs/b.hcl",
            "environment \"b\" {\n  target = \"aws\"\n  subscription_id = \"nope\"\n  variables = [1]\n  tags = { a = [1] }\n}\n",
        ),
        (
            "envs/c.hcl",
            "environment \"c\" {\n  target = \"emulator\"\n  location = var.x\n}\n",
        ),
    ]);
    let stack = load(dir.path());
    let d = stack.environment("a").unwrap_err();
    let e = find(&d, "targets Azure but sets no `subscription_id`");
    assert_eq!(at(e), "a.hcl:1");
    let d = stack.environment("b").unwrap_err();
    assert_eq!(at(find(&d, "`aws` is not a target")), "b.hcl:2");
    assert_eq!(at(find(&d, "`nope` is not a subscription id")), "b.hcl:3");
    assert_eq!(at(find(&d, "`variables` must be an object")), "b.hcl:4");
    assert_eq!(at(find(&d, "tag `a` must be a string")), "b.hcl:5");
    find(&d, "sets no `location`");
    let d = stack.environment("c").unwrap_err();
    assert!(
        find(&d, "invalid `location`")
            .summary
            .contains("must be a constant")
    );
}
