//! Bulk refresh through Azure Resource Graph: what it takes from rows, what it reads with a
//! GET and why, and that drift made outside strata is still found.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::common::*;

pub(crate) const SUB: &str = "00000000-0000-0000-0000-0000000b0001";
pub(crate) const NSG_API: &str = "2024-07-01";
const GROUPS: usize = 2;
const PER_GROUP: usize = 6;

/// Two resource groups of network security groups, each tagged by the configuration.
pub(crate) fn stack(owner_of_0: &str) -> String {
    let mut s = String::from("stack \"bulk\" {}\n\n");
    for g in 0..GROUPS {
        let _ = writeln!(
            s,
            "module \"rg{g}\" {{\n  source = \"resource_group\"\n  name   = \"rg-bulk-{g}\"\n}}\n"
        );
    }
    for i in 0..GROUPS * PER_GROUP {
        let owner = if i == 0 { owner_of_0 } else { "platform" };
        let _ = writeln!(
            s,
            "resource \"nsg{i}\" {{\n  type     = \"Microsoft.Network/networkSecurityGroups@{NSG_API}\"\n  name     = \"nsg-{i}\"\n  parent   = module.rg{}.id\n  location = env.location\n  tags     = {{ owner = \"{owner}\" }}\n  body     = {{ properties = {{}} }}\n}}\n",
            i % GROUPS
        );
    }
    s
}

pub(crate) fn nsg_id(i: usize) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/rg-bulk-{}/providers/Microsoft.Network/networkSecurityGroups/nsg-{i}",
        i % GROUPS
    )
}

pub(crate) fn ctx(lag: Duration) -> Ctx {
    let env = format!(
        "environment \"dev\" {{\n  target          = \"emulator\"\n  subscription_id = \"{SUB}\"\n  location        = \"westeurope\"\n}}\n"
    );
    let mut ctx = Ctx::with_files(&[
        ("strata.hcl", stack("platform").as_str()),
        ("envs/dev.hcl", env.as_str()),
    ]);
    ctx.start_emulator_with(strata_emulator::EmulatorConfig {
        latency: strata_emulator::Latency::none(),
        strict_bodies: true,
        strict_api_versions: true,
        graph_lag: lag,
        ..Default::default()
    });
    ctx
}

/// `plan --json`: the plan (after the event lines).
pub(crate) fn plan(ctx: &Ctx, args: &[&str]) -> Json {
    let mut all = vec!["plan", "-e", "dev", "--json"];
    all.extend_from_slice(args);
    let r = ctx.ok(&all);
    let text: String = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with("{\"type\""))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {}", r.all()))
}

/// Address → action, for what the plan would change.
pub(crate) fn actions(plan: &Json) -> BTreeMap<String, String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| {
            (
                c["addr"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fallbacks(plan: &Json) -> BTreeMap<String, u64> {
    plan["refresh"]["fallbacks"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect())
        .unwrap_or_default()
}

pub(crate) fn retag(ctx: &Ctx, i: usize, owner: &str) {
    let doc = json!({ "location": "westeurope", "tags": { "owner": owner }, "properties": {} });
    let (status, body) = ctx.arm("PUT", &nsg_id(i), NSG_API, Some(doc));
    assert!(status < 300, "{body}");
    ctx.arm_settle(&nsg_id(i), NSG_API);
}

pub(crate) fn delete(ctx: &Ctx, i: usize) {
    let (status, body) = ctx.arm("DELETE", &nsg_id(i), NSG_API, None);
    assert!(status < 300, "{body}");
    for _ in 0..200 {
        if ctx.arm_get(&nsg_id(i), NSG_API).0 == 404 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nsg-{i} was not deleted");
}

#[test]
fn a_quiet_estate_is_read_from_rows_and_the_plan_says_how() {
    let ctx = ctx(Duration::ZERO);
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let n = GROUPS + GROUPS * PER_GROUP;

    // Just written: Resource Graph may not have it yet, so every resource is read.
    let p = plan(&ctx, &["--refresh=bulk"]);
    assert_eq!(p["refresh"]["method"], "bulk", "{}", p["refresh"]);
    assert_eq!(p["refresh"]["from_graph"], 0);
    assert_eq!(fallbacks(&p).get("recently_written").copied(), Some(n as u64));

    // Outside the window: every resource comes from rows that agree with state.
    let p = plan(&ctx, &["--refresh=bulk", "--graph-staleness", "0s"]);
    assert_eq!(p["refresh"]["from_graph"], n, "{}", p["refresh"]);
    assert!(fallbacks(&p).is_empty(), "{}", p["refresh"]);
    // Two queries: the resource groups, and the resources by id (the groups are small).
    assert_eq!(p["refresh"]["queries"], 2, "{}", p["refresh"]);
    assert!(actions(&p).is_empty(), "{:?}", actions(&p));

    // The text says which way and why.
    let r = ctx.ok(&["plan", "-e", "dev", "--refresh=bulk", "--graph-staleness", "0s"]);
    assert!(
        r.stdout.contains(&format!(
            "Refreshed {n} resources in bulk: {n} from Azure Resource Graph (2 queries), 0 with a GET."
        )),
        "{}",
        r.stdout
    );
    let r = ctx.ok(&["plan", "-e", "dev", "--refresh=full"]);
    assert!(
        r.stdout.contains(&format!(
            "Refreshed {n} resources with a GET each (--refresh=full)."
        )),
        "{}",
        r.stdout
    );
    let r = ctx.ok(&[
        "plan",
        "-e",
        "dev",
        "--report",
        "markdown",
        "--refresh=bulk",
        "--graph-staleness",
        "0s",
    ]);
    assert!(
        r.stdout.contains(&format!(
            "<sub>Refreshed {n} resources in bulk: {n} from Azure Resource Graph"
        )),
        "{}",
        r.stdout
    );
    // Below the threshold, the default reads with GETs.
    let r = ctx.ok(&["plan", "-e", "dev"]);
    assert!(r.stdout.contains("fewer than 100 resources"), "{}", r.stdout);
}

#[test]
fn drift_outside_strata_is_found_long_ago_at_once_and_just_now_once_indexed() {
    let lag = Duration::from_secs(2);
    let window = Duration::from_secs(8);
    let ctx = ctx(lag);
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);

    // Long ago: a tag changed and a resource deleted outside strata.
    retag(&ctx, 1, "someone-else");
    delete(&ctx, 2);
    std::thread::sleep(window + Duration::from_millis(500));

    // Now: strata writes nsg-0 (within the window), then someone changes it, and nsg-3 and
    // nsg-4, outside strata.
    ctx.write("strata.hcl", &stack("team-a"));
    ctx.ok(&[
        "apply",
        "-e",
        "dev",
        "--auto-approve",
        "--target",
        "resource.nsg0",
    ]);
    retag(&ctx, 0, "someone-else");
    retag(&ctx, 3, "someone-else");
    delete(&ctx, 4);

    let staleness = format!("{}s", window.as_secs());
    let p = plan(&ctx, &["--refresh=bulk", "--graph-staleness", &staleness]);
    let seen = actions(&p);
    let f = fallbacks(&p);
    // What Resource Graph could have seen, and what strata wrote within the window.
    assert_eq!(
        seen.get("resource.nsg1").map(String::as_str),
        Some("update"),
        "{seen:?}"
    );
    assert_eq!(
        seen.get("resource.nsg2").map(String::as_str),
        Some("create"),
        "{seen:?}"
    );
    assert_eq!(
        seen.get("resource.nsg0").map(String::as_str),
        Some("update"),
        "{seen:?}"
    );
    assert_eq!(f.get("recently_written"), Some(&1), "{f:?}");
    assert!(f.get("disagrees").is_some_and(|&k| k >= 1), "{f:?}");
    assert!(f.get("missing_row").is_some_and(|&k| k >= 1), "{f:?}");
    // Changes made just now are not in Resource Graph yet: a full refresh sees them at once,
    // a bulk one as soon as they are indexed.
    let full = actions(&plan(&ctx, &["--refresh=full"]));
    for addr in [
        "resource.nsg0",
        "resource.nsg1",
        "resource.nsg2",
        "resource.nsg3",
        "resource.nsg4",
    ] {
        assert!(full.contains_key(addr), "{addr} missing from {full:?}");
    }
    std::thread::sleep(lag + Duration::from_millis(500));
    let p = plan(&ctx, &["--refresh=bulk", "--graph-staleness", &staleness]);
    assert_eq!(actions(&p), full, "{}", p["refresh"]);
    // Everything undisturbed still comes from rows.
    let undisturbed = (GROUPS + GROUPS * PER_GROUP - 5) as u64;
    assert!(
        p["refresh"]["from_graph"].as_u64().unwrap() >= undisturbed,
        "{}",
        p["refresh"]
    );
}
