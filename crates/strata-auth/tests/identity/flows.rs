use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::future::join_all;
use strata_arm::{ArmClient, ArmError, ClientOptions, RetryPolicy, TokenCredential};
use strata_auth::{CloudConfig, CredentialChain, CredentialKind, TokenClaims};

use crate::server::{
    ADO_ACCESS_TOKEN, ADO_CONNECTION, CERT_CLIENT, EXPIRED_FED_TOKEN, FED_CLIENT, GITHUB_REQUEST_TOKEN,
    IDENTITY_HEADER, IdentityServer, SECRET, SECRET_CLIENT, TENANT, USER_ASSIGNED,
};
use crate::{cloud, vars};

/// Reads a resource from the server's ARM with the credential the variables configure.
async fn arm_get(server: &IdentityServer, pairs: &[(&str, &str)]) -> Result<CredentialKind, ArmError> {
    let cloud = cloud(server);
    let (credential, info) =
        CredentialChain::from_env(&vars(pairs), &cloud).map_err(|e| ArmError::auth(e.to_string()))?;
    let mut options = ClientOptions::new(cloud.arm_endpoint.clone());
    options.retry = RetryPolicy::fast();
    options.credential = Some(credential);
    let arm = ArmClient::new(options)?;
    arm.get("/subscriptions/s/resourceGroups/rg", "2024-11-01")
        .await?;
    Ok(info.kind)
}

fn secret_vars(
    client: &'static str,
    secret: &'static str,
    tenant: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("ARM_CLIENT_ID", client),
        ("ARM_CLIENT_SECRET", secret),
        ("ARM_TENANT_ID", tenant),
    ]
}

#[tokio::test]
async fn client_secret_obtains_a_token_that_arm_accepts() {
    let server = IdentityServer::start().await;
    let kind = arm_get(&server, &secret_vars(SECRET_CLIENT, SECRET, TENANT))
        .await
        .unwrap();
    assert_eq!(kind, CredentialKind::ClientSecret);
    let form = server.state.last_form.lock().unwrap().clone();
    assert_eq!(form["scope"], format!("{}/.default", server.base));
    assert_eq!(form["client_id"], SECRET_CLIENT);

    // The Azure SDKs' names work too.
    let sdk = [
        ("AZURE_CLIENT_ID", SECRET_CLIENT),
        ("AZURE_CLIENT_SECRET", SECRET),
        ("AZURE_TENANT_ID", TENANT),
    ];
    assert_eq!(
        arm_get(&server, &sdk).await.unwrap(),
        CredentialKind::ClientSecret
    );
}

#[tokio::test]
async fn refusals_name_what_to_fix_and_never_the_secret() {
    let server = IdentityServer::start().await;
    let wrong = "wrong-secret-value-123";
    let err = arm_get(&server, &secret_vars(SECRET_CLIENT, wrong, TENANT))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the client secret is wrong or expired (ARM_CLIENT_SECRET)"),
        "{err}"
    );
    assert!(err.contains("AADSTS7000215"), "{err}");
    assert!(!err.contains(wrong) && !err.contains(SECRET), "{err}");

    let err = arm_get(&server, &secret_vars(SECRET_CLIENT, SECRET, "other-tenant"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tenant 'other-tenant' was not found (check ARM_TENANT_ID)"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");

    let err = arm_get(&server, &secret_vars("nobody", SECRET, TENANT))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no application with client id 'nobody' exists in tenant 'tenant-1' (check ARM_CLIENT_ID and ARM_TENANT_ID)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_certificate_signs_an_assertion_entra_verifies() {
    let server = IdentityServer::start().await;
    for file in ["client.pem", "client-rsa.pem"] {
        let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let pairs = [
            ("ARM_CLIENT_ID", CERT_CLIENT),
            ("ARM_CLIENT_CERTIFICATE_PATH", path.as_str()),
            ("ARM_TENANT_ID", TENANT),
        ];
        assert_eq!(
            arm_get(&server, &pairs).await.unwrap(),
            CredentialKind::ClientCertificate,
            "{file}"
        );
    }
    // The same certificate presented for another application is refused.
    let path = format!("{}/tests/fixtures/client.pem", env!("CARGO_MANIFEST_DIR"));
    let pairs = [
        ("ARM_CLIENT_ID", SECRET_CLIENT),
        ("ARM_CLIENT_CERTIFICATE_PATH", path.as_str()),
        ("ARM_TENANT_ID", TENANT),
    ];
    assert!(arm_get(&server, &pairs).await.is_err());
}

#[tokio::test]
async fn oidc_from_a_token_a_file_github_actions_and_azure_devops() {
    let server = IdentityServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "fed-file\n").unwrap();
    let file = file.to_str().unwrap();
    let github_url = server.url("/github/token?api-version=2.0");
    let ado_url = server.url("/ado/oidctoken");
    let ids = [("ARM_CLIENT_ID", FED_CLIENT), ("ARM_TENANT_ID", TENANT)];
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("ARM_USE_OIDC", "true"), ("ARM_OIDC_TOKEN", "fed-direct")],
        vec![("ARM_USE_OIDC", "true"), ("ARM_OIDC_TOKEN_FILE_PATH", file)],
        vec![
            ("ARM_USE_OIDC", "true"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &github_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GITHUB_REQUEST_TOKEN),
        ],
        vec![
            ("ARM_USE_OIDC", "true"),
            ("ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", ADO_CONNECTION),
            ("SYSTEM_OIDCREQUESTURI", &ado_url),
            ("SYSTEM_ACCESSTOKEN", ADO_ACCESS_TOKEN),
        ],
        // Kubernetes workload identity, as the Azure SDKs see it: no switch needed.
        vec![
            ("AZURE_FEDERATED_TOKEN_FILE", file),
            ("AZURE_CLIENT_ID", FED_CLIENT),
            ("AZURE_TENANT_ID", TENANT),
        ],
    ];
    for case in cases {
        let mut pairs = ids.to_vec();
        pairs.extend(case.iter().copied());
        if case.iter().any(|(k, _)| k.starts_with("AZURE_")) {
            pairs.retain(|(k, _)| !k.starts_with("ARM_"));
        }
        assert_eq!(
            arm_get(&server, &pairs).await.unwrap(),
            CredentialKind::Oidc,
            "{case:?}"
        );
        let form = server.state.last_form.lock().unwrap().clone();
        assert_eq!(
            form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
    }
}

#[tokio::test]
async fn oidc_refusals_are_explained() {
    let server = IdentityServer::start().await;
    let pairs = [
        ("ARM_CLIENT_ID", FED_CLIENT),
        ("ARM_TENANT_ID", TENANT),
        ("ARM_USE_OIDC", "true"),
        ("ARM_OIDC_TOKEN", EXPIRED_FED_TOKEN),
    ];
    let err = arm_get(&server, &pairs).await.unwrap_err().to_string();
    assert!(
        err.contains("the federated token is expired or not yet valid (ARM_OIDC_TOKEN)"),
        "{err}"
    );

    let github_url = server.url("/github/token?api-version=2.0");
    let pairs = [
        ("ARM_CLIENT_ID", FED_CLIENT),
        ("ARM_TENANT_ID", TENANT),
        ("ARM_USE_OIDC", "true"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", github_url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "stale-request-token"),
    ];
    let err = arm_get(&server, &pairs).await.unwrap_err().to_string();
    assert!(err.contains("the GitHub Actions token endpoint refused"), "{err}");
    assert!(err.contains("permissions: id-token: write"), "{err}");
    assert!(!err.contains("stale-request-token"), "{err}");
}

#[tokio::test]
async fn managed_identity_from_imds_and_app_service() {
    let server = IdentityServer::start().await;
    let imds = server.url("/imds/token");
    let app = server.url("/msi/token");
    let system = [("ARM_USE_MSI", "true"), ("ARM_MSI_ENDPOINT", imds.as_str())];
    assert_eq!(
        arm_get(&server, &system).await.unwrap(),
        CredentialKind::ManagedIdentity
    );
    let user = [
        ("ARM_USE_MSI", "true"),
        ("ARM_MSI_ENDPOINT", imds.as_str()),
        ("ARM_CLIENT_ID", USER_ASSIGNED),
    ];
    arm_get(&server, &user).await.unwrap();
    let app_service = [
        ("ARM_USE_MSI", "true"),
        ("IDENTITY_ENDPOINT", app.as_str()),
        ("IDENTITY_HEADER", IDENTITY_HEADER),
    ];
    arm_get(&server, &app_service).await.unwrap();

    let unknown = [
        ("ARM_USE_MSI", "true"),
        ("ARM_MSI_ENDPOINT", imds.as_str()),
        ("ARM_CLIENT_ID", "nope"),
    ];
    let err = arm_get(&server, &unknown).await.unwrap_err().to_string();
    assert!(
        err.contains(
            "no user-assigned identity with client id 'nope' is attached here (check ARM_CLIENT_ID)"
        ),
        "{err}"
    );
    let bad_header = [
        ("ARM_USE_MSI", "true"),
        ("IDENTITY_ENDPOINT", app.as_str()),
        ("IDENTITY_HEADER", "wrong-header-value"),
    ];
    let err = arm_get(&server, &bad_header).await.unwrap_err().to_string();
    assert!(
        err.contains("HTTP 401") && !err.contains("wrong-header-value"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_cached_shared_and_renewed_near_expiry() {
    let server = IdentityServer::start().await;
    let cloud = cloud(&server);
    let (credential, _) =
        CredentialChain::from_env(&vars(&secret_vars(SECRET_CLIENT, SECRET, TENANT)), &cloud).unwrap();
    let scope = cloud.arm_scope();
    let tokens = join_all((0..50).map(|_| {
        let (credential, scope): (Arc<dyn TokenCredential>, String) = (credential.clone(), scope.clone());
        async move { credential.token(&scope).await.unwrap().token.expose().to_string() }
    }))
    .await;
    assert_eq!(server.token_requests(), 1, "one request for many callers");
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    let claims = TokenClaims::decode(&tokens[0]).unwrap();
    assert_eq!(claims.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(claims.client_id.as_deref(), Some(SECRET_CLIENT));

    // Tokens already inside their renewal margin are renewed at the next call.
    server.state.lifetime.store(0, Ordering::SeqCst);
    let (credential, _) =
        CredentialChain::from_env(&vars(&secret_vars(SECRET_CLIENT, SECRET, TENANT)), &cloud).unwrap();
    let first = credential.token(&scope).await.unwrap();
    let second = credential.token(&scope).await.unwrap();
    assert_ne!(first.token.expose(), second.token.expose());
    assert_eq!(server.token_requests(), 3);
}

#[tokio::test]
async fn a_metadata_host_names_authority_and_arm() {
    let server = IdentityServer::start().await;
    let host = server.base.trim_start_matches("http://").to_string();
    let cloud = CloudConfig::from_env(&vars(&[("ARM_METADATA_HOSTNAME", host.as_str())]))
        .await
        .unwrap();
    assert_eq!(cloud.authority_host.as_str(), format!("{}/", server.base));
    assert_eq!(cloud.arm_scope(), format!("{}/.default", server.base));
}
