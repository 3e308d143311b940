//! [`CredentialChain`]: choosing a credential from the environment, with the variables and
//! the order of OpenTofu's azurerm/azapi providers (the `AZURE_*` names of the Azure SDKs are
//! read too, after the `ARM_*` ones):
//!
//! 1. `ARM_ACCESS_TOKEN`: a token obtained elsewhere, used as it is.
//! 2. Client certificate: `ARM_CLIENT_CERTIFICATE_PATH` (+ `ARM_CLIENT_ID`, `ARM_TENANT_ID`).
//! 3. Client secret: `ARM_CLIENT_SECRET` or `ARM_CLIENT_SECRET_FILE_PATH` (+ id and tenant).
//! 4. OIDC federation, when `ARM_USE_OIDC` (or `ARM_USE_AKS_WORKLOAD_IDENTITY`) is true, or
//!    when Kubernetes workload identity has set `AZURE_FEDERATED_TOKEN_FILE`: the token from
//!    `ARM_OIDC_TOKEN`, a token file, Azure DevOps (`ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID`
//!    with `SYSTEM_OIDCREQUESTURI`/`SYSTEM_ACCESSTOKEN`) or GitHub Actions
//!    (`ACTIONS_ID_TOKEN_REQUEST_URL`/`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
//! 5. Managed identity, when `ARM_USE_MSI` is true (App Service's `IDENTITY_ENDPOINT` if set,
//!    else IMDS or `ARM_MSI_ENDPOINT`; `ARM_CLIENT_ID` picks a user-assigned identity).
//! 6. The Azure CLI, unless `ARM_USE_CLI` is false (`STRATA_AZ_PATH` overrides the program).
//!
//! A credential whose variables are only partly set is an error naming what is missing,
//! rather than a silent fall-through to the next one.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use strata_arm::TokenCredential;
use strata_core::Secret;
use url::Url;

use crate::azure_cli::AzureCliCredential;
use crate::certificate::ClientCertificateCredential;
use crate::cloud::CloudConfig;
use crate::entra::Names;
use crate::env::{Env, Setting};
use crate::error::AuthError;
use crate::federated::{FederatedCredential, FederatedToken};
use crate::jwt::{self, TokenClaims};
use crate::managed_identity::{ManagedIdentityCredential, ManagedIdentitySource};
use crate::secret::ClientSecretCredential;
use crate::token::PreObtainedToken;

/// The kinds of credential the chain can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    AccessToken,
    ClientCertificate,
    ClientSecret,
    Oidc,
    ManagedIdentity,
    AzureCli,
}

impl CredentialKind {
    /// For people: "client secret", "Azure CLI", …
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AccessToken => "access token",
            CredentialKind::ClientCertificate => "client certificate",
            CredentialKind::ClientSecret => "client secret",
            CredentialKind::Oidc => "OIDC federation",
            CredentialKind::ManagedIdentity => "managed identity",
            CredentialKind::AzureCli => "Azure CLI",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was picked, for `strata auth status`. Holds names and ids, never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CredentialInfo {
    pub kind: CredentialKind,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// `ARM_SUBSCRIPTION_ID` (or `AZURE_SUBSCRIPTION_ID`), when set.
    pub subscription_id: Option<String>,
    /// The variables the credential was configured from, e.g. `["ARM_CLIENT_ID",
    /// "ARM_CLIENT_SECRET", "ARM_TENANT_ID"]`.
    pub source: Vec<String>,
    /// More about where tokens come from: "GitHub Actions token request", "IMDS",
    /// "certificate /path/cert.pem", …
    pub detail: Option<String>,
}

/// Picks a credential from the environment.
pub struct CredentialChain;

impl CredentialChain {
    /// The credential the environment (read through `env`) configures, and a description of
    /// it. Nothing is sent anywhere yet; a file the configuration names (certificate, secret
    /// file) is read now, so that a mistake shows before any work starts.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        cloud: &CloudConfig,
    ) -> Result<(Arc<dyn TokenCredential>, CredentialInfo), AuthError> {
        let env = Env::new(env);
        let ids = Ids {
            client: env.first(&["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]),
            tenant: env.first(&["ARM_TENANT_ID", "AZURE_TENANT_ID"]),
        };
        let (credential, mut info) = pick(&env, cloud, &ids)?;
        if let Some(sub) = env.first(&["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"]) {
            info.subscription_id = Some(sub.value);
            info.source.push(sub.name.to_string());
        }
        Ok((credential, info))
    }
}

struct Ids {
    client: Option<Setting>,
    tenant: Option<Setting>,
}

impl Ids {
    /// Client id and tenant, which every application credential needs.
    fn require(&self, kind: CredentialKind, switch: &str) -> Result<(&Setting, &Setting), AuthError> {
        let missing = match (&self.client, &self.tenant) {
            (Some(c), Some(t)) => return Ok((c, t)),
            (None, None) => {
                "ARM_CLIENT_ID and ARM_TENANT_ID (or AZURE_CLIENT_ID and AZURE_TENANT_ID) are not set"
            }
            (None, Some(_)) => "ARM_CLIENT_ID (or AZURE_CLIENT_ID) is not set",
            (Some(_), None) => "ARM_TENANT_ID (or AZURE_TENANT_ID) is not set",
        };
        Err(AuthError::Incomplete {
            credential: kind,
            switch: switch.to_string(),
            missing: missing.to_string(),
        })
    }

    fn info(&self, kind: CredentialKind, extra: &[&str], detail: Option<String>) -> CredentialInfo {
        let mut source: Vec<String> = Vec::new();
        if let Some(c) = &self.client {
            source.push(c.name.to_string());
        }
        source.extend(extra.iter().map(|s| s.to_string()));
        if let Some(t) = &self.tenant {
            source.push(t.name.to_string());
        }
        CredentialInfo {
            kind,
            tenant_id: self.tenant.as_ref().map(|t| t.value.clone()),
            client_id: self.client.as_ref().map(|c| c.value.clone()),
            subscription_id: None,
            source,
            detail,
        }
    }
}

type Picked = (Arc<dyn TokenCredential>, CredentialInfo);

fn pick(env: &Env<'_>, cloud: &CloudConfig, ids: &Ids) -> Result<Picked, AuthError> {
    if let Some(token) = env.first(&["ARM_ACCESS_TOKEN"]) {
        return Ok(access_token(token));
    }
    if env.get("ARM_CLIENT_CERTIFICATE").is_some() {
        return Err(AuthError::invalid(
            "ARM_CLIENT_CERTIFICATE",
            "inline PKCS#12 certificates are not supported; write the certificate and key as PEM \
             to a file and set ARM_CLIENT_CERTIFICATE_PATH",
        ));
    }
    if let Some(path) = env.first(&["ARM_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"]) {
        return certificate(env, cloud, ids, &path);
    }
    if let Some(secret) = env.first(&[
        "ARM_CLIENT_SECRET",
        "AZURE_CLIENT_SECRET",
        "ARM_CLIENT_SECRET_FILE_PATH",
    ]) {
        return client_secret(cloud, ids, secret);
    }
    if let Some(picked) = oidc(env, cloud, ids)? {
        return Ok(picked);
    }
    if env.flag("ARM_USE_MSI")? == Some(true) {
        return managed_identity(env, ids);
    }
    if env.flag("ARM_USE_CLI")? != Some(false) {
        let program = env.first(&["STRATA_AZ_PATH"]);
        let tenant = ids.tenant.as_ref().map(|t| t.value.clone());
        let detail = match &program {
            Some(p) => format!("`{}`", p.value),
            None => "`az` on PATH".to_string(),
        };
        let credential =
            AzureCliCredential::new(program.map_or_else(|| "az".to_string(), |p| p.value), tenant);
        let mut info = ids.info(CredentialKind::AzureCli, &[], Some(detail));
        // The CLI picks its own application; an ARM_CLIENT_ID here is not what it uses.
        info.client_id = None;
        info.source.retain(|s| !s.ends_with("_CLIENT_ID"));
        return Ok((Arc::new(credential), info));
    }
    Err(AuthError::NoCredential {
        hint: "ARM_USE_CLI is false and nothing else is set; set ARM_CLIENT_ID, ARM_TENANT_ID and \
               ARM_CLIENT_SECRET (or ARM_CLIENT_CERTIFICATE_PATH), or ARM_USE_OIDC=true, or ARM_USE_MSI=true"
            .into(),
    })
}

fn access_token(token: Setting) -> Picked {
    let claims = TokenClaims::decode(&token.value).unwrap_or_default();
    let credential = PreObtainedToken::new(Secret::new(token.value), token.name);
    let detail = match credential.expires_on() {
        Some(at) => format!("pre-obtained token, expires {}", jwt::utc(at)),
        None => "pre-obtained token".to_string(),
    };
    let info = CredentialInfo {
        kind: CredentialKind::AccessToken,
        tenant_id: claims.tenant_id,
        client_id: claims.client_id,
        subscription_id: None,
        source: vec![token.name.to_string()],
        detail: Some(detail),
    };
    (Arc::new(credential), info)
}

fn certificate(env: &Env<'_>, cloud: &CloudConfig, ids: &Ids, path: &Setting) -> Result<Picked, AuthError> {
    let kind = CredentialKind::ClientCertificate;
    let (client, tenant) = ids.require(kind, path.name)?;
    let password = env.first(&[
        "ARM_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    ]);
    let names = Names::new(client.name, tenant.name, path.name);
    let file = PathBuf::from(&path.value);
    let credential = ClientCertificateCredential::load(
        &cloud.authority_host,
        &tenant.value,
        &client.value,
        &file,
        password.is_some(),
        names,
    )?;
    let mut extra = vec![path.name];
    if let Some(p) = &password {
        extra.push(p.name);
    }
    let info = ids.info(kind, &extra, Some(format!("certificate {}", file.display())));
    Ok((Arc::new(credential), info))
}

fn client_secret(cloud: &CloudConfig, ids: &Ids, secret: Setting) -> Result<Picked, AuthError> {
    let kind = CredentialKind::ClientSecret;
    let (client, tenant) = ids.require(kind, secret.name)?;
    let (value, detail) = if secret.name == "ARM_CLIENT_SECRET_FILE_PATH" {
        let path = PathBuf::from(&secret.value);
        let text = std::fs::read_to_string(&path).map_err(|source| AuthError::File {
            what: "client secret file",
            path: path.clone(),
            var: secret.name.to_string(),
            source,
        })?;
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(AuthError::invalid(
                secret.name,
                format!("`{}` is empty", path.display()),
            ));
        }
        (text, Some(format!("secret read from {}", path.display())))
    } else {
        (secret.value, None)
    };
    let names = Names::new(client.name, tenant.name, secret.name);
    let credential = ClientSecretCredential::with_names(
        &cloud.authority_host,
        &tenant.value,
        &client.value,
        Secret::new(value),
        names,
    )?;
    Ok((Arc::new(credential), ids.info(kind, &[secret.name], detail)))
}

fn oidc(env: &Env<'_>, cloud: &CloudConfig, ids: &Ids) -> Result<Option<Picked>, AuthError> {
    let kind = CredentialKind::Oidc;
    let use_oidc = env.flag("ARM_USE_OIDC")?;
    let aks = env.flag("ARM_USE_AKS_WORKLOAD_IDENTITY")? == Some(true);
    // Kubernetes workload identity sets these three for the Azure SDKs, which use them unasked.
    let implicit = use_oidc.is_none()
        && env.get("AZURE_FEDERATED_TOKEN_FILE").is_some()
        && ids.client.is_some()
        && ids.tenant.is_some();
    let switch = match (use_oidc, aks, implicit) {
        (Some(true), _, _) => "ARM_USE_OIDC",
        (_, true, _) => "ARM_USE_AKS_WORKLOAD_IDENTITY",
        (_, _, true) => "AZURE_FEDERATED_TOKEN_FILE",
        _ => return Ok(None),
    };
    let (client, tenant) = ids.require(kind, switch)?;
    let (source, used, detail) = federated_source(env)?.ok_or_else(|| AuthError::Incomplete {
        credential: kind,
        switch: switch.to_string(),
        missing:
            "there is no federated token: set ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH, run in GitHub \
                  Actions with `permissions: id-token: write`, or in Azure Pipelines with \
                  ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID and SYSTEM_ACCESSTOKEN"
                .to_string(),
    })?;
    let names = Names::new(client.name, tenant.name, used[0]);
    let credential =
        FederatedCredential::with_names(&cloud.authority_host, &tenant.value, &client.value, source, names)?;
    let mut extra = vec![switch];
    extra.extend(used.iter().copied().filter(|u| *u != switch));
    Ok(Some((Arc::new(credential), ids.info(kind, &extra, Some(detail)))))
}

/// A federated token's source, the variables it came from, and a description.
type FederatedSource = (FederatedToken, Vec<&'static str>, String);

fn federated_source(env: &Env<'_>) -> Result<Option<FederatedSource>, AuthError> {
    if let Some(token) = env.first(&["ARM_OIDC_TOKEN"]) {
        let source = FederatedToken::Token(Secret::new(token.value));
        return Ok(Some((
            source,
            vec![token.name],
            "token from ARM_OIDC_TOKEN".into(),
        )));
    }
    if let Some(file) = env.first(&["ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]) {
        let detail = format!("token file {}", file.value);
        let source = FederatedToken::File(PathBuf::from(file.value));
        return Ok(Some((source, vec![file.name], detail)));
    }
    if let Some(connection) = env.first(&[
        "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
        "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID",
    ]) {
        let url = env.first(&["SYSTEM_OIDCREQUESTURI", "ARM_OIDC_REQUEST_URL"]);
        let token = env.first(&["SYSTEM_ACCESSTOKEN", "ARM_OIDC_REQUEST_TOKEN"]);
        let (Some(url), Some(token)) = (url, token) else {
            return Err(AuthError::Incomplete {
                credential: CredentialKind::Oidc,
                switch: connection.name.to_string(),
                missing: "SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN must both be set \
                          (map SYSTEM_ACCESSTOKEN into the step's environment)"
                    .to_string(),
            });
        };
        let detail = format!("Azure DevOps service connection {}", connection.value);
        let source = FederatedToken::AzureDevOps {
            request_url: request_url(&url)?,
            request_token: Secret::new(token.value),
            service_connection_id: connection.value,
        };
        return Ok(Some((
            source,
            vec![connection.name, url.name, token.name],
            detail,
        )));
    }
    let url = env.first(&["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"]);
    let token = env.first(&["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]);
    match (url, token) {
        (Some(url), Some(token)) => {
            let source = FederatedToken::GitHubActions {
                request_url: request_url(&url)?,
                request_token: Secret::new(token.value),
            };
            Ok(Some((
                source,
                vec![url.name, token.name],
                "GitHub Actions token request".into(),
            )))
        }
        (Some(one), None) | (None, Some(one)) => Err(AuthError::Incomplete {
            credential: CredentialKind::Oidc,
            switch: one.name.to_string(),
            missing: "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must both be set \
                      (the workflow needs `permissions: id-token: write`)"
                .to_string(),
        }),
        (None, None) => Ok(None),
    }
}

/// A token request URL, which receives a bearer token: https, or http on this machine.
fn request_url(setting: &Setting) -> Result<Url, AuthError> {
    let url = Url::parse(&setting.value)
        .map_err(|e| AuthError::invalid(setting.name, format!("not a URL ({e})")))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() == "https" || (url.scheme() == "http" && local) {
        Ok(url)
    } else {
        Err(AuthError::invalid(
            setting.name,
            "the token request URL must use https",
        ))
    }
}

/// A local identity endpoint's URL (http is normal there).
fn http_url(setting: &Setting) -> Result<Url, AuthError> {
    match Url::parse(&setting.value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(_) => Err(AuthError::invalid(setting.name, "not an http(s) URL")),
        Err(e) => Err(AuthError::invalid(setting.name, format!("not a URL ({e})"))),
    }
}

fn managed_identity(env: &Env<'_>, ids: &Ids) -> Result<Picked, AuthError> {
    let kind = CredentialKind::ManagedIdentity;
    let endpoint = env.first(&["IDENTITY_ENDPOINT"]);
    let header = env.first(&["IDENTITY_HEADER"]);
    let (source, used, detail): (ManagedIdentitySource, Vec<&'static str>, String) = match (endpoint, header)
    {
        (Some(endpoint), Some(header)) => (
            ManagedIdentitySource::AppService {
                endpoint: http_url(&endpoint)?,
                header: Secret::new(header.value),
            },
            vec!["ARM_USE_MSI", endpoint.name, header.name],
            "App Service identity endpoint".into(),
        ),
        (Some(_), None) => {
            return Err(AuthError::Incomplete {
                credential: kind,
                switch: "ARM_USE_MSI".into(),
                missing: "IDENTITY_ENDPOINT is set without IDENTITY_HEADER (Azure Arc and Service Fabric \
                          identities are not supported)"
                    .into(),
            });
        }
        (None, _) => match env.first(&["ARM_MSI_ENDPOINT"]) {
            Some(url) => {
                let detail = format!("IMDS at {}", url.value);
                let token_url = http_url(&url)?;
                (
                    ManagedIdentitySource::Imds { token_url },
                    vec!["ARM_USE_MSI", url.name],
                    detail,
                )
            }
            None => (ManagedIdentitySource::imds(), vec!["ARM_USE_MSI"], "IMDS".into()),
        },
    };
    let client_id = ids.client.as_ref().map(|c| c.value.clone());
    let detail = match &client_id {
        Some(_) => format!("{detail}, user-assigned identity"),
        None => format!("{detail}, system-assigned identity"),
    };
    let credential = ManagedIdentityCredential::new(source, client_id)?;
    Ok((Arc::new(credential), ids.info(kind, &used, Some(detail))))
}
