//! The details of the command line: outputs printed one way, `--refresh=false`, one `error:`
//! label, heartbeats in logs, `-backend-config access_key=…` for one run, and a credential
//! proven before planning against Azure.

use std::time::Duration;

use serde_json::json;
use strata_emulator::{AuthConfig, EmulatorConfig, Latency, TestClient};
use strata_testkit::azurite;

use crate::common::{Ctx, Run, vnet_id};

#[test]
fn output_prints_outputs_as_apply_does() {
    let ctx = Ctx::network_only();
    ctx.write(
        "outputs.hcl",
        "output \"vnet_id\" {\n  value = module.network.vnet_id\n}\n\noutput \"hidden\" {\n  value     = module.network.vnet_id\n  sensitive = true\n}\n",
    );
    let applied = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let from_apply: Vec<&str> = applied
        .stdout
        .split("Outputs:\n\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    let output = ctx.ok(&["output", "-e", "dev"]);
    let from_output: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(from_output, from_apply, "{}\n{}", applied.all(), output.all());
    assert!(from_output.contains(&"hidden = <sensitive>"), "{}", output.all());
}

#[test]
fn refresh_false_plans_from_the_state_alone() {
    let ctx = Ctx::network_only();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    // A tag changed outside strata.
    let (s, doc) = ctx.arm(
        "PATCH",
        &vnet_id(),
        "2024-07-01",
        Some(json!({"tags": {"changed": "outside"}})),
    );
    assert_eq!(s, 200, "{doc}");

    let refreshed = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
    assert_eq!(refreshed.code, 2, "the drift is seen: {}", refreshed.all());
    for spelling in [
        &["--refresh=false"][..],
        &["-refresh=false"],
        &["--refresh", "false"],
    ] {
        let mut args = vec!["plan", "-e", "dev", "-detailed-exitcode"];
        args.extend_from_slice(spelling);
        let r = ctx.run(&args);
        assert_eq!(
            r.code,
            0,
            "{spelling:?} reads nothing from the target: {}",
            r.all()
        );
    }
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode", "--refresh=true"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let help = ctx.ok(&["plan", "--help"]);
    assert!(help.stdout.contains("--refresh=false skips"), "{}", help.stdout);
}

#[test]
fn every_error_starts_with_the_same_label() {
    let ctx = Ctx::network_only();
    let failures: [&[&str]; 6] = [
        &["plan", "-e", "nowhere"],
        &["plan", "-e", "dev", "--var", "no-equals-sign"],
        &["output", "-e", "dev", "missing"],
        &["state", "show", "-e", "dev", "module.none.thing"],
        &["plan", "-e", "dev", "--no-such-flag"],
        &["state", "history", "-e", "dev"],
    ];
    for args in failures {
        let r = ctx.run(args);
        assert_ne!(r.code, 0, "{args:?}: {}", r.all());
        assert!(r.stderr.contains("error:"), "{args:?}: {}", r.all());
        assert!(
            !r.stderr.contains("Error:") && !r.stderr.contains("ERROR"),
            "{args:?}: {}",
            r.all()
        );
    }
}

#[test]
fn long_operations_print_a_heartbeat_without_a_terminal() {
    let mut ctx = Ctx::network_only();
    ctx.emulator = None;
    let r = Run::from(
        ctx.cmd()
            .env(
                "STRATA_EMULATOR_LATENCY",
                "default=0ms,Microsoft.Network/virtualNetworks=1500ms",
            )
            .env("STRATA_HEARTBEAT", "200ms")
            .args(["apply", "-e", "dev", "--auto-approve"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("still creating module.network.vnet, "),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains(" elapsed"), "{}", r.all());
    let quick = ctx.ok(&["destroy", "-e", "dev", "--auto-approve"]);
    assert!(
        !quick.stdout.contains("still "),
        "nothing is slow: {}",
        quick.all()
    );
}

#[test]
fn a_backend_key_given_to_init_is_used_for_that_run_and_never_saved() {
    let ctx = Ctx::network_only();
    let az = azurite::shared();
    let endpoint = format!("endpoint={}", az.endpoint());
    let account = format!("storage_account_name={}", azurite::ACCOUNT);
    let key = format!("access_key={}", azurite::KEY);
    let settings = [
        "-backend-config",
        "type=azurerm",
        "-backend-config",
        &account,
        "-backend-config",
        "container_name=tfstate-given-key",
        "-backend-config",
        "resource_group_name=rg-strata-state",
        "-backend-config",
        &endpoint,
    ];
    // The container, made with the key from the environment as CI would.
    let mut args = vec!["init", "-e", "dev", "--bootstrap"];
    args.extend_from_slice(&settings);
    let r = ctx.run_env(&args, &[]);
    assert_eq!(r.code, 0, "{}", r.all());

    // Now only the flag holds the key: no ARM_ACCESS_KEY, no Entra ID credential.
    let mut args = vec!["init", "-e", "dev", "-backend-config", &key];
    args.extend_from_slice(&settings);
    let mut cmd = ctx.cmd();
    for var in [
        "ARM_ACCESS_KEY",
        "ARM_SAS_TOKEN",
        "ARM_CLIENT_ID",
        "AZURE_CLIENT_ID",
    ] {
        cmd.env_remove(var);
    }
    let r = Run::from(cmd.env("ARM_USE_CLI", "false").args(&args).output().unwrap());
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("strata has been initialised"), "{}", r.all());
    assert!(!r.all().contains("Entra ID"), "{}", r.all());
    assert!(r.stdout.contains("used for this run only"), "{}", r.all());
    assert!(!ctx.read(".strata/backend/dev.json").contains(azurite::KEY));
    assert!(!r.all().contains(azurite::KEY));
}

#[test]
fn a_credential_without_access_to_the_subscription_fails_before_planning() {
    let mut ctx = Ctx::network_only();
    ctx.emulator = None;
    let elsewhere = "11111111-2222-3333-4444-000000000099";
    ctx.start_emulator_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(AuthConfig {
            clients: vec![
                TestClient::parse_secret(&format!("11111111-0000-0000-0000-000000000001:pw-7:{elsewhere}"))
                    .unwrap(),
            ],
            token_lifetime: Duration::from_secs(3600),
            ..AuthConfig::default()
        }),
        strict_bodies: true,
        strict_api_versions: true,
        ..Default::default()
    });
    let endpoint = ctx.emulator.as_ref().unwrap().endpoint.clone();
    let r = Run::from(
        ctx.cmd()
            .env("ARM_AUTHORITY_HOST", &endpoint)
            .env("ARM_TENANT_ID", strata_emulator::EMULATOR_TENANT_ID)
            .env("ARM_USE_CLI", "false")
            .env("ARM_CLIENT_ID", "11111111-0000-0000-0000-000000000001")
            .env("ARM_CLIENT_SECRET", "pw-7")
            .args(["plan", "-e", "dev"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("cannot use subscription 00000000-0000-0000-0000-00000000a001 of dev"),
        "{}",
        r.all()
    );
    assert!(
        r.stderr.contains("strata auth status -e dev --check"),
        "{}",
        r.all()
    );
    assert!(!r.all().contains("pw-7"));
    assert!(!ctx.path().join(".strata/state/dev.json").exists());
    let stats = ctx.emulator.as_ref().unwrap().handle.as_ref().unwrap().stats();
    assert_eq!(
        stats["requests"]["total"], 1,
        "one read of the subscription, then nothing: {stats}"
    );
    assert_eq!(stats["auth"]["forbidden"], 1, "{stats}");
}
