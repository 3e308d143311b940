#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use strata_auth::{CloudConfig, CredentialChain, CredentialKind};

use crate::vars;

/// Writes an executable script playing `az` that records its arguments in `calls`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let calls = dir.join(format!("{name}.calls"));
    let text = format!("#!/bin/sh\necho \"$@\" >> '{}'\n{body}\n", calls.display());
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn calls(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{name}.calls")))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

// One test for all scripts: they are all written before any is run, so that no child process
// inherits a script still open for writing (which would make running it fail).
#[tokio::test]
async fn the_azure_cli_provides_tokens_and_its_failures_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let good = script(
        dir.path(),
        "az-good",
        r#"cat <<'JSON'
{"accessToken": "cli-token", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800,
 "subscription": "sub-cli", "tenant": "tenant-cli", "tokenType": "Bearer"}
JSON"#,
    );
    let logged_out = script(
        dir.path(),
        "az-logged-out",
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1",
    );
    let garbage = script(dir.path(), "az-garbage", "echo 'WARNING: something'");
    let scope = CloudConfig::azure_public().arm_scope();

    let env = vars(&[
        ("STRATA_AZ_PATH", good.to_str().unwrap()),
        ("ARM_TENANT_ID", "tenant-x"),
    ]);
    let (credential, info) = CredentialChain::from_env(&env, &CloudConfig::azure_public()).unwrap();
    assert_eq!(info.kind, CredentialKind::AzureCli);
    assert_eq!(info.source, vec!["ARM_TENANT_ID".to_string()]);
    for _ in 0..3 {
        assert_eq!(
            credential.token(&scope).await.unwrap().token.expose(),
            "cli-token"
        );
    }
    assert_eq!(
        calls(dir.path(), "az-good"),
        vec![
            "account get-access-token --output json --resource https://management.azure.com --tenant tenant-x"
        ],
        "run once, then cached"
    );

    let cases = [
        (logged_out, "run `az login`"),
        (garbage, "its answer is not JSON"),
        (
            dir.path().join("no-such-az"),
            "was not found; install the Azure CLI",
        ),
    ];
    for (program, expected) in cases {
        let env = vars(&[("STRATA_AZ_PATH", program.to_str().unwrap())]);
        let (credential, _) = CredentialChain::from_env(&env, &CloudConfig::azure_public()).unwrap();
        let err = credential.token(&scope).await.unwrap_err().to_string();
        assert!(
            err.starts_with("the Azure CLI could not provide a token"),
            "{err}"
        );
        assert!(err.contains(expected), "{err}");
    }
}
