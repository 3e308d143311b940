//! Apply, re-plan, update, replace, failure and destroy.

use serde_json::Value as Json;

use crate::common::{Ctx, SUB, rg_id, vnet_id};

const NET_API: &str = "2024-07-01";

#[test]
fn first_apply_builds_the_segmented_network_and_replans_to_no_changes() {
    let ctx = Ctx::example_with_emulator();
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stderr.lines().next().unwrap().contains("Target:"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("Plan: 41 to add, 0 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("Apply complete! Resources: 41 added, 0 changed, 0 destroyed."),
        "{}",
        r.all()
    );

    // The estate exists, segmented, each subnet behind its NSG.
    let (status, vnet) = ctx.arm_get(&vnet_id(), NET_API);
    assert_eq!(status, 200);
    assert_eq!(
        vnet["properties"]["addressSpace"]["addressPrefixes"][0],
        "10.10.0.0/16"
    );
    for (name, prefix) in [
        ("app", "10.10.1.0/24"),
        ("data", "10.10.2.0/24"),
        ("mgmt", "10.10.3.0/24"),
    ] {
        let (s, subnet) = ctx.arm_get(&format!("{}/subnets/{name}", vnet_id()), NET_API);
        assert_eq!(s, 200, "subnet {name}");
        assert_eq!(subnet["properties"]["addressPrefix"], prefix);
        let nsg = subnet["properties"]["networkSecurityGroup"]["id"]
            .as_str()
            .unwrap();
        let (s, nsg) = ctx.arm_get(nsg, NET_API);
        assert_eq!(s, 200);
        let rules = nsg["properties"]["securityRules"].as_array().unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r["properties"]["access"] == "Deny" && r["properties"]["direction"] == "Inbound")
        );
    }

    let state = ctx.state("dev");
    assert_eq!(
        state["resources"]
            .as_array()
            .map_or_else(|| state["resources"].as_object().unwrap().len(), Vec::len),
        41
    );

    let r = ctx.ok(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    let r = ctx.ok(&["output", "-e", "dev"]);
    assert!(r.stdout.contains("vnet_id = \"/subscriptions/"), "{}", r.all());
}

#[test]
fn embedded_emulator_keeps_the_estate_between_runs() {
    let ctx = Ctx::example();
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stderr.lines().next().unwrap().contains("strata emulator"),
        "{}",
        r.all()
    );
    assert!(r.stderr.lines().next().unwrap().contains("NOT Azure"));
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("No changes."));
    let r = ctx.ok(&["destroy", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stdout.contains("Destroy complete! Resources: 41 destroyed."),
        "{}",
        r.all()
    );
}

#[test]
fn changing_a_subnet_shows_a_precise_in_place_diff() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "network.hcl",
        "cidrsubnet(var.vnet_cidr, 8, 1)",
        "cidrsubnet(var.vnet_cidr, 8, 5)",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("module.network.subnet[\"app\"] will be updated in-place"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("properties.addressPrefix = \"10.10.1.0/24\" -> \"10.10.5.0/24\""),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let (_, subnet) = ctx.arm_get(&format!("{}/subnets/app", vnet_id()), NET_API);
    assert_eq!(subnet["properties"]["addressPrefix"], "10.10.5.0/24");
    // The VNet still has all three subnets: updating one never drops the others.
    let (_, vnet) = ctx.arm_get(&vnet_id(), NET_API);
    assert_eq!(vnet["properties"]["subnets"].as_array().unwrap().len(), 3);
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn tag_change_on_the_vnet_keeps_its_subnets() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "strata.hcl",
        "managed_by = \"strata\"",
        "managed_by = \"strata\", tier = \"gold\"",
    );
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stdout.contains("module.network.vnet will be updated in-place"),
        "{}",
        r.all()
    );
    let (_, vnet) = ctx.arm_get(&vnet_id(), NET_API);
    assert_eq!(vnet["tags"]["tier"], "gold");
    assert_eq!(
        vnet["properties"]["subnets"].as_array().unwrap().len(),
        3,
        "{vnet}"
    );
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn location_change_replaces_and_says_why() {
    let ctx = Ctx::network_only();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "envs/dev.hcl",
        "location        = \"westeurope\"",
        "location        = \"northeurope\"",
    );
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout.contains("module.rg.group must be replaced"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("# forces replacement"), "{}", r.all());
    assert!(r.stdout.contains("-/+"), "{}", r.all());
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(r.stdout.contains("Apply complete!"), "{}", r.all());
    let (_, rg) = ctx.arm_get(&rg_id("rg-shop-dev"), "2024-11-01");
    assert_eq!(rg["location"], "northeurope");
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn out_of_band_delete_is_recreated_and_drift_is_shown() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    // Someone deletes the mgmt subnet in the portal…
    let (s, _) = ctx.arm("DELETE", &format!("{}/subnets/mgmt", vnet_id()), NET_API, None);
    assert!(matches!(s, 200 | 202 | 204), "{s}");
    ctx.arm_settle(&vnet_id(), NET_API);
    // … and retags the resource group.
    let (s, _) = ctx.arm(
        "PATCH",
        &rg_id("rg-shop-dev"),
        "2024-11-01",
        Some(serde_json::json!({"tags": {"owner": "someone-else"}})),
    );
    assert_eq!(s, 200);
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout.contains("objects have changed outside of strata"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("module.network.subnet[\"mgmt\"] will be created"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("deleted outside strata"), "{}", r.all());
    assert!(
        r.stdout.contains("module.rg.group will be updated in-place"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("changed outside strata"), "{}", r.all());
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn destroy_goes_in_reverse_dependency_order() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let r = ctx.ok(&["destroy", "-e", "dev", "--auto-approve", "--json"]);
    let finished: Vec<String> = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|e| e["type"] == "operation_complete")
        .map(|e| e["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(finished.len(), 41, "{}", r.all());
    let pos = |a: &str| {
        finished
            .iter()
            .position(|x| x == a)
            .unwrap_or_else(|| panic!("{a} not destroyed: {finished:?}"))
    };
    for s in ["app", "data", "mgmt"] {
        assert!(pos(&format!("module.network.subnet[\"{s}\"]")) < pos("module.network.vnet"));
        assert!(
            pos(&format!("module.network.subnet[\"{s}\"]")) < pos(&format!("module.network.nsg[\"{s}\"]"))
        );
    }
    assert_eq!(finished.last().unwrap(), "module.rg.group");
    let (s, _) = ctx.arm_get(&rg_id("rg-shop-dev"), "2024-11-01");
    assert_eq!(s, 404);
    let (s, list) = ctx.arm_get(&format!("/subscriptions/{SUB}/resourcegroups"), "2024-11-01");
    assert_eq!(s, 200);
    assert!(list["value"].as_array().unwrap().is_empty(), "{list}");
    assert!(ctx.ok(&["state", "list", "-e", "dev"]).stdout.trim().is_empty());
}

#[test]
fn failure_half_way_records_what_succeeded_and_reapply_finishes() {
    let mut ctx = Ctx::example();
    ctx.start_emulator(strata_emulator::Latency::none());
    // A storage account whose globally unique name another subscription already holds: ARM
    // refuses the create (the plan cannot know: the id it would create is free).
    ctx.write(
        "extra.hcl",
        r#"
resource "shared" {
  type     = "Microsoft.Storage/storageAccounts@2025-01-01"
  name     = "stshared${env.name}"
  parent   = module.rg.id
  location = env.location
  body     = { kind = "StorageV2", sku = { name = "Standard_LRS" } }
}

resource "after_shared" {
  type       = "Microsoft.Example/things@2024-01-01"
  name       = "thing-${env.name}"
  parent     = module.rg.id
  location   = env.location
  depends_on = [resource.shared]
}
"#,
    );
    let other = "/subscriptions/00000000-0000-0000-0000-00000000a009/resourceGroups/rg-other";
    let (s, _) = ctx.arm(
        "PUT",
        other,
        "2024-11-01",
        Some(serde_json::json!({"location": "westeurope"})),
    );
    assert_eq!(s, 201);
    let taken = format!("{other}/providers/Microsoft.Storage/storageAccounts/stshareddev");
    let (s, _) = ctx.arm(
        "PUT",
        &taken,
        "2025-01-01",
        Some(serde_json::json!({"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})),
    );
    assert!(matches!(s, 200..=202), "{s}");
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("resource.shared failed"), "{}", r.all());
    assert!(r.stderr.contains("AlreadyTaken"), "{}", r.all());
    assert!(
        r.stderr.contains("extra.hcl:2"),
        "the error names the block: {}",
        r.all()
    );
    assert!(r.stderr.contains("skipped"), "{}", r.all());
    let state = ctx.state("dev").to_string();
    assert!(state.contains("module.rg.group"), "what succeeded is in state");
    assert!(!state.contains("resource.shared"));
    assert!(!state.contains("resource.after_shared"));

    // Fix the cause; apply again finishes the job with only what is missing.
    let (s, _) = ctx.arm("DELETE", &taken, "2025-01-01", None);
    assert!(matches!(s, 200 | 202 | 204), "{s}");
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stdout.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn the_whole_estate_moves_to_another_region_by_replacement() {
    // Soft-deleted names (Log Analytics, Key Vault) and global names (storage, PostgreSQL)
    // must not stand in the way of a replacement.
    let ctx = Ctx::example();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.edit(
        "envs/dev.hcl",
        "location        = \"westeurope\"",
        "location        = \"northeurope\"",
    );
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(r.stdout.contains("Apply complete!"), "{}", r.all());
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
    ctx.ok(&["destroy", "-e", "dev", "--auto-approve"]);
}
