//! Where the state blob lives and how to reach it: [`BlobBackendConfig`], read from the
//! `backend "azurerm"` settings with OpenTofu's names.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use strata_arm::TokenCredential;
use strata_core::Secret;
use url::Url;

use crate::error::BlobConfigError;

mod checks;

use checks::{
    account_key, check_account_key, check_account_name, check_blob_name, check_container_name,
    check_lease_duration, parse_bool, parse_endpoint, parse_lease_duration,
};

/// The lease a lock takes unless configured otherwise: long enough to ride out a slow
/// renewal, short enough that a killed run frees the state within a minute.
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(60);
/// Azure accepts finite leases of 15 to 60 seconds.
pub const MIN_LEASE_DURATION: Duration = Duration::from_secs(15);
pub const MAX_LEASE_DURATION: Duration = Duration::from_secs(60);

/// The blob name of an environment's state when the configuration names none:
/// `<stack>/<env>.tfstate`, one blob per environment under a folder per stack, so several
/// stacks can share a container.
pub fn default_key(stack: &str, environment: &str) -> String {
    format!("{stack}/{environment}.tfstate")
}

/// How requests to blob storage are authenticated.
#[derive(Clone)]
pub enum BlobAuth {
    /// The storage account's shared key (base64), signed into every request.
    AccountKey(Secret),
    /// A SAS token (the query string, with or without its leading `?`).
    Sas(Secret),
    /// An Entra ID token source (scope `https://storage.azure.com/.default`). Needs https.
    Token(Arc<dyn TokenCredential>),
    /// Entra ID was chosen but no credential was supplied yet: call
    /// [`BlobBackendConfig::with_credential`] before opening the store.
    EntraId,
}

impl fmt::Debug for BlobAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobAuth::AccountKey(k) => f.debug_tuple("AccountKey").field(k).finish(),
            BlobAuth::Sas(s) => f.debug_tuple("Sas").field(s).finish(),
            BlobAuth::Token(_) => f.write_str("Token(<credential>)"),
            BlobAuth::EntraId => f.write_str("EntraId"),
        }
    }
}

impl BlobAuth {
    /// What the user should check when the service refuses this credential.
    pub(crate) fn hint(&self) -> &'static str {
        match self {
            BlobAuth::AccountKey(_) => {
                "check the storage account key (`access_key` or ARM_ACCESS_KEY), and that shared-key \
                 access is allowed on the account"
            }
            BlobAuth::Sas(_) => {
                "check the SAS token (`sas_token` or ARM_SAS_TOKEN): it may have expired, or lack the \
                 read, write, delete, list, add and create permissions on blobs"
            }
            BlobAuth::Token(_) | BlobAuth::EntraId => {
                "check that the signed-in identity (az login, or the AZURE_* variables) has the \
                 `Storage Blob Data Contributor` role on the account or container"
            }
        }
    }
}

/// Everything needed to open the state blob of one environment.
#[derive(Clone, Debug)]
pub struct BlobBackendConfig {
    pub storage_account_name: String,
    pub container_name: String,
    /// The blob name; see [`default_key`].
    pub key: String,
    /// The blob service URL when it is not `https://<account>.blob.core.windows.net`:
    /// a sovereign cloud, a private endpoint, or Azurite (`http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: Option<Url>,
    pub auth: BlobAuth,
    /// The lease a lock holds, renewed every third of it (15 to 60 s).
    pub lease_duration: Duration,
    /// Snapshot the blob before every write, so earlier states can be listed and restored
    /// on accounts without blob versioning.
    pub snapshot: bool,
    /// How long one blob call keeps retrying transient failures (timeouts, 5xx, refused
    /// connections) before giving up: OpenTofu's `timeout_seconds`. `None`: one minute.
    pub timeout: Option<Duration>,
    /// For bootstrapping the account (`strata init`); the store itself does not use them.
    pub resource_group_name: Option<String>,
    pub subscription_id: Option<String>,
}

/// Settings the OpenTofu backend takes for its own credential chain; strata takes Entra ID
/// credentials the way it does for ARM instead.
const TOFU_CREDENTIAL_KEYS: &[&str] = &[
    "client_id",
    "client_id_file_path",
    "client_secret",
    "client_secret_file_path",
    "client_certificate",
    "client_certificate_password",
    "client_certificate_path",
    "use_msi",
    "msi_endpoint",
    "use_oidc",
    "oidc_request_url",
    "oidc_request_token",
    "oidc_token",
    "oidc_token_file_path",
    "ado_pipeline_service_connection_id",
    "ado_service_connection_id",
    "use_aks_workload_identity",
    "use_cli",
    "environment",
    "metadata_host",
];

const ACCEPTED_KEYS: &[&str] = &[
    "storage_account_name",
    "container_name",
    "key",
    "access_key",
    "sas_token",
    "use_azuread_auth",
    "endpoint",
    "blob_endpoint",
    "snapshot",
    "lease_duration",
    "resource_group_name",
    "subscription_id",
    "tenant_id",
    "timeout_seconds",
];

impl BlobBackendConfig {
    /// A configuration with the default lease and no snapshots.
    pub fn new(
        storage_account_name: impl Into<String>,
        container_name: impl Into<String>,
        key: impl Into<String>,
        auth: BlobAuth,
    ) -> BlobBackendConfig {
        BlobBackendConfig {
            storage_account_name: storage_account_name.into(),
            container_name: container_name.into(),
            key: key.into(),
            endpoint: None,
            auth,
            lease_duration: DEFAULT_LEASE_DURATION,
            snapshot: false,
            timeout: None,
            resource_group_name: None,
            subscription_id: None,
        }
    }

    /// Reads the backend settings, with OpenTofu's names, from `pairs` (the backend block and
    /// `-backend-config` merged) and `env` (the process environment, in production).
    ///
    /// Credentials: `access_key` (else ARM_ACCESS_KEY), then `sas_token` (else ARM_SAS_TOKEN);
    /// `use_azuread_auth = true` (or ARM_USE_AZUREAD) or no key and no SAS at all means Entra
    /// ID ([`BlobAuth::EntraId`]: supply the credential with [`Self::with_credential`]).
    /// strata never fetches the account key through ARM. Naming two credentials explicitly is
    /// an error; one named explicitly wins over the environment.
    pub fn from_pairs(
        pairs: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BlobBackendConfig, BlobConfigError> {
        for key in pairs.keys() {
            if TOFU_CREDENTIAL_KEYS.contains(&key.as_str()) {
                return Err(BlobConfigError::Unsupported { key: key.clone() });
            }
            if !ACCEPTED_KEYS.contains(&key.as_str()) {
                return Err(BlobConfigError::Unknown {
                    key: key.clone(),
                    accepted: ACCEPTED_KEYS.join(", "),
                });
            }
        }
        let get = |k: &str| {
            pairs
                .get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let required = |k: &'static str| get(k).ok_or(BlobConfigError::Missing { key: k });

        let account = required("storage_account_name")?;
        check_account_name(&account)?;
        let container = required("container_name")?;
        check_container_name(&container)?;
        let key = required("key")?;
        check_blob_name(&key)?;

        let endpoint = match (get("endpoint"), get("blob_endpoint")) {
            (Some(_), Some(_)) => {
                return Err(BlobConfigError::Conflict {
                    keys: "`endpoint` and `blob_endpoint`",
                    reason: "they name the same thing; keep one",
                });
            }
            (Some(e), None) => Some(parse_endpoint("endpoint", &e)?),
            (None, Some(e)) => Some(parse_endpoint("blob_endpoint", &e)?),
            (None, None) => None,
        };

        let azuread = match get("use_azuread_auth") {
            Some(v) => Some(parse_bool("use_azuread_auth", &v)?),
            None => None,
        };
        let explicit_key = get("access_key");
        let explicit_sas = get("sas_token");
        let named = [
            explicit_key.is_some(),
            explicit_sas.is_some(),
            azuread == Some(true),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if named > 1 {
            return Err(BlobConfigError::Conflict {
                keys: "`access_key`, `sas_token` and `use_azuread_auth`",
                reason: "choose one way to authenticate",
            });
        }
        let env_nonempty = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let auth = if let Some(k) = explicit_key {
            account_key("access_key", k)?
        } else if let Some(s) = explicit_sas {
            BlobAuth::Sas(Secret::new(s))
        } else if azuread == Some(true)
            || (azuread.is_none()
                && env_nonempty("ARM_USE_AZUREAD").is_some_and(|v| v.eq_ignore_ascii_case("true")))
        {
            BlobAuth::EntraId
        } else if let Some(k) = env_nonempty("ARM_ACCESS_KEY") {
            account_key("ARM_ACCESS_KEY", k)?
        } else if let Some(s) = env_nonempty("ARM_SAS_TOKEN") {
            BlobAuth::Sas(Secret::new(s))
        } else {
            BlobAuth::EntraId
        };

        let snapshot = match get("snapshot") {
            Some(v) => parse_bool("snapshot", &v)?,
            None => false,
        };
        let lease_duration = match get("lease_duration") {
            Some(v) => parse_lease_duration(&v)?,
            None => DEFAULT_LEASE_DURATION,
        };
        let timeout = match get("timeout_seconds") {
            Some(v) => match v.parse::<u32>() {
                // OpenTofu documents 0 as "no timeout": keep the default then.
                Ok(0) => None,
                Ok(secs) => Some(Duration::from_secs(u64::from(secs))),
                Err(_) => {
                    return Err(BlobConfigError::Invalid {
                        key: "timeout_seconds",
                        value: v.clone(),
                        reason: "expected a whole number of seconds".into(),
                    });
                }
            },
            None => None,
        };

        Ok(BlobBackendConfig {
            storage_account_name: account,
            container_name: container,
            key,
            endpoint,
            auth,
            lease_duration,
            snapshot,
            timeout,
            resource_group_name: get("resource_group_name"),
            subscription_id: get("subscription_id"),
        })
    }

    /// Supplies the Entra ID credential when [`BlobAuth::EntraId`] was chosen; other
    /// authentication is left as it is.
    #[must_use]
    pub fn with_credential(mut self, credential: Arc<dyn TokenCredential>) -> BlobBackendConfig {
        if matches!(self.auth, BlobAuth::EntraId) {
            self.auth = BlobAuth::Token(credential);
        }
        self
    }

    /// Whether an Entra ID credential must still be supplied.
    pub fn needs_credential(&self) -> bool {
        matches!(self.auth, BlobAuth::EntraId)
    }

    /// The blob service URL, without a trailing slash.
    pub fn service_url(&self) -> Result<Url, BlobConfigError> {
        match &self.endpoint {
            Some(u) => parse_endpoint("endpoint", u.as_str()),
            None => parse_endpoint(
                "storage_account_name",
                &format!("https://{}.blob.core.windows.net", self.storage_account_name),
            ),
        }
    }

    /// Checks every field, as [`from_pairs`](Self::from_pairs) does, for configurations built
    /// in code.
    pub fn validate(&self) -> Result<(), BlobConfigError> {
        check_account_name(&self.storage_account_name)?;
        check_container_name(&self.container_name)?;
        check_blob_name(&self.key)?;
        check_lease_duration(self.lease_duration, &format!("{:?}", self.lease_duration))?;
        if let Some(e) = &self.endpoint {
            parse_endpoint("endpoint", e.as_str())?;
        }
        match &self.auth {
            BlobAuth::AccountKey(k) => check_account_key("access_key", k.expose()),
            BlobAuth::Sas(s) if s.is_empty() => Err(BlobConfigError::Missing { key: "sas_token" }),
            BlobAuth::EntraId => Err(BlobConfigError::NoCredential),
            BlobAuth::Sas(_) | BlobAuth::Token(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("storage_account_name", "ststate01"),
            ("container_name", "tfstate"),
            ("key", "shop/dev.tfstate"),
        ]
    }

    const KEY: &str =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn default_key_is_per_stack_and_environment() {
        assert_eq!(default_key("shop", "prod"), "shop/prod.tfstate");
    }

    #[test]
    fn minimal_settings_default_to_entra_id() {
        let c = BlobBackendConfig::from_pairs(&pairs(&base()), &no_env).unwrap();
        assert_eq!(c.storage_account_name, "ststate01");
        assert_eq!(c.key, "shop/dev.tfstate");
        assert!(c.needs_credential());
        assert_eq!(c.lease_duration, DEFAULT_LEASE_DURATION);
        assert!(!c.snapshot);
        assert_eq!(
            c.service_url().unwrap().as_str(),
            "https://ststate01.blob.core.windows.net/"
        );
        let c = c.with_credential(Arc::new(strata_arm::StaticToken::new(Secret::new("t"))));
        assert!(matches!(c.auth, BlobAuth::Token(_)));
    }

    #[test]
    fn credentials_from_settings_and_environment() {
        let mut kv = base();
        kv.push(("access_key", KEY));
        let c = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env).unwrap();
        assert!(matches!(&c.auth, BlobAuth::AccountKey(k) if k.expose() == KEY));
        assert!(!format!("{c:?}").contains(KEY), "the key never shows in Debug");

        let env = |k: &str| (k == "ARM_SAS_TOKEN").then(|| "?sv=2020&sig=abc".to_string());
        let c = BlobBackendConfig::from_pairs(&pairs(&base()), &env).unwrap();
        assert!(matches!(&c.auth, BlobAuth::Sas(_)));

        let env = |k: &str| match k {
            "ARM_ACCESS_KEY" => Some(KEY.to_string()),
            "ARM_SAS_TOKEN" => Some("sig=x".to_string()),
            _ => None,
        };
        let c = BlobBackendConfig::from_pairs(&pairs(&base()), &env).unwrap();
        assert!(
            matches!(&c.auth, BlobAuth::AccountKey(_)),
            "the key comes first, as in OpenTofu"
        );

        // An explicit choice wins over the environment.
        let mut kv = base();
        kv.push(("use_azuread_auth", "true"));
        let c = BlobBackendConfig::from_pairs(&pairs(&kv), &env).unwrap();
        assert!(c.needs_credential());
        let env_ad = |k: &str| (k == "ARM_USE_AZUREAD").then(|| "true".to_string());
        let mut kv = base();
        kv.push(("sas_token", "sv=1&sig=2"));
        let c = BlobBackendConfig::from_pairs(&pairs(&kv), &env_ad).unwrap();
        assert!(matches!(&c.auth, BlobAuth::Sas(_)));
    }

    #[test]
    fn conflicting_and_bad_credentials_are_refused_without_echoing_them() {
        let mut kv = base();
        kv.push(("access_key", KEY));
        kv.push(("sas_token", "sig=x"));
        let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env).unwrap_err();
        assert!(err.to_string().contains("choose one"), "{err}");

        let mut kv = base();
        kv.push(("access_key", "not base64 !!"));
        let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("access_key") && !err.contains("not base64"), "{err}");
    }

    #[test]
    fn names_are_checked() {
        for (k, v, needle) in [
            ("storage_account_name", "St-State", "3 to 24"),
            ("storage_account_name", "ab", "3 to 24"),
            ("container_name", "TF", "container name"),
            ("container_name", "a--b", "container name"),
            ("key", "dev/", "must not end"),
        ] {
            let mut kv: Vec<_> = base().into_iter().filter(|(bk, _)| *bk != k).collect();
            kv.push((k, v));
            let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
                .unwrap_err()
                .to_string();
            assert!(err.contains(k) && err.contains(needle), "{k}={v}: {err}");
        }
        let kv: Vec<_> = base().into_iter().filter(|(k, _)| *k != "key").collect();
        let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`key`") && err.contains("-backend-config"), "{err}");
    }

    #[test]
    fn unknown_and_opentofu_only_settings() {
        let mut kv = base();
        kv.push(("stroage_account", "x"));
        let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("stroage_account") && err.contains("container_name"),
            "{err}"
        );
        let mut kv = base();
        kv.push(("use_msi", "true"));
        let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("use_msi") && err.contains("AZURE_"), "{err}");
    }

    #[test]
    fn endpoint_snapshot_and_lease() {
        let mut kv = base();
        kv.push(("endpoint", "http://127.0.0.1:10000/devstoreaccount1/"));
        kv.push(("snapshot", "true"));
        kv.push(("lease_duration", "30s"));
        kv.push(("timeout_seconds", "120"));
        let c = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env).unwrap();
        assert_eq!(c.timeout, Some(Duration::from_secs(120)));
        assert_eq!(
            c.service_url().unwrap().as_str(),
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        assert!(c.snapshot);
        assert_eq!(c.lease_duration, Duration::from_secs(30));

        for (k, v) in [
            ("lease_duration", "10"),
            ("lease_duration", "-1"),
            ("lease_duration", "2m"),
            ("snapshot", "yes"),
            ("timeout_seconds", "-5"),
            ("blob_endpoint", "ftp://x"),
            ("blob_endpoint", "https://a.blob.core.windows.net?sv=1"),
        ] {
            let mut kv = base();
            kv.push((k, v));
            let err = BlobBackendConfig::from_pairs(&pairs(&kv), &no_env)
                .unwrap_err()
                .to_string();
            assert!(err.contains(k), "{k}={v}: {err}");
        }
    }

    #[test]
    fn validate_checks_code_built_configs() {
        let c = BlobBackendConfig::new("ststate01", "tfstate", "dev.tfstate", BlobAuth::EntraId);
        assert!(matches!(c.validate(), Err(BlobConfigError::NoCredential)));
        let mut c = BlobBackendConfig::new(
            "ststate01",
            "tfstate",
            "dev.tfstate",
            BlobAuth::AccountKey(Secret::new(KEY)),
        );
        c.validate().unwrap();
        c.endpoint = Some(Url::parse("http://127.0.0.1:10000/devstoreaccount1/").unwrap());
        c.validate().unwrap();
        c.endpoint = Some(Url::parse("https://a.blob.core.windows.net/?sig=x").unwrap());
        assert!(c.validate().is_err());
        c.endpoint = None;
        c.lease_duration = Duration::from_secs(5);
        assert!(c.validate().is_err());
    }
}
