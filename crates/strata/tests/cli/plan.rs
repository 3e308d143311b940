//! Plans: saved plans and their staleness, JSON, exit codes.

use serde_json::Value as Json;

use crate::common::Ctx;

#[test]
fn saved_plan_applies_exactly_and_refuses_when_stale() {
    let ctx = Ctx::example_with_emulator();
    let r = ctx.run(&["plan", "-e", "dev", "-out", "dev.tfplan", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(ctx.path().join("dev.tfplan").exists());
    let r = ctx.ok(&["apply", "-e", "dev", "dev.tfplan"]);
    assert!(r.stdout.contains("Apply complete!"), "{}", r.all());

    // A plan made before another apply is stale.
    ctx.edit(
        "network.hcl",
        "cidrsubnet(var.vnet_cidr, 8, 3)",
        "cidrsubnet(var.vnet_cidr, 8, 9)",
    );
    ctx.ok(&["plan", "-e", "dev", "-out", "old.tfplan"]);
    ctx.edit(
        "network.hcl",
        "cidrsubnet(var.vnet_cidr, 8, 9)",
        "cidrsubnet(var.vnet_cidr, 8, 7)",
    );
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "network.hcl",
        "cidrsubnet(var.vnet_cidr, 8, 7)",
        "cidrsubnet(var.vnet_cidr, 8, 9)",
    );
    let r = ctx.run(&["apply", "-e", "dev", "old.tfplan"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("saved plan is stale"), "{}", r.all());
}

#[test]
fn saved_plan_refused_when_configuration_changed() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["plan", "-e", "dev", "-out", "p.tfplan"]);
    ctx.edit("strata.hcl", "cost_center = \"shop\"", "cost_center = \"web\"");
    let r = ctx.run(&["apply", "-e", "dev", "p.tfplan"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("saved plan is stale"), "{}", r.all());
    assert!(r.stderr.contains("configuration changed"), "{}", r.all());
}

#[test]
fn plan_json_is_machine_readable() {
    let ctx = Ctx::example_with_emulator();
    let r = ctx.ok(&["plan", "-e", "dev", "--json"]);
    let plan: Json = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 41);
    assert!(changes.iter().all(|c| c["action"] == "create"));
    assert_eq!(plan["environment"], "dev");
    // The banner goes to stderr so stdout stays JSON.
    assert!(r.stderr.contains("Target:"));
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let ctx = Ctx::example_with_emulator();
    let r = ctx.run(&["apply", "-e", "dev"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("--auto-approve"), "{}", r.all());
    let (s, _) = ctx.arm_get(&crate::common::rg_id("rg-shop-dev"), "2024-11-01");
    assert_eq!(s, 404, "nothing was applied");
}

#[test]
fn environments_inherit_and_can_be_rehearsed_on_the_emulator() {
    let ctx = Ctx::example();
    let r = ctx.ok(&["plan", "-e", "staging", "--emulator", "--json"]);
    assert!(
        r.stderr.lines().next().unwrap().contains("strata emulator"),
        "{}",
        r.all()
    );
    let plan: Json = serde_json::from_str(&r.stdout).unwrap();
    let text = plan.to_string();
    // staging inherits prod's location and overrides the network range and subscription.
    assert!(text.contains("10.20.0.0/16"), "{text}");
    assert!(text.contains("00000000-0000-0000-0000-00000000a002"));
    assert!(text.contains("westeurope"));
}

#[test]
fn validate_checks_every_environment_without_azure() {
    let ctx = Ctx::example();
    let r = ctx.ok(&["validate"]);
    assert!(r.stdout.contains("environment dev"), "{}", r.all());
    assert!(r.stdout.contains("environment prod"));
    assert!(r.stdout.contains("environment staging"));
}
