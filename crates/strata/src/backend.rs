//! Choosing an environment's state store: the backend in the configuration, overridden by
//! what `strata init -backend-config …` saved in `.strata/backend/<env>.json`.
//!
//! Saved settings never hold secrets: keys and SAS tokens come from the environment
//! (ARM_ACCESS_KEY, ARM_SAS_TOKEN) on every run, as CI injects them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use strata_config::{BackendKind, Environment};
use strata_state::{LocalStore, StateStore};
use strata_state_blob::{BlobBackendConfig, BlobStore, default_key};

use crate::style;

/// What `strata init` saved for an environment.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SavedBackend {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub settings: BTreeMap<String, String>,
}

fn saved_path(dir: &Path, env: &str) -> PathBuf {
    dir.join(".strata").join("backend").join(format!("{env}.json"))
}

pub fn load_saved(dir: &Path, env: &str) -> Result<SavedBackend> {
    let path = saved_path(dir, env);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not valid; run `strata init -e {env}` again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SavedBackend::default()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

pub fn save(dir: &Path, env: &str, saved: &SavedBackend) -> Result<PathBuf> {
    let path = saved_path(dir, env);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut clean = saved.clone();
    clean
        .settings
        .retain(|k, _| !strata_config::SECRET_SETTINGS.contains(&k.as_str()));
    std::fs::write(&path, serde_json::to_vec_pretty(&clean)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Parses `-backend-config` arguments: `KEY=VALUE` pairs, or a file of `key = "value"` lines.
pub fn parse_backend_config(args: &[String]) -> Result<SavedBackend> {
    let mut out = SavedBackend::default();
    for arg in args {
        if let Some((k, v)) = arg.split_once('=') {
            let (k, v) = (k.trim(), v.trim().trim_matches('"'));
            if k == "type" || k == "backend" {
                out.kind = Some(v.to_string());
            } else {
                out.settings.insert(k.to_string(), v.to_string());
            }
            continue;
        }
        let text = std::fs::read_to_string(arg)
            .with_context(|| format!("-backend-config {arg:?} is neither KEY=VALUE nor a readable file"))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or_else(|| {
                anyhow!(
                    "{arg}:{}: expected key = \"value\"\n  {} one setting per line",
                    n + 1,
                    style::hint_label()
                )
            })?;
            let (k, v) = (k.trim(), v.trim().trim_matches('"'));
            if k == "type" || k == "backend" {
                out.kind = Some(v.to_string());
            } else {
                out.settings.insert(k.to_string(), v.to_string());
            }
        }
    }
    Ok(out)
}

/// The effective backend of `env`: kind and settings, config then saved then `extra`.
pub fn effective(
    dir: &Path,
    stack: &str,
    env: &Environment,
    extra: Option<&SavedBackend>,
) -> Result<(BackendKind, BTreeMap<String, String>)> {
    let saved = load_saved(dir, &env.name)?;
    let mut kind = env.backend.kind;
    let mut settings = env.backend.settings.clone();
    for layer in [Some(&saved), extra].into_iter().flatten() {
        if let Some(k) = &layer.kind {
            let parsed = BackendKind::parse(k).ok_or_else(|| {
                anyhow!(
                    "`{k}` is not a state backend\n  {} backends are \"local\" and \"azurerm\"",
                    style::hint_label()
                )
            })?;
            if parsed != kind {
                settings.clear();
            }
            kind = parsed;
        }
        settings.extend(layer.settings.clone());
    }
    if kind == BackendKind::AzureRm {
        settings
            .entry("key".into())
            .or_insert_with(|| default_key(stack, &env.name));
    }
    Ok((kind, settings))
}

/// Opens the state store of `env`.
pub fn open(dir: &Path, stack: &str, env: &Environment, extra: Option<&SavedBackend>) -> Result<Store> {
    let (kind, settings) = effective(dir, stack, env, extra)?;
    match kind {
        BackendKind::Local => Ok(Store::Local(LocalStore::new(dir, &env.name))),
        BackendKind::AzureRm => {
            let config = BlobBackendConfig::from_pairs(&settings, &|k| std::env::var(k).ok())
                .map_err(|e| anyhow!("the azurerm backend of {}: {e}", env.name))?;
            let entra = config.needs_credential();
            let config = if entra {
                // Entra ID: the same credential chain as for ARM (no ListKeys call, so no
                // management-plane throttling), asking for a storage token.
                let lookup = |k: &str| std::env::var(k).ok();
                let cloud = match std::env::var("ARM_ENVIRONMENT") {
                    Ok(name) => strata_auth::CloudConfig::named(&name).ok_or_else(|| {
                        anyhow!("ARM_ENVIRONMENT={name} is not public, usgovernment or china")
                    })?,
                    Err(_) => strata_auth::CloudConfig::azure_public(),
                };
                let (credential, _) = strata_auth::CredentialChain::from_env(&lookup, &cloud).map_err(|e| {
                    anyhow!(
                        "the azurerm backend of {} uses Entra ID but no credential was found: {e}\n  {} set ARM_ACCESS_KEY or ARM_SAS_TOKEN for the storage account, or an ARM_* credential",
                        env.name,
                        style::hint_label()
                    )
                })?;
                config.with_credential(credential)
            } else {
                config
            };
            let store =
                BlobStore::new(&config).map_err(|e| {
                    if entra {
                        anyhow!(
                            "the azurerm backend of {} (Entra ID): {e}\n  {} for a key or SAS instead, set ARM_ACCESS_KEY or ARM_SAS_TOKEN",
                            env.name,
                            style::hint_label()
                        )
                    } else {
                        anyhow!("the azurerm backend of {}: {e}", env.name)
                    }
                })?;
            Ok(Store::Blob(Box::new(store)))
        }
    }
}

/// A state store of either kind, with access to the blob-only features.
pub enum Store {
    Local(LocalStore),
    Blob(Box<BlobStore>),
}

impl Store {
    pub fn as_dyn(&self) -> &dyn StateStore {
        match self {
            Store::Local(s) => s,
            Store::Blob(s) => s.as_ref(),
        }
    }

    pub fn blob(&self) -> Option<&BlobStore> {
        match self {
            Store::Blob(s) => Some(s),
            Store::Local(_) => None,
        }
    }
}
