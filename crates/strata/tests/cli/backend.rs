//! State in Azure Blob Storage (a real Azurite), with the storage bootstrapped through ARM
//! (the emulator).

use std::time::{Duration, Instant};

use strata_testkit::azurite;

use crate::common::{Ctx, Run};

/// The example with an emulator for ARM and Azurite for the state blob.
fn blob_ctx(container: &str) -> (Ctx, std::sync::Arc<azurite::Azurite>) {
    let ctx = Ctx::example_with_emulator();
    let az = azurite::shared();
    let init = ctx.run_env(
        &[
            "init",
            "-e",
            "dev",
            "--bootstrap",
            "-backend-config",
            "type=azurerm",
            "-backend-config",
            &format!("storage_account_name={}", azurite::ACCOUNT),
            "-backend-config",
            &format!("container_name={container}"),
            "-backend-config",
            "resource_group_name=rg-strata-state",
            "-backend-config",
            &format!("endpoint={}", az.endpoint()),
            "-backend-config",
            "lease_duration=15s",
        ],
        &[],
    );
    assert_eq!(init.code, 0, "{}", init.all());
    (ctx, az)
}

impl Ctx {
    /// Runs with the Azurite account key in the environment, as CI injects it.
    pub fn run_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut cmd = self.cmd();
        cmd.env("ARM_ACCESS_KEY", azurite::KEY);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        Run::from(cmd.args(args).output().unwrap())
    }
}

#[test]
fn bootstrap_is_idempotent_and_apply_keeps_state_in_blob_storage() {
    let (ctx, _az) = blob_ctx("tfstate-e2e");
    // The hardened storage exists in ARM.
    let account = "/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-strata-state/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";
    let (status, doc) = ctx.arm_get(account, "2025-01-01");
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["properties"]["minimumTlsVersion"], "TLS1_2");
    assert_eq!(doc["properties"]["allowBlobPublicAccess"], false);
    assert_eq!(doc["sku"]["name"], "Standard_RAGZRS");
    // Run twice, it changes nothing.
    let again = ctx.run_env(&["init", "-e", "dev", "--bootstrap"], &[]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("nothing changed"), "{}", again.all());
    // Saved settings never hold the key.
    assert!(!ctx.read(".strata/backend/dev.json").contains(azurite::KEY));

    let r = ctx.run_env(&["apply", "-e", "dev", "--auto-approve"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !ctx.path().join(".strata/state/dev.json").exists(),
        "state went to the blob, not a local file"
    );
    let list = ctx.run_env(&["state", "list", "-e", "dev"], &[]);
    assert!(list.stdout.contains("module.network.vnet"), "{}", list.all());
    let plan = ctx.run_env(&["plan", "-e", "dev", "-detailed-exitcode"], &[]);
    assert_eq!(plan.code, 0, "{}", plan.all());

    // Without the key, a clear error.
    let mut cmd = ctx.cmd();
    cmd.env_remove("ARM_ACCESS_KEY");
    let r = Run::from(cmd.args(["plan", "-e", "dev"]).output().unwrap());
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("ARM_ACCESS_KEY"), "{}", r.all());
}

#[test]
fn history_lists_versions_and_restore_brings_one_back() {
    let (ctx, _az) = blob_ctx("tfstate-history");
    // Azurite has no blob versioning: keep a snapshot before each write instead.
    let r = ctx.run_env(&["init", "-e", "dev", "-backend-config", "snapshot=true"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        ctx.run_env(&["apply", "-e", "dev", "--auto-approve"], &[]).code,
        0
    );
    ctx.edit("strata.hcl", "cost_center = \"shop\"", "cost_center = \"web\"");
    assert_eq!(
        ctx.run_env(&["apply", "-e", "dev", "--auto-approve"], &[]).code,
        0
    );
    let h = ctx.run_env(&["state", "history", "-e", "dev"], &[]);
    assert_eq!(h.code, 0, "{}", h.all());
    let versions: Vec<&str> = h
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(versions.len() >= 3, "{}", h.all());
    // Restore the oldest, then plan shows the difference from Azure: what the old state does
    // not know exists in Azure, so it is not silently taken over.
    let oldest = versions.last().unwrap();
    let r = ctx.run_env(&["state", "restore", "-e", "dev", oldest, "--auto-approve"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let plan = ctx.run_env(&["plan", "-e", "dev", "-detailed-exitcode"], &[]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr
            .contains("already exists in Azure and is not managed by this state"),
        "{}",
        plan.all()
    );
}

#[test]
fn eight_concurrent_applies_take_turns() {
    let (ctx, _az) = blob_ctx("tfstate-eight");
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = ctx.cmd();
            cmd.env("ARM_ACCESS_KEY", azurite::KEY);
            cmd.args(["apply", "-e", "dev", "--auto-approve", "--lock-timeout", "5m"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| Run::from(c.wait_with_output().unwrap()))
        .collect();
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let applied = runs
        .iter()
        .filter(|r| r.stdout.contains("Apply complete!"))
        .count();
    let idle = runs.iter().filter(|r| r.stdout.contains("No changes.")).count();
    assert_eq!((applied, idle), (1, 7), "exactly one run applied");
    let pulled = ctx.run_env(&["state", "pull", "-e", "dev"], &[]);
    let state: serde_json::Value = serde_json::from_str(&pulled.stdout).unwrap();
    let addrs: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["addr"].as_str().unwrap())
        .collect();
    let mut unique = addrs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), addrs.len(), "every resource once");
}

#[test]
fn a_killed_run_frees_the_lock_within_one_lease_and_the_next_apply_converges() {
    let mut ctx = Ctx::example();
    ctx.start_emulator(strata_emulator::Latency::parse("default=400ms").unwrap());
    let az = azurite::shared();
    let init = ctx.run_env(
        &[
            "init",
            "-e",
            "dev",
            "--bootstrap",
            "-backend-config",
            "type=azurerm",
            "-backend-config",
            &format!("storage_account_name={}", azurite::ACCOUNT),
            "-backend-config",
            "container_name=tfstate-kill",
            "-backend-config",
            "resource_group_name=rg-strata-state",
            "-backend-config",
            &format!("endpoint={}", az.endpoint()),
            "-backend-config",
            "lease_duration=15s",
        ],
        &[],
    );
    assert_eq!(init.code, 0, "{}", init.all());
    let mut cmd = ctx.cmd();
    cmd.env("ARM_ACCESS_KEY", azurite::KEY);
    let mut child = cmd
        .args(["apply", "-e", "dev", "--auto-approve", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first persisted state, then kill it the hard way.
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(l)) if l.contains("state_persisted") => break,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();

    let started = Instant::now();
    let r = ctx.run_env(
        &["apply", "-e", "dev", "--auto-approve", "--lock-timeout", "60s"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        started.elapsed() < Duration::from_secs(55),
        "the lease should free itself within one period"
    );
    assert!(
        !r.stdout.contains("Plan: 8 to add"),
        "what completed before the kill was kept in state:\n{}",
        r.all()
    );
    let plan = ctx.run_env(&["plan", "-e", "dev", "-detailed-exitcode"], &[]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}
