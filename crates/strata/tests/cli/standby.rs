//! The standby estate of an environment with a warm disaster recovery (the derived
//! environment `prod-dr`), and the runbooks that move the environment to it and back: plans in
//! two sections with two states, a drill that loses westeurope on the emulator and recovers in
//! northeurope, failover and failback to a clean re-plan, resuming an interrupted failover.

use serde_json::Value as Json;

use crate::common::*;

const REHEARSAL: &str = ".strata/rehearsal/prod/state";

fn rehearsal_state(ctx: &Ctx, env: &str) -> Json {
    serde_json::from_str(&ctx.read(&format!("{REHEARSAL}/{env}.json"))).unwrap()
}

fn resources_of<'a>(state: &'a Json, ty: &str) -> Vec<&'a Json> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource_type"].as_str().unwrap().eq_ignore_ascii_case(ty))
        .collect()
}

fn attr<'a>(r: &'a Json, pointer: &str) -> &'a Json {
    r["attributes"].pointer(pointer).unwrap_or(&Json::Null)
}

/// The JSON reports kept for prod, oldest first.
fn reports(ctx: &Ctx) -> Vec<Json> {
    let dir = ctx.path().join(".strata/dr/prod");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

/// The ids of a report's steps.
fn step_ids(report: &Json) -> Vec<&str> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

const SERVER: &str = "Microsoft.DBforPostgreSQL/flexibleServers";
const ORIGIN: &str = "Microsoft.Cdn/profiles/originGroups/origins";
const SITE: &str = "Microsoft.Web/sites";

/// Plan and apply of prod cover its standby in its own section with its own state; the
/// standby holds a read replica of the primary's database, its own network in its own range,
/// and no storage or Front Door of its own; Front Door sends traffic to the primary's app first
/// and the standby's second; everything re-plans to no changes.
#[test]
fn the_standby_estate_has_its_own_state_and_section_and_replicates_the_primary() {
    let ctx = Ctx::example();
    let r = ctx.ok(&["plan", "-e", "prod", "--emulator"]);
    let primary_at = r.stdout.find("── Primary estate prod in westeurope ──");
    let standby_at = r
        .stdout
        .find("── Standby estate prod-dr in northeurope (standby of prod; its own state and lock) ──");
    assert!(primary_at.is_some() && standby_at > primary_at, "{}", r.stdout);

    ctx.ok(&["apply", "-e", "prod", "--emulator", "--auto-approve"]);
    let primary = rehearsal_state(&ctx, "prod");
    let standby = rehearsal_state(&ctx, "prod-dr");
    assert_eq!(standby["environment"], "prod-dr");
    assert_ne!(primary["lineage"], standby["lineage"], "two states");

    // The replica, in the standby's own subnet, of the primary's server.
    let p_server = resources_of(&primary, SERVER)[0];
    let s_server = resources_of(&standby, SERVER)[0];
    assert_eq!(attr(s_server, "/location"), "northeurope");
    assert_eq!(attr(s_server, "/properties/replicationRole"), "AsyncReplica");
    assert_eq!(
        attr(s_server, "/properties/sourceServerResourceId")
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        p_server["id"].as_str().unwrap().to_ascii_lowercase()
    );
    assert!(
        attr(s_server, "/properties/network/delegatedSubnetResourceId")
            .as_str()
            .unwrap()
            .contains("vnet-shop-prod-dr"),
        "{s_server}"
    );
    // Storage replicates itself (GZRS) and Front Door is global: neither is in the standby.
    assert!(resources_of(&standby, "Microsoft.Storage/storageAccounts").is_empty());
    assert!(resources_of(&standby, "Microsoft.Cdn/profiles").is_empty());
    let s_vnet = resources_of(&standby, "Microsoft.Network/virtualNetworks")[0];
    assert_eq!(
        attr(s_vnet, "/properties/addressSpace/addressPrefixes/0"),
        "10.31.0.0/16"
    );

    // Front Door: the primary's app first, the standby's second.
    let standby_host = attr(resources_of(&standby, SITE)[0], "/properties/defaultHostName")
        .as_str()
        .unwrap()
        .to_string();
    let origins = resources_of(&primary, ORIGIN);
    assert_eq!(origins.len(), 2, "{origins:?}");
    for o in origins {
        let host = attr(o, "/properties/hostName").as_str().unwrap();
        let priority = attr(o, "/properties/priority").as_u64().unwrap();
        assert_eq!(priority, if host == standby_host { 2 } else { 1 }, "{o}");
    }

    let r = ctx.ok(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"]);
    assert_eq!(
        r.stdout.matches("No changes.").count(),
        2,
        "both estates re-plan to no changes: {}",
        r.stdout
    );
    let r = ctx.ok(&["state", "list", "-e", "prod", "--emulator"]);
    assert!(
        r.stderr
            .contains("The standby estate prod-dr in northeurope has its own state"),
        "{}",
        r.all()
    );
    let r = ctx.ok(&["state", "list", "-e", "prod-dr", "--emulator"]);
    assert!(r.stdout.contains("module.database.server"), "{}", r.all());
}

/// The standby's range must not overlap the primary's: an error at the network block, with
/// the hint naming disaster_recovery's variables, before anything is sent.
#[test]
fn a_standby_range_overlapping_the_primary_is_an_error() {
    let ctx = Ctx::example();
    ctx.edit(
        "envs/prod.hcl",
        "vnet_cidr = \"10.31.0.0/16\"",
        "vnet_cidr = \"10.30.128.0/17\"",
    );
    let r = ctx.run(&["plan", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("network.hcl:"), "{}", r.all());
    assert!(r.all().contains("disaster_recovery"), "{}", r.all());
    assert!(r.all().contains("standby estate `prod-dr`"), "{}", r.all());
    assert!(!ctx.path().join(REHEARSAL).join("prod.json").exists());
}

/// A drill on the emulator: westeurope is lost, the failover runs for real, Front Door sends
/// the app's traffic to northeurope, and the report's RPO and RTO come from the emulator's own
/// timestamps. Then a failback brings everything home and both estates re-plan clean.
#[test]
fn a_drill_recovers_in_the_secondary_region_and_a_failback_comes_home_clean() {
    let ctx = Ctx::example();
    ctx.ok(&["apply", "-e", "prod", "--emulator", "--auto-approve"]);
    let r = ctx.run(&["dr", "drill", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("unplanned: the primary region does not answer"),
        "{}",
        r.stdout
    );

    let dir = ctx.path().join(".strata/dr/prod");
    let all = reports(&ctx);
    assert_eq!(all.len(), 1);
    let report = &all[0];
    assert_eq!(report["kind"], "drill");
    assert_eq!(report["passed"], true, "{report:#}");
    // Storage's secondary trails by the emulator's fixed five minutes (its last sync time in
    // whole seconds): that is the RPO.
    let rpo = report["rpo"]["achieved_seconds"].as_f64().unwrap();
    assert!((300.0..302.0).contains(&rpo), "{report:#}");
    let outage = report["outage_at"].as_str().unwrap();
    let healthy = report["healthy_at"].as_str().unwrap();
    assert!(healthy > outage, "{report:#}");
    let rto = report["rto"]["achieved_seconds"].as_f64().unwrap();
    assert!(rto > 0.0 && rto < 3600.0, "{report:#}");
    let ids = step_ids(report);
    for want in [
        "promote module.database.server",
        "fail over module.storage.account",
        "record standby",
        "apply prod-dr",
        "check health",
    ] {
        assert!(ids.contains(&want), "{want}: {ids:?}");
    }
    let promote = &report["steps"][0];
    assert!(
        promote["documented"]["source"]
            .as_str()
            .unwrap()
            .contains("Learn"),
        "{promote}"
    );
    assert!(report["projected_rto_seconds"].as_u64().unwrap() >= 600);
    assert!(
        dir.read_dir()
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "md"))
    );

    // The replica is a standalone server now, and the standby serves.
    let standby = rehearsal_state(&ctx, "prod-dr");
    assert_eq!(standby["recovery"]["serving"], "standby");
    let s_server = resources_of(&standby, SERVER)[0];
    assert_eq!(attr(s_server, "/properties/replicationRole"), "None");
    let r = ctx.ok(&["dr", "history", "-e", "prod"]);
    assert!(r.stdout.contains("drill"), "{}", r.stdout);
    assert!(r.stdout.contains("passed"), "{}", r.stdout);

    // A second drill while the standby serves is refused.
    let r = ctx.run(&["dr", "drill", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("fail back first"), "{}", r.all());

    // Failback: the typed confirmation, then home.
    let r = ctx.run(&["dr", "failback", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("--confirm \"prod to westeurope\""),
        "{}",
        r.all()
    );
    let r = ctx.run(&[
        "dr",
        "failback",
        "-e",
        "prod",
        "--emulator",
        "--confirm",
        "prod to westeurope",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let primary = rehearsal_state(&ctx, "prod");
    let standby = rehearsal_state(&ctx, "prod-dr");
    assert_eq!(standby["recovery"]["serving"], "primary");
    assert!(
        standby["recovery"]["runbook"].is_null(),
        "{}",
        standby["recovery"]
    );
    assert_eq!(
        attr(resources_of(&primary, SERVER)[0], "/properties/replicationRole"),
        "Primary"
    );
    assert_eq!(
        attr(resources_of(&standby, SERVER)[0], "/properties/replicationRole"),
        "AsyncReplica"
    );
    let r = ctx.ok(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"]);
    assert_eq!(r.stdout.matches("No changes.").count(), 2, "{}", r.stdout);
    let r = ctx.ok(&["dr", "history", "-e", "prod", "--json"]);
    let all: Json = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["drill", "failback"]);
}

/// A failover while both regions answer is planned (switchovers); it asks for the
/// environment and region typed out, and one that stops half-way (here: Front Door cannot
/// reach the standby's app) resumes where it stopped, without redoing what it did.
#[test]
fn a_planned_failover_is_confirmed_typed_out_and_resumes_where_it_stopped() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "prod", "--auto-approve"]);
    let standby = ctx.state("prod-dr");
    let s_server = resources_of(&standby, SERVER)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let api = resources_of(&standby, SERVER)[0]["api_version"]
        .as_str()
        .unwrap()
        .to_string();

    // No terminal and no --confirm, or a wrong one: nothing happens.
    let r = ctx.run(&["dr", "failover", "-e", "prod"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("--confirm \"prod to northeurope\""),
        "{}",
        r.all()
    );
    let r = ctx.run(&["dr", "failover", "-e", "prod", "--confirm", "prod to westeurope"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let (_, doc) = ctx.arm_get(&s_server, &api);
    assert_eq!(doc["properties"]["replicationRole"], "AsyncReplica");

    // The standby's app is down: the failover does everything else, then stops.
    let host = attr(resources_of(&standby, SITE)[0], "/properties/defaultHostName")
        .as_str()
        .unwrap()
        .to_string();
    let health = |healthy: Json| {
        ctx.arm(
            "POST",
            "/_emulator/origins/health",
            "x",
            Some(serde_json::json!({"hostName": host, "healthy": healthy})),
        )
    };
    assert_eq!(health(Json::Bool(false)).0, 200);
    let confirm = ["dr", "failover", "-e", "prod", "--confirm", "prod to northeurope"];
    let r = ctx.run(&confirm);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("planned: both regions answer"), "{}", r.stdout);
    assert!(
        r.all().contains("runs it again") || r.all().contains("again: it resumes"),
        "{}",
        r.all()
    );
    let standby = ctx.state("prod-dr");
    let done = standby["recovery"]["runbook"]["done"].as_array().unwrap().clone();
    assert!(
        done.iter().any(|d| d == "promote module.database.server"),
        "{done:?}"
    );
    assert!(!done.iter().any(|d| d == "check health"), "{done:?}");
    // A switchover: the standby's server is the primary now, the old one its replica.
    let (_, doc) = ctx.arm_get(&s_server, &api);
    assert_eq!(doc["properties"]["replicationRole"], "Primary");

    assert_eq!(health(Json::Null).0, 200);
    let r = ctx.run(&confirm);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("Resuming the failover"), "{}", r.stdout);
    assert!(r.stdout.contains("1 steps left"), "{}", r.stdout);
    let standby = ctx.state("prod-dr");
    assert_eq!(standby["recovery"]["serving"], "standby");

    // Plans now keep Front Door on the standby.
    let r = ctx.ok(&["plan", "-e", "prod", "-detailed-exitcode"]);
    assert_eq!(r.stdout.matches("No changes.").count(), 2, "{}", r.stdout);

    // And back: the old primary is a replica of the serving server, so a switchover is enough.
    let r = ctx.run(&["dr", "failback", "-e", "prod", "--confirm", "prod to westeurope"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !r.stdout.contains("create module.database.server again"),
        "{}",
        r.stdout
    );
    let r = ctx.ok(&["plan", "-e", "prod", "-detailed-exitcode"]);
    assert_eq!(r.stdout.matches("No changes.").count(), 2, "{}", r.stdout);
}

/// A cold strategy keeps no standby running: a drill builds it from code in northeurope, its
/// database geo-restored from the primary's geo-redundant backup, and gives Front Door its app
/// first; the failback brings the environment home, and `dr status` then says the primary's
/// database has lost its geo-redundant backup (fixed at creation) instead of a plan replacing it.
#[test]
fn a_cold_drill_builds_the_standby_from_code_and_backups() {
    let ctx = Ctx::example();
    ctx.edit("envs/prod.hcl", "strategy = \"warm\"", "strategy = \"cold\"");
    ctx.edit("envs/prod.hcl", "rpo      = \"15m\"", "rpo      = \"1h\"");
    ctx.edit("envs/prod.hcl", "rto      = \"1h\"", "rto      = \"4h\"");
    let r = ctx.ok(&["apply", "-e", "prod", "--emulator", "--auto-approve"]);
    assert!(
        !r.stdout.contains("Standby estate"),
        "nothing runs in northeurope: {}",
        r.stdout
    );
    assert!(!ctx.path().join(REHEARSAL).join("prod-dr.json").exists());

    // A drill that changes nothing the primary runs on: the standby built from code, checked,
    // and removed again.
    let primary_before = rehearsal_state(&ctx, "prod");
    let r = ctx.run(&["dr", "drill", "-e", "prod", "--emulator", "--copies"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("the cold standby prod-dr built from code"),
        "{}",
        r.stdout
    );
    let copies = &reports(&ctx)[0];
    assert_eq!(
        step_ids(copies),
        ["build prod-dr", "check standby app", "remove prod-dr"],
        "{copies:#}"
    );
    assert_eq!(copies["passed"], true, "{copies:#}");
    assert!(
        rehearsal_state(&ctx, "prod-dr")["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(rehearsal_state(&ctx, "prod")["serial"], primary_before["serial"]);

    let r = ctx.run(&["dr", "drill", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("build the estate prod-dr from code, its database geo-restored"),
        "{}",
        r.stdout
    );
    let standby = rehearsal_state(&ctx, "prod-dr");
    let server = resources_of(&standby, SERVER)[0];
    assert_eq!(attr(server, "/location"), "northeurope");
    // A server of its own (not a replica), restored from the primary's geo backup.
    assert_eq!(attr(server, "/properties/replicationRole"), "Primary", "{server}");
    let primary = rehearsal_state(&ctx, "prod");
    assert_eq!(
        attr(server, "/properties/sourceServerResourceId")
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        resources_of(&primary, SERVER)[0]["id"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
    );
    assert_eq!(attr(server, "/properties/backup/geoRedundantBackup"), "Disabled");
    let standby_host = attr(resources_of(&standby, SITE)[0], "/properties/defaultHostName")
        .as_str()
        .unwrap()
        .to_string();
    let first: Vec<&str> = resources_of(&primary, ORIGIN)
        .into_iter()
        .filter(|o| attr(o, "/properties/priority") == 1)
        .map(|o| attr(o, "/properties/hostName").as_str().unwrap())
        .collect();
    assert_eq!(first, [standby_host.as_str()]);
    let all = reports(&ctx);
    let report = all.last().unwrap();
    assert_eq!(report["strategy"], "cold");
    assert_eq!(report["passed"], true, "{report:#}");
    let build = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "apply prod-dr")
        .unwrap();
    assert!(
        build["documented"]["mechanism"]
            .as_str()
            .unwrap()
            .contains("geo-restore"),
        "{build}"
    );

    let r = ctx.run(&[
        "dr",
        "failback",
        "-e",
        "prod",
        "--emulator",
        "--confirm",
        "prod to westeurope",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("The cold standby prod-dr keeps running"),
        "{}",
        r.stdout
    );
    let r = ctx.ok(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"]);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    let r = ctx.run(&["dr", "status", "-e", "prod", "--emulator"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("a cold recovery needs geo-redundant backup, which is fixed at creation"),
        "{}",
        r.stdout
    );
}

/// The region is lost half-way through an apply of unrelated changes: the drill still
/// recovers in northeurope, the interrupted apply ends, and a second apply finishes the change
/// so that both estates' states agree with Azure again.
#[test]
fn a_drill_during_an_apply_still_recovers_and_the_states_stay_consistent() {
    let mut ctx = Ctx::example();
    ctx.start_emulator(strata_emulator::Latency::default());
    ctx.ok(&["apply", "-e", "prod", "--auto-approve"]);
    ctx.edit(
        "strata.hcl",
        "cost_center = \"shop\"",
        "cost_center = \"shop-eu\"",
    );
    let mut cmd = ctx.cmd();
    cmd.env_remove("STRATA_EMULATOR_LATENCY");
    let apply = cmd
        .args(["apply", "-e", "prod", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the apply has written something, then lose the region.
    let serial = ctx.state("prod")["serial"].as_u64().unwrap();
    for _ in 0..600 {
        if ctx.state("prod")["serial"].as_u64().unwrap() > serial {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let r = ctx.run(&["dr", "drill", "-e", "prod"]);
    let out = apply.wait_with_output().unwrap();
    assert_eq!(
        r.code,
        0,
        "drill: {}\napply: {}",
        r.all(),
        String::from_utf8_lossy(&out.stderr)
    );
    let standby = ctx.state("prod-dr");
    assert_eq!(standby["recovery"]["serving"], "standby");

    // The change is finished by the next apply, now served from northeurope, and both
    // estates re-plan clean.
    ctx.ok(&["apply", "-e", "prod", "--auto-approve"]);
    let r = ctx.ok(&["plan", "-e", "prod", "-detailed-exitcode"]);
    assert_eq!(r.stdout.matches("No changes.").count(), 2, "{}", r.stdout);
    let primary = ctx.state("prod");
    let rg = resources_of(&primary, "Microsoft.Resources/resourceGroups")[0];
    assert_eq!(attr(rg, "/tags/cost_center"), "shop-eu");
}

/// Against Azure a drill changes nothing the environment runs on: the databases are
/// geo-restored as copies into the drill's own resource group in the secondary region, checked,
/// and deleted with the group (here with `--copies` on the emulator, which answers as ARM does).
#[test]
fn a_drill_with_copies_restores_checks_and_deletes_them_touching_nothing() {
    let ctx = Ctx::example_with_emulator();
    ctx.ok(&["apply", "-e", "prod", "--auto-approve"]);
    let (primary, standby) = (ctx.state("prod"), ctx.state("prod-dr"));
    let r = ctx.run(&["dr", "drill", "-e", "prod", "--copies"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("geo-restore psql-shop-prod into psql-shop-prod-drill in northeurope"),
        "{}",
        r.stdout
    );
    // The drill's group is gone with its copies; the estates were not touched.
    let group = "/subscriptions/00000000-0000-0000-0000-00000000a003/resourceGroups/rg-prod-drill";
    assert_eq!(ctx.arm_get(group, "2024-11-01").0, 404);
    assert_eq!(ctx.state("prod")["serial"], primary["serial"]);
    assert_eq!(ctx.state("prod-dr")["serial"], standby["serial"]);
    let s_server = resources_of(&standby, SERVER)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, doc) = ctx.arm_get(&s_server, "2024-08-01");
    assert_eq!(doc["properties"]["replicationRole"], "AsyncReplica");

    let report = &reports(&ctx)[0];
    assert_eq!(report["passed"], true, "{report:#}");
    assert!(report["outage_at"].is_null());
    let ids = step_ids(report);
    for want in [
        "restore psql-shop-prod",
        "check psql-shop-prod-drill",
        "check standby app",
        "tear down",
    ] {
        assert!(ids.contains(&want), "{want}: {ids:?}");
    }
    let rpo = report["rpo"]["achieved_seconds"].as_f64().unwrap();
    assert!((250.0..400.0).contains(&rpo), "{report:#}");
    assert_eq!(
        report["projected_rto_seconds"], 3600,
        "a geo-restore is documented at up to an hour"
    );
}
