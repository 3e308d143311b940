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

/// The lines of a plan that mark a change (`+ ~ - -/+ !`), trimmed.
fn marked(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(['+', '~', '-', '!']))
        .map(str::to_string)
        .collect()
}

#[test]
fn adding_one_tag_to_a_module_plans_one_nested_line() {
    let ctx = Ctx::network_only();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "foundation.hcl",
        "tags     = local.tags",
        "tags     = merge(local.tags, { tier = \"gold\" })",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("  # module.rg.group will be updated in-place\n"),
        "{}",
        r.all()
    );
    // The resource, then the one tag: not the whole map, not the tags it already has.
    assert_eq!(
        marked(&r.stdout),
        [
            "~ Microsoft.Resources/resourceGroups \"rg-shop-dev\"",
            "+ tags.tier = \"gold\""
        ],
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    // Taking it away again is one removed key.
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "foundation.hcl",
        "tags     = merge(local.tags, { tier = \"gold\" })",
        "tags     = local.tags",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert_eq!(
        marked(&r.stdout),
        [
            "~ Microsoft.Resources/resourceGroups \"rg-shop-dev\"",
            "- tags.tier = \"gold\" -> null"
        ],
        "{}",
        r.all()
    );
}

#[test]
fn changing_one_nsg_rule_plans_its_changed_field_under_its_name() {
    let ctx = Ctx::network_only();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    // The first rule of the example is the app subnet's `allow-https-from-vnet`.
    ctx.edit(
        "network.hcl",
        "priority                   = 100",
        "priority                   = 110",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-out", "rule.tfplan", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("  # module.network.nsg[\"app\"] will be updated in-place\n"),
        "{}",
        r.all()
    );
    assert_eq!(
        marked(&r.stdout),
        [
            "~ Microsoft.Network/networkSecurityGroups \"nsg-vnet-shop-dev-app\"",
            "~ properties.securityRules[\"allow-https-from-vnet\"]",
            "~ properties.priority = 100 -> 110",
        ],
        "{}",
        r.all()
    );
    // Nested: the field sits four columns under its rule, the rule four under the resource.
    let indent = |needle: &str| {
        let line = r.stdout.lines().find(|l| l.contains(needle)).unwrap();
        line.len() - line.trim_start().len()
    };
    assert_eq!(
        indent("~ properties.securityRules"),
        indent("~ Microsoft.Network") + 4
    );
    assert_eq!(
        indent("~ properties.priority"),
        indent("~ properties.securityRules") + 4
    );
    for hidden in ["etag", "provisioningState", "defaultSecurityRules", "deny-all"] {
        assert!(!r.stdout.contains(hidden), "{hidden} shown:\n{}", r.all());
    }
    // The saved plan shows the same text.
    let shown = ctx.ok(&["show", "rule.tfplan"]);
    let actions = |s: &str| {
        let from = s.find("strata will perform").unwrap();
        let to = s.find("Plan: ").unwrap();
        s[from..to].to_string()
    };
    assert_eq!(actions(&shown.stdout), actions(&r.stdout), "{}", shown.all());
    // And the pull-request report, in a diff block with the marker first.
    let report = ctx.ok(&["show", "--report", "markdown", "rule.tfplan"]);
    assert!(
        report
            .stdout
            .contains("\n!           properties.priority = 100 -> 110\n"),
        "{}",
        report.all()
    );
}

#[test]
fn changing_a_subnet_prefix_plans_one_line() {
    let ctx = Ctx::network_only();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "network.hcl",
        "cidrsubnet(var.vnet_cidr, 8, 2)",
        "cidrsubnet(var.vnet_cidr, 8, 6)",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let marked = marked(&r.stdout);
    assert!(
        marked.contains(&"~ properties.addressPrefix = \"10.10.2.0/24\" -> \"10.10.6.0/24\"".to_string()),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("  # module.network.subnet[\"data\"] will be updated in-place\n"),
        "{}",
        r.all()
    );
}
