//! `disaster_recovery { … }` in an environment: inherited like the rest, and checked before
//! anything is sent (regions, strategy against the SKUs, targets against Azure's documented
//! figures), each problem at its file and line.

use crate::common::*;

/// An environment of the example with `body` as its extra attributes and blocks.
fn with_env(name: &str, body: &str) -> Ctx {
    let ctx = Ctx::example();
    ctx.write(
        &format!("envs/{name}.hcl"),
        &format!(
            "environment \"{name}\" {{\n  target    = \"emulator\"\n  location  = \"westeurope\"\n  variables = {{ vnet_cidr = \"10.60.0.0/16\", tenant_id = \"00000000-0000-0000-0000-00000000a000\" }}\n{body}}}\n"
        ),
    );
    ctx
}

fn validate(ctx: &Ctx, env: &str) -> Run {
    ctx.run(&["validate", "-e", env])
}

#[test]
fn the_example_declares_warm_recovery_for_prod_and_staging_inherits_it() {
    let ctx = Ctx::example();
    for env in ["dev", "staging", "prod"] {
        let r = validate(&ctx, env);
        assert_eq!(r.code, 0, "{env}: {}", r.all());
    }
    // Staging inherits prod's block: a target it cannot meet there shows in staging too,
    // at prod's file.
    ctx.edit("envs/prod.hcl", "rpo      = \"15m\"", "rpo      = \"1m\"");
    let r = validate(&ctx, "staging");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("envs/prod.hcl:"), "{}", r.all());
    assert!(
        r.all()
            .contains("rpo 1m is below what PostgreSQL cross-region read replica"),
        "{}",
        r.all()
    );
}

#[test]
fn regions_are_checked() {
    let ctx = with_env(
        "dr",
        "  profile = \"staging\"\n  disaster_recovery {\n    secondary_location = \"westeurope\"\n    strategy = \"warm\"\n    rpo = \"15m\"\n    rto = \"1h\"\n  }\n",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all()
            .contains("the secondary region `westeurope` is the environment's own location"),
        "{}",
        r.all()
    );
    assert!(r.all().contains("envs/dr.hcl:7"), "{}", r.all());
    assert!(
        r.all().contains("northeurope"),
        "the hint names the pair: {}",
        r.all()
    );

    ctx.edit(
        "envs/dr.hcl",
        "secondary_location = \"westeurope\"",
        "secondary_location = \"northeuropa\"",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("`northeuropa` is not an Azure region"),
        "{}",
        r.all()
    );
    assert!(r.all().contains("northeurope"), "did you mean: {}", r.all());

    // A region without a pair must name its secondary.
    ctx.edit(
        "envs/dr.hcl",
        "location  = \"westeurope\"",
        "location  = \"polandcentral\"",
    );
    ctx.edit("envs/dr.hcl", "    secondary_location = \"northeuropa\"\n", "");
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("`polandcentral` has no paired region"),
        "{}",
        r.all()
    );
}

#[test]
fn the_strategy_must_suit_the_skus_and_the_pair() {
    // The dev profile's database is Burstable: no read replicas, so no warm standby.
    let ctx = with_env(
        "dr",
        "  profile = \"dev\"\n  disaster_recovery {\n    strategy = \"warm\"\n    rpo = \"15m\"\n    rto = \"1h\"\n  }\n",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("Burstable tier cannot have read replicas"),
        "{}",
        r.all()
    );
    assert!(
        r.all().contains("data.hcl:"),
        "at the database block: {}",
        r.all()
    );

    // Cold recovery geo-restores, and geo-restore only goes to the pair.
    ctx.edit(
        "envs/dr.hcl",
        "strategy = \"warm\"",
        "strategy = \"cold\"\n    secondary_location = \"swedencentral\"",
    );
    ctx.edit("envs/dr.hcl", "rpo = \"15m\"", "rpo = \"2h\"");
    ctx.edit("envs/dr.hcl", "rto = \"1h\"", "rto = \"4h\"");
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains(
            "geo-restore only restores into westeurope's paired region (northeurope), not swedencentral"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.all()
            .contains("geo-redundant storage replicates to westeurope's pair"),
        "a warning too: {}",
        r.all()
    );
    // Declaring recovery turns geo copies on by default, even in the dev profile; turning
    // them off explicitly is refused.
    ctx.edit("envs/dr.hcl", "    secondary_location = \"swedencentral\"\n", "");
    ctx.ok(&["validate", "-e", "dr"]);
    let r = ctx.ok(&["plan", "-e", "dr"]);
    assert!(r.stdout.contains("Standard_GZRS"), "{}", r.all());
    assert!(r.stdout.contains("geoRedundantBackup"), "{}", r.all());
    ctx.edit(
        "data.hcl",
        "databases              = [\"shop\"]",
        "databases              = [\"shop\"]\n  geo_redundant_backup   = false",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("geo-redundant backup is off"), "{}", r.all());
    ctx.edit(
        "data.hcl",
        "name           = \"st${local.compact}\"",
        "name           = \"st${local.compact}\"\n  replication    = \"Standard_LRS\"",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all()
            .contains("`Standard_LRS` keeps no copy outside westeurope"),
        "{}",
        r.all()
    );
    ctx.edit("data.hcl", "\n  geo_redundant_backup   = false", "");
    ctx.edit("data.hcl", "\n  replication    = \"Standard_LRS\"", "");
    ctx.edit(
        "envs/dr.hcl",
        "strategy = \"cold\"",
        "strategy = \"cold\"\n    secondary_location = \"swedencentral\"",
    );

    // The staging profile with cold recovery to the pair: valid, but a 15-minute RPO is not
    // what geo-restore gives.
    ctx.edit("envs/dr.hcl", "profile = \"dev\"", "profile = \"staging\"");
    ctx.edit("envs/dr.hcl", "    secondary_location = \"swedencentral\"\n", "");
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 0, "{}", r.all());
    ctx.edit("envs/dr.hcl", "rpo = \"2h\"", "rpo = \"15m\"");
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("rpo 15m is below what PostgreSQL geo-restore"),
        "{}",
        r.all()
    );
    assert!(
        r.all().contains("strategy = \\\"warm\\\"") || r.all().contains("strategy = \"warm\""),
        "{}",
        r.all()
    );
}

#[test]
fn bad_blocks_are_errors_and_none_switches_off_what_is_inherited() {
    let ctx = with_env(
        "dr",
        "  profile = \"staging\"\n  disaster_recovery {\n    strategy = \"hot\"\n    rpo = \"soon\"\n  }\n",
    );
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("`hot` is not a disaster recovery strategy"),
        "{}",
        r.all()
    );

    ctx.edit("envs/dr.hcl", "strategy = \"hot\"", "strategy = \"warm\"");
    let r = validate(&ctx, "dr");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("`soon` is not a duration for `rpo`"),
        "{}",
        r.all()
    );
    assert!(r.all().contains("sets no `rto`"), "{}", r.all());

    // An environment inheriting prod with the dev profile would need a replica on Burstable;
    // `strategy = "none"` switches the inherited recovery off.
    let ctx = Ctx::example();
    ctx.write(
        "envs/sandbox.hcl",
        "environment \"sandbox\" {\n  inherits        = \"prod\"\n  target          = \"emulator\"\n  profile         = \"dev\"\n  variables = { vnet_cidr = \"10.70.0.0/16\" }\n}\n",
    );
    let r = validate(&ctx, "sandbox");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("Burstable"), "{}", r.all());
    ctx.write(
        "envs/sandbox.hcl",
        "environment \"sandbox\" {\n  inherits        = \"prod\"\n  target          = \"emulator\"\n  profile         = \"dev\"\n  variables = { vnet_cidr = \"10.70.0.0/16\" }\n  disaster_recovery {\n    strategy = \"none\"\n  }\n}\n",
    );
    let r = validate(&ctx, "sandbox");
    assert_eq!(r.code, 0, "{}", r.all());
}

/// `strata dr status` reads every stateful resource live and judges it against the declared
/// recovery: before apply there is nothing to read; after it, what protects each resource and
/// what the warm standby still lacks, exit 2 while a target is not met; `--json` for machines.
#[test]
fn dr_status_reads_the_estate_and_exits_2_when_a_target_is_not_met() {
    let ctx = with_env(
        "sprod",
        "  profile = \"prod\"\n  backend = { type = \"local\" }\n  disaster_recovery {\n    strategy = \"warm\"\n    rpo = \"15m\"\n    rto = \"1h\"\n    variables = { vnet_cidr = \"10.61.0.0/16\" }\n  }\n",
    );
    let r = ctx.run(&["dr", "status", "-e", "sprod"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("has no state yet"), "{}", r.all());
    let r = ctx.run(&["dr", "status", "-e", "dev"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("declares no disaster recovery"), "{}", r.all());

    // The primary alone (a targeted apply leaves the standby out): no replica yet.
    ctx.ok(&[
        "apply",
        "-e",
        "sprod",
        "--auto-approve",
        "-target",
        "module.database",
        "-target",
        "module.storage",
        "-target",
        "module.vault",
    ]);
    let r = ctx.run(&["dr", "status", "-e", "sprod"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout
            .contains("warm standby in northeurope (primary westeurope)"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("protected by geo-redundant backup"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("missing: a warm standby needs a read replica in northeurope"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("Microsoft-managed replication to northeurope"),
        "{}",
        r.all()
    );

    let r = ctx.run(&["dr", "status", "-e", "sprod", "--json"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["targets_met"], false);
    assert_eq!(doc["secondary_location"], "northeurope");
    let resources = doc["resources"].as_array().unwrap();
    let types: Vec<&str> = resources.iter().map(|r| r["type"].as_str().unwrap()).collect();
    for t in [
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
    ] {
        assert!(types.iter().any(|x| x.eq_ignore_ascii_case(t)), "{t}: {types:?}");
    }
    let db = resources
        .iter()
        .find(|r| {
            r["type"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("flexibleservers")
        })
        .unwrap();
    assert_eq!(db["meets_rpo"], false);
    assert_eq!(
        db["exposure_seconds"], 3600,
        "geo-backup lags up to an hour: {db}"
    );
    // Storage reports its geo-replication live: the last sync a few minutes back, within the
    // 15-minute target.
    let account = resources
        .iter()
        .find(|r| {
            r["type"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("storageaccounts")
        })
        .unwrap();
    assert_eq!(account["meets_rpo"], true, "{account}");
    assert!(account["figures"]["lastSyncTime"].is_string(), "{account}");
    assert_eq!(account["figures"]["canFailover"], "true", "{account}");
    let exposure = account["exposure_seconds"].as_u64().unwrap();
    assert!((60..900).contains(&exposure), "{account}");

    // With the standby applied, its read replica protects the database: every target is met.
    ctx.ok(&["apply", "-e", "sprod", "--auto-approve"]);
    let r = ctx.run(&["dr", "status", "-e", "sprod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("protected by read replica psql-shop-sprod-dr in northeurope"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("replicationState: Active"), "{}", r.all());
}

/// Application Gateway is regional: with disaster recovery declared and nothing global in
/// front, validate says how traffic would reach the secondary region.
#[test]
fn a_regional_gateway_without_a_global_layer_is_a_warning() {
    let env = "environment \"prod\" {\n  target   = \"emulator\"\n  location = \"westeurope\"\n  disaster_recovery {\n    strategy = \"cold\"\n    rpo = \"2h\"\n    rto = \"4h\"\n  }\n}\n";
    let ctx = Ctx::with_files(&[("strata.hcl", crate::estate::VARIANTS), ("envs/prod.hcl", env)]);
    let r = ctx.run(&["validate", "-e", "prod"]);
    assert_eq!(r.code, 0, "a warning only: {}", r.all());
    assert!(r.all().contains("Application Gateway is regional"), "{}", r.all());
    assert!(
        r.all().contains("strata.hcl:"),
        "at the gateway block: {}",
        r.all()
    );
}
