use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use strata_auth::{AuthError, CloudConfig, CredentialChain, CredentialInfo, CredentialKind};

use crate::vars;

fn pick(pairs: &[(&str, &str)]) -> Result<CredentialInfo, AuthError> {
    CredentialChain::from_env(&vars(pairs), &CloudConfig::azure_public()).map(|(_, info)| info)
}

fn kind(pairs: &[(&str, &str)]) -> CredentialKind {
    pick(pairs).unwrap().kind
}

fn cert_path() -> String {
    format!("{}/tests/fixtures/client.pem", env!("CARGO_MANIFEST_DIR"))
}

fn jwt(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[test]
fn azurerm_order() {
    let ids = [("ARM_CLIENT_ID", "c"), ("ARM_TENANT_ID", "t")];
    fn with<'a>(ids: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut pairs = ids.to_vec();
        pairs.extend_from_slice(extra);
        pairs
    }
    let cert = cert_path();
    assert_eq!(kind(&[]), CredentialKind::AzureCli);
    assert_eq!(
        kind(&with(&ids, &[("ARM_USE_MSI", "true")])),
        CredentialKind::ManagedIdentity
    );
    assert_eq!(
        kind(&with(
            &ids,
            &[
                ("ARM_USE_MSI", "true"),
                ("ARM_USE_OIDC", "true"),
                ("ARM_OIDC_TOKEN", "x")
            ]
        )),
        CredentialKind::Oidc
    );
    assert_eq!(
        kind(&with(
            &ids,
            &[
                ("ARM_USE_OIDC", "true"),
                ("ARM_OIDC_TOKEN", "x"),
                ("ARM_CLIENT_SECRET", "s")
            ]
        )),
        CredentialKind::ClientSecret
    );
    assert_eq!(
        kind(&with(
            &ids,
            &[("ARM_CLIENT_SECRET", "s"), ("ARM_CLIENT_CERTIFICATE_PATH", &cert)]
        )),
        CredentialKind::ClientCertificate
    );
    assert_eq!(
        kind(&with(
            &ids,
            &[("ARM_CLIENT_SECRET", "s"), ("ARM_ACCESS_TOKEN", "opaque")]
        )),
        CredentialKind::AccessToken
    );
    // Switched off explicitly, workload identity's file is ignored.
    assert_eq!(
        kind(&with(
            &ids,
            &[("ARM_USE_OIDC", "false"), ("AZURE_FEDERATED_TOKEN_FILE", "/f")]
        )),
        CredentialKind::AzureCli
    );
}

#[test]
fn status_names_variables_and_ids_but_no_secret() {
    let secret = "very-secret-value-1";
    let info = pick(&[
        ("ARM_CLIENT_ID", "app"),
        ("ARM_CLIENT_SECRET", secret),
        ("ARM_TENANT_ID", "tenant"),
        ("ARM_SUBSCRIPTION_ID", "sub"),
    ])
    .unwrap();
    assert_eq!(
        info,
        CredentialInfo {
            kind: CredentialKind::ClientSecret,
            tenant_id: Some("tenant".into()),
            client_id: Some("app".into()),
            subscription_id: Some("sub".into()),
            source: vec![
                "ARM_CLIENT_ID".into(),
                "ARM_CLIENT_SECRET".into(),
                "ARM_TENANT_ID".into(),
                "ARM_SUBSCRIPTION_ID".into()
            ],
            detail: None,
        }
    );
    let json = serde_json::to_string(&info).unwrap();
    assert!(json.contains(r#""kind":"client_secret""#), "{json}");
    assert!(!json.contains(secret) && !format!("{info:?}").contains(secret));
    assert_eq!(info.kind.to_string(), "client secret");

    let token = jwt(&serde_json::json!({"tid": "t-9", "appid": "a-9", "exp": 4_000_000_000u64}));
    let info = pick(&[("ARM_ACCESS_TOKEN", token.as_str())]).unwrap();
    assert_eq!(
        (info.tenant_id.as_deref(), info.client_id.as_deref()),
        (Some("t-9"), Some("a-9"))
    );
    assert!(
        info.detail
            .unwrap()
            .starts_with("pre-obtained token, expires 2096-")
    );
    assert!(!format!("{:?}", pick(&[("ARM_ACCESS_TOKEN", token.as_str())])).contains(&token));

    let info = pick(&[("ARM_TENANT_ID", "t"), ("ARM_CLIENT_ID", "ignored")]).unwrap();
    assert_eq!(info.kind, CredentialKind::AzureCli);
    assert_eq!(info.client_id, None, "the CLI signs in with its own application");
    assert_eq!(info.source, vec!["ARM_TENANT_ID".to_string()]);
    assert_eq!(info.detail.as_deref(), Some("`az` on PATH"));
}

#[test]
fn incomplete_settings_name_what_is_missing() {
    let err = pick(&[("ARM_CLIENT_ID", "c"), ("ARM_CLIENT_SECRET", "hidden-secret-9")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "client secret authentication is switched on by ARM_CLIENT_SECRET, but ARM_TENANT_ID (or AZURE_TENANT_ID) is not set"
    );
    let err = pick(&[
        ("ARM_USE_OIDC", "true"),
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(
            "OIDC federation authentication is switched on by ARM_USE_OIDC, but there is no federated token"
        ),
        "{err}"
    );
    let err = pick(&[
        ("ARM_USE_OIDC", "true"),
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/x"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN must both be set"),
        "{err}"
    );
    let err = pick(&[
        ("ARM_USE_OIDC", "true"),
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://token.actions.example/x"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("must use https"), "{err}");
    let err = pick(&[("ARM_USE_CLI", "false")]).unwrap_err().to_string();
    assert!(
        err.starts_with("no Azure credential is configured: ARM_USE_CLI is false"),
        "{err}"
    );
    let err = pick(&[("ARM_USE_MSI", "sometimes")]).unwrap_err().to_string();
    assert_eq!(
        err,
        "ARM_USE_MSI is set to an unusable value: `sometimes` is neither true nor false"
    );
    let err = pick(&[("ARM_CLIENT_CERTIFICATE", "MIIabc")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("set ARM_CLIENT_CERTIFICATE_PATH"), "{err}");
    let err = pick(&[
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t/../x"),
        ("ARM_CLIENT_SECRET", "s"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("ARM_TENANT_ID is set to an unusable value"),
        "{err}"
    );
}

#[test]
fn files_named_by_variables_are_read_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "from-a-file\n").unwrap();
    let path = secret_file.to_str().unwrap();
    let info = pick(&[
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t"),
        ("ARM_CLIENT_SECRET_FILE_PATH", path),
    ])
    .unwrap();
    assert_eq!(info.kind, CredentialKind::ClientSecret);
    assert!(info.detail.unwrap().starts_with("secret read from "));

    let missing = dir.path().join("nope.pem");
    let err = pick(&[
        ("ARM_CLIENT_ID", "c"),
        ("ARM_TENANT_ID", "t"),
        ("ARM_CLIENT_CERTIFICATE_PATH", missing.to_str().unwrap()),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("cannot read the certificate file"), "{err}");
    assert!(err.contains("(from ARM_CLIENT_CERTIFICATE_PATH)"), "{err}");
}

#[tokio::test]
async fn an_expired_access_token_fails_before_reaching_arm() {
    let token = jwt(&serde_json::json!({"exp": 1_600_000_000u64}));
    let (credential, _) = CredentialChain::from_env(
        &vars(&[("ARM_ACCESS_TOKEN", token.as_str())]),
        &CloudConfig::azure_public(),
    )
    .unwrap();
    let err = credential
        .token("https://management.azure.com/.default")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &strata_arm::ArmErrorKind::Auth);
    let text = err.to_string();
    assert!(
        text.starts_with("the token in ARM_ACCESS_TOKEN expired at 2020-09-13"),
        "{text}"
    );
    assert!(!text.contains(&token));
}
