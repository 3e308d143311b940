//! `strata drift`: what changed outside strata, who changed it and when, without planning or
//! writing anything.

use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::bulk_refresh::{NSG_API, ctx, delete, nsg_id};
use crate::common::*;

/// A tag changed the way the Azure CLI changes it (its User-Agent).
fn retag_with_cli(ctx: &Ctx, i: usize, owner: &str) {
    let emu = ctx.emulator.as_ref().unwrap();
    let url = format!("{}{}?api-version={NSG_API}", emu.endpoint, nsg_id(i));
    let status = emu.rt.block_on(async {
        reqwest::Client::new()
            .put(&url)
            .header(
                "User-Agent",
                "AZURECLI/2.67.0 (DEB) azsdk-python-core/1.31.0 Python/3.12",
            )
            .json(&json!({ "location": "westeurope", "tags": { "owner": owner }, "properties": {} }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
    ctx.arm_settle(&nsg_id(i), NSG_API);
}

#[test]
fn drift_names_each_change_who_made_it_and_writes_nothing() {
    let ctx = ctx(Duration::ZERO);
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let r = ctx.run(&["drift", "-e", "dev"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("No drift in dev"), "{}", r.stdout);

    retag_with_cli(&ctx, 1, "someone-else");
    delete(&ctx, 2);
    let before = ctx.read(".strata/state/dev.json");
    let r = ctx.run(&["drift", "-e", "dev"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("Drift in dev: 2 of 14 resources changed outside strata."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("tags.owner: \"platform\" → \"someone-else\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("changed with Azure CLI at "), "{}", r.stdout);
    assert!(
        r.stdout.contains("resource.nsg2  nsg-2: deleted outside strata"),
        "{}",
        r.stdout
    );
    assert_eq!(ctx.read(".strata/state/dev.json"), before, "drift writes nothing");

    let r = ctx.run(&["drift", "-e", "dev", "--json"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let report: Json = serde_json::from_str(&r.stdout).unwrap();
    let resources = report["resources"].as_array().unwrap();
    let nsg1 = resources.iter().find(|x| x["addr"] == "resource.nsg1").unwrap();
    assert_eq!(nsg1["kind"], "changed");
    assert_eq!(nsg1["properties"][0]["path"], "tags.owner");
    assert_eq!(nsg1["change"]["client_type"], "Azure CLI");
    assert_eq!(
        nsg1["change"]["operation"],
        "microsoft.network/networksecuritygroups/write"
    );
    let nsg2 = resources.iter().find(|x| x["addr"] == "resource.nsg2").unwrap();
    assert_eq!(nsg2["kind"], "deleted");
    assert_eq!(nsg2["change"]["change_type"], "Delete");

    let r = ctx.run(&["drift", "-e", "dev", "--report", "markdown"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stdout.lines().next(),
        Some("<!-- strata-drift: bulk/dev -->"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("| `resource.nsg1` | `tags.owner` | `\"platform\"` | `\"someone-else\"` |"),
        "{}",
        r.stdout
    );

    // An apply puts things back; then there is no drift.
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let r = ctx.run(&["drift", "-e", "dev"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn a_configuration_change_is_not_drift() {
    let ctx = ctx(Duration::ZERO);
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    ctx.write("strata.hcl", &crate::bulk_refresh::stack("team-a"));
    let r = ctx.run(&["drift", "-e", "dev"]);
    assert_eq!(
        r.code,
        0,
        "a pending change is the plan's, not drift: {}",
        r.all()
    );
}
