//! [`CloudConfig`]: which Entra ID authority and which ARM endpoint to use — Azure's public
//! cloud, a sovereign cloud, or a local stand-in such as strata's emulator.
//!
//! Read from the variables OpenTofu's azurerm provider and the Azure SDKs use:
//! - `ARM_ENVIRONMENT` = `public` | `usgovernment` | `china` (also the SDKs' names
//!   `AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`);
//! - `ARM_METADATA_HOSTNAME`: a host serving ARM's `/metadata/endpoints` document, which names
//!   both endpoints (Azure Stack, custom clouds, the emulator);
//! - `ARM_AUTHORITY_HOST` / `AZURE_AUTHORITY_HOST`: the authority alone, overriding the above.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::Value;
use url::{Host, Url};

use crate::env::Env;
use crate::error::AuthError;
use crate::http::{self, json_object};

/// Where tokens come from and where they are used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudConfig {
    /// Entra ID's authority, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Url,
    /// ARM, e.g. `https://management.azure.com`.
    pub arm_endpoint: Url,
}

const METADATA_SERVICE: &str = "the cloud metadata endpoint";

impl CloudConfig {
    /// Azure's public cloud.
    pub fn azure_public() -> CloudConfig {
        CloudConfig::known(
            "https://login.microsoftonline.com",
            "https://management.azure.com",
        )
    }

    /// Azure Government (US).
    pub fn azure_us_government() -> CloudConfig {
        CloudConfig::known(
            "https://login.microsoftonline.us",
            "https://management.usgovcloudapi.net",
        )
    }

    /// Azure operated by 21Vianet (China).
    pub fn azure_china() -> CloudConfig {
        CloudConfig::known(
            "https://login.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
        )
    }

    fn known(authority: &str, arm: &str) -> CloudConfig {
        CloudConfig {
            authority_host: Url::parse(authority).expect("a well-known authority is a valid URL"),
            arm_endpoint: Url::parse(arm).expect("a well-known ARM endpoint is a valid URL"),
        }
    }

    /// A cloud by the name `ARM_ENVIRONMENT` takes.
    pub fn named(name: &str) -> Option<CloudConfig> {
        match name.to_ascii_lowercase().as_str() {
            "public" | "azurecloud" | "azurepubliccloud" => Some(CloudConfig::azure_public()),
            "usgovernment" | "azureusgovernment" | "azureusgovernmentcloud" => {
                Some(CloudConfig::azure_us_government())
            }
            "china" | "azurechinacloud" => Some(CloudConfig::azure_china()),
            _ => None,
        }
    }

    /// The token scope for ARM: its origin plus `/.default`.
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_endpoint.origin().ascii_serialization())
    }

    /// The cloud the environment describes (the public cloud when it says nothing). Fetches
    /// the metadata document when `ARM_METADATA_HOSTNAME` is set.
    pub async fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<CloudConfig, AuthError> {
        let env = Env::new(lookup);
        let mut cloud = match env.get("ARM_ENVIRONMENT") {
            Some(name) => CloudConfig::named(&name).ok_or_else(|| {
                AuthError::invalid(
                    "ARM_ENVIRONMENT",
                    format!("`{name}` is not one of public, usgovernment, china"),
                )
            })?,
            None => CloudConfig::azure_public(),
        };
        if let Some(host) = env.get("ARM_METADATA_HOSTNAME") {
            cloud = CloudConfig::from_metadata_host(&host).await?;
        }
        if let Some(setting) = env.first(&["ARM_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST"]) {
            cloud.authority_host =
                endpoint_url(&setting.value).map_err(|problem| AuthError::invalid(setting.name, problem))?;
        }
        Ok(cloud)
    }

    /// Reads `{host}/metadata/endpoints`. `host` is a host name (https), or a full URL for a
    /// local endpoint over http.
    pub async fn from_metadata_host(host: &str) -> Result<CloudConfig, AuthError> {
        let base =
            endpoint_url(host).map_err(|problem| AuthError::invalid("ARM_METADATA_HOSTNAME", problem))?;
        let mut url = base
            .join("metadata/endpoints")
            .map_err(|e| AuthError::invalid("ARM_METADATA_HOSTNAME", e.to_string()))?;
        url.query_pairs_mut().append_pair("api-version", "2022-09-01");
        let client = http::client_for(&url, Duration::from_secs(30), Duration::from_secs(10))?;
        let answer = http::send(METADATA_SERVICE, &url, &[], || client.get(url.clone())).await?;
        if !(200..300).contains(&answer.status) {
            return Err(AuthError::InvalidResponse {
                service: METADATA_SERVICE,
                message: format!("HTTP {} from {}", answer.status, http::display_url(&url)),
            });
        }
        parse_metadata(&answer.body, &base)
    }
}

/// A host name (`management.azure.com`) or a URL. Bare hosts get https, except loopback
/// addresses, which get http (the emulator).
fn endpoint_url(text: &str) -> Result<Url, String> {
    let candidate = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let mut url = Url::parse(&candidate).map_err(|e| format!("`{text}` is not a host name or URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` is not an http(s) URL"));
    }
    if !text.contains("://") && is_loopback(&url) {
        url.set_scheme("http")
            .map_err(|()| format!("`{text}` cannot use http"))?;
    }
    // A plain-text authority would carry secrets in the clear: only the local machine may.
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "`{text}` must use https (http is only allowed on this machine)"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The endpoints in a metadata document: an object, or an array of clouds (the entry whose
/// ARM endpoint is on `base`'s host, else the first).
fn parse_metadata(body: &[u8], base: &Url) -> Result<CloudConfig, AuthError> {
    let invalid = |message: &str| AuthError::InvalidResponse {
        service: METADATA_SERVICE,
        message: message.to_string(),
    };
    let value: Value = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => {
            let host = base.host_str().unwrap_or_default();
            let on_host = items.iter().find(|cloud| {
                cloud
                    .get("resourceManager")
                    .and_then(Value::as_str)
                    .and_then(|u| Url::parse(u).ok())
                    .is_some_and(|u| u.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host)))
            });
            on_host
                .or(items.first())
                .cloned()
                .ok_or_else(|| invalid("the list of clouds is empty"))?
        }
        Ok(other) => other,
        Err(_) => Value::Object(json_object(METADATA_SERVICE, body)?),
    };
    let login = value
        .pointer("/authentication/loginEndpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("no `authentication.loginEndpoint`"))?;
    let arm = value
        .get("resourceManager")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("no `resourceManager`"))?;
    let parse = |text: &str| {
        endpoint_url(text).map_err(|problem| AuthError::InvalidResponse {
            service: METADATA_SERVICE,
            message: problem,
        })
    };
    Ok(CloudConfig {
        authority_host: parse(login)?,
        arm_endpoint: parse(arm)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn named_clouds_and_overrides() {
        let none = |_: &str| None;
        assert_eq!(
            CloudConfig::from_env(&none).await.unwrap(),
            CloudConfig::azure_public()
        );
        let gov = |k: &str| (k == "ARM_ENVIRONMENT").then(|| "USGovernment".to_string());
        let cloud = CloudConfig::from_env(&gov).await.unwrap();
        assert_eq!(cloud.arm_scope(), "https://management.usgovcloudapi.net/.default");
        let bad = |k: &str| (k == "ARM_ENVIRONMENT").then(|| "mars".to_string());
        let err = CloudConfig::from_env(&bad).await.unwrap_err().to_string();
        assert!(
            err.starts_with("ARM_ENVIRONMENT is set to an unusable value"),
            "{err}"
        );
        let local = |k: &str| (k == "AZURE_AUTHORITY_HOST").then(|| "127.0.0.1:9".to_string());
        let cloud = CloudConfig::from_env(&local).await.unwrap();
        assert_eq!(cloud.authority_host.as_str(), "http://127.0.0.1:9/");
        let insecure = |k: &str| (k == "ARM_AUTHORITY_HOST").then(|| "http://login.example.com".to_string());
        assert!(CloudConfig::from_env(&insecure).await.is_err());
    }

    #[test]
    fn metadata_documents() {
        let base: Url = "https://management.contoso.local/".parse().unwrap();
        let list = serde_json::json!([
            {"name": "Other", "resourceManager": "https://management.other.local/",
             "authentication": {"loginEndpoint": "https://login.other.local/"}},
            {"name": "Contoso", "resourceManager": "https://management.contoso.local/",
             "authentication": {"loginEndpoint": "https://login.contoso.local/adfs"}},
        ]);
        let cloud = parse_metadata(list.to_string().as_bytes(), &base).unwrap();
        assert_eq!(cloud.authority_host.as_str(), "https://login.contoso.local/adfs/");
        assert_eq!(cloud.arm_scope(), "https://management.contoso.local/.default");
        let object = serde_json::json!({"resourceManager": "http://127.0.0.1:5/",
            "authentication": {"loginEndpoint": "http://127.0.0.1:5/"}});
        assert!(parse_metadata(object.to_string().as_bytes(), &base).is_ok());
        assert!(parse_metadata(b"[]", &base).is_err());
        assert!(parse_metadata(br#"{"resourceManager":"x"}"#, &base).is_err());
    }
}
