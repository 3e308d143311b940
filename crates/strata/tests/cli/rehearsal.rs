//! Rehearsals (`--emulator` on an environment that targets Azure) never touch the real state:
//! not its bytes, not its serial, not its lock, not its backup; they keep their own state in
//! `.strata/rehearsal/<env>`, and `--from-state` starts one from a read-only copy of the real
//! state.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use strata_state::{LockInfo, StateStore};
use strata_testkit::azurite;

use crate::common::{Ctx, Run};

/// The network-only example with `prod` made real: applied through an in-process emulator
/// standing in for Azure (`STRATA_ARM_ENDPOINT`), which is the environment's own target.
/// Returns the context with that emulator stopped, so rehearsals use the embedded one.
fn with_real_prod(init: &[&str]) -> Ctx {
    let ctx = Ctx::network_only();
    if !init.is_empty() {
        let r = ctx.run_env(init, &[]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let r = ctx.run_env(&["apply", "-e", "prod", "--auto-approve"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("Rehearsal"), "a real apply: {}", r.all());
    let mut ctx = ctx;
    ctx.emulator = None;
    ctx
}

/// Every file under `.strata/state`, with its bytes.
fn local_files(ctx: &Ctx) -> BTreeMap<String, Vec<u8>> {
    let dir = ctx.path().join(".strata/state");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The rehearsal cycle: apply, a plan with no changes, outputs and listing, destroy.
fn rehearse(ctx: &Ctx) {
    let r = ctx.run_env(&["apply", "-e", "prod", "--emulator", "--auto-approve"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Rehearsal of prod on the strata emulator")
            && first.contains("real state untouched")
            && first.contains(".strata/rehearsal/prod"),
        "the first line says it is a rehearsal: {}",
        r.all()
    );
    assert!(r.stdout.contains("Apply complete!"), "{}", r.all());
    let rehearsal: Json = serde_json::from_str(&ctx.read(".strata/rehearsal/prod/state/prod.json")).unwrap();
    assert!(!rehearsal["resources"].as_array().unwrap().is_empty());
    assert!(
        ctx.path()
            .join(".strata/rehearsal/prod/estate/estate.json")
            .exists(),
        "the rehearsal's estate lives with its state"
    );
    assert!(!ctx.path().join(".strata/emulator/prod").exists());

    let r = ctx.run_env(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"], &[]);
    assert_eq!(r.code, 0, "the rehearsal re-plans to no changes: {}", r.all());
    let r = ctx.run_env(&["output", "-e", "prod", "--emulator"], &[]);
    assert!(r.stdout.contains("vnet_id = \""), "{}", r.all());
    let r = ctx.run_env(&["state", "list", "-e", "prod", "--emulator"], &[]);
    assert!(r.stdout.contains("module.network.vnet"), "{}", r.all());

    let r = ctx.run_env(&["destroy", "-e", "prod", "--emulator", "--auto-approve"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("Destroy complete!"), "{}", r.all());
    let r = ctx.run_env(&["state", "list", "-e", "prod", "--emulator"], &[]);
    assert!(r.stdout.trim().is_empty(), "{}", r.all());
}

#[test]
fn a_rehearsal_leaves_the_local_real_state_byte_for_byte() {
    let ctx = with_real_prod(&[]);
    let before = local_files(&ctx);
    assert!(before.contains_key("prod.json"));
    let real: Json = serde_json::from_slice(&before["prod.json"]).unwrap();

    // The real state stays locked by someone else the whole time: a rehearsal that tried to
    // lock it would fail.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let real_store = strata_state::LocalStore::new(ctx.path(), "prod");
    let held = rt
        .block_on(real_store.lock(LockInfo::new(strata_state::operation::APPLY)))
        .unwrap();
    let locked = local_files(&ctx);

    rehearse(&ctx);

    assert_eq!(local_files(&ctx), locked, "nothing under .strata/state changed");
    rt.block_on(real_store.unlock(held)).unwrap();
    let after = local_files(&ctx);
    assert_eq!(
        after["prod.json"], before["prod.json"],
        "the real state, byte for byte"
    );
    assert_eq!(
        after.get("prod.json.backup"),
        before.get("prod.json.backup"),
        "no new backup of the real state"
    );
    let now: Json = serde_json::from_slice(&after["prod.json"]).unwrap();
    assert_eq!(now["serial"], real["serial"]);

    // The real state still lists prod's resources.
    let r = ctx.run_env(&["state", "list", "-e", "prod"], &[]);
    assert!(r.stdout.contains("module.network.vnet"), "{}", r.all());
}

#[test]
fn a_rehearsal_from_the_real_state_shows_what_the_next_apply_would_do() {
    let ctx = with_real_prod(&[]);
    let before = local_files(&ctx);
    let real: Json = serde_json::from_slice(&before["prod.json"]).unwrap();

    // A fresh rehearsal starts from nothing: everything is to add.
    let fresh = ctx.run_env(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"], &[]);
    assert_eq!(fresh.code, 2, "{}", fresh.all());

    // From the real state, what exists is known: nothing to change.
    let r = ctx.run_env(
        &[
            "plan",
            "-e",
            "prod",
            "--emulator",
            "--from-state",
            "-detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("No changes."), "{}", r.all());
    assert!(r.stderr.contains("real state"), "{}", r.all());
    let copy: Json = serde_json::from_str(&ctx.read(".strata/rehearsal/prod/state/prod.json")).unwrap();
    assert_eq!(
        copy["resources"].as_array().unwrap().len(),
        real["resources"].as_array().unwrap().len()
    );
    assert_ne!(
        copy["lineage"], real["lineage"],
        "the copy can never be pushed back by mistake"
    );

    // A change in the configuration shows up as prod's next apply would show it.
    ctx.edit("envs/prod.hcl", "10.30.0.0/16", "10.32.0.0/16");
    let r = ctx.run_env(&["plan", "-e", "prod", "--emulator", "-detailed-exitcode"], &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.contains("10.32.0.0/16"), "{}", r.all());
    let summary = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Plan: "))
        .unwrap_or_default()
        .to_string();
    let added: usize = summary
        .trim_start_matches("Plan: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(
        added < real["resources"].as_array().unwrap().len(),
        "changes to what exists, not a new estate: {}",
        r.all()
    );

    // Pushing the copy over the real state is refused (another lineage).
    std::fs::copy(
        ctx.path().join(".strata/rehearsal/prod/state/prod.json"),
        ctx.path().join("copy.json"),
    )
    .unwrap();
    let r = ctx.run_env(&["state", "push", "-e", "prod", "copy.json"], &[]);
    assert_ne!(r.code, 0, "{}", r.all());

    let after = local_files(&ctx);
    assert_eq!(after["prod.json"], before["prod.json"]);
    assert_eq!(after.get("prod.json.backup"), before.get("prod.json.backup"));

    // --from-state is for rehearsals only.
    let r = ctx.run_env(&["plan", "-e", "dev", "--emulator", "--from-state"], &[]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("not a rehearsal"), "{}", r.all());
}

/// `state pull` and `state history` of prod: what a write or a backup would change.
fn blob_view(ctx: &Ctx) -> (String, String) {
    let pulled: Run = ctx.run_env(&["state", "pull", "-e", "prod"], &[]);
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    let history = ctx.run_env(&["state", "history", "-e", "prod"], &[]);
    assert_eq!(history.code, 0, "{}", history.all());
    (pulled.stdout, history.stdout)
}

#[test]
fn a_rehearsal_never_touches_the_blob_state() {
    let az = azurite::shared();
    let endpoint = az.endpoint();
    let account = format!("storage_account_name={}", azurite::ACCOUNT);
    let endpoint_setting = format!("endpoint={endpoint}");
    let ctx = with_real_prod(&[
        "init",
        "-e",
        "prod",
        "--bootstrap",
        "-backend-config",
        "type=azurerm",
        "-backend-config",
        &account,
        "-backend-config",
        "container_name=tfstate-rehearsal",
        "-backend-config",
        "resource_group_name=rg-strata-state",
        "-backend-config",
        &endpoint_setting,
    ]);
    assert!(!ctx.path().join(".strata/state/prod.json").exists());
    let (state_before, history_before) = blob_view(&ctx);
    let real: Json = serde_json::from_str(&state_before).unwrap();
    assert!(real["serial"].as_u64().unwrap() > 0);

    // Hold the real lease the whole time.
    let saved: Json = serde_json::from_str(&ctx.read(".strata/backend/prod.json")).unwrap();
    let mut settings: BTreeMap<String, String> = saved["settings"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    settings.insert("access_key".into(), azurite::KEY.into());
    let config = strata_state_blob::BlobBackendConfig::from_pairs(&settings, &|_| None).unwrap();
    let store = strata_state_blob::BlobStore::new(&config).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let held = rt
        .block_on(store.lock(LockInfo::new(strata_state::operation::APPLY)))
        .unwrap();

    rehearse(&ctx);

    rt.block_on(store.unlock(held)).unwrap();
    let (state_after, history_after) = blob_view(&ctx);
    assert_eq!(state_after, state_before, "the real state is the same");
    assert_eq!(
        history_after, history_before,
        "no new version, no backup snapshot"
    );
    assert!(!ctx.path().join(".strata/state/prod.json").exists());
}
