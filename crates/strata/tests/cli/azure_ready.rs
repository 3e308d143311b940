//! Ready for real Azure: every credential type against the emulator's identity endpoint,
//! clear failures without secrets, and convergence under throttling and injected faults.

use std::time::Duration;

use serde_json::Value as Json;
use strata_emulator::{
    AuthConfig, EmulatorConfig, FaultConfig, FaultSpec, Latency, TestClient, ThrottleConfig,
};

use crate::common::{Ctx, Run};

const SECRET: &str = "emulated-client-secret-5c1e";
const OTHER_TENANT: &str = "11111111-2222-3333-4444-555555555555";

fn fixture(name: &str) -> String {
    format!(
        "{}/../strata-emulator/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn auth_ctx(lifetime: Duration) -> Ctx {
    let mut ctx = Ctx::network_only();
    ctx.emulator = None;
    let auth = AuthConfig {
        other_tenants: vec![OTHER_TENANT.into()],
        clients: vec![
            TestClient::parse_secret(&format!("11111111-0000-0000-0000-000000000001:{SECRET}")).unwrap(),
            TestClient::parse_certificate(&format!(
                "11111111-0000-0000-0000-000000000002:{}",
                fixture("client.pem")
            ))
            .unwrap(),
            TestClient::parse_federated(
                "11111111-0000-0000-0000-000000000003:repo:shop/infra:ref:refs/heads/main",
            )
            .unwrap(),
            TestClient::parse_managed_identity("system").unwrap(),
        ],
        token_lifetime: lifetime,
        ..AuthConfig::default()
    };
    ctx.start_emulator_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(auth),
        strict_bodies: true,
        strict_api_versions: true,
        ..Default::default()
    });
    ctx
}

/// Runs with the identity endpoint as authority and `vars` as the credential.
fn run_as(ctx: &Ctx, vars: &[(&str, String)], args: &[&str]) -> Run {
    let endpoint = ctx.emulator.as_ref().unwrap().endpoint.clone();
    let mut cmd = ctx.cmd();
    cmd.env("ARM_AUTHORITY_HOST", &endpoint)
        .env("ARM_TENANT_ID", strata_emulator::EMULATOR_TENANT_ID)
        .env("ARM_USE_CLI", "false");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    Run::from(cmd.args(args).output().unwrap())
}

fn secret_vars() -> Vec<(&'static str, String)> {
    vec![
        ("ARM_CLIENT_ID", "11111111-0000-0000-0000-000000000001".into()),
        ("ARM_CLIENT_SECRET", SECRET.into()),
    ]
}

#[test]
fn each_credential_type_gets_a_token_and_applies() {
    let ctx = auth_ctx(Duration::from_secs(3600));
    let endpoint = ctx.emulator.as_ref().unwrap().endpoint.clone();
    let federated = ctx
        .emulator
        .as_ref()
        .unwrap()
        .handle
        .as_ref()
        .unwrap()
        .federated_token("repo:shop/infra:ref:refs/heads/main", Duration::from_secs(600))
        .unwrap();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("client secret", secret_vars()),
        (
            "client certificate",
            vec![
                ("ARM_CLIENT_ID", "11111111-0000-0000-0000-000000000002".into()),
                ("ARM_CLIENT_CERTIFICATE_PATH", fixture("client.pem")),
            ],
        ),
        (
            "OIDC",
            vec![
                ("ARM_CLIENT_ID", "11111111-0000-0000-0000-000000000003".into()),
                ("ARM_USE_OIDC", "true".into()),
                ("ARM_OIDC_TOKEN", federated),
            ],
        ),
        (
            "managed identity",
            vec![
                ("ARM_USE_MSI", "true".into()),
                (
                    "ARM_MSI_ENDPOINT",
                    format!("{endpoint}/metadata/identity/oauth2/token"),
                ),
            ],
        ),
    ];
    for (what, vars) in cases {
        let status = run_as(&ctx, &vars, &["auth", "status", "-e", "dev", "--check"]);
        assert_eq!(status.code, 0, "{what}: {}", status.all());
        assert!(status.stdout.contains("obtained"), "{what}: {}", status.all());
        assert!(!status.stdout.contains(SECRET) && !status.stderr.contains(SECRET));
        let r = run_as(&ctx, &vars, &["apply", "-e", "dev", "--auto-approve"]);
        assert_eq!(r.code, 0, "{what}: {}", r.all());
    }
    let stats = ctx.emulator.as_ref().unwrap().handle.as_ref().unwrap().stats();
    assert!(stats["auth"]["tokens_issued"].as_u64().unwrap() >= 4, "{stats}");
}

#[test]
fn wrong_secret_expired_token_and_wrong_tenant_fail_clearly() {
    let ctx = auth_ctx(Duration::from_secs(3600));
    let wrong = vec![
        (
            "ARM_CLIENT_ID",
            "11111111-0000-0000-0000-000000000001".to_string(),
        ),
        ("ARM_CLIENT_SECRET", "not-the-secret-77".to_string()),
    ];
    let r = run_as(&ctx, &wrong, &["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("ARM_CLIENT_SECRET"), "{}", r.all());
    assert!(!r.stderr.contains("not-the-secret-77"));

    let mut tenant = secret_vars();
    tenant.push(("ARM_TENANT_ID", OTHER_TENANT.into()));
    let endpoint = ctx.emulator.as_ref().unwrap().endpoint.clone();
    let mut cmd = ctx.cmd();
    cmd.env("ARM_AUTHORITY_HOST", &endpoint)
        .env("ARM_USE_CLI", "false");
    for (k, v) in &tenant {
        cmd.env(k, v);
    }
    let r = Run::from(
        cmd.args(["apply", "-e", "dev", "--auto-approve"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("InvalidAuthenticationTokenTenant") || r.stderr.contains("tenant"),
        "{}",
        r.all()
    );
    assert!(!r.stderr.contains(SECRET));

    let expired = auth_ctx(Duration::ZERO);
    let r = run_as(
        &expired,
        &secret_vars(),
        &["apply", "-e", "dev", "--auto-approve"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("xpired"), "{}", r.all());
    assert!(!r.stderr.contains(SECRET));
}

/// Resource groups and top-level resources left in the example's subscription.
fn left_behind(ctx: &Ctx) -> Vec<String> {
    let sub = "/subscriptions/00000000-0000-0000-0000-00000000a001";
    let mut left = Vec::new();
    for (path, api) in [
        (format!("{sub}/resourcegroups"), "2021-04-01"),
        (format!("{sub}/resources"), "2021-04-01"),
    ] {
        // The fault mix applies to these reads too.
        let listed = (0..50)
            .map(|_| ctx.arm_get(&path, api))
            .find(|(status, _)| *status == 200)
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("{path} kept failing"));
        for item in listed["value"].as_array().unwrap() {
            left.push(item["id"].as_str().unwrap().to_string());
        }
    }
    left
}

#[test]
fn apply_and_destroy_converge_under_throttling_and_faults() {
    // The whole example estate, with buckets small enough that throttling really happens, and
    // more dropped answers and conflicts than the default mix: a write whose answer is lost
    // must be settled (sent again, its own operation waited for), never given up and forgotten.
    let (mut dropped, mut conflicts) = (0, 0);
    for seed in [1u64, 7, 42, 104] {
        let mut ctx = Ctx::example();
        let throttle = ThrottleConfig::parse("reads=60/30,writes=30/15,deletes=30/15").unwrap();
        ctx.start_emulator_with(EmulatorConfig {
            latency: Latency::parse("default=20ms").unwrap(),
            throttle: Some(throttle),
            faults: Some(FaultConfig {
                spec: FaultSpec::parse(
                    "default,transient=10%,read-after-create=10%/300ms,conflict=10%,drop=5%",
                )
                .unwrap(),
                seed,
            }),
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        });
        let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
        assert_eq!(r.code, 0, "seed {seed}: {}", r.all());
        let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode"]);
        assert_eq!(r.code, 0, "seed {seed}: {}", r.all());
        let r = ctx.run(&["destroy", "-e", "dev", "--auto-approve"]);
        assert_eq!(r.code, 0, "seed {seed}: {}", r.all());
        let stats: Json = ctx.emulator.as_ref().unwrap().handle.as_ref().unwrap().stats();
        assert!(
            stats["faults"]["total"].as_u64().unwrap() > 0,
            "seed {seed}: no fault was injected: {stats}"
        );
        assert_eq!(
            stats["creates"]["duplicates"],
            serde_json::json!([]),
            "seed {seed}: {stats}"
        );
        assert_eq!(
            left_behind(&ctx),
            Vec::<String>::new(),
            "seed {seed}: destroy left these"
        );
        dropped += stats["faults"]["dropped"].as_u64().unwrap();
        conflicts += stats["faults"]["conflicts"].as_u64().unwrap();
    }
    assert!(
        dropped > 0 && conflicts > 0,
        "the runs saw {dropped} dropped answers and {conflicts} conflicts"
    );
}
