//! State backends: where each environment keeps its state.
//!
//! A stack may declare a default with a `backend "azurerm" { … }` (or `backend "local" {}`)
//! block; an environment may choose its own with a `backend = { type = "azurerm", … }`
//! attribute, whose settings merge over the stack's when the type is the same (and over its
//! ancestors' when it inherits). Settings are constant strings (booleans and numbers are kept
//! as their text); credentials belong in the environment (ARM_ACCESS_KEY, ARM_SAS_TOKEN, …) or
//! in `-backend-config`, never in files.

use std::collections::BTreeMap;

use strata_core::{SourceLoc, Value};

use super::schema::{Attr, Reader};
use crate::source::Place;

/// The kinds of state backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// `.strata/state/<env>.json` in the stack folder.
    Local,
    /// A blob in Azure Storage, locked with a lease (OpenTofu's `azurerm` backend layout).
    AzureRm,
}

impl BackendKind {
    pub fn parse(s: &str) -> Option<BackendKind> {
        match s {
            "local" => Some(BackendKind::Local),
            "azurerm" => Some(BackendKind::AzureRm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Local => "local",
            BackendKind::AzureRm => "azurerm",
        }
    }
}

/// An environment's state backend, as configured (before `-backend-config` overrides).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub kind: BackendKind,
    pub settings: BTreeMap<String, String>,
    /// Where it was chosen, for messages.
    pub loc: Option<SourceLoc>,
}

impl Default for Backend {
    fn default() -> Self {
        Backend {
            kind: BackendKind::Local,
            settings: BTreeMap::new(),
            loc: None,
        }
    }
}

/// Backend settings whose values are secrets: refused in stack files, and never saved by
/// `strata init`.
pub const SECRET_SETTINGS: &[&str] = &[
    "access_key",
    "sas_token",
    "client_secret",
    "client_certificate_password",
];

/// Reads constant settings from attributes; `what` names the block for messages.
pub(crate) fn settings_from_values(
    r: &mut Reader<'_>,
    values: impl IntoIterator<Item = (String, Value, Place)>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, value, place) in values {
        if SECRET_SETTINGS.contains(&key.as_str()) {
            let d = r.error(
                format!("`{key}` is a secret and cannot be written in a stack file"),
                &place,
            );
            d.hint = Some(format!(
                "set it in the environment (e.g. ARM_{}) or pass it with -backend-config {key}=… in CI",
                key.to_ascii_uppercase()
            ));
            continue;
        }
        match crate::ops::to_plain_string(&value) {
            Some(s) => {
                out.insert(key, s);
            }
            None => {
                let d = r.error(
                    format!("backend setting `{key}` must be a string, number or bool"),
                    &place,
                );
                d.hint = Some("write it as key = \"value\"".into());
            }
        }
    }
    out
}

/// The stack-level `backend "<kind>" { … }` block.
pub(crate) fn from_block(
    r: &mut Reader<'_>,
    kind: &str,
    kind_place: &Place,
    attrs: BTreeMap<String, Attr>,
) -> Option<Backend> {
    let Some(kind) = BackendKind::parse(kind) else {
        let d = r.error(format!("`{kind}` is not a state backend"), kind_place);
        d.hint = Some("backends are \"local\" (the default) and \"azurerm\" (Azure Blob Storage)".into());
        return None;
    };
    let mut values = Vec::new();
    for (k, a) in attrs {
        if let Some(v) = r.constant(&a) {
            values.push((k, v, a.value_place()));
        }
    }
    let settings = settings_from_values(r, values);
    Some(Backend {
        kind,
        settings,
        loc: kind_place.loc(r.sources),
    })
}

/// Merges an environment's `backend = { type = …, … }` over `base`.
pub(crate) fn merge_env_attr(r: &mut Reader<'_>, base: Backend, attr: &Attr) -> Backend {
    let Some(value) = r.constant(attr) else {
        return base;
    };
    let Value::Object(mut obj) = value else {
        let d = r.error("`backend` must be an object", &attr.value_place());
        d.hint = Some("write backend = { type = \"azurerm\", storage_account_name = \"…\", container_name = \"tfstate\" }".into());
        return base;
    };
    let kind = match obj.remove("type") {
        None => base.kind,
        Some(t) => match t.as_str().and_then(BackendKind::parse) {
            Some(k) => k,
            None => {
                let d = r.error(
                    "`backend.type` must be \"local\" or \"azurerm\"",
                    &attr.value_place(),
                );
                d.hint =
                    Some("backends are \"local\" (the default) and \"azurerm\" (Azure Blob Storage)".into());
                return base;
            }
        },
    };
    let place = attr.value_place();
    let values: Vec<_> = obj.into_iter().map(|(k, v)| (k, v, place.clone())).collect();
    let settings = settings_from_values(r, values);
    let mut merged = if kind == base.kind {
        base.settings
    } else {
        BTreeMap::new()
    };
    merged.extend(settings);
    Backend {
        kind,
        settings: merged,
        loc: attr.place.loc(r.sources),
    }
}
